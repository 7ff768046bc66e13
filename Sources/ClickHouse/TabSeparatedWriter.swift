/// Rows for an `INSERT … FORMAT TabSeparated`, written straight into one byte buffer.
///
/// It exists because the rows of the history go to ClickHouse as data, never as SQL: a field is
/// escaped as the TabSeparated format reads it back (`\\`, `\t`, `\n` and, for readability, `\0`,
/// `\r`), every other byte — quotes, 4-byte UTF-8, control bytes — travels as it is.
public struct TabSeparatedWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next field starts a row (no tab before it).
    private var atRowStart = true

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends a text field: runs of bytes that need no escape go in whole.
    public mutating func field(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let escaped: UInt8
                switch utf8[index] {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                case 0: escaped = UInt8(ascii: "0")
                default: continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(escaped)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
    }

    /// Appends an unsigned integer field.
    public mutating func field(_ value: UInt64) {
        separate()
        appendDigits(of: value)
    }

    /// Appends a signed integer field (a `DateTime` as seconds since 1970, a `UInt8` flag).
    public mutating func field(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(of: UInt64(value.magnitude))
    }

    /// Appends a `Nullable(Float64)` field: `\N` for nil and for a value that is not finite (which
    /// no statistic may become).
    public mutating func field(_ value: Double?) {
        separate()
        guard let value, value.isFinite else {
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            return
        }
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        atRowStart = true
    }

    /// Forgets every row, keeping the buffer's capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        atRowStart = true
    }

    /// The decimal digits of `value`, written without making a `String` (one per number per row
    /// showed in the writer's profile).
    private mutating func appendDigits(of value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest != 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    private mutating func separate() {
        if atRowStart {
            atRowStart = false
        } else {
            bytes.append(UInt8(ascii: "\t"))
        }
    }
}

extension TabSeparatedWriter {
    /// Appends whole rows another writer wrote (their bytes, ending in a newline).
    public mutating func append(rawRow bytes: ArraySlice<UInt8>) {
        self.bytes.append(contentsOf: bytes)
        atRowStart = true
    }
}
