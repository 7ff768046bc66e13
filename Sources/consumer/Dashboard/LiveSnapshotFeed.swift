import AnalyticsCore
import BackgroundWork
import Foundation
import HTTPServer
import Logging
import ServiceRuntime
import Synchronization

/// Pushes the live statistics to every open dashboard on `GET /analytics/stream` (Server-Sent
/// Events): the snapshot at connect, then a new one as soon as the figures change but no more
/// often than `DASHBOARD_REFRESH_MS`; in an interval where they did not change, an `unchanged`
/// event with the time, so a page can tell a quiet site from a dead connection; and a comment
/// heartbeat every 15 s for proxies that close silent connections.
///
/// One thread computes each snapshot once for all streams and never blocks on a client: a stream
/// whose reader falls behind is dropped by the HTTP server (`ResponseStream`). `GET /analytics`
/// is answered from the same snapshots (`answer`): however often it is asked, the group view is
/// merged at most once per refresh interval, on this thread, never on the stats server's loop.
final class LiveSnapshotFeed: Sendable {
    struct Settings: Sendable {
        var refresh: Duration
        var heartbeat: Duration = .seconds(15)
        var maxStreams: Int
        /// How long the figures may go unrecomputed while no event arrives: time alone changes
        /// some of them (current visitors, events per minute, active sessions).
        var idleRecompute: Duration = .seconds(5)
        /// Reconnection delay the browser is told to use.
        var retryMilliseconds = 2000
    }

    /// A snapshot the feed computed.
    struct Computed: Sendable {
        var snapshot: StatsSnapshot
        /// The snapshot in the `/analytics` shape.
        var json: [UInt8]
        var changeCount: UInt64
        var at: ContinuousClock.Instant
    }

    /// What a `GET /analytics` is answered with.
    enum Answer: Sendable {
        case snapshot(Computed)
        /// The newest snapshot could not be written as JSON (logged and counted).
        case unencodable(SnapshotEncodingError)
        /// The consumer is shutting down.
        case stopped
    }

    /// The newest outcome of computing the figures.
    private enum Latest: Sendable {
        case none
        case computed(Computed)
        case failed(SnapshotEncodingError, changeCount: UInt64, at: ContinuousClock.Instant)

        var computed: Computed? {
            if case .computed(let computed) = self { return computed }
            return nil
        }

        /// The answer for a request now, if this outcome is recent enough to give: computed within
        /// the refresh interval, or since no event arrived and not longer than `idleRecompute` ago.
        func answer(now: ContinuousClock.Instant, changes: UInt64, settings: Settings) -> Answer? {
            let (at, changeCount, answer): (ContinuousClock.Instant, UInt64, Answer)
            switch self {
            case .none: return nil
            case .computed(let computed):
                (at, changeCount, answer) = (computed.at, computed.changeCount, .snapshot(computed))
            case .failed(let error, let count, let when): (at, changeCount, answer) = (when, count, .unencodable(error))
            }
            let age = now - at
            return age < settings.refresh || changeCount == changes && age < settings.idleRecompute ? answer : nil
        }
    }

    private struct Shared {
        var streams: [ObjectIdentifier: ResponseStream] = [:]
        /// Attached since the last tick: they get the current snapshot first.
        var newcomers: [ResponseStream] = []
        /// Streams admitted by `admit` and not yet closed (counted against `maxStreams`).
        var admitted = 0
        /// `/analytics` requests waiting for the next snapshot.
        var waiting: [@Sendable (Answer) -> Void] = []
        var latest = Latest.none
        var stopped = false
    }

    private let settings: Settings
    private let snapshot: @Sendable () -> StatsSnapshot
    private let changeCount: @Sendable () -> UInt64
    private let encodingFailed: @Sendable () -> Void
    private let logger: Logger
    private let shared = Mutex(Shared())
    private let wake = DispatchSemaphore(value: 0)
    private let thread = BackgroundThread(name: "dashboard-feed")

