import AnalyticsCore
import ClickHouse
import Foundation
import HTTPServer
import HistoryQuery
import Logging
import Synchronization

/// `POST /api/v2/query`: reads the query (`StatsQueryParser`), checks the token sees its site,
/// and runs its one statement (`QuerySQL`) on a query thread (`QueryWorkers`) under ClickHouse's
/// own bounds — `readonly=2`, `max_execution_time`, `max_memory_usage` — then answers JSON or,
/// on `Accept: text/csv` or `?format=csv`, CSV.
final class HistoryQueries: Sendable {
    struct Settings: Sendable {
        var goals: [Goal] = []
        var timeZones: [String: TimeZone] = [:]
        var timeoutSeconds = 20
        var maxMemoryMegabytes = 1024
        var concurrency = 4
        /// `COUNT_BOTS`, as the live view counts.
        var countBots = false
    }

    private let client: ClickHouseClient?
    private let settings: Settings
    private let workers: QueryWorkers
    private let parser: StatsQueryParser
    private let logger: Logger
    /// Queries running now (`run`).
    private let running = Atomic<Int>(0)
    /// Today, for named date ranges (tests move it).
    private let now: @Sendable () -> Date

    /// `endpoint` nil: no history, and every query is told so.
    init(
        endpoint: ClickHouseEndpoint?, settings: Settings, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.logger = logger
        // The client's own timeout leaves ClickHouse time to say it stopped the query itself.
        client = endpoint.map { ClickHouseClient(endpoint: $0, timeout: TimeInterval(settings.timeoutSeconds + 5)) }
        self.settings = settings
        workers = QueryWorkers(count: settings.concurrency, maxWait: .seconds(settings.timeoutSeconds))
        parser = StatsQueryParser(goals: settings.goals)
        self.now = now
        workers.start()
    }

    func install(on router: inout Router, access: StatsAccess) {
        router.on(
            "POST", "/api/v2/query",
            access.requiringGrant { [self] request, grant, respond in answer(request, grant: grant, respond: respond) })
    }

    func answer(_ request: HTTPRequest, grant: StatsGrant, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let query: StatsQuery
        do {
            query = try parser.parse(request.body)
        } catch {
            return respond(error.response)
        }
        guard grant.shows(query.site) else { return respond(QueryError.forbidden(site: query.site).response) }
        guard let client else { return respond(QueryError.historyOff.response) }
        let csv = Self.wantsCSV(request.head)
        let refusal = workers.submit(
            QueryWorkers.Job(
                tenant: query.site, run: { [self] in respond(run(query, client: client, csv: csv)) },
                refuse: { respond($0.response) }))
        if let refusal { respond(refusal.response) }
    }

    /// ClickHouse threads for a statement while `inFlight` queries run (itself included); nil:
    /// ClickHouse's default, every core. Queries side by side (a dashboard page sends 7) run a
    /// thread each: one thread per query wastes less than threads that merge their halves
    /// (measured: a page's 7 queries took 1.77 s on one thread each, 1.09 s on two, summed one
    /// after another). Except the one that groups two periods' visits, 2.5 times the next: on one
    /// thread it ends alone on one core while the other idles (a page took 0.87 s so, 0.70 s with
    /// it on two). Two, not every core, so no query can take a many-core server's CPU from the
    /// others by asking for a comparison.
    static func threads(_ sql: QuerySQL, inFlight: Int) -> String? {
        guard inFlight > 1 else { return nil }
        return sql.groupsVisitsOfTwoPeriods ? "2" : "1"
    }

    /// Runs a checked query: its SQL, ClickHouse's answer, the response.
    func run(_ query: StatsQuery, client: ClickHouseClient, csv: Bool) -> HTTPResponse {
        let zone = settings.timeZones[query.site] ?? TimeZone(identifier: "UTC") ?? TimeZone.current
        let period = QueryPeriod(query.dateRange, comparison: query.comparison, timeZone: zone, now: now())
        let sql = QuerySQL(
            query: query, period: period, goals: settings.goals, database: client.endpoint.database,
            countsBots: settings.countBots)
        do {
            var bounds = [
                ("readonly", "2"), ("max_execution_time", String(settings.timeoutSeconds)),
                ("max_memory_usage", String(settings.maxMemoryMegabytes * 1024 * 1024)),
                // A page's queries read the same columns of the same days, several times each
                // (visits chosen by a filter): they share them decompressed, in ClickHouse's cache of
                // uncompressed blocks (`uncompressed_cache_size`). A scan of more rows than our
                // 512 MiB hold (about 70 bytes a row) would only push the pages' blocks out.
                ("use_uncompressed_cache", "1"), ("merge_tree_max_rows_to_use_cache", "8000000"),
            ]
            let inFlight = running.add(1, ordering: .relaxed).newValue
            defer { running.subtract(1, ordering: .relaxed) }
            if let threads = Self.threads(sql, inFlight: inFlight) { bounds.append(("max_threads", threads)) }
            let answer = try client.execute(sql.statement, settings: bounds)
            let results = try QueryResults(answer: answer, sql: sql)
            let headers = HTTPHeaders([("Cache-Control", "no-store")])
            if csv {
                var response = HTTPResponse(status: .ok, headers: headers, body: results.csv())
                response.headers.set("Content-Type", "text/csv; charset=utf-8")
                response.headers.set("Content-Disposition", #"attachment; filename="query.csv""#)
                return response
            }
            return .json(.ok, results.json(), headers: headers)
        } catch let error as ClickHouseError {
            // The sender learns what it can act on; the log keeps ClickHouse's own words.
            logger.warning("history query failed", metadata: ["site": "\(query.site)", "error": "\(error)"])
            return QueryError(error).response
        } catch let error as QueryError {
            return error.response
        } catch {
            return QueryError.unavailable("\(error)").response
        }
    }

    /// `?format=csv`, or an `Accept` that names `text/csv` before JSON.
    static func wantsCSV(_ head: HTTPRequestHead) -> Bool {
        if let format = QueryParameters.first("format", in: head.query) { return format.lowercased() == "csv" }
        guard let accept = head.headers["Accept"]?.lowercased() else { return false }
        guard let csv = accept.range(of: "text/csv") else { return false }
        guard let json = accept.range(of: "application/json") else { return true }
        return csv.lowerBound < json.lowerBound
    }

    /// Fails the queries in flight at once (the client's connections are shut), answers those
    /// that never started, and stops the query threads. Idempotent. The client goes first: a slow
    /// query must not hold the consumer's shutdown past `SHUTDOWN_TIMEOUT` and its final commit.
    func shutdown() {
        client?.shutdown()
        workers.shutdown()
    }
}
