import CZlib

/// The `Content-Encoding` of a request body the server can undo (RFC 9110 §8.4.1).
public enum ContentCoding: Sendable, Equatable {
    case identity
    case gzip
    /// The zlib format (RFC 1950), as the standard says; a raw deflate stream, which some clients
    /// send instead, is recognised by its missing zlib header and read too.
    case deflate

    /// The coding a `Content-Encoding` value names, or nil when it names one the server does not
    /// know (answered `415`). No header, `identity` and an empty value are `identity`.
    public init?(header: String?) {
        let codings = (header ?? "").split(separator: ",").map { $0.trimmingOptionalWhitespace().lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" }
        switch codings {
        case []: self = .identity
        case ["gzip"], ["x-gzip"]: self = .gzip
        case ["deflate"]: self = .deflate
        default: return nil
        }
    }
}

/// Why a compressed body could not be read.
public enum ContentDecodingError: Error, Equatable, Sendable {
    /// The decompressed body would exceed the limit (bytes): answered 413, and no more than the
    /// limit was ever held.
    case tooLarge(limit: Int)
    /// Not a valid stream of the coding (zlib's message when it has one): answered 400.
    case corrupt(String)
}

/// Inflates gzip and deflate bodies with zlib, as a stream into a buffer that never grows past
/// the limit, so a small body that expands enormously (a "zip bomb") costs the limit at most.
public enum ContentDecoder {
    /// Output grows by this much at a time.
    static let chunkSize = 16_384

    public static func decode(_ body: [UInt8], coding: ContentCoding, limit: Int) throws(ContentDecodingError)
        -> [UInt8]
    {
        switch coding {
        case .identity:
            guard body.count <= limit else { throw .tooLarge(limit: limit) }
            return body
        case .gzip:
            return try inflate(body, windowBits: 15 + 16, limit: limit, allowsMembers: true)
        case .deflate:
            return try inflate(body, windowBits: hasZlibHeader(body) ? 15 : -15, limit: limit, allowsMembers: false)
        }
    }

    /// RFC 1950's header: method 8 in the low nibble, and the two bytes a multiple of 31.
    static func hasZlibHeader(_ body: [UInt8]) -> Bool {
        body.count >= 2 && body[0] & 0x0F == 8 && (UInt16(body[0]) << 8 | UInt16(body[1])) % 31 == 0
    }

    private static func inflate(_ body: [UInt8], windowBits: Int32, limit: Int, allowsMembers: Bool)
        throws(ContentDecodingError) -> [UInt8]
    {
        guard !body.isEmpty else { throw .corrupt("the body is empty") }
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var produced = 0
        let result: Result<Void, ContentDecodingError> = body.withUnsafeBufferPointer { input in
            // zlib never writes through next_in; its type is mutable for historical reasons.
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == output.count {
                    // Held to one byte past the limit: enough to know the limit was passed.
                    output.append(contentsOf: repeatElement(0, count: min(chunkSize, limit + 1 - output.count)))
                }
                let room = output.count - produced
                let status: Int32 = output.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress.map { $0 + produced }
                    stream.avail_out = uInt(room)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                if produced > limit { return .failure(.tooLarge(limit: limit)) }
                switch status {
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else { return .success(()) }
                    // More input: another gzip member (RFC 1952 §2.2), or garbage after the stream.
                    guard allowsMembers, inflateReset(&stream) == Z_OK else {
                        return .failure(.corrupt("data after the end of the compressed stream"))
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0 && stream.avail_out > 0:
                    return .failure(.corrupt("the compressed stream ends early"))
                case Z_BUF_ERROR:
                    continue  // output full: the next round grows it
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    return .failure(.corrupt(message))
                }
            }
        }
        try result.get()
        output.removeSubrange(produced...)
        return output
    }
}

/// Compresses with zlib's gzip wrapper at the best level: for fixed assets, done once at start.
public enum GzipCompressor {
    public static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, zlibVersion(),
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status: Int32 = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { buffer in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
