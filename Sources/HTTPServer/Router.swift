/// Handles one route: gets the request and a completion to call exactly once, from any thread.
public typealias RouteHandler = @Sendable (HTTPRequest, @escaping @Sendable (HTTPResponse) -> Void) -> Void

/// Maps method and path to handlers, and answers what no handler should have to: 404, 405 with
/// `Allow`, `HEAD` from `GET`, `OPTIONS` (CORS preflight), and CORS headers on every response.
public struct Router: HTTPResponder {
    private var routes: [String: [String: RouteHandler]] = [:]
    private var screens: [String: @Sendable (HTTPRequestHead) -> HTTPResponse?] = [:]
    /// Cross-origin policy; nil means no CORS headers at all.
    public var cors: CORSPolicy?
    /// Added to every response that does not set them itself (security policy headers, say).
    public var headers = HTTPHeaders()
    /// Called with every answered request (route or "unmatched", method, status), e.g. for metrics.
    public var observer: (@Sendable (_ route: String, _ method: String, _ status: Int) -> Void)?

    public init(cors: CORSPolicy? = nil) {
        self.cors = cors
    }

    /// Adds a handler for `method` on the exact `path`.
    public mutating func on(_ method: String, _ path: String, _ handler: @escaping RouteHandler) {
        routes[path, default: [:]][method] = handler
    }

    /// Adds an early check for requests to `path` that ask `Expect: 100-continue`.
    public mutating func screen(_ path: String, _ check: @escaping @Sendable (HTTPRequestHead) -> HTTPResponse?) {
        screens[path] = check
    }

    public func screen(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard let response = screens[head.path]?(head) else { return nil }
        return Self.finish(
            response, route: routeName(head.path), method: head.method, origin: head.headers["Origin"],
            common: headers, cors: cors, observer: observer)
    }

    /// Server-made answers are counted under the route "invalid" when nothing of the request could
    /// be parsed (method "unknown" then).
    public func finish(serverError response: HTTPResponse, head: HTTPRequestHead?) -> HTTPResponse {
        Self.finish(
            response, route: head.map { routeName($0.path) } ?? "invalid", method: head?.method ?? "unknown",
            origin: head?.headers["Origin"], common: headers, cors: cors, observer: observer)
    }

    /// The metric name of a path's route: the path when it has handlers, else "unmatched".
    private func routeName(_ path: String) -> String {
        routes[path] == nil ? "unmatched" : path
    }

    /// Every answer, routed or not: the common headers it does not set itself, CORS, then counted.
    private static func finish(
        _ response: HTTPResponse, route: String, method: String, origin: String?, common: HTTPHeaders,
        cors: CORSPolicy?, observer: (@Sendable (_ route: String, _ method: String, _ status: Int) -> Void)?
    ) -> HTTPResponse {
        var response = response
        for field in common where !response.headers.contains(field.name) {
            response.headers.add(field.name, field.value)
        }
        cors?.decorate(&response, origin: origin)
        observer?(route, method, response.status.code)
        return response
    }

    public func respond(to request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        let path = request.path
        let origin = request.headers["Origin"]
        let observer = self.observer
        let cors = self.cors
        let common = self.headers
        let route = routes[path]
        let routeName = routeName(path)
        let method = request.method
        let finish: @Sendable (HTTPResponse) -> Void = { response in
            completion(
                Self.finish(
                    response, route: routeName, method: method, origin: origin, common: common, cors: cors,
                    observer: observer))
        }
        if request.method == "OPTIONS" && path == "*" {
            finish(HTTPResponse(status: .noContent, headers: HTTPHeaders([("Allow", "GET, HEAD, POST, OPTIONS")])))
            return
        }
        guard let methods = route else {
            finish(.error(.notFound, "no such endpoint: \(path.prefix(200))"))
            return
        }
        if let handler = methods[request.method] ?? (request.method == "HEAD" ? methods["GET"] : nil) {
            handler(request, finish)
            return
        }
        let allow = Self.allowed(methods)
        if request.method == "OPTIONS" {
            // A preflight is an answer like any other: the common (security) headers too.
            var response = HTTPResponse(status: .noContent, headers: HTTPHeaders([("Allow", allow)]))
            cors?.preflight(&response, request: request.head, allowedMethods: allow)
            finish(response)
        } else {
            finish(
                .error(
                    .methodNotAllowed, "\(request.method.prefix(20)) is not allowed on \(path); use \(allow)",
                    headers: HTTPHeaders([("Allow", allow)])))
        }
    }

    private static func allowed(_ methods: [String: RouteHandler]) -> String {
        var names = Set(methods.keys)
        if names.contains("GET") { names.insert("HEAD") }
        names.insert("OPTIONS")
        return names.sorted().joined(separator: ", ")
    }
}
