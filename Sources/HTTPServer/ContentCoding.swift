import ASCIIText
import CZlib

/// The `Content-Encoding` of a request body the server can undo (RFC 9110 §8.4.1).
public enum ContentCoding: Sendable, Equatable {
    case identity
    case gzip
    /// The zlib format (RFC 1950), as the standard says; a raw deflate stream, which some clients
    /// send instead, is recognised by its missing zlib header and read too.
    case deflate

    /// The coding a `Content-Encoding` value names, or nil when it names one the server does not
    /// know (answered `415`). No header, `identity` and an empty value are `identity`.
    public init?(header: String?) {
        let codings = (header ?? "").split(separator: ",").map { $0.trimmingSpacesAndTabs.asciiLowercased }
            .filter { !$0.isEmpty && $0 != "identity" }
        switch codings {
        case []: self = .identity
        case ["gzip"], ["x-gzip"]: self = .gzip
        case ["deflate"]: self = .deflate
        default: return nil
        }
    }
}