    /// `snapshot` gives the figures as `/analytics` serves them; `changeCount` grows whenever an
    /// event is counted, so the feed knows when to recompute without computing; `encodingFailed`
    /// counts snapshots that could not be written as JSON.
    init(
        settings: Settings, logger: Logger, changeCount: @escaping @Sendable () -> UInt64,
        encodingFailed: @escaping @Sendable () -> Void = {}, snapshot: @escaping @Sendable () -> StatsSnapshot
    ) {
        self.settings = settings
        self.snapshot = snapshot
        self.changeCount = changeCount
        self.encodingFailed = encodingFailed
        self.logger = logger
    }

    /// Streams open now.
    var openStreams: Int { shared.withLock { $0.admitted } }

    /// Takes a place for one more stream; false when `MAX_STREAMS` are open or the feed stopped.
    func admit() -> Bool {
        shared.withLock { shared in
            guard !shared.stopped, shared.admitted < settings.maxStreams else { return false }
            shared.admitted += 1
            return true
        }
    }

    /// Starts feeding a stream that `admit` made room for; its place is given back when it closes.
    func attach(_ stream: ResponseStream) {
        let key = ObjectIdentifier(stream)
        let accepted = shared.withLock { shared -> Bool in
            guard !shared.stopped else { return false }
            shared.streams[key] = stream
            shared.newcomers.append(stream)
            return true
        }
        guard accepted else {
            shared.withLock { $0.admitted -= 1 }
            stream.finish(closingConnection: true)
            return
        }
        stream.onClose { [self] in
            shared.withLock { shared in
                if shared.streams.removeValue(forKey: key) != nil { shared.admitted -= 1 }
            }
        }
        wake.signal()
    }

    /// Gives `answer` the snapshot for a `GET /analytics`: at once when the newest one is recent
    /// enough, else from the feed thread as soon as it has computed the next one.
    func answer(_ answer: @escaping @Sendable (Answer) -> Void) {
        let now = ContinuousClock.now
        let changes = changeCount()
        let ready = shared.withLock { shared -> Answer? in
            if shared.stopped { return .stopped }
            if let ready = shared.latest.answer(now: now, changes: changes, settings: settings) { return ready }
            shared.waiting.append(answer)
            return nil
        }
        if let ready { answer(ready) } else { wake.signal() }
    }

    func start() {
        thread.start(onStop: { [wake] in wake.signal() }) { [self] _ in run() }
    }

    /// Ends every stream (their connections close, so browsers do not send the next request
    /// here), answers waiting requests and stops the thread. Idempotent.
    func stop() {
        let taken = shared.withLock { shared -> ([ResponseStream], [@Sendable (Answer) -> Void])? in
            guard !shared.stopped else { return nil }
            shared.stopped = true
            defer { shared.waiting.removeAll() }
            return (Array(shared.streams.values), shared.waiting)
        }
        guard let (streams, waiting) = taken else { return }
        for stream in streams { stream.finish(closingConnection: true) }
        for answer in waiting { answer(.stopped) }
        thread.stopAndJoin()
    }

    // MARK: - The feed thread

