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
