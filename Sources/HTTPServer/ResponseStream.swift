import Synchronization

/// The body of a streamed response, written over time from any thread (Server-Sent Events).
///
/// It exists so a response can stay open for minutes without holding an event-loop thread: each
/// `write` is handed to the connection's loop, which frames it (chunked for HTTP/1.1) and sends it
/// as the socket allows. A reader that falls more than `HTTPServerConfiguration.streamBacklogLimit`
/// bytes behind is dropped rather than buffered without bound. The stream names its connection by
/// descriptor and stream id, so a write that arrives after the connection moved on is discarded.
public final class ResponseStream: Sendable {
    private enum State {
        case open(onClose: [@Sendable () -> Void])
        case closed
    }

    let id: UInt64
    private let fd: Int32
    private let loop: EventLoop
    private let state: Mutex<State>
    /// Bytes passed to `write` that the loop has not yet taken into the connection's output.
    private let inFlight = Atomic<Int>(0)
    private let backlogLimit: Int

    init(id: UInt64, fd: Int32, loop: EventLoop, open: Bool) {
        self.id = id
        self.fd = fd
        self.loop = loop
        self.backlogLimit = loop.shared.configuration.streamBacklogLimit
        self.state = Mutex(open ? .open(onClose: []) : .closed)
    }

    /// Whether the client may still receive what is written.
    public var isOpen: Bool {
        state.withLock { state in
            if case .open = state { return true }
            return false
        }
    }

    /// Queues `bytes` for the client; does nothing once the stream is closed. Never blocks.
    public func write(_ bytes: [UInt8]) {
        guard isOpen, !bytes.isEmpty else { return }
        let queued = inFlight.add(bytes.count, ordering: .relaxed).newValue
        let (loop, fd, id) = (self.loop, self.fd, self.id)
        guard queued <= backlogLimit else {
            // The loop has not even taken what was written before: the writer outruns the loop.
            loop.execute { loop.connection(fd)?.dropStream(id, reason: "writes queued faster than the loop sends") }
            return
        }
        loop.execute { [self] in
            inFlight.subtract(bytes.count, ordering: .relaxed)
            loop.connection(fd)?.writeStreamChunk(bytes, stream: id)
        }
    }

    /// Ends the body. With `closingConnection`, the connection closes once the end is sent (the
    /// server is going away, so the client should not send its next request here).
    public func finish(closingConnection: Bool = false) {
        guard isOpen else { return }
        let (loop, fd, id) = (self.loop, self.fd, self.id)
        loop.execute { loop.connection(fd)?.finishStream(id, closingConnection: closingConnection) }
    }

    /// Runs `handler` once the stream has ended, whichever side ended it; at once if it already has.
    /// Handlers run on the connection's event loop, or on the caller's thread when already closed.
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            guard case .open(var handlers) = state else { return true }
            handlers.append(handler)
            state = .open(onClose: handlers)
            return false
        }
        if runNow { handler() }
    }

    /// Called by the connection, on its loop, when the stream can carry nothing more.
    func markClosed() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard case .open(let handlers) = state else { return [] }
            state = .closed
            return handlers
        }
        for handler in handlers { handler() }
    }
}
