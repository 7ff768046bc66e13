import CLinuxEvents
import Foundation

/// One client connection: reads requests, hands them to the responder one at a time (so
/// pipelined requests are answered in order), writes responses, and enforces the timeouts.
///
/// It lives on its event loop's thread only. Three enums describe it, as they change independently:
/// `State`, the exchange in progress; `Input`, what the edge-triggered socket has signalled and
/// the connection has not yet acted on; `Lifetime`, whether it outlives the exchange.
final class Connection: @unchecked Sendable {
    // @unchecked: confined to the owning loop's thread; completions come back through `loop.execute`.
    private enum State: Equatable {
        /// Waiting for (more of) a request, this far into it.
        case reading(ReadProgress)
        /// Request number `request` has been with the responder since `since`.
        case awaitingResponse(request: UInt64, since: ContinuousClock.Instant, head: HTTPRequestHead)
        /// A response has been written since `since`. `resuming` is the request still being read
        /// behind an interim `100 Continue`, to go back to once it is sent.
        case writing(since: ContinuousClock.Instant, resuming: ReadProgress?)
        /// A streamed response's head is sent; its body is written as the responder produces it.
        case streaming(ActiveStream)
        case closed
    }

    /// What the socket's read side has signalled. Epoll reports each edge once, so readiness not
    /// yet read, and the client's end of input (EPOLLRDHUP), must be remembered.
    private enum Input {
        /// The last read would have blocked.
        case drained
        /// Bytes (or the end of input) may be waiting to be read.
        case pending
        /// The client shut its side; what it sent may still be waiting to be read.
        case endPending
        /// The client shut its side and all it sent is read: no request can arrive or complete.
        case ended

        var isReadable: Bool { self == .pending || self == .endPending }
        var clientHungUp: Bool { self == .endPending || self == .ended }
        /// What is left once the socket has been read dry.
        var readDry: Input { clientHungUp ? .ended : .drained }
    }

    /// Whether the connection serves another request after the current one. It only ever moves
    /// down the list.
    private enum Lifetime: Comparable {
        case keepAlive
        /// Closes once the response in progress is written: the client asked to, the request was
        /// refused with an error, or the response's framing ends with the connection.
        case closeAfterResponse
        /// The server is shutting down: closes after the response in progress, and a stream ends
        /// as soon as it starts.
        case draining
    }

    /// How far the next request has come in.
    private struct ReadProgress: Equatable {
        /// When its first byte arrived; nil while nothing of it is buffered (idle).
        var started: ContinuousClock.Instant?
        /// When its head was complete, while its body is still arriving.
        var headAt: ContinuousClock.Instant?
        /// Its `Expect: 100-continue` was answered.
        var continueSent = false
    }

    /// The streamed response in progress on this connection.
    private struct ActiveStream: Equatable {
        let handle: ResponseStream
        let framing: BodyFraming
        /// The end of the body is queued: the stream is over once the output drains.
        var finishing = false
        /// Since when written output has been waiting for the reader; nil while all is sent.
        var waitingSince: ContinuousClock.Instant?

        static func == (lhs: ActiveStream, rhs: ActiveStream) -> Bool {
            lhs.handle === rhs.handle && lhs.finishing == rhs.finishing
        }
    }

    let fd: Int32
    let remoteAddress: String
    private unowned let loop: EventLoop
    private var parser: HTTPRequestParser
    private var state = State.reading(ReadProgress())
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var input = Input.drained
    private var lifetime = Lifetime.keepAlive
    private var lastActivity: ContinuousClock.Instant
    /// Requests dispatched so far: each answer names its request, so a late or second answer
    /// can never be taken for the next pipelined request's.
    private var dispatched: UInt64 = 0
    /// Bytes of the server's body budget held for the current request, until it is answered.
    private var heldBodyBytes = 0

    private var isAwaitingResponse: Bool {
        if case .awaitingResponse = state { return true }
        return false
    }

    private var isReading: Bool {
        if case .reading = state { return true }
        return false
    }

    /// Moves the lifetime down to `next`, never back up.
    private func end(_ next: Lifetime) {
        lifetime = max(lifetime, next)
    }

