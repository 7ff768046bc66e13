import ASCIIText
import Glibc

/// Incremental HTTP/1.1 request parser (RFC 9112): bytes in, complete requests out.
///
/// It is strict where leniency enables request smuggling (conflicting lengths, `Transfer-Encoding`
/// other than chunked, obsolete line folding, bare CR) and enforces size limits before buffering,
/// so a hostile client can never make it hold more than the limits allow.
public struct HTTPRequestParser: Sendable {
    /// Size limits enforced while parsing.
    public struct Limits: Sendable, Equatable {
        /// Request line plus headers, in bytes (431 beyond).
        public var maxHeaderBytes = 16 * 1024
        /// Header fields per request (431 beyond).
        public var maxHeaderCount = 100
        /// Decoded body bytes (413 beyond).
        public var maxBodyBytes = 1024 * 1024

        public init() {}
    }

    private enum BodyState: Sendable {
        case none
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyState: BodyState = .none

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && (start == buffer.count || start > 65_536) {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Bytes received but not yet consumed by a complete request.
    public var bufferedCount: Int { buffer.count - start }

    /// True while a request has started arriving (bytes buffered or head parsed) but is not complete.
    public var hasPartialRequest: Bool { head != nil || bufferedCount > 0 }

    /// The head of the request whose body is still arriving, if any.
    public var pendingHead: HTTPRequestHead? { head }

    /// Whether the pending request's body has not fully arrived yet.
    public var awaitingBody: Bool {
        switch bodyState {
        case .none: return false
        default: return head != nil
        }
    }

    /// Bytes the pending request's body holds, or will hold once it is in when `Content-Length`
    /// announced it (the body's storage is reserved at that size); 0 with no request pending.
    var pendingBodyBytes: Int {
        guard head != nil else { return 0 }
        switch bodyState {
        case .none: return body.count
        case .fixed(let remaining): return body.count + remaining
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers: return body.count + bufferedCount
        }
    }

    /// The next complete request, or nil if more bytes are needed.
    public mutating func nextRequest() throws(HTTPParseError) -> (head: HTTPRequestHead, body: [UInt8])? {
        if head == nil {
            guard try parseHead() else { return nil }
        }
        guard try parseBody(), let complete = head else { return nil }
        let result = (head: complete, body: body)
        head = nil
        body = []
        bodyState = .none
        return result
    }

    // MARK: - Head

    private mutating func parseHead() throws(HTTPParseError) -> Bool {
        // Skip empty lines before the request line (RFC 9112 §2.2).
        while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A {
            if buffer[start] == 0x0D && (start + 1 >= buffer.count) { return false }
            if buffer[start] == 0x0D && buffer[start + 1] != 0x0A { throw .malformedRequestLine }
            start += 1
        }
        scanned = max(scanned, start)
        let (headStart, searchFrom, limits) = (start, scanned, limits)
        let outcome: Result<(end: Int, head: HTTPRequestHead)?, HTTPParseError> = buffer.withUnsafeBytes { bytes in
            // Find the empty line that ends the head.
            guard let headEnd = Self.headEnd(in: bytes, start: headStart, from: searchFrom) else {
                return .success(nil)
            }
            if headEnd - headStart > limits.maxHeaderBytes {
                return .failure(.headersTooLarge(limit: limits.maxHeaderBytes))
            }
            do throws(HTTPParseError) {
                let head = try Self.parseHeadLines(
                    UnsafeRawBufferPointer(rebasing: bytes[headStart..<headEnd]), limits: limits)
                return .success((headEnd, head))
            } catch {
                return .failure(error)
            }
        }
        guard let (headEnd, parsed) = try outcome.get() else {
            scanned = max(start, buffer.count - 2)
            if buffer.count - start > limits.maxHeaderBytes { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
            return false
        }
        start = headEnd
        scanned = headEnd
        head = parsed
        bodyState = try Self.bodyState(for: parsed, limits: limits)
        return true
    }

    /// The offset just past the empty line that ends the head starting at `start`, searching for
    /// line feeds from `from`; nil while it has not arrived.
    private static func headEnd(in bytes: UnsafeRawBufferPointer, start: Int, from: Int) -> Int? {
        var newline = from
        while let found = nextLineFeed(in: bytes, from: newline, to: bytes.count) {
            if found - 1 >= start, bytes[found - 1] == 0x0A { return found + 1 }
            if found - 2 >= start, bytes[found - 1] == 0x0D, bytes[found - 2] == 0x0A { return found + 1 }
            newline = found + 1
        }
        return nil
    }

    /// The offset of the first line feed in `from..<to`, found with `memchr`.
    private static func nextLineFeed(in bytes: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int? {
        guard from < end, let base = bytes.baseAddress, let found = memchr(base + from, 0x0A, end - from) else {
            return nil
        }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The request line and header fields of a complete head (`bytes` ends with its empty line).
    private static func parseHeadLines(_ bytes: UnsafeRawBufferPointer, limits: Limits) throws(HTTPParseError)
        -> HTTPRequestHead
    {
        // Walk the lines in place; the last one is the empty line that ended the head.
        var lineStart = 0
        var requestLine: (String, String, HTTPVersion)?
        var headers = HTTPHeaders()
        headers.reserveCapacity(16)
        var hostCount = 0
        while let newline = nextLineFeed(in: bytes, from: lineStart, to: bytes.count) {
            var lineEnd = newline
            if lineEnd > lineStart, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            lineStart = newline + 1
            guard requestLine != nil else {
                requestLine = try parseRequestLine(line)
                continue
            }
            if line.isEmpty { break }
            if line.contains(where: { $0 == 0x0D || $0 == 0 }) { throw .malformedHeader }
            if line[0] == 0x20 || line[0] == 0x09 { throw .obsoleteLineFolding }
            guard let colon = line.firstIndex(of: 0x3A), colon > 0 else { throw .malformedHeader }
            let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
            guard name.allSatisfy(isTokenCharacter) else { throw .malformedHeader }
            var valueStart = colon + 1
            var valueEnd = line.count
            while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            if HTTPHeaders.same(name, "Host") { hostCount += 1 }
            headers.add(
                String(decoding: name, as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self))
            if headers.count > limits.maxHeaderCount { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
        }
        guard let (method, target, version) = requestLine else { throw .malformedRequestLine }
        if hostCount > 1 { throw .duplicateHost }
        if version == .http1_1 && hostCount == 0 { throw .missingHost }
        if let expectation = headers["Expect"], !HTTPHeaders.same(expectation, "100-continue") {
            throw .unsupportedExpectation(expectation)
        }
        return HTTPRequestHead(method: method, target: target, version: version, headers: headers)
    }

    private static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (
        String, String, HTTPVersion
    ) {
        // METHOD SP target SP version, with exactly two single spaces.
        guard let firstSpace = line.firstIndex(of: 0x20),
            let secondSpace = line[(firstSpace + 1)...].firstIndex(of: 0x20),
            !line[(secondSpace + 1)...].contains(0x20)
        else { throw .malformedRequestLine }
        let methodBytes = UnsafeRawBufferPointer(rebasing: line[0..<firstSpace])
        let targetBytes = UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<secondSpace])
        let versionText = UnsafeRawBufferPointer(rebasing: line[(secondSpace + 1)...])
        guard !methodBytes.isEmpty, !targetBytes.isEmpty, methodBytes.allSatisfy(isTokenCharacter),
            targetBytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F })
        else { throw .malformedRequestLine }
        guard versionText.count == 8, versionText.starts(with: "HTTP/".utf8) else {
            throw .malformedRequestLine
        }
        let major = versionText[5]
        let dot = versionText[6]
        let minor = versionText[7]
        guard (0x30...0x39).contains(major), dot == 0x2E, (0x30...0x39).contains(minor) else {
            throw .malformedRequestLine
        }
        let version = HTTPVersion(major: Int(major - 0x30), minor: Int(minor - 0x30))
        guard version == .http1_1 || version == .http1_0 else {
            throw .unsupportedVersion(String(decoding: versionText, as: UTF8.self))
        }
        return (String(decoding: methodBytes, as: UTF8.self), String(decoding: targetBytes, as: UTF8.self), version)
    }

    private static func bodyState(for head: HTTPRequestHead, limits: Limits) throws(HTTPParseError) -> BodyState {
        // The common case in one pass over the fields: no Transfer-Encoding, at most one
        // Content-Length of plain digits.
        var transferEncodings = 0
        var lengthFields = 0
        var onlyLength = ""
        for field in head.headers {
            if HTTPHeaders.same(field.name, "Content-Length") {
                lengthFields += 1
                onlyLength = field.value
            } else if HTTPHeaders.same(field.name, "Transfer-Encoding") {
                transferEncodings += 1
            }
        }
        if transferEncodings == 0 && lengthFields == 0 {
            if head.method == "POST" || head.method == "PUT" || head.method == "PATCH" { throw .lengthRequired }
            return .none
        }
        if transferEncodings == 0 && lengthFields == 1, let length = plainLength(onlyLength) {
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            return length == 0 ? .none : .fixed(remaining: length)
        }
        let hasTransferEncoding = transferEncodings > 0
        let codings = hasTransferEncoding ? head.headers.tokens("Transfer-Encoding") : []
        let lengths = head.headers.values("Content-Length")
        if hasTransferEncoding {
            guard lengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            guard codings == ["chunked"] else {
                throw .unsupportedTransferEncoding(head.headers.values("Transfer-Encoding").joined(separator: ", "))
            }
            return .chunkSize
        }
        if !lengths.isEmpty {
            let values = lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { String($0.trimmingSpacesAndTabs) }
            guard let first = values.first,
                values.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } })
            else { throw .invalidContentLength }
            guard values.allSatisfy({ $0 == first }) else { throw .conflictingContentLength }
            guard first.utf8.count <= 18, let length = Int(first) else {
                throw .bodyTooLarge(limit: limits.maxBodyBytes)
            }
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            return length == 0 ? .none : .fixed(remaining: length)
        }
        return .none
    }

    /// A `Content-Length` of 1 to 18 digits and nothing else, as a number; nil for anything else
    /// (which the full rules then judge).
    private static func plainLength(_ text: String) -> Int? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var length = 0
        for digit in digits {
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            length = length * 10 + Int(digit - 0x30)
        }
        return length
    }

    // MARK: - Body

    /// Consumes body bytes; true when the body is complete.
    private mutating func parseBody() throws(HTTPParseError) -> Bool {
        while true {
            switch bodyState {
            case .none:
                return true
            case .fixed(let remaining):
                let available = min(remaining, buffer.count - start)
                if body.isEmpty { body.reserveCapacity(remaining) }
                body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                if available == remaining {
                    bodyState = .none
                    return true
                }
                bodyState = .fixed(remaining: remaining - available)
                return false
            case .chunkSize:
                guard let line = try takeLine(limit: 1024) else { return false }
                let sizeText = line.prefix { $0 != 0x3B }  // ignore chunk extensions
                guard !sizeText.isEmpty, sizeText.count <= 8,
                    let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16), size >= 0,
                    sizeText.allSatisfy({ Self.isHexDigit($0) })
                else { throw .invalidChunk }
                if size == 0 {
                    bodyState = .trailers(bytes: 0)
                } else {
                    guard body.count + size <= limits.maxBodyBytes else {
                        throw .bodyTooLarge(limit: limits.maxBodyBytes)
                    }
                    bodyState = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let available = min(remaining, buffer.count - start)
                body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                guard available == remaining else {
                    bodyState = .chunkData(remaining: remaining - available)
                    return false
                }
                bodyState = .chunkDataEnd
            case .chunkDataEnd:
                guard let line = try takeLine(limit: 2) else { return false }
                guard line.isEmpty else { throw .invalidChunk }
                bodyState = .chunkSize
            case .trailers(let bytes):
                guard let line = try takeLine(limit: limits.maxHeaderBytes) else { return false }
                let total = bytes + line.count + 2
                guard total <= limits.maxHeaderBytes else { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                if line.isEmpty {
                    bodyState = .none
                    return true
                }
                bodyState = .trailers(bytes: total)
            }
        }
    }

    /// The next CRLF- (or LF-) terminated line without its terminator, or nil if incomplete.
    private mutating func takeLine(limit: Int) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        var index = start
        while index < buffer.count, buffer[index] != 0x0A {
            index += 1
        }
        guard index < buffer.count else {
            if buffer.count - start > limit + 2 { throw .invalidChunk }
            return nil
        }
        var line = buffer[start..<index]
        if line.last == 0x0D { line = line.dropLast() }
        if line.count > limit || line.contains(0x0D) { throw .invalidChunk }
        start = index + 1
        return line
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// RFC 9110 `tchar`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }
}
