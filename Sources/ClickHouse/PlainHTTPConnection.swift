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
/// from another thread, makes a request in flight fail at once (stopping).
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
    /// Guards `closed` against `interrupt()` racing `shutdown()`.
    private let lock = NSLock()
    private var closed = false
    /// When the connection last finished an answer (for reuse: ClickHouse closes idle ones).
    private(set) var idleSince = ContinuousClock.now

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { shutdown() }

    /// Connects to `host:port` (each of its addresses in turn) before `deadline`.
    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws(Failure)
        -> PlainHTTPConnection
    {
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

    /// Whether the connection may carry another request: open, and not closed or written to by
    /// the server while idle.
    var isReusable: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return false }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// Sends `head` and `body`, then reads the answer, all before `deadline`.
    func exchange(head: [UInt8], body: [UInt8], deadline: ContinuousClock.Instant) throws(Failure) -> Answer {
        try send(head, deadline: deadline)
        try send(body, deadline: deadline)
        let answer = try readAnswer(deadline: deadline)
        idleSince = .now
        return answer
    }

    /// Makes a request in flight on another thread fail now (its `poll` wakes); the owner still
    /// calls `shutdown()`.
    func interrupt() {
        lock.lock()
        defer { lock.unlock() }
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

    /// Bytes received and not yet used.
    private var buffer: [UInt8] = []
    private var answerStarted = false

    /// Receives more bytes into `buffer`; false at the end of the stream.
    private func receive(deadline: ContinuousClock.Instant) throws(Failure) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                answerStarted = true
                buffer.append(contentsOf: chunk[0..<count])
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

    private func readAnswer(deadline: ContinuousClock.Instant) throws(Failure) -> Answer {
        answerStarted = !buffer.isEmpty
        // The head: up to the blank line.
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.endOfHead(in: buffer)
            if headEnd == nil {
                guard buffer.count < 64 << 10 else { throw .malformed("an answer head over 64 KiB") }
                guard try receive(deadline: deadline) else {
                    throw .io(reason: "the server closed the connection", answerStarted: answerStarted)
                }
            }
        }
        guard let headEnd else { throw .malformed("no answer head") }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        guard let statusLine = lines.next(), statusLine.hasPrefix("HTTP/1."),
            let status = Int(statusLine.dropFirst(9).prefix(3))
        else { throw .malformed("not an HTTP/1.1 status line") }
        var keepAlive = statusLine.hasPrefix("HTTP/1.1")
        var contentLength: Int?
        var chunked = false
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            switch name {
            case "content-length":
                guard let length = Int(value), length >= 0 else { throw .malformed("a bad Content-Length") }
                contentLength = length
            case "transfer-encoding": chunked = value.hasSuffix("chunked")
            case "connection":
                if value.contains("close") {
                    keepAlive = false
                } else if value.contains("keep-alive") {
                    keepAlive = true
                }
            default: break
            }
        }
        let body: [UInt8]
        if chunked {
            body = try readChunked(deadline: deadline)
        } else if let contentLength {
            guard contentLength <= Self.maximumBodyBytes else { throw .malformed("an answer over 1 GiB") }
            while buffer.count < contentLength {
                guard try receive(deadline: deadline) else {
                    throw .io(reason: "the server closed the connection mid-answer", answerStarted: true)
                }
            }
            body = Array(buffer[0..<contentLength])
            buffer.removeFirst(contentLength)
        } else {
            // Delimited by the end of the stream.
            while try receive(deadline: deadline) {
                guard buffer.count <= Self.maximumBodyBytes else { throw .malformed("an answer over 1 GiB") }
            }
            body = buffer
            buffer = []
            keepAlive = false
        }
        return Answer(status: status, keepAlive: keepAlive, body: body)
    }

    private func readChunked(deadline: ContinuousClock.Instant) throws(Failure) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            // The chunk's size line.
            var lineEnd = Self.endOfLine(in: buffer)
            while lineEnd == nil {
                guard buffer.count < 4096 else { throw .malformed("a chunk size line over 4 KiB") }
                guard try receive(deadline: deadline) else {
                    throw .io(reason: "the server closed the connection mid-answer", answerStarted: true)
                }
                lineEnd = Self.endOfLine(in: buffer)
            }
            guard let lineEnd else { throw .malformed("no chunk size") }
            let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self).prefix { $0 != ";" }
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw .malformed("a bad chunk size")
            }
            buffer.removeFirst(lineEnd + 2)
            guard body.count + size <= Self.maximumBodyBytes else { throw .malformed("an answer over 1 GiB") }
            // The chunk and its CRLF (after the last chunk: trailers, which ClickHouse does not send, then CRLF).
            if size == 0 {
                while Self.endOfLine(in: buffer) == nil {
                    guard try receive(deadline: deadline) else { return body }
                }
                if let end = Self.endOfLine(in: buffer) { buffer.removeFirst(end + 2) }
                return body
            }
            while buffer.count < size + 2 {
                guard try receive(deadline: deadline) else {
                    throw .io(reason: "the server closed the connection mid-answer", answerStarted: true)
                }
            }
            body.append(contentsOf: buffer[0..<size])
            buffer.removeFirst(size + 2)
        }
    }

    private static func endOfHead(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func endOfLine(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0...(bytes.count - 2) where bytes[index] == 13 && bytes[index + 1] == 10 { return index }
        return nil
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
}