    init(fd: Int32, remoteAddress: String, loop: EventLoop) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.parser = HTTPRequestParser(limits: loop.shared.configuration.limits)
        self.lastActivity = loop.now
    }

    // MARK: - Events

    func handle(events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && !isAwaitingResponse {
            close()
            return
        }
        if events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 {
            input = .endPending
            if case .streaming = state {
                // The client has gone (an EventSource closing sends FIN): no one reads the stream.
                close()
                return
            }
        } else if events & EPOLLIN.rawValue != 0, input == .drained {
            input = .pending
        }
        if input.isReadable, isReading { readAvailable() }
        if events & EPOLLOUT.rawValue != 0 {
            switch state {
            case .writing, .streaming: flush()
            default: break
            }
        }
    }

    private func readAvailable() {
        let chunk = loop.readBuffer
        while input.isReadable, isReading {
            let count = recv(fd, chunk.baseAddress, chunk.count, 0)
            if count > 0 {
                lastActivity = loop.now
                if case .reading(var progress) = state, progress.started == nil {
                    progress.started = lastActivity
                    state = .reading(progress)
                }
                parser.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
                // A short read emptied the socket; after the client's end, nothing more will come.
                if count < chunk.count { input = input.readDry }
                processBuffered()
            } else if count == 0 {
                // The client will send nothing more; a request cut short cannot complete.
                close()
                return
            } else {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK {
                    close()
                    return
                }
                input = input.readDry
            }
        }
        // Everything the client sent is read and no request is complete: none ever will be.
        if isReading && input == .ended { close() }
    }

    /// Parses what is buffered and dispatches the next complete request, if any.
    private func processBuffered() {
        guard case .reading(var progress) = state else { return }
        do {
            guard let (head, body) = try parser.nextRequest() else {
                if parser.bufferedCount == 0 && parser.pendingHead == nil { progress.started = nil }
                if let head = parser.pendingHead {
                    guard loop.shared.bodyBudget.hold(parser.pendingBodyBytes, in: &heldBodyBytes) else {
                        return refuseOverBudget(head)
                    }
                    if progress.headAt == nil { progress.headAt = loop.now }
                    if head.expectsContinue && !progress.continueSent && parser.awaitingBody {
                        progress.continueSent = true
                        if let refusal = loop.shared.responder.screen(head) {
                            end(.closeAfterResponse)
                            send(refusal, for: head)
                            return
                        }
                        ResponseSerializer.writeContinue(into: &output)
                        state = .writing(since: loop.now, resuming: progress)
                        flush()
                        return
                    }
                }
                state = .reading(progress)
                return
            }
            guard loop.shared.bodyBudget.hold(body.count, in: &heldBodyBytes) else { return refuseOverBudget(head) }
            dispatch(HTTPRequest(head: head, body: body, remoteAddress: remoteAddress))
        } catch {
            end(.closeAfterResponse)
            let parsed = parser.pendingHead
            let response = loop.shared.responder.finish(
                serverError: .error(error.status, error.description), head: parsed)
            send(response, for: parsed ?? Self.unparsedHead)
        }
    }

    /// 503 for a request whose body the budget cannot hold; the rest of it is not read.
    private func refuseOverBudget(_ head: HTTPRequestHead) {
        end(.closeAfterResponse)
        send(loop.shared.responder.finish(serverError: BodyBudget.refusal, head: head), for: head)
    }

    private func dispatch(_ request: HTTPRequest) {
        dispatched += 1
        let number = dispatched
        let head = request.head
        state = .awaitingResponse(request: number, since: loop.now, head: head)
        if !request.head.keepAlive { end(.closeAfterResponse) }
        let loop = self.loop
        loop.shared.responder.respond(to: request) { [self] response in
            loop.execute { [self] in
                guard case .awaitingResponse(number, _, _) = state else {
                    // Answered already (at the deadline, or twice), or the connection is gone; a
                    // streamed body still learns that it will never open.
                    response.streamingBody?.open(ResponseStream(id: 0, fd: fd, loop: loop, open: false))
                    return
                }
                send(response, for: head)
            }
        }
    }

    private func send(_ response: HTTPResponse, for head: HTTPRequestHead) {
        // Answered: the request's body is no longer the server's to hold.
        loop.shared.bodyBudget.release(&heldBodyBytes)
        let headOnly = head.method == "HEAD"
        guard let body = response.streamingBody, !response.status.forbidsBody else {
            loop.serializer.write(
                response, headOnly: headOnly, version: head.version, keepAlive: lifetime == .keepAlive, into: &output)
            state = .writing(since: loop.now, resuming: nil)
            flush()
            return
        }
        // HTTP/1.0 has no chunked coding: the body ends when the connection does.
        let framing: BodyFraming = head.version == .http1_0 ? .untilClose : .chunked
        if framing == .untilClose || input.clientHungUp { end(.closeAfterResponse) }
        loop.serializer.write(
            response, headOnly: headOnly, version: head.version, keepAlive: lifetime == .keepAlive, framing: framing,
            into: &output)
        guard !headOnly, !input.clientHungUp else {
            body.open(ResponseStream(id: 0, fd: fd, loop: loop, open: false))
            state = .writing(since: loop.now, resuming: nil)
            flush()
            return
        }
        let stream = ResponseStream(id: loop.makeStreamID(), fd: fd, loop: loop, open: true)
        state = .streaming(ActiveStream(handle: stream, framing: framing, waitingSince: loop.now))
        Socket.limitSendBuffer(fd, to: Self.streamSocketBuffer)
        body.open(stream)
        // A stream that starts while the server shuts down ends at once, as drained ones do.
        if lifetime == .draining { finishStream(stream.id, closingConnection: true) }
        flush()
    }

    /// Kernel send buffer of a streaming connection: streams carry little, and a reader that stops
    /// reading should not hold megabytes of kernel memory before it is noticed.
    private static let streamSocketBuffer: Int32 = 64 * 1024

    // MARK: - Streams

    /// A piece of the streamed body `id`, from `ResponseStream.write`.
    func writeStreamChunk(_ bytes: [UInt8], stream id: UInt64) {
        guard case .streaming(var active) = state, active.handle.id == id, !active.finishing else { return }
        let backlog = output.count - outputOffset
        guard backlog + bytes.count <= loop.shared.configuration.streamBacklogLimit else {
            dropStream(id, reason: "the client reads more slowly than the stream is written")
            return
        }
        if backlog == 0 {
            active.waitingSince = loop.now
            state = .streaming(active)
        }
        ResponseSerializer.writeStreamPiece(bytes, framing: active.framing, into: &output)
        flush()
    }

    /// Ends the streamed body `id`; the connection then serves its next request, or closes.
    func finishStream(_ id: UInt64, closingConnection: Bool) {
        guard case .streaming(var active) = state, active.handle.id == id, !active.finishing else { return }
        active.finishing = true
        if active.waitingSince == nil { active.waitingSince = loop.now }
        state = .streaming(active)
        if closingConnection { end(.closeAfterResponse) }
        if active.framing == .chunked { ResponseSerializer.writeLastChunk(into: &output) }
        flush()
    }

    /// Closes the connection of stream `id`, which cannot be delivered as written.
    func dropStream(_ id: UInt64, reason: String) {
        guard case .streaming(let active) = state, active.handle.id == id else { return }
        // Never the client's address: logs outlive and outnumber the statistics' anonymised ones.
        loop.shared.logger.info("dropping a streamed response", metadata: ["stream": "\(id)", "reason": "\(reason)"])
        close()
    }

    /// Writes buffered output; when done, goes back to reading (or closes).
    private func flush() {
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
        if case .streaming(var active) = state {
            // All written so far is sent; the stream goes on until its end has been sent too.
            active.waitingSince = nil
            state = .streaming(active)
            guard active.finishing else { return }
            active.handle.markClosed()
        }
        if lifetime != .keepAlive {
            close()
            return
        }
        lastActivity = loop.now
        if case .writing(_, let resuming?) = state {
            // The interim 100 Continue is out: back to the request's body.
            state = .reading(resuming)
        } else {
            state = .reading(ReadProgress(started: parser.bufferedCount > 0 ? lastActivity : nil))
            processBuffered()
        }
        // Reads on if more is waiting, and closes if the client's end came with what is answered.
        if isReading { readAvailable() }
    }

    // MARK: - Lifecycle

    /// Server shutdown: close now if idle, otherwise after the response in progress.
    func drain() {
        end(.draining)
        if case .streaming(let active) = state {
            finishStream(active.handle.id, closingConnection: true)
            return
        }
        guard isReading else { return }
        // A request may already sit in the socket unread: answer it (with Connection: close)
        // rather than reset the connection under it.
        if input == .drained { input = .pending }
        readAvailable()
        if isReading && !parser.hasPartialRequest { close() }
    }

    func checkDeadlines(now: ContinuousClock.Instant) {
        let configuration = loop.shared.configuration
        switch state {
        case .reading(let progress):
            if let headAt = progress.headAt, now - headAt > configuration.bodyTimeout {
                timeOut("the request body did not arrive within \(configuration.bodyTimeout)")
            } else if progress.headAt == nil, let started = progress.started,
                now - started > configuration.headerTimeout
            {
                timeOut("the request headers did not arrive within \(configuration.headerTimeout)")
            } else if !parser.hasPartialRequest, now - lastActivity > configuration.idleTimeout {
                close()
            }
        case .writing(let since, _):
            if now - since > configuration.writeTimeout { close() }
        case .streaming(let active):
            // Output waiting since `waitingSince` without ever draining: the reader has stalled.
            if let since = active.waitingSince, now - since > configuration.writeTimeout {
                dropStream(active.handle.id, reason: "the client read nothing for \(configuration.writeTimeout)")
            }
        case .awaitingResponse(_, let since, let head):
            if now - since > configuration.responseTimeout {
                // The responder never answered: the client gets a 503 and the connection closes,
                // as a late answer would no longer match the request.
                end(.closeAfterResponse)
                let response = loop.shared.responder.finish(
                    serverError: .error(
                        .serviceUnavailable, "the server did not answer within \(configuration.responseTimeout)"),
                    head: head)
                send(response, for: head)
            }
        case .closed:
            break
        }
    }

    private func timeOut(_ message: String) {
        end(.closeAfterResponse)
        let parsed = parser.pendingHead
        let response = loop.shared.responder.finish(serverError: .error(.requestTimeout, message), head: parsed)
        send(response, for: parsed ?? Self.unparsedHead)
    }

    /// What an answer is framed for when nothing of its request could be parsed.
    private static let unparsedHead = HTTPRequestHead(
        method: "GET", target: "/", version: .http1_1, headers: HTTPHeaders())

    func close() {
        let stream: ResponseStream?
        switch state {
        case .closed: return
        case .streaming(let active): stream = active.handle
        default: stream = nil
        }
        state = .closed
        loop.shared.bodyBudget.release(&heldBodyBytes)
        defer { stream?.markClosed() }
        loop.unregister(fd)
        Glibc.close(fd)
        loop.connectionClosed(fd)
    }
}
