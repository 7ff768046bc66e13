import Foundation

/// One HTTP/1.1 connection over plain TCP to ClickHouse's HTTP interface, used request after
/// request (keep-alive).
///
/// It exists because swift-corelibs-foundation's `URLSession` spent more CPU than the insert
/// itself: a 16 MiB block went out through libcurl's read callback and libdispatch's event loop,
/// and the thread switches came to a third of the history writer's time (perf, 2 cores). Here a
/// request is a few `send` calls of the whole head and body, and an answer a few `recv`s; every
/// wait is a `poll` bounded by the request's deadline. TLS (`https`) still goes through
/// `URLSession` (`ClickHouseClient`).
///
/// It owns its socket: `shutdown()` closes it once (`deinit` is the safety net); `interrupt()`,
/// from another thread, makes a request in flight (or a connect) fail at once (stopping).
///
/// `@unchecked Sendable`: one thread at a time uses a connection (`ConnectionPool` hands it out
/// and takes it back), so `buffer`, `idleSince` and `answerStarted` need no lock; the lock guards
/// only what `interrupt()` touches from another thread.
final class PlainHTTPConnection: @unchecked Sendable {
    /// Why a request on this connection did not get its answer.
    enum Failure: Error {
        /// Connecting, sending or receiving failed (`reason`); `answerStarted` says whether any
        /// byte of an answer came (if not, a reused connection may simply have been closed by
        /// the server while idle).
        case io(reason: String, answerStarted: Bool)
        case timedOut
        /// The answer was not HTTP as ClickHouse speaks it.
        case malformed(String)
    }

    /// An answer: its status, whether the server keeps the connection open, and its body.
    struct Answer {
        var status: Int
        var keepAlive: Bool
        var body: [UInt8]
    }

    /// The most an answer's body may hold. The largest of ours is a rebuild's stored offsets of
    /// 32 partitions (about 9 bytes an offset); the query API bounds its results. This only stops a
    /// runaway answer from taking all the memory.
    static let maximumBodyBytes = 1 << 30

    private let fd: Int32
    /// Guards `closed` and `interrupted` against `interrupt()` racing `shutdown()`.
    private let lock = NSLock()
    private var closed = false
    private var interrupted = false
    /// How long a connection may take to open, whatever the request's deadline (an address that
    /// drops packets must not hold a stopping writer for the 300 s an insert may take).
    static let connectTimeout = Duration.seconds(10)
    /// When the connection last finished an answer (for reuse: ClickHouse closes idle ones).
    private(set) var idleSince = ContinuousClock.now

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { shutdown() }

