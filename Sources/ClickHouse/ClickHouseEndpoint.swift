import Foundation

/// Where the history lives: `CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`, `CLICKHOUSE_USER` and
/// `CLICKHOUSE_PASSWORD` as one value. The password is a secret: `description` never shows it.
public struct ClickHouseEndpoint: Sendable, CustomStringConvertible {
    /// The HTTP interface, such as `http://localhost:8123` (no path, query or credentials).
    public var url: URL
    public var database: String
    public var user: String
    public var password: String?

    public init(url: URL, database: String = "analytics", user: String = "default", password: String? = nil) {
        self.url = url
        self.database = database
        self.user = user
        self.password = password
    }

    /// A `CLICKHOUSE_URL` value as an endpoint URL: `http` or `https`, a host, an optional port,
    /// nothing else; nil otherwise.
    public static func url(_ text: String) -> URL? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.query == nil, components.fragment == nil,
            components.path.isEmpty || components.path == "/"
        else { return nil }
        return components.url
    }

    /// A database name ClickHouse takes unquoted: letters, digits and `_`, not starting with a
    /// digit, at most 64.
    public static func isDatabaseName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            name.utf8.count <= 64
        else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    public var description: String {
        "\(url.absoluteString) database \(database) as \(user)\(password == nil ? "" : " (with password)")"
    }
}
