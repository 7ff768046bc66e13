extension Sequence<UInt8> {
    /// The bytes as text safe in a JSON string, a header or a log line: printable ASCII kept,
    /// every other byte `?`.
    @inlinable
    public var printableASCII: String {
        String(decoding: map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
