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
/// whose reader falls behind is dropped by the HTTP server (`ResponseStream`).
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

    private struct Subscribers {
        var streams: [ObjectIdentifier: ResponseStream] = [:]
        /// Attached since the last tick: they get the current snapshot first.
        var newcomers: [ResponseStream] = []
        /// Streams admitted by `admit` and not yet closed (counted against `maxStreams`).
        var admitted = 0
        var stopped = false
    }

    /// The newest snapshot the feed computed.
    private struct Computed {
        var snapshot: StatsSnapshot
        /// The snapshot in the `/analytics` shape.
        var json: String
        var changeCount: UInt64
        var at: ContinuousClock.Instant
    }

    private let settings: Settings
    private let snapshot: @Sendable () -> StatsSnapshot
    private let changeCount: @Sendable () -> UInt64
    private let logger: Logger
    private let subscribers = Mutex(Subscribers())
    private let wake = DispatchSemaphore(value: 0)
    private let thread = BackgroundThread(name: "dashboard-feed")

    /// `snapshot` gives the figures as `/analytics` serves them; `changeCount` grows whenever an
    /// event is counted, so the feed knows when to recompute without computing.
    init(
        settings: Settings, logger: Logger, changeCount: @escaping @Sendable () -> UInt64,
        snapshot: @escaping @Sendable () -> StatsSnapshot
    ) {
        self.settings = settings
        self.snapshot = snapshot
        self.changeCount = changeCount
        self.logger = logger
    }

    /// Streams open now.
    var openStreams: Int { subscribers.withLock { $0.admitted } }

    /// Takes a place for one more stream; false when `MAX_STREAMS` are open or the feed stopped.
    func admit() -> Bool {
        subscribers.withLock { subscribers in
            guard !subscribers.stopped, subscribers.admitted < settings.maxStreams else { return false }
            subscribers.admitted += 1
            return true
        }
    }

    /// Starts feeding a stream that `admit` made room for; its place is given back when it closes.
    func attach(_ stream: ResponseStream) {
        let key = ObjectIdentifier(stream)
        let accepted = subscribers.withLock { subscribers -> Bool in
            guard !subscribers.stopped else { return false }
            subscribers.streams[key] = stream
            subscribers.newcomers.append(stream)
            return true
        }
        guard accepted else {
            subscribers.withLock { $0.admitted -= 1 }
            stream.finish(closingConnection: true)
            return
        }
        stream.onClose { [self] in
            subscribers.withLock { subscribers in
                if subscribers.streams.removeValue(forKey: key) != nil { subscribers.admitted -= 1 }
            }
        }
        wake.signal()
    }

    func start() {
        thread.start(onStop: { [wake] in wake.signal() }) { [self] _ in run() }
    }

    /// Ends every stream (their connections close, so browsers do not send the next request
    /// here) and stops the thread. Idempotent.
    func stop() {
        let streams = subscribers.withLock { subscribers -> [ResponseStream]? in
            guard !subscribers.stopped else { return nil }
            subscribers.stopped = true
            return Array(subscribers.streams.values)
        }
        guard let streams else { return }
        for stream in streams { stream.finish(closingConnection: true) }
        thread.stopAndJoin()
    }

    // MARK: - The feed thread

    private func run() {
        var computed: Computed?
        /// The figures last sent to every stream, and when.
        var broadcast: (snapshot: StatsSnapshot, at: ContinuousClock.Instant)?
        var lastHeartbeat = ContinuousClock.now
        while true {
            let idle = subscribers.withLock { $0.streams.isEmpty }
            _ = wake.wait(timeout: .now() + (idle ? .seconds(1) : .milliseconds(20)))
            let (stopped, newcomers, streams) = subscribers.withLock { subscribers in
                defer { subscribers.newcomers.removeAll() }
                return (subscribers.stopped, subscribers.newcomers, Array(subscribers.streams.values))
            }
            if stopped { return }
            guard !streams.isEmpty else {
                computed = nil
                broadcast = nil
                lastHeartbeat = .now
                continue
            }
            let now = ContinuousClock.now
            let changes = changeCount()
            let due = broadcast.map { now - $0.at >= settings.refresh } ?? true
            let outdated = computed.map { $0.changeCount != changes } ?? true
            let aged = computed.map { now - $0.at >= settings.idleRecompute } ?? true
            if outdated && (due || !newcomers.isEmpty) || due && aged {
                let figures = snapshot()
                computed = Computed(
                    snapshot: figures, json: String(decoding: StatsRenderer().json(figures), as: UTF8.self),
                    changeCount: changes, at: now)
            }
            guard let current = computed else { continue }
            let newcomerIDs = Set(newcomers.map(ObjectIdentifier.init))
            if !newcomers.isEmpty {
                let first = ServerSentEvent(data: current.json, retryMilliseconds: settings.retryMilliseconds).bytes
                for stream in newcomers { stream.write(first) }
            }
            if due {
                let changed = broadcast.map { !$0.snapshot.sameFigures(as: current.snapshot) } ?? true
                let message =
                    changed
                    ? ServerSentEvent(data: current.json).bytes
                    : Self.unchanged(current.snapshot, computedFor: now - current.at)
                for stream in streams where !newcomerIDs.contains(ObjectIdentifier(stream)) { stream.write(message) }
                broadcast = (changed ? current.snapshot : broadcast?.snapshot ?? current.snapshot, now)
            }
            if now - lastHeartbeat >= settings.heartbeat {
                lastHeartbeat = now
                let heartbeat = ServerSentEvent.comment("heartbeat")
                for stream in streams { stream.write(heartbeat) }
            }
        }
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
