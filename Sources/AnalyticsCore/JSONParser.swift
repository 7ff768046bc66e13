import Foundation

/// A strict RFC 8259 JSON parser from UTF-8 bytes to `JSONValue`.
///
/// It exists because Foundation's `JSONDecoder` into a free-form value spent a fifth of the
/// producer's time per request in generic decoding machinery; this parser reads each byte once.
/// It rejects what RFC 8259 rejects (trailing commas, comments, control characters in strings,
/// invalid UTF-8, lone surrogates, non-finite numbers) and limits nesting, so hostile input can
/// neither crash it nor exhaust the stack.
public struct JSONParser {
    /// Why a text is not JSON, with the byte offset where it went wrong.
    public struct SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String

        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Nesting deeper than this is refused.
    public static let maxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses one JSON value filling the whole input (surrounding whitespace allowed).
    public static func parse(_ input: [UInt8]) throws(SyntaxError) -> JSONValue {
        try document(input) { parser throws(SyntaxError) in try parser.parseValue(depth: 0) }
    }

    /// For readers of one known object shape on a hot path (`EventCodec` on the consumer,
    /// `EventValidator` on the producer): parses a document whose top level should be an object
    /// and calls `member` for each member in order (later duplicates included) with the key's
    /// UTF-8 bytes and the parser at the member's value, which `member` must read with
    /// `parseMemberValue()` or `parseTextMember()`. Neither a members array nor key strings are
    /// built. Returns false when the top level is valid JSON but not an object.
    static func visitObjectMembers(
        _ input: UnsafeRawBufferPointer,
        _ member: (UnsafeRawBufferPointer, inout JSONParser) throws(SyntaxError) -> Void
    ) throws(SyntaxError) -> Bool {
        try document(input) { parser throws(SyntaxError) in try parser.visitTopObject(member) }
    }

    /// `visitObjectMembers` over an array's bytes.
    static func visitObjectMembers(
        _ input: [UInt8], _ member: (UnsafeRawBufferPointer, inout JSONParser) throws(SyntaxError) -> Void
    ) throws(SyntaxError) -> Bool {
        try document(input) { parser throws(SyntaxError) in try parser.visitTopObject(member) }
    }

    /// The top level of `visitObjectMembers`: false when it is valid JSON but not an object.
    private mutating func visitTopObject(
        _ member: (UnsafeRawBufferPointer, inout JSONParser) throws(SyntaxError) -> Void
    ) throws(SyntaxError) -> Bool {
        guard current == UInt8(ascii: "{") else {
            _ = try parseValue(depth: 0)
            return false
        }
        try Self.readMembers(of: &self, depth: 1) { key, parser throws(SyntaxError) in
            try parser.visit(key, member)
        }
        return true
    }

    /// A member's value where an object (or null) is expected, for `visitObjectMembers`: the
    /// object's members are visited the same way, without building a dictionary; any other value
    /// is read and reported as `.other`.
    mutating func visitMemberObject(
        _ member: (UnsafeRawBufferPointer, inout JSONParser) throws(SyntaxError) -> Void
    ) throws(SyntaxError) -> ObjectMember {
        guard current == UInt8(ascii: "{") else { return try readNullOrOther() ? .null : .other }
        try Self.readMembers(of: &self, depth: 2) { key, parser throws(SyntaxError) in
            try parser.visit(key, member)
        }
        return .object
    }

    /// What `visitMemberObject` found.
    enum ObjectMember {
        case object
        case null
        case other
    }

