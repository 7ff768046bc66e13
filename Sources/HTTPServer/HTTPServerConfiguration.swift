import Foundation

/// Where the server listens, its limits and its timeouts. Every field is an operator setting
/// documented in the README.
public struct HTTPServerConfiguration: Sendable, Equatable {
    /// Address to bind (`0.0.0.0` for every IPv4 interface, `::` for every interface).
    public var host = "0.0.0.0"
    /// Port to bind; 0 picks a free one (see `HTTPServer.port`).
    public var port = 8080
    /// Event-loop threads; default one per CPU the process may use (`System.coreCount`).
    public var eventLoopCount = max(1, System.coreCount)
    /// Parser limits: header bytes (431), header count (431), body bytes (413).
    public var limits = HTTPRequestParser.Limits()
    /// Bytes of request bodies all connections may hold at once; a request whose body does not
    /// fit is answered 503 with `Retry-After` (see `BodyBudget`).
    public var maxBufferedBodyBytes = 256 * 1024 * 1024
    /// Open connections at most; beyond it new ones wait in the kernel's accept backlog.
    public var maxConnections = 10_000
    /// `listen()` backlog.
    public var backlog: Int32 = 1024
    /// How long an idle keep-alive connection stays open.
    public var idleTimeout: Duration = .seconds(60)
    /// Deadline for receiving a whole request line and headers (slowloris), answered 408.
    public var headerTimeout: Duration = .seconds(10)
    /// Deadline for receiving a whole body once the headers are in, answered 408.
    public var bodyTimeout: Duration = .seconds(30)
    /// Deadline for the responder to answer a request, answered 503 (and the connection closed).
    public var responseTimeout: Duration = .seconds(60)
    /// Deadline for a client to read a response before the connection is dropped.
    public var writeTimeout: Duration = .seconds(30)
    /// Bytes of a streamed response that may wait unsent for a slow reader before its
    /// connection is dropped (on top of a 64 KiB kernel buffer).
    public var streamBacklogLimit = 256 * 1024
    /// `Server` header value.
    public var serverName = "analytics"

    public init() {}
}
