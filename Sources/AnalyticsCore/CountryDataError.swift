/// Why country data could not be read: the producer stops with this line rather than guessing
/// countries from a damaged file.
public enum CountryDataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A line that is not `start,end,CC` (a comment starts with `#`).
    case malformedLine(file: String, line: Int)
    /// A range that starts before the previous one ended: the file is not sorted or overlaps.
    case unordered(file: String, line: Int)

    public var description: String {
        switch self {
        case .malformedLine(let file, let line):
            return "\(file) line \(line) is not a range (start,end,CC): is it the geoip file of tor-geoipdb?"
        case .unordered(let file, let line):
            return "\(file) line \(line) starts before the range above it ends: the file must be sorted"
        }
    }
}
