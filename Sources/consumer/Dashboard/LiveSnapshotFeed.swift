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

    /// Figures the feed computed for one scope.
    struct Computed: Sendable {
        var figures: Figures
        /// The figures as JSON (`/analytics`, `/api/sites`, the stream).
        var json: [UInt8]
        var changeCount: UInt64
        var at: ContinuousClock.Instant
    }

    /// What a request is answered with.
    enum Answer: Sendable {
        case computed(Computed)
        /// The newest figures could not be written as JSON (logged and counted).
        case unencodable(SnapshotEncodingError)
        /// The consumer is shutting down.
        case stopped
    }

    /// The newest outcome of computing one scope's figures.
    private enum Latest: Sendable {
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
            case .computed(let computed):
                (at, changeCount, answer) = (computed.at, computed.changeCount, .computed(computed))
            case .failed(let error, let count, let when): (at, changeCount, answer) = (when, count, .unencodable(error))
            }
            let age = now - at
            return age < settings.refresh || changeCount == changes && age < settings.idleRecompute ? answer : nil
        }
    }

    /// An open stream and the figures it follows.
    private struct Follower {
        var stream: ResponseStream
        var scope: FiguresScope
    }

    private struct Shared {
        var streams: [ObjectIdentifier: Follower] = [:]
        /// Attached since the last tick: they get the current figures first.
        var newcomers: [Follower] = []
        /// Streams admitted by `admit` and not yet closed (counted against `maxStreams`).
        var admitted = 0
        /// Requests waiting for the next figures of their scope.
        var waiting: [(scope: FiguresScope, answer: @Sendable (Answer) -> Void)] = []
        /// The newest figures of each scope asked for lately (dropped once nobody asks).
        var latest: [FiguresScope: Latest] = [:]
        var stopped = false
    }

    private let settings: Settings
    private let figures: @Sendable (FiguresScope) -> Figures
    private let changeCount: @Sendable () -> UInt64
    private let encodingFailed: @Sendable () -> Void
    private let logger: Logger
    private let shared = Mutex(Shared())
    private let wake = DispatchSemaphore(value: 0)
    private let thread = BackgroundThread(name: "dashboard-feed")

    /// `figures` computes a scope's figures as `/analytics` and `/api/sites` serve them;
    /// `changeCount` grows whenever an event is counted, so the feed knows when to recompute
    /// without computing; `encodingFailed` counts figures that could not be written as JSON.
    init(
        settings: Settings, logger: Logger, changeCount: @escaping @Sendable () -> UInt64,
        encodingFailed: @escaping @Sendable () -> Void = {},
        figures: @escaping @Sendable (FiguresScope) -> Figures
    ) {
        self.settings = settings
        self.figures = figures
        self.changeCount = changeCount
        self.encodingFailed = encodingFailed
        self.logger = logger
    }

    /// A feed of every site's snapshot only (tests, and callers with one site).
    convenience init(
        settings: Settings, logger: Logger, changeCount: @escaping @Sendable () -> UInt64,
        encodingFailed: @escaping @Sendable () -> Void = {}, snapshot: @escaping @Sendable () -> StatsSnapshot
    ) {
        self.init(
            settings: settings, logger: logger, changeCount: changeCount, encodingFailed: encodingFailed,
            figures: { scope in
                switch scope {
                case .allSites: .snapshot(snapshot())
                case .site(let site): .unknownSite(site)
                case .siteList: .sites([])
                }
            })
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

    /// Starts feeding a stream that `admit` made room for with the figures of `scope`; its place
    /// is given back when it closes.
    func attach(_ stream: ResponseStream, scope: FiguresScope = .allSites) {
        let key = ObjectIdentifier(stream)
        let accepted = shared.withLock { shared -> Bool in
            guard !shared.stopped else { return false }
            let follower = Follower(stream: stream, scope: scope)
            shared.streams[key] = follower
            shared.newcomers.append(follower)
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

    /// Gives `answer` the figures of `scope` for a request: at once when the newest are recent
    /// enough, else from the feed thread as soon as it has computed the next.
    func answer(_ scope: FiguresScope = .allSites, _ answer: @escaping @Sendable (Answer) -> Void) {
        let now = ContinuousClock.now
        let changes = changeCount()
        let ready = shared.withLock { shared -> Answer? in
            if shared.stopped { return .stopped }
            if let ready = shared.latest[scope]?.answer(now: now, changes: changes, settings: settings) {
                return ready
            }
            shared.waiting.append((scope, answer))
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
            return (shared.streams.values.map(\.stream), shared.waiting.map(\.answer))
        }
        guard let (streams, waiting) = taken else { return }
        for stream in streams { stream.finish(closingConnection: true) }
        for answer in waiting { answer(.stopped) }
        thread.stopAndJoin()
    }

    // MARK: - The feed thread

    private func run() {
        /// The figures last sent to every stream of a scope, and when.
        var broadcasts: [FiguresScope: (figures: Figures, at: ContinuousClock.Instant)] = [:]
        var lastHeartbeat = ContinuousClock.now
        while true {
            let idle = shared.withLock { $0.streams.isEmpty && $0.waiting.isEmpty }
            _ = wake.wait(timeout: .now() + (idle ? .seconds(1) : .milliseconds(20)))
            let (stopped, newcomers, followers, waiting, known) = shared.withLock { shared in
                defer {
                    shared.newcomers.removeAll()
                    shared.waiting.removeAll()
                }
                return (
                    shared.stopped, shared.newcomers, Array(shared.streams.values), shared.waiting, shared.latest
                )
            }
            if stopped {
                for waiter in waiting { waiter.answer(.stopped) }
                return
            }
            let now = ContinuousClock.now
            let changes = changeCount()
            var latest = known
            // Streams, by the scope they follow: each scope is computed once for all of them.
            let streamsByScope = Dictionary(grouping: followers, by: \.scope)
            let newcomerScopes = Set(newcomers.map(\.scope))
            for (scope, _) in streamsByScope {
                let due = broadcasts[scope].map { now - $0.at >= settings.refresh } ?? true
                let computed = latest[scope]?.computed
                let outdated = computed.map { $0.changeCount != changes } ?? true
                let aged = computed.map { now - $0.at >= settings.idleRecompute } ?? true
                if outdated && (due || newcomerScopes.contains(scope)) || due && aged {
                    latest[scope] = compute(scope, changes: changes)
                }
            }
            for waiter in waiting {
                let answer: Answer
                if let ready = latest[waiter.scope]?.answer(now: now, changes: changes, settings: settings) {
                    answer = ready
                } else {
                    let fresh = compute(waiter.scope, changes: changes)
                    latest[waiter.scope] = fresh
                    answer = fresh.answer(now: now, changes: changes, settings: settings) ?? .stopped
                }
                waiter.answer(answer)
            }
            forgetUnwanted(keeping: Set(streamsByScope.keys), now: now)
            broadcasts = broadcasts.filter { streamsByScope[$0.key] != nil }
            guard !followers.isEmpty else {
                lastHeartbeat = now
                continue
            }
            let newcomerIDs = Set(newcomers.map { ObjectIdentifier($0.stream) })
            for (scope, group) in streamsByScope {
                guard let computed = latest[scope]?.computed else { continue }
                let due = broadcasts[scope].map { now - $0.at >= settings.refresh } ?? true
                send(
                    computed, to: group.map(\.stream), newcomers: newcomerIDs, due: due, broadcast: &broadcasts[scope],
                    now: now)
            }
            if now - lastHeartbeat >= settings.heartbeat {
                lastHeartbeat = now
                let heartbeat = ServerSentEvent.comment("heartbeat")
                for follower in followers { follower.stream.write(heartbeat) }
            }
        }
    }

    /// Drops the figures of scopes no stream follows and no request asked for within
    /// `idleRecompute`, so asking for many sites once does not keep their figures for ever.
    private func forgetUnwanted(keeping followed: Set<FiguresScope>, now: ContinuousClock.Instant) {
        shared.withLock { shared in
            shared.latest = shared.latest.filter { scope, latest in
                guard !followed.contains(scope) else { return true }
                let at: ContinuousClock.Instant
                switch latest {
                case .computed(let computed): at = computed.at
                case .failed(_, _, let when): at = when
                }
                return now - at < settings.idleRecompute
            }
        }
    }

    /// Computes a scope's figures and keeps the outcome as its newest, for streams and requests.
    private func compute(_ scope: FiguresScope, changes: UInt64) -> Latest {
        let computed = figures(scope)
        let at = ContinuousClock.now
        let latest: Latest
        do {
            latest = .computed(Computed(figures: computed, json: try computed.json(), changeCount: changes, at: at))
        } catch {
            encodingFailed()
            logger.error(
                "the statistics could not be written as JSON; /analytics answers 500 until they can",
                metadata: ["error": "\(error)"])
            latest = .failed(error, changeCount: changes, at: at)
        }
        shared.withLock { $0.latest[scope] = latest }
        return latest
    }

    /// The figures to newcomers at once, and to every other stream when a refresh is due.
    private func send(
        _ current: Computed, to streams: [ResponseStream], newcomers: Set<ObjectIdentifier>, due: Bool,
        broadcast: inout (figures: Figures, at: ContinuousClock.Instant)?, now: ContinuousClock.Instant
    ) {
        let json = String(decoding: current.json, as: UTF8.self)
        let first = ServerSentEvent(data: json, retryMilliseconds: settings.retryMilliseconds).bytes
        for stream in streams where newcomers.contains(ObjectIdentifier(stream)) { stream.write(first) }
        guard due else { return }
        let changed = broadcast.map { !$0.figures.sameFigures(as: current.figures) } ?? true
        let message =
            changed
            ? ServerSentEvent(data: json).bytes
            : Self.unchanged(current.figures, computedFor: now - current.at)
        for stream in streams where !newcomers.contains(ObjectIdentifier(stream)) { stream.write(message) }
        broadcast = (changed ? current.figures : broadcast?.figures ?? current.figures, now)
    }

    /// `event: unchanged`: the figures sent last still hold as of now; `snapshot` was computed
    /// `elapsed` ago, so the age of the oldest partial has grown by as much.
    static func unchanged(_ figures: Figures, computedFor elapsed: Duration) -> [UInt8] {
        var fields = [#""last_updated":"\#(RFC3339.formatSeconds(Date()))""#]
        if case .snapshot(let snapshot) = figures, let age = snapshot.partitions?.oldestPartialAgeSeconds {
            fields.append(#""oldest_partial_age_seconds":\#(String(format: "%.3f", age + elapsed.timeInterval))"#)
        }
        return ServerSentEvent(event: "unchanged", data: "{" + fields.joined(separator: ",") + "}").bytes
    }
}
