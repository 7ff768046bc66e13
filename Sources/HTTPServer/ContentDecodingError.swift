/// Why a compressed body could not be read.
public enum ContentDecodingError: Error, Equatable, Sendable {
    /// The decompressed body would exceed the limit (bytes): answered 413, and no more than the
    /// limit was ever held.
    case tooLarge(limit: Int)
    /// Not a valid stream of the coding (zlib's message when it has one): answered 400.
    case corrupt(String)
}