    /// Connects to `host:port` (each of its addresses in turn) before `deadline` and within
    /// `connectTimeout`. `register` is given each socket before it connects, so that a shutdown
    /// can interrupt the connect; it returns false when the client is shut down.
    static func connect(
        host: String, port: Int, deadline: ContinuousClock.Instant, register: (PlainHTTPConnection) -> Bool
    ) throws(Failure) -> PlainHTTPConnection {
        let deadline = min(deadline, .now + connectTimeout)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw .io(reason: "cannot resolve \(host): \(String(cString: gai_strerror(status)))", answerStarted: false)
        }
        defer { freeaddrinfo(result) }
        var reason = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let fd = socket(
                info.pointee.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                reason = String(cString: strerror(errno))
                continue
            }
            let connection = PlainHTTPConnection(fd: fd)
            guard register(connection) else { throw .io(reason: "the client is shut down", answerStarted: false) }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return connection }
            guard errno == EINPROGRESS else {
                reason = String(cString: strerror(errno))
                continue
            }
            do throws(Failure) {
                try connection.wait(for: Int16(POLLOUT), until: deadline, answerStarted: false)
            } catch {
                if case .timedOut = error { throw error }
                reason = "\(error)"
                continue
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
            if socketError == 0 { return connection }
            reason = String(cString: strerror(socketError))
        }
        throw .io(reason: reason, answerStarted: false)
    }

    /// Whether the connection may carry another request: open, nothing left over from the last
    /// answer, and not closed or written to by the server while idle.
    var isReusable: Bool {
        guard buffer.isEmpty else { return false }
        lock.lock()
        defer { lock.unlock() }
        guard !closed, !interrupted else { return false }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// Sends `head` and `body`, then reads the answer, all before `deadline`.
    func exchange(head: [UInt8], body: [UInt8], deadline: ContinuousClock.Instant) throws(Failure) -> Answer {
        do throws(Failure) {
            try send(head, deadline: deadline)
            try send(body, deadline: deadline)
        } catch {
            // A server may answer before it has read the whole body (a refused user on a large
            // insert) and close: its answer says more than the broken pipe.
            guard case .io = error,
                var answer = try? readAnswer(deadline: min(deadline, .now + .seconds(1)))
            else { throw error }
            answer.keepAlive = false
            return answer
        }
        let answer = try readAnswer(deadline: deadline)
        idleSince = .now
        return answer
    }

    /// Makes a request in flight on another thread fail now (its `poll` wakes); the owner still
    /// calls `shutdown()`.
    func interrupt() {
        lock.lock()
        defer { lock.unlock() }
        interrupted = true
        if !closed { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Closes the socket. Idempotent.
    func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        close(fd)
    }

    // MARK: Sending

    private func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress.map { $0 + sent }, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                sent += count
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), until: deadline, answerStarted: false)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                throw .io(reason: String(cString: strerror(errno)), answerStarted: false)
            }
        }
    }

    // MARK: Receiving

    /// Bytes received: `buffer[start...]` are not used yet.
    private var buffer: [UInt8] = []
    private var start = 0
    private var answerStarted = false
    /// Where `recv` writes, reused from one call to the next.
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)

    private var unread: Int { buffer.count - start }

    /// Receives more bytes into `buffer`; false at the end of the stream.
    private func receive(deadline: ContinuousClock.Instant) throws(Failure) -> Bool {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                answerStarted = true
                buffer.append(contentsOf: scratch[0..<count])
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw .io(reason: String(cString: strerror(errno)), answerStarted: answerStarted)
            }
            try wait(for: Int16(POLLIN), until: deadline, answerStarted: answerStarted)
        }
    }

    /// Receives until `buffer[start...]` holds a CRLF; returns the line without it and moves
    /// past it. Each byte is searched once (`receive` moves the unread bytes, not their order).
    private func line(limit: Int, deadline: ContinuousClock.Instant) throws(Failure) -> ArraySlice<UInt8> {
        var searched = 0
        while true {
            let from = start + max(0, searched - 1)
            if from < buffer.count - 1 {
                for index in from..<(buffer.count - 1) where buffer[index] == 13 && buffer[index + 1] == 10 {
                    let line = buffer[start..<index]
                    start = index + 2
                    return line
                }
            }
            searched = unread
            guard unread <= limit else { throw .malformed("a line over \(limit) bytes") }
            guard try receive(deadline: deadline) else {
                throw .io(reason: "the server closed the connection", answerStarted: answerStarted)
            }
        }
    }

    /// Receives until `count` bytes are unread; returns them and moves past them.
    private func bytes(_ count: Int, deadline: ContinuousClock.Instant) throws(Failure) -> ArraySlice<UInt8> {
        while unread < count {
            guard try receive(deadline: deadline) else {
                throw .io(reason: "the server closed the connection mid-answer", answerStarted: true)
            }
        }
        let bytes = buffer[start..<(start + count)]
        start += count
        return bytes
    }

    private func readAnswer(deadline: ContinuousClock.Instant) throws(Failure) -> Answer {
        answerStarted = unread > 0
        while true {
            let head = try readHead(deadline: deadline)
            // An interim answer (100 Continue) is followed by the real one.
            if (100...199).contains(head.status) { continue }
            var keepAlive = head.keepAlive
            let body: [UInt8]
            if head.status == 204 || head.status == 304 {
                body = []
            } else if head.chunked {
                body = try readChunked(deadline: deadline)
            } else if let length = head.contentLength {
                guard length <= Self.maximumBodyBytes else { throw .malformed("an answer over 1 GiB") }
                body = Array(try bytes(length, deadline: deadline))
            } else {
                // Delimited by the end of the stream.
                while try receive(deadline: deadline) {
                    guard unread <= Self.maximumBodyBytes else { throw .malformed("an answer over 1 GiB") }
                }
                body = Array(buffer[start...])
                start = buffer.count
                keepAlive = false
            }
            if start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            return Answer(status: head.status, keepAlive: keepAlive, body: body)
        }
    }

    /// What an answer's head says.
    private struct Head {
        var status: Int
        var keepAlive: Bool
        var contentLength: Int?
        var chunked: Bool
    }

    private func readHead(deadline: ContinuousClock.Instant) throws(Failure) -> Head {
        let statusLine = String(decoding: try line(limit: 8 << 10, deadline: deadline), as: UTF8.self)
        // "HTTP/1.1 200 OK": a version, then exactly three digits.
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0", parts[1].utf8.count == 3,
            parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let status = Int(parts[1])
        else { throw .malformed("not an HTTP/1.1 status line") }
        var head = Head(status: status, keepAlive: parts[0] == "HTTP/1.1", contentLength: nil, chunked: false)
        var headBytes = statusLine.utf8.count
        while true {
            let line = try line(limit: 8 << 10, deadline: deadline)
            if line.isEmpty { return head }
            headBytes += line.count
            guard headBytes <= 64 << 10 else { throw .malformed("an answer head over 64 KiB") }
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { continue }
            let name = text[..<colon].lowercased()
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            switch name {
            case "content-length":
                guard let length = Int(value), length >= 0, head.contentLength == nil || head.contentLength == length
                else { throw .malformed("a bad or repeated Content-Length") }
                head.contentLength = length
            case "transfer-encoding": head.chunked = value.hasSuffix("chunked")
            case "connection":
                if value.contains("close") {
                    head.keepAlive = false
                } else if value.contains("keep-alive") {
                    head.keepAlive = true
                }
            default: break
            }
        }
    }

    private func readChunked(deadline: ContinuousClock.Instant) throws(Failure) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = String(decoding: try line(limit: 4096, deadline: deadline), as: UTF8.self)
            let sizeText = sizeLine.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            guard !sizeText.isEmpty, sizeText.utf8.count <= 16, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw .malformed("a bad chunk size")
            }
            guard size <= Self.maximumBodyBytes - body.count else { throw .malformed("an answer over 1 GiB") }
            if size == 0 {
                // Trailers (ClickHouse sends none), up to the blank line.
                while !(try line(limit: 8 << 10, deadline: deadline)).isEmpty {}
                return body
            }
            body.append(contentsOf: try bytes(size, deadline: deadline))
            guard try bytes(2, deadline: deadline).elementsEqual([13, 10]) else {
                throw .malformed("a chunk without its CRLF")
            }
        }
    }

    /// Waits until the socket is ready for `events` or `deadline` passes.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant, answerStarted: Bool) throws(Failure) {
        while true {
            let left = deadline - .now
            guard left > .zero else { throw .timedOut }
            let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18
            let milliseconds = Int32(clamping: Int64(seconds * 1000) + 1)
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if isInterrupted { throw .io(reason: "the client is shut down", answerStarted: answerStarted) }
            if ready > 0 {
                if entry.revents & Int16(POLLNVAL) != 0 {
                    throw .io(reason: "the connection was closed (stopping)", answerStarted: answerStarted)
                }
                return
            }
            if ready < 0 && errno != EINTR {
                throw .io(reason: String(cString: strerror(errno)), answerStarted: answerStarted)
            }
        }
    }

    private var isInterrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return interrupted
    }
}
