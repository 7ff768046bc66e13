import HTTPServer
import HistoryQuery

extension QueryError {
    /// The answer its sender gets: the error shape of every API response, with the status the
    /// error calls for and, when it passes, when to try again.
    var response: HTTPResponse {
        let noStore = ("Cache-Control", "no-store")
        switch self {
        case .invalid(let field, _):
            return .error(.badRequest, description, field: field, headers: HTTPHeaders([noStore]))
        case .forbidden: return .error(.forbidden, description, field: "site_id", headers: HTTPHeaders([noStore]))
        case .historyOff: return .error(.serviceUnavailable, description, headers: HTTPHeaders([noStore]))
        case .unavailable:
            return .error(.serviceUnavailable, description, headers: HTTPHeaders([noStore, ("Retry-After", "5")]))
        case .busy, .siteBusy:
            return .error(.serviceUnavailable, description, headers: HTTPHeaders([noStore, ("Retry-After", "1")]))
        }
    }

}
