/// Why a statistics snapshot could not be written as JSON.
///
/// It exists so that a snapshot the encoder refuses (a figure that is not a finite number) is an
/// error the consumer logs, counts and answers as such, never an empty object served as if it
/// were the statistics.
public struct SnapshotEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What the encoder said, with the path of the value it refused.
    public var detail: String

    public init(detail: String) {
        self.detail = detail
    }

    public var description: String { "the statistics could not be written as JSON: \(detail)" }
}
