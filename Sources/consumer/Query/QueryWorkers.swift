import BackgroundWork
import Foundation
import HistoryQuery
import Synchronization

/// The threads that run history queries: a ClickHouse call blocks for as long as the query runs,
/// so it must never run on the server's event loop. A fixed number of `BackgroundThread`s
/// (`QUERY_CONCURRENCY`) take jobs in turn per site (`TenantQueue`); a few more may wait, half
/// of them at most one site's, and beyond that a job is refused at once (the sender gets `503`
/// with `Retry-After`) instead of queueing without bound.
final class QueryWorkers: Sendable {
    /// A query to run, and how to answer its sender if it never runs: the consumer stops, or it
    /// waited longer than `maxWait` (its sender has likely given up; a dashboard moved on).
    struct Job: Sendable {
        /// Whose query it is: the site it asks about.
        var tenant: String
        var run: @Sendable () -> Void
        var refuse: @Sendable (QueryError) -> Void
        var queued = ContinuousClock.now
    }

    private let threads: [BackgroundThread]
    private let queue: Mutex<State>
    private let ready = DispatchSemaphore(value: 0)

    private enum State {
        case open(TenantQueue<Job>)
        case closed
    }

    private let maxWait: Duration

    init(count: Int, maxWait: Duration) {
        threads = (0..<max(1, count)).map { BackgroundThread(name: "query-\($0)") }
        // Room for two dashboard pages (7 queries each) of one site, whatever the thread count.
        queue = Mutex(.open(TenantQueue(capacity: max(16, 8 * max(1, count)))))
        self.maxWait = maxWait
    }

    func start() {
        for thread in threads {
            thread.start { [self] _ in
                // Each wake-up is one job, or the end: shutdown wakes every thread once more.
                while true {
                    ready.wait()
                    let next: Job?? = queue.withLock { state in
                        guard case .open(var jobs) = state else { return .some(nil) }
                        guard let job = jobs.next() else { return nil }
                        state = .open(jobs)
                        return .some(job)
                    }
                    switch next {
                    case .some(.some(let job)):
                        if ContinuousClock.now - job.queued > maxWait {
                            job.refuse(.unavailable("the query waited too long for a free query thread; retry"))
                        } else {
                            job.run()
                        }
                    case .some(.none): return
                    case .none: continue
                    }
                }
            }
        }
    }

    /// Queues `job`; nil when queued, else why not: too many wait already (in all, or of its
    /// site), or the workers are stopped.
    func submit(_ job: Job) -> QueryError? {
        let refusal: QueryError? = queue.withLock { state in
            guard case .open(var jobs) = state else { return .unavailable("the consumer is shutting down") }
            do throws(TenantQueue<Job>.Refusal) {
                try jobs.append(job, tenant: job.tenant)
            } catch {
                switch error {
                case .full: return .busy
                case .tenantFull: return .siteBusy(site: job.tenant)
                }
            }
            state = .open(jobs)
            return nil
        }
        if refusal == nil { ready.signal() }
        return refusal
    }

    /// Stops taking jobs, answers those never started (`refuse`), stops and joins the threads.
    /// Idempotent.
    func shutdown() {
        let left: [Job] = queue.withLock { state in
            defer { state = .closed }
            if case .open(var jobs) = state { return jobs.removeAll() }
            return []
        }
        for job in left { job.refuse(.unavailable("the consumer is shutting down")) }
        for _ in threads { ready.signal() }
        for thread in threads { thread.stopAndJoin() }
    }

    deinit { shutdown() }
}
