/// Why a statement did not run on ClickHouse, in words an operator can act on.
public enum ClickHouseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer: the server is down, the address wrong, or the network cut (`reason` says which).
    case unreachable(url: String, reason: String)
    /// The server refused the user or password (`CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`).
    case authenticationFailed(user: String, message: String)
    /// The server ran the statement and failed it: its own code and message.
    case server(code: Int?, message: String)
    /// The answer did not come within the timeout.
    case timedOut(seconds: Double)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "ClickHouse at \(url) is unreachable: \(reason)"
        case .authenticationFailed(let user, let message):
            "ClickHouse refused the user \(user): \(message) (check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD)"
        case .server(let code, let message): "ClickHouse error\(code.map { " \($0)" } ?? ""): \(message)"
        case .timedOut(let seconds): "ClickHouse did not answer within \(seconds) s"
        }
    }

    /// The kind of failure without its details (no address, user or server message, which may
    /// quote stored data): for pages anyone may read, such as the dashboard's footer.
    public var summary: String {
        switch self {
        case .unreachable: "ClickHouse is unreachable"
        case .authenticationFailed: "ClickHouse refused the user or password"
        case .server(let code, _): "ClickHouse error\(code.map { " \($0)" } ?? "")"
        case .timedOut: "ClickHouse did not answer in time"
        }
    }

    /// ClickHouse's codes for a wrong user or password (192 unknown user, 193 wrong password,
    /// 516 authentication failed in newer servers).
    static let authenticationCodes: Set<Int> = [192, 193, 516]

    /// The error a failed answer's body describes: `Code: 193, e.displayText() = DB::Exception:
    /// Wrong password …, e.what() = DB::Exception` (18.16) or `Code: 516. DB::Exception: …` (newer).
    static func fromAnswer(_ body: [UInt8], user: String) -> ClickHouseError {
        let text = String(decoding: body.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var code: Int?
        if text.hasPrefix("Code: ") {
            let digits = text.dropFirst(6).prefix { $0.isNumber }
            code = Int(digits)
        }
        var message = text
        if let range = message.range(of: "DB::Exception: ") { message = String(message[range.upperBound...]) }
        if let range = message.range(of: ", e.what() = ") { message = String(message[..<range.lowerBound]) }
        if let newline = message.firstIndex(of: "\n") { message = String(message[..<newline]) }
        if let code, authenticationCodes.contains(code) { return .authenticationFailed(user: user, message: message) }
        return .server(code: code, message: message)
    }
}
