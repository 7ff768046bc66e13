import Foundation
import Synchronization

/// Closes both sockets of a relayed connection once both directions have finished.
final class ConnectionPair: Sendable {
    private let client: Int32
    private let upstream: Int32
    /// Directions still pumping; the sockets are closed (under the lock) when it reaches 0.
    private let remaining = Mutex(2)

    init(client: Int32, upstream: Int32) {
        self.client = client
        self.upstream = upstream
    }

    var isFinished: Bool { remaining.withLock { $0 == 0 } }

    func finishOneDirection() {
        remaining.withLock { count in
            // Wake the other direction: its read returns 0 once the peer side is shut down.
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(upstream, Int32(SHUT_RDWR))
            count -= 1
            if count == 0 {
                close(client)
                close(upstream)
            }
        }
    }

    /// Ends both directions (their reads return) unless the sockets are already closed.
    func interrupt() {
        remaining.withLock { count in
            guard count > 0 else { return }
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(upstream, Int32(SHUT_RDWR))
        }
    }
}
