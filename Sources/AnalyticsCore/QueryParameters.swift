/// The `name=value` pairs of a URL query (`application/x-www-form-urlencoded`), each
/// percent-decoded exactly once, with `+` as a space.
///
/// Used for `GET /pixel.gif` (where a bad escape is the client's error, answered 400) and for the
/// campaign parameters of a page's URL (where a bad one is skipped).
public enum QueryParameters {
    /// Why a query could not be read.
    public enum DecodingError: Error, Equatable, Sendable {
        /// A `%` not followed by two hexadecimal digits, in the parameter named (as far as read).
        case badEscape(parameter: String)
        /// The bytes decoded are not UTF-8 text.
        case notUTF8(parameter: String)
    }

    /// Every pair in order; a name without `=` has an empty value, empty pieces are skipped.
    public static func parse(_ query: some StringProtocol) throws(DecodingError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for piece in query.utf8.split(separator: UInt8(ascii: "&")) {
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let rawName = piece[..<(equals ?? piece.endIndex)]
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            let name = try decode(rawName, parameter: String(decoding: rawName, as: UTF8.self))
            pairs.append((name, try decode(rawValue, parameter: name)))
        }
        return pairs
    }

    /// The value of the first parameter named `name` that decodes. A pair that does not decode is
    /// skipped on its own, so another parameter's bad escape (`?token=T&x=%zz`) hides nothing.
    public static func first(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for piece in query.utf8.split(separator: UInt8(ascii: "&")) {
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            guard let decodedName = try? decode(piece[..<(equals ?? piece.endIndex)], parameter: ""),
                decodedName == name, let value = try? decode(rawValue, parameter: name)
            else { continue }
            return value
        }
        return nil
    }

    static func decode(_ bytes: some Collection<UInt8>, parameter: String) throws(DecodingError) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            switch byte {
            case UInt8(ascii: "+"): decoded.append(0x20)
            case UInt8(ascii: "%"):
                guard index != bytes.endIndex, let high = hexValue(bytes[index]) else {
                    throw .badEscape(parameter: parameter)
                }
                index = bytes.index(after: index)
                guard index != bytes.endIndex, let low = hexValue(bytes[index]) else {
                    throw .badEscape(parameter: parameter)
                }
                index = bytes.index(after: index)
                decoded.append(high << 4 | low)
            default: decoded.append(byte)
            }
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { throw .notUTF8(parameter: parameter) }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
