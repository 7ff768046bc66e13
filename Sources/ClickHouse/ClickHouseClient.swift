import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Statements to ClickHouse over its HTTP interface, the one way this project talks to it (no
/// native-protocol driver: HTTP is what every ClickHouse version and proxy speaks).
///
/// Calls block the calling thread until the answer (the history writer and the query API run on
/// threads of their own); each has a timeout. The SQL goes in the request body, or — for an
/// `INSERT … FORMAT` whose rows are the body — in the URL, percent-encoded strictly: ClickHouse
/// decodes `+` in the URL as a space.
///
/// `http` goes over our own kept-alive connections (`PlainHTTPConnection`, pooled), `https`
/// through `URLSession`, which brings TLS but cost the writer a third of its time in thread
/// switches on large inserts.
public final class ClickHouseClient: Sendable {
    public let endpoint: ClickHouseEndpoint
    public let timeout: TimeInterval
    private let session: URLSession
    private let authorization: String?
    private let challenges = ChallengeRefusal()
    private let pool: ConnectionPool?

    public init(endpoint: ClickHouseEndpoint, timeout: TimeInterval = 30) {
        self.endpoint = endpoint
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
        let credentials = "\(endpoint.user):\(endpoint.password ?? "")"
        authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        if endpoint.url.scheme?.lowercased() == "http", let host = endpoint.url.host, !host.isEmpty {
            pool = ConnectionPool(host: host, port: endpoint.url.port ?? 80)
        } else {
            pool = nil
        }
    }

    /// Runs `sql` and returns the answer's body. `rows` is the data of an `INSERT … FORMAT …`;
    /// `inDatabase` runs it in the endpoint's database (false before it exists); `settings` are
    /// ClickHouse settings for this statement only (`max_execution_time`, …).
    @discardableResult
    public func execute(
        _ sql: String, rows: [UInt8]? = nil, inDatabase: Bool = true, settings: [(String, String)] = []
    ) throws(ClickHouseError) -> [UInt8] {
        var parameters = settings
        if inDatabase { parameters.append(("database", endpoint.database)) }
        if rows != nil { parameters.append(("query", sql)) }
        let query = parameters.map { Self.encoded($0.0) + "=" + Self.encoded($0.1) }.joined(separator: "&")
        let (status, body): (Int, [UInt8])
        if let pool {
            let target = "/" + (query.isEmpty ? "" : "?" + query)
            (status, body) = try send(
                pool, method: "POST", target: target, body: rows ?? Array(sql.utf8),
                retryable: rows == nil && !Self.isInsert(sql))
        } else {
            let base =
                endpoint.url.absoluteString.hasSuffix("/")
                ? endpoint.url.absoluteString : endpoint.url.absoluteString + "/"
            guard let url = URL(string: base + (query.isEmpty ? "" : "?" + query)) else {
                throw .unreachable(url: endpoint.url.absoluteString, reason: "the statement's URL could not be formed")
            }
            var request = URLRequest(url: url, timeoutInterval: timeout)
            request.httpMethod = "POST"
            request.httpBody = Data(rows ?? Array(sql.utf8))
            if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
            (status, body) = try send(request)
        }
        guard status == 200 else {
            let error = ClickHouseError.fromAnswer(body, user: endpoint.user)
            if status == 401, case .server(nil, _) = error {
                throw .authenticationFailed(user: endpoint.user, message: "the server answered 401 Unauthorized")
            }
            throw error
        }
        return body
    }

    /// The answer of `sql` as text (a `FORMAT TabSeparated` result, a number).
    public func text(_ sql: String, inDatabase: Bool = true, settings: [(String, String)] = []) throws(ClickHouseError)
        -> String
    {
        String(decoding: try execute(sql, inDatabase: inDatabase, settings: settings), as: UTF8.self)
    }

    /// Whether the server answers at all (`GET /ping`).
    public func ping() -> Bool {
        if let pool {
            let answer = try? send(
                pool, method: "GET", target: "/ping", body: [], retryable: true, timeout: min(timeout, 5))
            return answer?.0 == 200
        }
        guard
            let url = URL(
                string: endpoint.url.absoluteString + (endpoint.url.absoluteString.hasSuffix("/") ? "" : "/") + "ping")
        else { return false }
        guard let (status, _) = try? send(URLRequest(url: url, timeoutInterval: min(timeout, 5))) else { return false }
        return status == 200
    }

    /// Whether `sql` is an `INSERT` (never sent twice by the client).
    static func isInsert(_ sql: String) -> Bool {
        sql.drop { $0.isWhitespace || $0 == "(" }.prefix(6).uppercased() == "INSERT"
    }

    /// Sends a request over a pooled connection and waits for its answer, all of it (sending,
    /// ClickHouse's work, receiving) within the client's `timeout`. A kept-alive connection the
    /// server closed before answering is replaced and the request sent again once, on a new
    /// connection, if `retryable` (reads and idempotent DDL); an insert is never sent twice
    /// here — its caller checks what was stored (`HistoryIngest`).
    private func send(
        _ pool: ConnectionPool, method: String, target: String, body: [UInt8], retryable: Bool,
        timeout: TimeInterval? = nil
    ) throws(ClickHouseError) -> (Int, [UInt8]) {
        let seconds = timeout ?? self.timeout
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(pool.hostHeader)\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: keep-alive\r\n\r\n"
        let headBytes = Array(head.utf8)
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused): (PlainHTTPConnection, Bool)
            do throws(PlainHTTPConnection.Failure) {
                (connection, reused) = try pool.take(fresh: attempt > 1, deadline: deadline)
            } catch {
                throw Self.error(error, url: endpoint.url.absoluteString, seconds: seconds)
            }
            do throws(PlainHTTPConnection.Failure) {
                let answer = try connection.exchange(head: headBytes, body: body, deadline: deadline)
                pool.give(back: connection, reusable: answer.keepAlive)
                return (answer.status, answer.body)
            } catch {
                pool.give(back: connection, reusable: false)
                if case .io(_, answerStarted: false) = error, reused, retryable, attempt == 1, !pool.isStopped {
                    continue
                }
                throw Self.error(error, url: endpoint.url.absoluteString, seconds: seconds)
            }
        }
    }

    private static func error(_ failure: PlainHTTPConnection.Failure, url: String, seconds: TimeInterval)
        -> ClickHouseError
    {
        switch failure {
        case .io(let reason, _): .unreachable(url: url, reason: reason)
        case .timedOut: .timedOut(seconds: seconds)
        case .malformed(let what): .unreachable(url: url, reason: "not a ClickHouse answer: \(what)")
        }
    }

    /// Sends `request` and waits for its answer.
    private func send(_ request: URLRequest) throws(ClickHouseError) -> (Int, [UInt8]) {
        let outcome = Mutex<Result<(Int, [UInt8]), ClickHouseError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let endpointURL = endpoint.url.absoluteString
        let timeout = self.timeout
        let user = endpoint.user
        let challenges = self.challenges
        let identifier = Mutex(0)
        let task = session.dataTask(with: request) { data, response, error in
            let result: Result<(Int, [UInt8]), ClickHouseError>
            if let error {
                let code = (error as NSError).code
                if challenges.wasRefused(identifier.withLock { $0 }) {
                    result = .failure(
                        .authenticationFailed(user: user, message: "the server answered 401 Unauthorized"))
                } else if code == NSURLErrorTimedOut {
                    result = .failure(.timedOut(seconds: timeout))
                } else {
                    result = .failure(.unreachable(url: endpointURL, reason: error.localizedDescription))
                }
            } else if let response = response as? HTTPURLResponse {
                result = .success((response.statusCode, Array(data ?? Data())))
            } else {
                result = .failure(.unreachable(url: endpointURL, reason: "no HTTP answer"))
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        identifier.withLock { $0 = task.taskIdentifier }
        task.resume()
        done.wait()
        guard let result = outcome.withLock({ $0 }) else {
            throw .unreachable(url: endpointURL, reason: "no answer")
        }
        return try result.get()
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986), `+` included.
    static func encoded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// Stops the connections, failing the requests in flight; later requests fail at once.
    /// Idempotent.
    public func shutdown() {
        session.invalidateAndCancel()
        pool?.shutdown()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Answers every authentication challenge (a `401 Unauthorized`) by cancelling the request and
/// remembering which: swift-corelibs-foundation's default handling of a 401 without a
/// `WWW-Authenticate` header (ClickHouse's) never completed the task, so a wrong password hung the
/// caller instead of failing.
private final class ChallengeRefusal: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    private let refused = Mutex<Set<Int>>([])

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        _ = refused.withLock { $0.insert(task.taskIdentifier) }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// Whether the task was refused (and forgets it).
    func wasRefused(_ identifier: Int) -> Bool {
        refused.withLock { $0.remove(identifier) != nil }
    }
}
