import AnalyticsCore
import ClickHouse
import Foundation
import Kafka
import Logging
import ServiceRuntime
import Synchronization

/// The history writer's state and decisions: which records of its partitions become rows, and
/// getting each block of rows into ClickHouse exactly once.
///
/// Exactly once rests on three rules (docs/design.md, "History"):
/// - the progress lives in ClickHouse: on assignment a partition resumes after its highest stored
///   offset, re-reading the last `lookBack` offsets (a whole block) so a block that was stored
///   only in part (one INSERT per month) is completed, not repeated;
/// - nothing is trusted while an insert may still land: before reading the progress, and before
///   sending a block again after any failure, the writer waits for the history inserts ClickHouse
///   is running (each has a `query_id` of `HistoryProgress.insertPrefix`) to end, killing the
///   stragglers, and takes out of the block what was stored after all;
/// - a retried event (the same `id` in the same partition, within `DEDUP_WINDOW` offsets) is kept
///   once, the window resuming from the stored rows' `sipHash64(id)` in offset order, as the
///   first reading saw them.
///
/// All of it runs on the writer's thread, rebalance callbacks included, except the insert of the
/// block being sent, which runs on the `InsertThread` while the writer reads the next block; the
/// writer waits for it (`finishSending`) before it sends another, reads the progress or gives
/// partitions away. The lock guards what the two share.
final class HistoryIngest: Sendable {
    /// What the writer is for.
    enum Mode: Sendable, Equatable {
        /// Following the topic: each partition resumes after what ClickHouse holds.
        case live
        /// `--rebuild-history`: each partition is read again from its oldest record to where it
        /// ended at the start, and only the offsets ClickHouse does not hold are inserted.
        case rebuild
    }

    /// A partition's oldest offset and next offset, asked of Kafka (`KafkaConsumer.bounds`).
    typealias Bounds = ([TopicPartition]) throws(KafkaError) -> [TopicPartition: (oldest: Int64, next: Int64)]

    struct Settings: Sendable {
        var mode = Mode.live
        var defaultSite: String
        /// Retried ids remembered per partition (`DEDUP_WINDOW`).
        var deduplicationWindow: Int
        /// Whole months kept (`HISTORY_RETENTION_MONTHS`); nil: everything.
        var retentionMonths: Int?
        /// Whether the schema was brought up to date at start; if not (ClickHouse did not
        /// answer), the writer does it before its first progress query.
        var schemaReady: Bool
        /// A block is inserted once it holds this many records…
        var blockRecords = 50_000
        /// …or this many bytes of rows…
        var blockBytes = 16 << 20
        /// …or its first record is this old.
        var blockAge = Duration.seconds(1)
    }

    /// A partition this writer owns.
    private struct Owned: Sendable {
        var recent: RecentIDs
        /// Offsets at or below `replayThrough` that are stored already, with their id hashes.
        var stored: [Int64: UInt64]
        /// The highest stored offset when the partition was assigned (-1: none).
        var replayThrough: Int64
        /// The last offset read.
        var readThrough: Int64 = -1
        /// Rebuilding: the partition's end when it was assigned (done once read up to it).
        var rebuildEnd: Int64?
        /// Rebuilding: the offsets ClickHouse held when the partition was assigned.
        var rebuildStored: OffsetBitmap?
    }

    private struct State: Sendable {
        var owned: [Int32: Owned] = [:]
        /// Start positions worked out on assignment, asked for by the consumer right after.
        var positions: [Int32: StartPosition] = [:]
        /// The block being read into.
        var block = HistoryBlock()
        /// The block being inserted, while the next one is read (one at a time, in order).
        var sending: HistoryBlock?
        /// Whether an insert of `sending` failed: some of it may be stored, or still being
        /// stored, so it is checked before it is sent again.
        var sendingUnsure = false
        /// How the insert running in the background ended (nil while it runs, or none runs).
        var sendOutcome: ClickHouseError??
        /// Whether `sendOutcome`'s failure is in `history_insert_failures_total` already.
        var sendFailureCounted = false
        var builder: HistoryRecord.Builder
        var inserts = 0
        var rowsWritten = 0
        /// Rebuilding: rows found stored already, left out of the inserts.
        var alreadyStored = 0
        var oldestKept: (cutoff: Int, computedAt: ContinuousClock.Instant)?
        var schemaReady: Bool

