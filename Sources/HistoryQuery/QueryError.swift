import ClickHouse

/// Why a query got no results, each with the status and message its sender sees.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request is wrong: `field` names the part, `message` what is allowed.
    case invalid(field: String, message: String)
    /// The token sees another site only.
    case forbidden(site: String)
    /// The consumer has no history (`CLICKHOUSE_URL` unset).
    case historyOff
    /// ClickHouse did not answer, or ran out of the time or memory a query may use.
    case unavailable(String)
    /// Too many queries in flight (`QUERY_CONCURRENCY`).
    case busy
    /// This site has its share of the waiting places: half of them.
    case siteBusy(site: String)

    public var description: String {
        switch self {
        case .invalid(let field, let message): "\(field): \(message)"
        case .forbidden(let site): "this token does not see the site \(site)"
        case .historyOff:
            "there is no history to query: set CLICKHOUSE_URL to a ClickHouse server (docs/configuration.md)"
        case .unavailable(let reason): "the history cannot be read now: \(reason)"
        case .busy: "too many history queries in flight (QUERY_CONCURRENCY); retry in a moment"
        case .siteBusy(let site):
            "too many history queries of the site \(site) are waiting (half the places QUERY_CONCURRENCY "
                + "gives); retry in a moment"
        }
    }

    /// The sender's view of a ClickHouse failure: never the SQL, which is ours.
    public init(_ error: ClickHouseError) {
        switch error {
        case .timedOut(let seconds): self = .unavailable("ClickHouse did not answer within \(Int(seconds)) s")
        case .unreachable: self = .unavailable("ClickHouse is unreachable")
        case .authenticationFailed: self = .unavailable("ClickHouse refused the consumer's user (CLICKHOUSE_USER)")
        case .server(let code, _):
            switch code {
            case 159: self = .unavailable("the query took longer than QUERY_TIMEOUT_SECONDS allows; narrow it")
            case 241: self = .unavailable("the query needed more memory than QUERY_MAX_MEMORY_MB allows; narrow it")
            default: self = .unavailable("ClickHouse refused the query (code \(code.map(String.init) ?? "none"))")
            }
        }
    }
}
