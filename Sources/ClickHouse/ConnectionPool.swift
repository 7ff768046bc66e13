import Foundation
import Synchronization

/// The kept-alive connections of one `ClickHouseClient` to a plain-`http` ClickHouse: a request
/// takes an idle one (or opens one) and gives it back after a complete answer.
///
/// It exists so that a writer inserting a block a second does not connect for each, and so that
/// `shutdown()` can reach the requests in flight: it interrupts them and closes everything.
final class ConnectionPool: Sendable {
    /// `Host` header value: the host, bracketed if it is an IPv6 address, and the port.
    let hostHeader: String
    private let host: String
    private let port: Int

    private struct State {
        var idle: [PlainHTTPConnection] = []
        var busy: [ObjectIdentifier: PlainHTTPConnection] = [:]
        var stopped = false
    }

    private let state = Mutex(State())

    /// Idle connections kept at most (the writer uses one; progress queries and retention another).
    static let maximumIdle = 4
    /// An idle connection older than this is closed rather than reused: ClickHouse closes its
    /// side after `keep_alive_timeout` (3 s in 18.16, 10 s in current versions), and a request
    /// racing that close would fail.
    static let maximumIdleAge = Duration.seconds(2)

    init(host: String, port: Int) {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.host = bare
        self.port = port
        hostHeader = (bare.contains(":") ? "[\(bare)]" : bare) + ":\(port)"
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// An idle connection still usable (unless `fresh`), else a new one; and whether it was reused.
    func take(fresh: Bool = false, deadline: ContinuousClock.Instant) throws(PlainHTTPConnection.Failure)
        -> (PlainHTTPConnection, Bool)
    {
        while !fresh {
            let pick: Pick = state.withLock { state in
                if state.stopped { return .stopped }
                return state.idle.popLast().map(Pick.idle) ?? .none
            }
            switch pick {
            case .stopped:
                throw .io(reason: "the client is shut down", answerStarted: false)
            case .idle(let connection):
                if ContinuousClock.now - connection.idleSince < Self.maximumIdleAge && connection.isReusable {
                    guard markBusy(connection) else {
                        throw .io(reason: "the client is shut down", answerStarted: false)
                    }
                    return (connection, true)
                }
                connection.shutdown()
            case .none:
                return (try connect(deadline: deadline), false)
            }
        }
        return (try connect(deadline: deadline), false)
    }

    /// A new connection, busy from before it connects so that `shutdown()` can interrupt the
    /// connect too.
    private func connect(deadline: ContinuousClock.Instant) throws(PlainHTTPConnection.Failure) -> PlainHTTPConnection {
        var registered: [PlainHTTPConnection] = []
        do throws(PlainHTTPConnection.Failure) {
            let connection = try PlainHTTPConnection.connect(host: host, port: port, deadline: deadline) { candidate in
                registered.append(candidate)
                return markBusy(candidate)
            }
            for candidate in registered where candidate !== connection { forget(candidate) }
            return connection
        } catch {
            for candidate in registered { forget(candidate) }
            throw error
        }
    }

    /// What `take` found in the pool.
    private enum Pick {
        case stopped
        case idle(PlainHTTPConnection)
        case none
    }

    /// Gives back a connection after its request: kept if `reusable` and there is room, else closed.
    func give(back connection: PlainHTTPConnection, reusable: Bool) {
        let keep = state.withLock { state in
            state.busy[ObjectIdentifier(connection)] = nil
            guard reusable, !state.stopped, state.idle.count < Self.maximumIdle else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep { connection.shutdown() }
    }

    /// Interrupts the requests in flight, closes the idle connections and refuses new requests.
    /// Idempotent.
    func shutdown() {
        let (idle, busy) = state.withLock { state in
            state.stopped = true
            defer { state.idle = [] }
            return (state.idle, Array(state.busy.values))
        }
        for connection in idle { connection.shutdown() }
        for connection in busy { connection.interrupt() }
    }

    /// Takes a socket that did not connect out of the busy ones and closes it.
    private func forget(_ connection: PlainHTTPConnection) {
        _ = state.withLock { $0.busy.removeValue(forKey: ObjectIdentifier(connection)) }
        connection.shutdown()
    }

    private func markBusy(_ connection: PlainHTTPConnection) -> Bool {
        let accepted = state.withLock { state in
            guard !state.stopped else { return false }
            state.busy[ObjectIdentifier(connection)] = connection
            return true
        }
        if !accepted { connection.shutdown() }
        return accepted
    }
}