        /// Rebuilding: every partition owned is read up to the end it had when assigned.
        var readToTheEnd: Bool { owned.values.allSatisfy { $0.readThrough >= ($0.rebuildEnd ?? 0) - 1 } }
    }

    let settings: Settings
    let status: HistoryStatus
    private let client: ClickHouseClient
    private let progress: HistoryProgress
    private let logger: Logger
    private let metrics: ServiceMetrics
    private let codec = EventCodec()
    private let state: Mutex<State>
    /// Runs the insert of `sending`, waited for before anything else touches ClickHouse's progress.
    private let inserts = InsertThread()
    /// Distinguishes this process's inserts from other writers' in `system.processes`.
    private let writerID = UUID().uuidString.lowercased().prefix(8)

    init(settings: Settings, client: ClickHouseClient, status: HistoryStatus, logger: Logger, metrics: ServiceMetrics) {
        self.settings = settings
        self.client = client
        self.progress = HistoryProgress(client: client)
        self.status = status
        self.logger = logger
        self.metrics = metrics
        state = Mutex(
            State(builder: HistoryRecord.Builder(defaultSite: settings.defaultSite), schemaReady: settings.schemaReady))
    }

    /// Records the writer polls at once: a block can overshoot `blockRecords` by this many less one.
    static let pollRecords = 1000

    /// How far back an assigned partition is read again: a whole block's worth of offsets.
    var lookBack: Int64 { Int64(settings.blockRecords + Self.pollRecords) }

    // MARK: Rebalances

