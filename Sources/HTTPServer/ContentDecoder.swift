import CZlib

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
