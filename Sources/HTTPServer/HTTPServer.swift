import Foundation
import Logging
import Synchronization

/// An HTTP/1.1 server on the socket API: a fixed set of epoll event loops (one per core by
/// default) sharing one listening socket, with keep-alive, pipelining, limits and timeouts.
///
/// It exists because the producer's ingestion path must be fast and predictable without a web
/// framework; routing lives elsewhere (`Router`), the server only speaks the protocol.
public final class HTTPServer: Sendable {
    private let shared: ServerShared
    private let listenerFD: Int32
    private let loops: [EventLoop]
    private let stopped = Atomic<Bool>(false)

    /// The bound port (useful when the configuration asked for port 0).
    public let port: Int

    /// Binds the socket and starts the event loops.
    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger)
        throws(HTTPServerError)
    {
        shared = ServerShared(configuration: configuration, responder: responder, logger: logger)
        listenerFD = try Socket.listen(
            host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        port = Socket.localPort(listenerFD)
        var loops: [EventLoop] = []
        do {
            for index in 0..<max(1, configuration.eventLoopCount) {
                loops.append(try EventLoop(shared: shared, listenerFD: listenerFD, name: "http-loop-\(index)"))
            }
        } catch {
            // No server is made, so nothing else would ever close the bound socket.
            close(listenerFD)
            throw error
        }
        self.loops = loops
        for loop in loops { loop.start() }
    }

    deinit {
        shutdown(timeout: .zero)
    }

    /// Open connections across all loops.
    public var openConnections: Int { shared.openConnections.load(ordering: .relaxed) }

    /// Bytes of request bodies held across all loops (see `maxBufferedBodyBytes`).
    public var bufferedBodyBytes: Int { shared.bodyBudget.inUse }

    /// Graceful shutdown: stop accepting, close idle connections, let requests in flight finish
    /// (their connections then close), and after `timeout` close whatever is left.
    public func shutdown(timeout: Duration) {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        for loop in loops { loop.beginDrain() }
        // No loop watches the listener any more: closing it refuses new connections at once.
        close(listenerFD)
        let deadline = ContinuousClock.now + timeout
        while openConnections > 0 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        if openConnections > 0 {
            shared.logger.warning(
                "closing connections still open at shutdown", metadata: ["connections": "\(openConnections)"])
        }
        for loop in loops { loop.stop() }
    }
}