    private func run() {
        /// The figures last sent to every stream, and when.
        var broadcast: (snapshot: StatsSnapshot, at: ContinuousClock.Instant)?
        var lastHeartbeat = ContinuousClock.now
        while true {
            let idle = shared.withLock { $0.streams.isEmpty && $0.waiting.isEmpty }
            _ = wake.wait(timeout: .now() + (idle ? .seconds(1) : .milliseconds(20)))
            let (stopped, newcomers, streams, waiting, latest) = shared.withLock { shared in
                defer {
                    shared.newcomers.removeAll()
                    shared.waiting.removeAll()
                }
                return (
                    shared.stopped, shared.newcomers, Array(shared.streams.values), shared.waiting, shared.latest
                )
            }
            if stopped {
                for answer in waiting { answer(.stopped) }
                return
            }
            let now = ContinuousClock.now
            let changes = changeCount()
            var current = latest
            let due = broadcast.map { now - $0.at >= settings.refresh } ?? true
            if !streams.isEmpty {
                let computed = latest.computed
                let outdated = computed.map { $0.changeCount != changes } ?? true
                let aged = computed.map { now - $0.at >= settings.idleRecompute } ?? true
                if outdated && (due || !newcomers.isEmpty) || due && aged { current = compute(changes: changes) }
            }
            if !waiting.isEmpty {
                let answer: Answer
                if let ready = current.answer(now: now, changes: changes, settings: settings) {
                    answer = ready
                } else {
                    current = compute(changes: changes)
                    answer = current.answer(now: now, changes: changes, settings: settings) ?? .stopped
                }
                for waiter in waiting { waiter(answer) }
            }
            guard !streams.isEmpty else {
                broadcast = nil
                lastHeartbeat = now
                continue
            }
            guard let computed = current.computed else { continue }
            send(computed, to: streams, newcomers: newcomers, due: due, broadcast: &broadcast, now: now)
            if now - lastHeartbeat >= settings.heartbeat {
                lastHeartbeat = now
                let heartbeat = ServerSentEvent.comment("heartbeat")
                for stream in streams { stream.write(heartbeat) }
            }
        }
    }

    /// Computes the figures and keeps the outcome as the newest, for streams and requests alike.
    private func compute(changes: UInt64) -> Latest {
        let figures = snapshot()
        let at = ContinuousClock.now
        let latest: Latest
        do {
            latest = .computed(
                Computed(snapshot: figures, json: try StatsRenderer().json(figures), changeCount: changes, at: at))
        } catch {
            encodingFailed()
            logger.error(
                "the statistics could not be written as JSON; /analytics answers 500 until they can",
                metadata: ["error": "\(error)"])
            latest = .failed(error, changeCount: changes, at: at)
        }
        shared.withLock { $0.latest = latest }
        return latest
    }

    /// The snapshot to newcomers at once, and to every other stream when a refresh is due.
    private func send(
        _ current: Computed, to streams: [ResponseStream], newcomers: [ResponseStream], due: Bool,
        broadcast: inout (snapshot: StatsSnapshot, at: ContinuousClock.Instant)?, now: ContinuousClock.Instant
    ) {
        let json = String(decoding: current.json, as: UTF8.self)
        let newcomerIDs = Set(newcomers.map(ObjectIdentifier.init))
        if !newcomers.isEmpty {
            let first = ServerSentEvent(data: json, retryMilliseconds: settings.retryMilliseconds).bytes
            for stream in newcomers { stream.write(first) }
        }
        guard due else { return }
        let changed = broadcast.map { !$0.snapshot.sameFigures(as: current.snapshot) } ?? true
        let message =
            changed
            ? ServerSentEvent(data: json).bytes
            : Self.unchanged(current.snapshot, computedFor: now - current.at)
        for stream in streams where !newcomerIDs.contains(ObjectIdentifier(stream)) { stream.write(message) }
        broadcast = (changed ? current.snapshot : broadcast?.snapshot ?? current.snapshot, now)
    }

    /// `event: unchanged`: the figures sent last still hold as of now; `snapshot` was computed
    /// `elapsed` ago, so the age of the oldest partial has grown by as much.
    static func unchanged(_ snapshot: StatsSnapshot, computedFor elapsed: Duration) -> [UInt8] {
        var fields = [#""last_updated":"\#(RFC3339.formatSeconds(Date()))""#]
        if let age = snapshot.partitions?.oldestPartialAgeSeconds {
            fields.append(#""oldest_partial_age_seconds":\#(String(format: "%.3f", age + elapsed.timeInterval))"#)
        }
        return ServerSentEvent(event: "unchanged", data: "{" + fields.joined(separator: ",") + "}").bytes
    }
}
