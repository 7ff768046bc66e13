import Foundation

/// A response to write: status, headers and body. `Content-Length` (or the chunked framing of
/// a stream), `Date`, `Server` and `Connection` are added by the server, so handlers cannot get
/// them wrong.
public struct HTTPResponse: Sendable, Equatable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Set when the body is written over time instead of `body` (see `HTTPResponse.stream`).
    public var streamingBody: StreamingBody?

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is written after its head, for as long as it stays open: chunked on
    /// HTTP/1.1 (the connection is kept once the stream finishes), until close on HTTP/1.0.
    public static func stream(
        _ status: HTTPStatus = .ok, headers: HTTPHeaders, open: @escaping @Sendable (ResponseStream) -> Void
    ) -> HTTPResponse {
        var response = HTTPResponse(status: status, headers: headers)
        response.streamingBody = StreamingBody(open: open)
        return response
    }

    /// A JSON response from already-encoded bytes.
    public static func json(_ status: HTTPStatus, _ body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse
    {
        var headers = headers
        // Room for the CORS headers the router adds, so they do not grow the array again.
        headers.reserveCapacity(headers.count + 3)
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// A JSON object of string members, keys in the given order.
    public static func json(_ status: HTTPStatus, fields: [(String, String)], headers: HTTPHeaders = HTTPHeaders())
        -> HTTPResponse
    {
        let members = fields.map { "\(JSONText.quote($0.0)):\(JSONText.quote($0.1))" }
        return json(status, Array(("{" + members.joined(separator: ",") + "}").utf8), headers: headers)
    }

    /// `{"error":"...","field":"..."}`, the error shape of every API response.
    public static func error(
        _ status: HTTPStatus, _ message: String, field: String? = nil, headers: HTTPHeaders = HTTPHeaders()
    ) -> HTTPResponse {
        var fields = [("error", message)]
        if let field { fields.append(("field", field)) }
        return json(status, fields: fields, headers: headers)
    }
}

/// Minimal JSON string quoting for hand-built bodies.
public enum JSONText {
    public static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// An HTTP status code and its reason phrase.
public struct HTTPStatus: Sendable, Equatable, Hashable {
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    public static let `continue` = HTTPStatus(code: 100, reason: "Continue")
    public static let ok = HTTPStatus(code: 200, reason: "OK")
    public static let accepted = HTTPStatus(code: 202, reason: "Accepted")
    public static let noContent = HTTPStatus(code: 204, reason: "No Content")
    public static let seeOther = HTTPStatus(code: 303, reason: "See Other")
    public static let notModified = HTTPStatus(code: 304, reason: "Not Modified")
    public static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    public static let unauthorized = HTTPStatus(code: 401, reason: "Unauthorized")
    public static let forbidden = HTTPStatus(code: 403, reason: "Forbidden")
    public static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    public static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    public static let requestTimeout = HTTPStatus(code: 408, reason: "Request Timeout")
    public static let lengthRequired = HTTPStatus(code: 411, reason: "Length Required")
    public static let contentTooLarge = HTTPStatus(code: 413, reason: "Content Too Large")
    public static let unsupportedMediaType = HTTPStatus(code: 415, reason: "Unsupported Media Type")
    public static let expectationFailed = HTTPStatus(code: 417, reason: "Expectation Failed")
    public static let tooManyRequests = HTTPStatus(code: 429, reason: "Too Many Requests")
    public static let headersTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    public static let notImplemented = HTTPStatus(code: 501, reason: "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")
    public static let versionNotSupported = HTTPStatus(code: 505, reason: "HTTP Version Not Supported")

    /// Whether a response with this status carries no body and no `Content-Length` (RFC 9110 §8.6).
    var forbidsBody: Bool { code < 200 || code == 204 || code == 304 }
}
