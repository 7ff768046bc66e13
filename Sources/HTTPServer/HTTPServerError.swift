/// Why the server could not start, in words an operator can act on (a port in use, a host that
/// does not resolve) rather than a bare errno.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case bind(host: String, port: Int, reason: String)
    case eventLoop(reason: String)

    public var description: String {
        switch self {
        case .bind(let host, let port, let reason): return "cannot listen on \(host):\(port): \(reason)"
        case .eventLoop(let reason): return "cannot start the event loop: \(reason)"
        }
    }
}
