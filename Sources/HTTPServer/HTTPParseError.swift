/// Why a request could not be read. Every case is answered with its status and a JSON error,
/// and the connection is then closed, since the rest of the byte stream cannot be trusted.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedRequestLine
    case unsupportedVersion(String)
    case malformedHeader
    case obsoleteLineFolding
    case headersTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case missingHost
    case duplicateHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case unsupportedTransferEncoding(String)
    case invalidChunk
    case bodyTooLarge(limit: Int)
    case lengthRequired
    case unsupportedExpectation(String)

    public var status: HTTPStatus {
        switch self {
        case .unsupportedVersion: return .versionNotSupported
        case .headersTooLarge, .tooManyHeaders: return .headersTooLarge
        case .bodyTooLarge: return .contentTooLarge
        case .lengthRequired: return .lengthRequired
        case .unsupportedExpectation: return .expectationFailed
        default: return .badRequest
        }
    }

    public var description: String {
        switch self {
        case .malformedRequestLine: return "malformed request line; expected \"METHOD /path HTTP/1.1\""
        case .unsupportedVersion(let version):
            return "HTTP version \(version.prefix(16)) is not supported; use HTTP/1.1"
        case .malformedHeader: return "malformed header line; expected \"Name: value\""
        case .obsoleteLineFolding: return "header values may not be folded over several lines"
        case .headersTooLarge(let limit): return "request line and headers exceed \(limit) bytes"
        case .tooManyHeaders(let limit): return "more than \(limit) header fields"
        case .missingHost: return "HTTP/1.1 requests must have a Host header"
        case .duplicateHost: return "more than one Host header"
        case .invalidContentLength: return "Content-Length must be a non-negative whole number"
        case .conflictingContentLength: return "conflicting Content-Length headers"
        case .contentLengthWithTransferEncoding:
            return "a request may not have both Content-Length and Transfer-Encoding"
        case .unsupportedTransferEncoding(let coding):
            return "Transfer-Encoding \"\(coding.prefix(40))\" is not supported; only chunked is"
        case .invalidChunk: return "malformed chunked body"
        case .bodyTooLarge(let limit): return "request body exceeds \(limit) bytes"
        case .lengthRequired: return "a request body needs a Content-Length header (or Transfer-Encoding: chunked)"
        case .unsupportedExpectation(let value):
            return "Expect \"\(value.prefix(40))\" is not supported; only 100-continue is"
        }
    }
}
