import CLinuxEvents
import Foundation

/// One client connection: reads requests, hands them to the responder one at a time (so
/// pipelined requests are answered in order), writes responses, and enforces the timeouts.
///
/// It lives on its event loop's thread only. The socket is registered edge-triggered, so the
/// connection remembers readiness it did not act on (`readable`, `writable`).
final class Connection: @unchecked Sendable {
    // @unchecked: confined to the owning loop's thread; completions come back through `loop.execute`.
    private enum State {
        /// Waiting for (more of) a request.
        case reading
        /// A request is with the responder.
        case awaitingResponse
        /// A response is being written.
        case writing
        case closed
    }

    let fd: Int32
    let remoteAddress: String
    private unowned let loop: EventLoop
    private var parser: HTTPRequestParser
    private var state = State.reading
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var readable = false
    private var peerClosed = false
    private var closeAfterWrite = false
    private var draining = false
    private var continueSent = false
    private var lastActivity: ContinuousClock.Instant
    private var requestStarted: ContinuousClock.Instant?
    private var headReceived: ContinuousClock.Instant?
    private var writeStarted: ContinuousClock.Instant?

    init(fd: Int32, remoteAddress: String, loop: EventLoop) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.parser = HTTPRequestParser(limits: loop.shared.configuration.limits)
        self.lastActivity = loop.now
    }

    // MARK: - Events

    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && state != .awaitingResponse {
            close()
            return
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 {
            readable = true
            if state == .reading { readAvailable() }
        }
        if events & EPOLLOUT.rawValue != 0, state == .writing {
            flush()
        }
    }

    private func readAvailable() {
        let chunk = loop.readBuffer
        while readable, state == .reading {
            let count = recv(fd, chunk.baseAddress, chunk.count, 0)
            if count > 0 {
                lastActivity = loop.now
                if requestStarted == nil { requestStarted = lastActivity }
                parser.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
                processBuffered()
                if count < chunk.count { readable = false }
            } else if count == 0 {
                readable = false
                peerClosed = true
                // The client will send nothing more; a request cut short cannot complete.
                close()
                return
            } else {
                if errno == EINTR { continue }
                readable = false
                if errno != EAGAIN && errno != EWOULDBLOCK { close() }
            }
        }
    }

    /// Parses what is buffered and dispatches the next complete request, if any.
    private func processBuffered() {
        guard state == .reading else { return }
        do {
            guard let (head, body) = try parser.nextRequest() else {
                if parser.bufferedCount == 0 && parser.pendingHead == nil { requestStarted = nil }
                if let head = parser.pendingHead {
                    if headReceived == nil { headReceived = loop.now }
                    if head.expectsContinue && !continueSent && parser.awaitingBody {
                        continueSent = true
                        if let refusal = loop.shared.responder.screen(head) {
                            closeAfterWrite = true
                            send(refusal, for: head)
                            return
                        }
                        ResponseSerializer.writeContinue(into: &output)
                        state = .writing
                        writeStarted = loop.now
                        flush(continueOnly: true)
                    }
                }
                return
            }
            dispatch(HTTPRequest(head: head, body: body, remoteAddress: remoteAddress))
        } catch {
            closeAfterWrite = true
            let head =
                parser.pendingHead
                ?? HTTPRequestHead(method: "GET", target: "/", version: .http1_1, headers: HTTPHeaders())
            send(.error(error.status, error.description), for: head)
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        state = .awaitingResponse
        continueSent = false
        headReceived = nil
        if !request.head.keepAlive || draining { closeAfterWrite = true }
        let loop = self.loop
        let head = request.head
        loop.shared.responder.respond(to: request) { [self] response in
            loop.execute { [self] in
                guard state == .awaitingResponse else { return }
                send(response, for: head)
            }
        }
    }

    private func send(_ response: HTTPResponse, for head: HTTPRequestHead) {
        if draining { closeAfterWrite = true }
        loop.serializer.write(
            response, headOnly: head.method == "HEAD", version: head.version, keepAlive: !closeAfterWrite,
            into: &output)
        state = .writing
        writeStarted = loop.now
        flush()
    }

    /// Writes buffered output; when done, goes back to reading (or closes).
    private func flush(continueOnly: Bool = false) {
        while outputOffset < output.count {
            let count = output.withUnsafeBytes { bytes in
                // outputOffset < count, so the buffer is non-empty and the slice has an address.
                let pending = UnsafeRawBufferPointer(rebasing: bytes[outputOffset...])
                return Glibc.send(fd, pending.baseAddress, pending.count, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                outputOffset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return  // EPOLLOUT (edge-triggered) will call flush again.
            } else {
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 65_536)
        outputOffset = 0
        writeStarted = nil
        if closeAfterWrite {
            close()
            return
        }
        state = .reading
        lastActivity = loop.now
        if !continueOnly {
            requestStarted = parser.bufferedCount > 0 ? lastActivity : nil
            processBuffered()
        }
        if state == .reading && peerClosed && !parser.hasPartialRequest {
            close()
            return
        }
        if state == .reading && readable { readAvailable() }
    }

    // MARK: - Lifecycle

    /// Server shutdown: close now if idle, otherwise after the response in progress.
    func drain() {
        draining = true
        guard state == .reading else { return }
        // A request may already sit in the socket unread: answer it (with Connection: close)
        // rather than reset the connection under it.
        readable = true
        readAvailable()
        if state == .reading && !parser.hasPartialRequest { close() }
    }

    func checkDeadlines(now: ContinuousClock.Instant) {
        let configuration = loop.shared.configuration
        switch state {
        case .reading:
            if let headReceived, now - headReceived > configuration.bodyTimeout {
                timeOut("the request body did not arrive within \(configuration.bodyTimeout)")
            } else if headReceived == nil, let requestStarted, now - requestStarted > configuration.headerTimeout {
                timeOut("the request headers did not arrive within \(configuration.headerTimeout)")
            } else if !parser.hasPartialRequest, now - lastActivity > configuration.idleTimeout {
                close()
            }
        case .writing:
            if let writeStarted, now - writeStarted > configuration.writeTimeout { close() }
        case .awaitingResponse, .closed:
            break
        }
    }

    private func timeOut(_ message: String) {
        closeAfterWrite = true
        let head = HTTPRequestHead(method: "GET", target: "/", version: .http1_1, headers: HTTPHeaders())
        send(.error(.requestTimeout, message), for: head)
    }

    func close() {
        guard state != .closed else { return }
        state = .closed
        loop.unregister(fd)
        Glibc.close(fd)
        loop.connectionClosed(fd)
    }
}
