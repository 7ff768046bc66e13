/// What answers requests. The server calls `respond` on an event-loop thread; the responder must
/// not block it, and calls `completion` exactly once, from any thread, when the answer is ready.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void)

    /// Called when a request's head is in but its body is not, for `Expect: 100-continue`:
    /// return a final response (413, 415, ...) to refuse the body without reading it.
    func screen(_ head: HTTPRequestHead) -> HTTPResponse?

    /// Called for the answers the server gives by itself — a request it cannot parse or frame, one
    /// that timed out — so they carry the responder's headers (CORS, security policy) and are
    /// counted like every other answer. `head` is the request's head when it was parsed.
    func finish(serverError response: HTTPResponse, head: HTTPRequestHead?) -> HTTPResponse
}

extension HTTPResponder {
    public func screen(_ head: HTTPRequestHead) -> HTTPResponse? { nil }

    public func finish(serverError response: HTTPResponse, head: HTTPRequestHead?) -> HTTPResponse { response }
}