    /// Reads what ClickHouse holds of `partitions` and decides where each resumes. Retries until
    /// ClickHouse answers (an assignment must not start from a guess) or `stopping` says so.
    func assign(_ partitions: [TopicPartition], stopping: () -> Bool, bounds: Bounds) {
        // Our own insert must not be among the ones waited out (and killed) below.
        inserts.wait()
        let numbers = partitions.map(\.partition)
        var delay = Backoff()
        while !stopping() {
            do {
                try migrateIfNeeded()
                try progress.awaitRunningInserts(timeout: .seconds(30), stopping: stopping)
                if settings.mode == .rebuild {
                    try assignForRebuild(partitions, bounds: try bounds(partitions))
                    return
                }
                var ends: [Int32: Int64] = [:]
                for (partition, bound) in (try? bounds(partitions)) ?? [:] { ends[partition.partition] = bound.next }
                let stored = try progress.stored(
                    partitions: numbers, lookBack: lookBack, window: Int64(settings.deduplicationWindow))
                state.withLock { state in
                    for partition in numbers {
                        var owned = Owned(
                            recent: RecentIDs(capacity: settings.deduplicationWindow), stored: [:], replayThrough: -1)
                        if let found = stored[partition] {
                            if let end = ends[partition], found.lastOffset >= end {
                                logger.error(
                                    """
                                    history: ClickHouse holds offsets of this partition up to \(found.lastOffset) but the \
                                    topic ends at \(end): was the topic recreated? Its new records are stored only \
                                    past that offset; give the new topic a new CLICKHOUSE_DATABASE
                                    """, metadata: ["partition": "\(partition)"])
                            }
                            // The window holds the ids stored before the replay; the replay adds
                            // each stored id as it passes it, as the first reading did.
                            let start = max(0, found.lastOffset - lookBack + 1)
                            for (offset, hash) in found.idHashes.sorted(by: { $0.key < $1.key }) {
                                if offset < start {
                                    _ = owned.recent.insert(hash: hash)
                                } else {
                                    owned.stored[offset] = hash
                                }
                            }
                            owned.replayThrough = found.lastOffset
                            state.positions[partition] = .offset(start)
                        } else {
                            state.positions[partition] = .beginning
                        }
                        state.owned[partition] = owned
                    }
                }
                logger.info(
                    "history: resuming partitions",
                    metadata: [
                        "partitions": "\(numbers.sorted())",
                        "stored_through":
                            "\(stored.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.lastOffset)" })",
                    ])
                return
            } catch {
                status.failed(error)
                logger.warning("history: cannot read the progress; retrying", metadata: ["error": "\(error)"])
                delay.wait(stopping: stopping)
            }
        }
    }

    /// Rebuilding: every partition starts at its oldest record and ends where it ends now, and
    /// skips the offsets ClickHouse holds (read once: holding every partition of the writers'
    /// group, no other writer stores any meanwhile); the deduplication window starts from the ids
    /// stored just before the oldest record (a retry whose original Kafka no longer holds is
    /// still known).
    private func assignForRebuild(
        _ partitions: [TopicPartition], bounds: [TopicPartition: (oldest: Int64, next: Int64)]
    ) throws(ClickHouseError) {
        let window = Int64(settings.deduplicationWindow)
        var ranges: [Int32: Range<Int64>] = [:]
        var before: [Int32: Range<Int64>] = [:]
        for (partition, bound) in bounds {
            ranges[partition.partition] = bound.oldest..<bound.next
            before[partition.partition] = max(0, bound.oldest - window)..<bound.oldest
        }
        let stored = try progress.storedBitmaps(in: ranges)
        let hashes = try progress.idHashes(in: before)
        var owned: [Int32: Owned] = [:]
        for (partition, range) in ranges {
            var entry = Owned(
                recent: RecentIDs(capacity: settings.deduplicationWindow), stored: [:], replayThrough: -1,
                readThrough: range.lowerBound - 1, rebuildEnd: range.upperBound, rebuildStored: stored[partition])
            for hash in hashes[partition] ?? [] { _ = entry.recent.insert(hash: hash) }
            owned[partition] = entry
        }
        state.withLock { state in
            for (partition, entry) in owned {
                state.owned[partition] = entry
                state.positions[partition] = .offset(entry.readThrough + 1)
            }
        }
        logger.info(
            "history rebuild: reading partitions again",
            metadata: [
                "partitions": "\(ranges.count)", "records": "\(ranges.values.reduce(0) { $0 + $1.count })",
                "stored_already": "\(stored.values.reduce(0) { $0 + $1.count })",
            ])
    }

    /// Rebuilding: how many partitions this writer holds, and whether each is read to its end
    /// and every row read is in.
    var rebuildProgress: (partitions: Int, finished: Bool, rowsWritten: Int, alreadyStored: Int) {
        state.withLock { state in
            (
                state.owned.count, state.readToTheEnd && state.block.isEmpty && state.sending == nil,
                state.rowsWritten, state.alreadyStored
            )
        }
    }

    /// Rebuilding: whether every partition is read to its end (what is left is the block).
    var rebuildReadToTheEnd: Bool {
        state.withLock { !$0.owned.isEmpty && $0.readToTheEnd }
    }

    /// Brings the schema up to date if that could not be done at start. A newer schema stops the
    /// writer's progress here, said on every attempt (an operator must act).
    private func migrateIfNeeded() throws(ClickHouseError) {
        guard !state.withLock({ $0.schemaReady }) else { return }
        do {
            let outcome = try HistorySchema.migrate(client)
            logger.info("history schema brought up to date", metadata: ["outcome": "\(outcome)"])
            state.withLock { $0.schemaReady = true }
        } catch {
            switch error {
            case .clickHouse(let error): throw error
            case .newerSchema, .invalidDatabaseName: throw .server(code: nil, message: "\(error)")
            }
        }
    }

    /// Where an assigned partition starts: after what ClickHouse holds (`assign`).
    func startPosition(_ partition: TopicPartition) -> StartPosition {
        state.withLock { $0.positions.removeValue(forKey: partition.partition) } ?? .beginning
    }

    /// Partitions given away: what is read of them is inserted once if ClickHouse takes it, else
    /// dropped (their next owner reads them again from the stored progress).
    func revoke(_ partitions: [TopicPartition]) {
        let numbers = Set(partitions.map(\.partition))
        _ = flushAll(attempts: 1)
        state.withLock { state in
            state.block.remove(partitions: numbers)
            state.sending?.remove(partitions: numbers)
            if state.sending?.isEmpty == true {
                state.sending = nil
                state.sendingUnsure = false
            }
            for partition in numbers { state.owned[partition] = nil }
        }
    }

    // MARK: Records

    /// Reads the records of a polled batch into the block.
    func read(_ batch: KafkaMessageBatch) {
        let now = Date()
        state.withLock { state in
            let cutoff = oldestKept(&state, now: now)
            for index in 0..<batch.count {
                let partition = batch.partition(at: index)
                let offset = batch.offset(at: index)
                // Taken out while it changes: a copy left in the dictionary would make every
                // insert into its window copy the whole window (copy on write).
                guard var owned = state.owned.removeValue(forKey: partition) else { continue }
                owned.readThrough = max(owned.readThrough, offset)
                if let end = owned.rebuildEnd, offset >= end {
                    // Rebuilding stops at the end the partition had at the start.
                    state.owned[partition] = owned
                    continue
                }
                let row = record(batch, at: index, offset: offset, owned: &owned, state: &state, cutoff: cutoff)
                state.owned[partition] = owned
                state.block.read(partition: partition, offset: offset, row: row)
            }
        }
    }

    /// The row a record becomes, or nil: stored already, a retried id, not an event, or older
    /// than the retention.
    private func record(
        _ batch: KafkaMessageBatch, at index: Int, offset: Int64, owned: inout Owned, state: inout State, cutoff: Int?
    ) -> HistoryRecord? {
        if offset <= owned.replayThrough {
            if let hash = owned.stored.removeValue(forKey: offset) {
                _ = owned.recent.insert(hash: hash)
                return nil
            }
        } else if !owned.stored.isEmpty {
            owned.stored = [:]
        }
        let alreadyStored = owned.rebuildStored?.contains(offset) == true
        let decoded: (event: AnalyticsEvent, receivedAt: Date)
        do throws(RecordDecodingError) {
            decoded = try batch.withValue(at: index) { value throws(RecordDecodingError) in
                try codec.decodeStamped(value)
            }
        } catch {
            // The live view logs it and copies it to the dead-letter topic; here it is only counted.
            metrics.increment("history_records_skipped_total", [("reason", error.reason)])
            return nil
        }
        if alreadyStored {
            // Rebuilding: stored already; its id joins the window as it did the first time.
            _ = owned.recent.insert(hash: Self.idHash(decoded.event.id))
            state.alreadyStored += 1
            return nil
        }
        guard owned.recent.insert(hash: Self.idHash(decoded.event.id)) else {
            metrics.increment("history_duplicates_total")
            return nil
        }
        let row = state.builder.record(decoded.event, receivedAt: decoded.receivedAt)
        guard row.timestamp >= 0, row.timestamp <= Int(UInt32.max) else {
            metrics.increment("history_records_skipped_total", [("reason", "timestamp_out_of_range")])
            return nil
        }
        if let cutoff, row.timestamp < cutoff {
            metrics.increment("history_records_skipped_total", [("reason", "older_than_retention")])
            return nil
        }
        return row
    }

    /// `sipHash64(id)` as ClickHouse computes it (SipHash-2-4, key 0), so the window resumes from
    /// stored rows.
    static func idHash(_ id: String) -> UInt64 {
        var hash = SipHash24(key: [UInt8](repeating: 0, count: 16))
        hash.combine(utf8: id)
        return hash.finalize()
    }

    /// The first second kept under `HISTORY_RETENTION_MONTHS` (the first day of the oldest month
    /// kept), worked out once a minute.
    private func oldestKept(_ state: inout State, now: Date) -> Int? {
        guard let months = settings.retentionMonths else { return nil }
        if let known = state.oldestKept, ContinuousClock.now - known.computedAt < .seconds(60) { return known.cutoff }
        let cutoff = HistoryRetention.firstKeptMonth(months: months, now: now).start
        state.oldestKept = (cutoff, .now)
        return cutoff
    }

    // MARK: Inserts

    /// Whether the block is due: full, or its first record is `blockAge` old.
    var isBlockDue: Bool {
        state.withLock { state in
            guard let started = state.block.startedAt else { return false }
            return state.block.recordsRead >= settings.blockRecords || state.block.byteCount >= settings.blockBytes
                || ContinuousClock.now - started >= settings.blockAge
        }
    }

    /// Hands the block read so far to a background insert and starts a new one, so ClickHouse
    /// parses one block while the writer reads the next. The block sent before must be in
    /// (`finishSending`): inserts go one at a time, in order, so what a crash leaves half-stored is
    /// always within the last `lookBack` offsets.
    func startSending() {
        let started = state.withLock { state -> Bool in
            guard state.sending == nil, !state.block.isEmpty else { return false }
            state.sending = state.block
            state.block = HistoryBlock()
            state.sendOutcome = nil
            state.sendFailureCounted = false
            return true
        }
        guard started else { return }
        inserts.start()
        inserts.run { [self] in
            let outcome: ClickHouseError?
            do throws(ClickHouseError) {
                for month in state.withLock({ $0.sending?.months ?? [] }) { try insert(month: month) }
                outcome = nil
            } catch {
                outcome = error
            }
            state.withLock { $0.sendOutcome = .some(outcome) }
        }
    }

    /// Whether the insert of the block being sent has ended (in, or failed: then `finishSending`
    /// retries it without waiting for the next block to be due).
    var sendingEnded: Bool {
        state.withLock { state in state.sending != nil && state.sendOutcome != nil }
    }

    /// Waits for the block being sent to be in, retrying with backoff up to `attempts` times (nil:
    /// until it is in or `stopping` says so). After any failure the block is checked before it is
    /// sent again: the writer waits for its inserts still running and takes out what was stored.
    /// Returns the last offset read of each partition once the block is in (for the group's
    /// committed offsets; empty when nothing was being sent), or nil when it is not.
    func finishSending(attempts: Int? = nil, stopping: () -> Bool) -> [Int32: Int64]? {
        inserts.wait()
        guard let ranges = state.withLock({ $0.sending?.ranges }) else { return [:] }
        var delay = Backoff()
        // The background insert was attempt 0: `attempts` counts the tries made here.
        var attempt = 0
        var (outcome, counted) = state.withLock { state in
            defer {
                state.sendOutcome = nil
                state.sendFailureCounted = false
            }
            return (state.sendOutcome ?? nil, state.sendFailureCounted)
        }
        while true {
            if let error = outcome {
                state.withLock { $0.sendingUnsure = true }
                // A failure given back by an earlier call that gave up is counted once.
                if !counted { metrics.increment("history_insert_failures_total") }
                counted = false
                if case .failing = status.current {
                    logger.debug("history: insert failed again", metadata: ["error": "\(error)"])
                } else {
                    logger.warning(
                        "history: insert failed; retrying with backoff, consumption paused (the live view goes on)",
                        metadata: ["error": "\(error)", "rows": "\(state.withLock { $0.sending?.rowCount ?? 0 })"])
                }
                status.failed(error)
            } else {
                state.withLock { state in
                    state.sending = nil
                    state.sendingUnsure = false
                    state.sendOutcome = nil
                }
                if case .failing(let since, _, let lag) = status.current {
                    logger.info(
                        "history: inserts succeed again",
                        metadata: ["failing_for_s": "\(Int(Date().timeIntervalSince(since)))"])
                    status.update(.writing(lag: lag))
                }
                return ranges.mapValues(\.upperBound)
            }
            // Giving up keeps the failure: the block is still to be sent, checked first.
            if let attempts, attempt >= attempts { return keepFailure(outcome) }
            delay.wait(stopping: stopping)
            if stopping() { return keepFailure(outcome) }
            attempt += 1
            do throws(ClickHouseError) {
                try checkSending(ranges: ranges, stopping: stopping)
                for month in state.withLock({ $0.sending?.months ?? [] }) { try insert(month: month) }
                outcome = nil
            } catch {
                outcome = error
            }
        }
    }

    /// Leaves the failed insert's error for the next `finishSending` (counted already), so it
    /// retries rather than taking the block for stored.
    private func keepFailure(_ error: ClickHouseError?) -> [Int32: Int64]? {
        state.withLock { state in
            state.sendOutcome = .some(error)
            state.sendFailureCounted = true
        }
        return nil
    }

    /// Sends what is read and waits for it to be in, one attempt each unless `attempts` says
    /// otherwise: the block being sent, then the block being read. Returns the last offsets of
    /// both, or nil when either is not in.
    func flushAll(attempts: Int? = 1, stopping: () -> Bool = { false }) -> [Int32: Int64]? {
        guard let first = finishSending(attempts: attempts, stopping: stopping) else { return nil }
        startSending()
        guard let second = finishSending(attempts: attempts, stopping: stopping) else { return nil }
        return first.merging(second) { max($0, $1) }
    }

    /// Before a block goes again after a failure: waits out the inserts still running and takes
    /// out of the block what ClickHouse holds of its offsets.
    private func checkSending(ranges: [Int32: ClosedRange<Int64>], stopping: () -> Bool) throws(ClickHouseError) {
        guard state.withLock({ $0.sendingUnsure }) else { return }
        try progress.awaitRunningInserts(timeout: .seconds(60), stopping: stopping)
        let stored = try progress.storedOffsets(in: ranges)
        state.withLock { state in
            let before = state.sending?.rowCount ?? 0
            state.sending?.remove(stored: stored)
            if settings.mode == .rebuild { state.alreadyStored += before - (state.sending?.rowCount ?? 0) }
            state.sendingUnsure = false
        }
    }

    /// Inserts the rows of one month of the block being sent (one partition of `events`: the
    /// INSERT is atomic), then takes them out of it.
    private func insert(month: Int) throws(ClickHouseError) {
        let (body, rows, queryID) = state.withLock { state in
            state.inserts += 1
            let part = state.sending?.rows(ofMonth: month) ?? (bytes: [], count: 0)
            return (
                part.bytes, part.count,
                HistoryProgress.insertPrefix(database: client.endpoint.database) + "\(writerID)-\(state.inserts)"
            )
        }
        if rows > 0 {
            try client.execute(
                "INSERT INTO events (\(HistoryBlock.columns.joined(separator: ", "))) FORMAT TabSeparated",
                rows: body, settings: [("query_id", queryID)])
        }
        state.withLock { state in
            state.sending?.remove(month: month)
            state.rowsWritten += rows
        }
        metrics.increment("history_rows_written_total", by: rows)
        metrics.increment("history_inserts_total")
    }

    /// Drops the monthly partitions older than `HISTORY_RETENTION_MONTHS`; failures are logged
    /// and tried again next time.
    func applyRetention(now: Date = Date()) {
        guard let months = settings.retentionMonths else { return }
        do throws(ClickHouseError) {
            let dropped = try HistoryRetention.apply(months: months, now: now, client: client)
            if !dropped.isEmpty {
                logger.info(
                    "history: dropped months older than HISTORY_RETENTION_MONTHS",
                    metadata: ["months": "\(dropped)", "retention_months": "\(months)"])
            }
        } catch {
            logger.warning("history: could not apply the retention", metadata: ["error": "\(error)"])
        }
    }

    /// Cancels the requests in flight and refuses further ones (stopping).
    func abandonRequests() {
        client.shutdown()
    }

    /// Stops the insert thread once its insert has ended (the writer's thread is joined).
    /// Idempotent.
    func shutdown() {
        inserts.shutdown()
    }

    /// Forgets what is read and not stored (stopping without ClickHouse: the next owner reads it
    /// again). Waits for an insert still running to end first.
    func dropBlocks() {
        inserts.wait()
        state.withLock { state in
            state.block.removeAll()
            state.sending = nil
            state.sendingUnsure = false
            state.sendOutcome = nil
            state.sendFailureCounted = false
        }
    }
}

/// Waits between retries: 0.5 s, doubling up to 30 s.
private struct Backoff {
    private var next = Duration.milliseconds(500)

    mutating func wait(stopping: () -> Bool) {
        let deadline = ContinuousClock.now + next
        while ContinuousClock.now < deadline && !stopping() { Thread.sleep(forTimeInterval: 0.05) }
        next = min(next * 2, .seconds(30))
    }
}
