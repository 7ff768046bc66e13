/// Waiting queries, taken in turn per site: a site's token that sends queries without pause gets
/// at most half the waiting places, and another site's query waits for at most one of its
/// waiting queries (and for a thread: running queries are not stopped, each bounded by
/// `QUERY_TIMEOUT_SECONDS`).
struct TenantQueue<Job> {
    /// Most jobs waiting in all.
    let capacity: Int
    /// Most jobs one tenant may have waiting: half the places, at least one.
    var perTenant: Int { max(1, capacity / 2) }

    private var waiting: [String: [Job]] = [:]
    /// Tenants with jobs waiting, the next to be served first.
    private var turns: [String] = []
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Why a job was not queued.
    enum Refusal: Error, Equatable {
        /// Every place is taken.
        case full
        /// This tenant has its share of the places.
        case tenantFull
    }

    /// Queues `job` behind the tenant's others.
    mutating func append(_ job: Job, tenant: String) throws(Refusal) {
        guard count < capacity else { throw .full }
        let jobs = waiting[tenant, default: []]
        guard jobs.count < perTenant else { throw .tenantFull }
        if jobs.isEmpty { turns.append(tenant) }
        waiting[tenant] = jobs + [job]
        count += 1
    }

    /// The next tenant's oldest job; that tenant goes to the back of the turns.
    mutating func next() -> Job? {
        guard !turns.isEmpty else { return nil }
        let tenant = turns.removeFirst()
        guard var jobs = waiting[tenant], !jobs.isEmpty else { return next() }
        let job = jobs.removeFirst()
        count -= 1
        if jobs.isEmpty {
            waiting[tenant] = nil
        } else {
            waiting[tenant] = jobs
            turns.append(tenant)
        }
        return job
    }

    /// Every job waiting, emptying the queue.
    mutating func removeAll() -> [Job] {
        var all: [Job] = []
        while let job = next() { all.append(job) }
        return all
    }
}
