/// The one way a value reaches ClickHouse inside a query: as a literal written here.
///
/// ClickHouse 18.16 (Debian's) has no query parameters, so every value a request or a record
/// carries is pasted into SQL text. Everything goes through these functions — strings quoted and
/// escaped byte by byte, numbers formatted from typed values — and names (tables, columns,
/// functions) come only from closed enums in the code, never from input.
public enum SQLLiteral {
    /// A string literal: `'…'` with `\` and `'` escaped, and every control byte (NUL, newlines,
    /// tabs, DEL) written as `\xHH`, so the text of a query never ends a line, a statement or a
    /// string early. Other bytes, UTF-8 included, are kept as they are: the literal reads back
    /// byte for byte.
    public static func string(_ value: some StringProtocol) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "'")]
        bytes.reserveCapacity(value.utf8.count + 2)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "'"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x00..<0x20, 0x7F:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex(byte >> 4), hex(byte & 0xF)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "'"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An integer literal.
    public static func integer(_ value: some BinaryInteger) -> String { String(value) }

    /// A `LIKE` pattern matching `value` anywhere, as a literal: `%` and `_` in the value (and the
    /// backslash that escapes them) match only themselves.
    public static func containing(_ value: some StringProtocol) -> String {
        var pattern = "%"
        for character in value.unicodeScalars {
            if character == "%" || character == "_" || character == "\\" { pattern.unicodeScalars.append("\\") }
            pattern.unicodeScalars.append(character)
        }
        pattern += "%"
        return string(pattern)
    }

    private static func hex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The shape of `sql`: every string literal replaced by `?`; nil when a literal never ends.
    /// Two statements of one shape differ only in their values, which is what the tests and the
    /// fuzz target of the query API check of every request.
    public static func shape(of sql: String) -> String? {
        var result: [UInt8] = []
        var inside = false
        var escaped = false
        for byte in sql.utf8 {
            if inside {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "'") {
                    inside = false
                    result.append(UInt8(ascii: "?"))
                }
            } else if byte == UInt8(ascii: "'") {
                inside = true
            } else {
                result.append(byte)
            }
        }
        return inside ? nil : String(decoding: result, as: UTF8.self)
    }
}
