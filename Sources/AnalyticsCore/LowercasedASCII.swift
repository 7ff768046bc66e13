import ASCIIText

/// A string's UTF-8 bytes with ASCII letters lowercased, for case-insensitive token search.
struct LowercasedASCII {
    let bytes: [UInt8]

    init(_ text: String) {
        bytes = text.utf8.map(\.asciiLowercased)
    }

    /// Whether `needle` (lowercase ASCII) occurs anywhere.
    func contains(_ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, count <= bytes.count else { return count == 0 }
        let first = needle.utf8Start[0]
        var start = 0
        while start <= bytes.count - count {
            if bytes[start] == first {
                var index = 1
                while index < count && bytes[start + index] == needle.utf8Start[index] { index += 1 }
                if index == count { return true }
            }
            start += 1
        }
        return false
    }
}
