import Foundation

/// A text member of a record as the decoder found it: its bytes in place (plain ASCII) or, for a
/// string with escapes or non-ASCII text, the index of its decoded text in
/// `RecordMembers.decodedTexts`. A plain value with no reference in it, so gathering members
/// copies no strings; in place, it is valid only while the record's bytes are.
enum RecordText {
    case plain(UnsafeRawBufferPointer)
    case decoded(Int)
}

/// The members of one record, read in one pass and checked for what every reader of the topic
/// relies on: a JSON object, text members that are strings, an `id`, a valid `type` and a valid
/// server `timestamp`.
///
/// Both ways of decoding a record — the whole event (`EventCodec.decodeStamped`) and what the
/// statistics read of it (`EventCodec.decodeSummary`) — start here, so they accept and refuse the
/// same records with the same errors. It visits the members in place (no members array, no key
/// strings): a later duplicate key wins; a member of the wrong type is reported once the whole
/// record is known to be JSON, the first one in record order.
struct RecordMembers {
    var fields = EventMembers<RecordText>()
    /// The decoded strings `RecordText.decoded` points to.
    private var decodedTexts: [String] = []
    var isBot = false
    /// The `metadata` object, when read with `keepingMetadata`.
    var metadata: [String: JSONValue]?
    /// `metadata.load_time`, when read without `keepingMetadata`.
    var loadTime: Double?
    /// The checked members.
    private(set) var id = RecordText.plain(UnsafeRawBufferPointer(start: nil, count: 0))
    private(set) var type = ""
    private(set) var timestamp = RecordText.plain(UnsafeRawBufferPointer(start: nil, count: 0))
    private(set) var receivedAt = Date(timeIntervalSince1970: 0)

    /// Reads `bytes`, whose text members stay valid as long as `bytes` is. With `keepingMetadata`
    /// false only `metadata.load_time` is read of the metadata: building its dictionary was over
    /// a quarter of decoding a record.
    init(_ bytes: UnsafeRawBufferPointer, keepingMetadata: Bool) throws(RecordDecodingError) {
        var wrongType: RecordDecodingError?
        let isObject: Bool
        do {
            isObject = try JSONParser.visitObjectMembers(bytes) { key, parser throws(JSONParser.SyntaxError) in
                guard let name = EventMemberName(key: key) else {
                    _ = try parser.parseMemberValue()
                    return
                }
                switch name {
                case .bot:
                    isBot = try parser.parseMemberValue() == .bool(true)
                case .metadata where keepingMetadata:
                    switch try parser.parseMemberValue() {
                    case .null: metadata = nil
                    case .object(let object): metadata = object
                    default: if wrongType == nil { wrongType = .notAnEvent("\"metadata\" is not an object") }
                    }
                case .metadata:
                    // A later "metadata" replaces an earlier one, as it would in a dictionary.
                    loadTime = nil
                    let found = try parser.visitMemberObject { key, parser throws(JSONParser.SyntaxError) in
                        let value = try parser.parseMemberValue()
                        if JSONParser.key(key, is: "load_time") { loadTime = value.doubleValue }
                    }
                    if found == .other, wrongType == nil { wrongType = .notAnEvent("\"metadata\" is not an object") }
                default:
                    switch try parser.parseTextMember() {
                    case .plain(let bytes): fields.set(name, .plain(bytes))
                    case .text(let text):
                        decodedTexts.append(text)
                        fields.set(name, .decoded(decodedTexts.count - 1))
                    case .null: fields.set(name, nil)
                    case .other:
                        if wrongType == nil {
                            wrongType = .notAnEvent("\"\(String(decoding: key, as: UTF8.self))\" is not a string")
                        }
                    }
                }
            }
        } catch {
            throw .notAnEvent("not JSON: \(error.description)")
        }
        guard isObject else { throw .notAnEvent("not a JSON object") }
        if let wrongType { throw wrongType }
        guard let id = fields.id else { throw .notAnEvent("no \"id\"") }
        guard let type = string(fields.type) else { throw .notAnEvent("no \"type\"") }
        guard let timestamp = fields.timestamp else { throw .notAnEvent("no \"timestamp\"") }
        guard EventTypeRule.isValid(type) else { throw .invalidType(type) }
        guard let receivedAt = date(timestamp) else { throw .invalidTimestamp(string(timestamp)) }
        self.id = id
        self.type = type
        self.timestamp = timestamp
        self.receivedAt = receivedAt
    }

    func string(_ text: RecordText) -> String {
        switch text {
        case .plain(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .decoded(let index): return decodedTexts[index]
        }
    }

    func string(_ text: RecordText?) -> String? {
        text.map { string($0) }
    }

    /// Whether a member is absent or empty.
    func isEmpty(_ text: RecordText?) -> Bool {
        switch text {
        case .none: return true
        case .plain(let bytes): return bytes.isEmpty
        case .decoded(let index): return decodedTexts[index].isEmpty
        }
    }

    /// `HyperLogLog.hash` of a member's text, without making a string of it.
    func hash(_ text: RecordText) -> UInt64 {
        switch text {
        case .plain(let bytes): return HyperLogLog.hash(bytes: bytes)
        case .decoded(let index): return HyperLogLog.hash(decodedTexts[index])
        }
    }

    func hash(_ text: RecordText, prefixedBy prefix: StaticString) -> UInt64 {
        switch text {
        case .plain(let bytes): return HyperLogLog.hash(bytes: bytes, prefixedBy: prefix)
        case .decoded(let index): return HyperLogLog.hash(decodedTexts[index], prefixedBy: prefix)
        }
    }

    /// A member's text as a country code, nil unless it is one.
    func country(_ text: RecordText?) -> CountryCode? {
        switch text {
        case .none: return nil
        case .plain(let bytes): return bytes.count == 2 ? CountryCode(bytes[0], bytes[1]) : nil
        case .decoded(let index): return CountryCode(decodedTexts[index])
        }
    }

    /// A member's text as an RFC 3339 timestamp.
    private func date(_ text: RecordText) -> Date? {
        switch text {
        case .plain(let bytes): return RFC3339.parse(bytes)
        case .decoded(let index): return RFC3339.parse(decodedTexts[index])
        }
    }
}