    /// Calls `member` with a key's UTF-8 bytes: in place for a plain key, from its decoded text
    /// for one with escapes.
    private mutating func visit(
        _ key: Key, _ member: (UnsafeRawBufferPointer, inout JSONParser) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        switch key {
        case .raw(let range): try member(UnsafeRawBufferPointer(rebasing: bytes[range]), &self)
        case .decoded(let text):
            var failure: SyntaxError?
            Array(text.utf8).withUnsafeBytes { utf8 in
                do throws(SyntaxError) { try member(utf8, &self) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Whether a key `visitObjectMembers` passed is `name`, byte for byte: how its callers match
    /// the keys they know without making a string per member.
    static func key(_ key: UnsafeRawBufferPointer, is name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount, let base = key.baseAddress else { return false }
        return memcmp(base, name.utf8Start, key.count) == 0
    }

    /// Reads an object (the parser is at its "{") member by member: for each, `member` gets the
    /// key and the parser at the value, which it must read. The one loop behind every object.
    private static func readMembers(
        of parser: inout JSONParser, depth: Int, _ member: (Key, inout JSONParser) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        guard depth <= maxDepth else { throw parser.error("nesting deeper than \(maxDepth) levels") }
        parser.index += 1
        parser.skipWhitespace()
        if parser.current == UInt8(ascii: "}") {
            parser.index += 1
            return
        }
        while true {
            parser.skipWhitespace()
            guard parser.current != nil else { throw parser.error("unexpected end of input in an object") }
            guard parser.current == UInt8(ascii: "\"") else { throw parser.error("expected a string key") }
            let key = try parser.parseKey()
            parser.skipWhitespace()
            guard parser.current == UInt8(ascii: ":") else { throw parser.error("expected ':' after a key") }
            parser.index += 1
            parser.skipWhitespace()
            try member(key, &parser)
            parser.skipWhitespace()
            switch parser.current {
            case UInt8(ascii: ","): parser.index += 1
            case UInt8(ascii: "}"):
                parser.index += 1
                return
            case nil: throw parser.error("unexpected end of input in an object")
            default: throw parser.error("expected ',' or '}' in an object")
            }
        }
    }

    /// A key as `parseKey` found it: ASCII without escapes stays where it is in the input.
    private enum Key {
        case raw(Range<Int>)
        case decoded(String)
    }

    /// Reads a key (the parser is at its opening quote) without making a string when it is plain
    /// ASCII, as every key of an event is.
    private mutating func parseKey() throws(SyntaxError) -> Key {
        let start = index + 1
        let run = plainRun(from: start)
        if run.isASCII, run.end < bytes.count, bytes[run.end] == UInt8(ascii: "\"") {
            index = run.end + 1
            return .raw(start..<run.end)
        }
        return .decoded(try parseString())
    }

    /// A member's value, for `visitObjectMembers`.
    mutating func parseMemberValue() throws(SyntaxError) -> JSONValue {
        try parseValue(depth: 1)
    }

    /// A member's value where a string (or null) is expected, for `visitObjectMembers`; any other
    /// value is read and reported as `.other`.
    mutating func parseTextMember() throws(SyntaxError) -> TextMember {
        guard current == UInt8(ascii: "\"") else { return try readNullOrOther() ? .null : .other }
        let start = index + 1
        let run = plainRun(from: start)
        if run.isASCII, run.end < bytes.count, bytes[run.end] == UInt8(ascii: "\"") {
            index = run.end + 1
            return .plain(UnsafeRawBufferPointer(rebasing: bytes[start..<run.end]))
        }
        return .text(try parseString())
    }

    /// Reads a member's value that is not of the kind its reader expects: true when it is null.
    private mutating func readNullOrOther() throws(SyntaxError) -> Bool {
        if current == UInt8(ascii: "n") {
            try expectLiteral("null")
            return true
        }
        _ = try parseValue(depth: 1)
        return false
    }

    /// What `parseTextMember` found.
    enum TextMember {
        /// An ASCII string without escapes: its bytes in place in the input, valid as long as the
        /// input is (no string made for a member its reader only hashes or parses).
        case plain(UnsafeRawBufferPointer)
        /// Any other string, decoded.
        case text(String)
        case null
        case other
    }

    /// Runs `parseTop` over the whole input: whitespace around it, nothing after it.
    private static func document<Value>(
        _ input: [UInt8], _ parseTop: (inout JSONParser) throws(SyntaxError) -> Value
    ) throws(SyntaxError) -> Value {
        let result: Result<Value, SyntaxError> = input.withUnsafeBytes { buffer in
            do throws(SyntaxError) {
                return .success(try document(buffer, parseTop))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func document<Value>(
        _ buffer: UnsafeRawBufferPointer, _ parseTop: (inout JSONParser) throws(SyntaxError) -> Value
    ) throws(SyntaxError) -> Value {
        var parser = JSONParser(buffer)
        parser.skipWhitespace()
        let value = try parseTop(&parser)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    private func error(_ reason: String) -> SyntaxError {
        SyntaxError(offset: index, reason: reason)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
        guard let byte = current else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("unexpected character '\(Self.printable(byte))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw error("invalid literal; expected \(literal)")
        }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
        // Straight into the dictionary (a later duplicate wins): no list of members first.
        var members: [String: JSONValue] = [:]
        try Self.readMembers(of: &self, depth: depth) { key, parser throws(SyntaxError) in
            members[parser.string(of: key)] = try parser.parseValue(depth: depth)
        }
        return .object(members)
    }

    /// The text of a key `parseKey` read.
    private func string(of key: Key) -> String {
        switch key {
        case .raw(let range): return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let text): return text
        }
    }

    private mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            case nil: throw error("unexpected end of input in an array")
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        let run = plainRun(from: start)
        index = run.end
        guard index < bytes.count else { throw error("unterminated string") }
        if bytes[index] == UInt8(ascii: "\"") {
            let text =
                run.isASCII
                ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                : try makeString(start..<index)
            index += 1
            return text
        }
        if bytes[index] < 0x20 { throw error("control character in a string") }
        var decoded: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = decoded.withUnsafeBytes({ Self.validUTF8String($0) }) else {
                    throw SyntaxError(offset: start, reason: "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard let escape = current else { throw error("unterminated string") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard current == UInt8(ascii: "\\"), index + 1 < bytes.count,
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("lone UTF-16 surrogate in a string") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid UTF-16 surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("lone UTF-16 surrogate in a string")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("invalid escape '\\\(Self.printable(escape))'")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                decoded.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Where the plain run of string content starting at `start` ends — at the first quote,
    /// backslash or control character, or the end of the input — and whether it is all ASCII.
    /// Strings are most of an event's bytes, so they are scanned eight bytes at a time.
    private func plainRun(from start: Int) -> (end: Int, isASCII: Bool) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var index = start
        var seen: UInt64 = 0  // every byte of the run ORed together, to tell ASCII
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                // A byte's high bit ends up set where it is a quote (its XOR is zero), a backslash,
                // or below 0x20. Borrows only ever mark bytes after a true match, so the lowest
                // marked byte is the first stop.
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let stops =
                    ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- ones &* 0x20) & ~word)
                    & highBits
                if stops != 0 {
                    let before = stops.trailingZeroBitCount / 8
                    seen |= word & ((1 << UInt64(before * 8)) &- 1)
                    return (index + before, seen & highBits == 0)
                }
                seen |= word
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            seen |= UInt64(byte)
            index += 1
        }
        return (index, seen & highBits == 0)
    }

    private func makeString(_ range: Range<Int>) throws(SyntaxError) -> String {
        guard let text = Self.validUTF8String(UnsafeRawBufferPointer(rebasing: bytes[range])) else {
            throw SyntaxError(offset: range.lowerBound, reason: "string is not valid UTF-8")
        }
        return text
    }

    /// The bytes as a String if they are valid UTF-8. `String(validating:as:)` is generic and was
    /// not specialized here (a runtime metadata lookup per string); decoding, which repairs
    /// invalid input, and checking that nothing was repaired is exact and several times faster.
    static func validUTF8String(_ bytes: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return text }
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw error("invalid number") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = current, Self.isDigit(next) { throw error("leading zero in a number") }
        } else {
            while let byte = current, Self.isDigit(byte) { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let byte = current, Self.isDigit(byte) else {
                throw error("invalid number: digit expected after '.'")
            }
            while let byte = current, Self.isDigit(byte) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, Self.isDigit(byte) else {
                throw error("invalid number: digit expected in exponent")
            }
            while let byte = current, Self.isDigit(byte) { index += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else {
            throw SyntaxError(offset: start, reason: "number out of range")
        }
        return .number(value)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : String(format: "\\x%02x", byte)
    }
}
