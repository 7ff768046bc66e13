import ClickHouse
import Foundation
import TestSupport
import XCTest

/// A test with a real ClickHouse of its own (Debian's 18.16 here), started before each test and
/// stopped after it, and a client of it as the `writer` user.
class ClickHouseTestCase: XCTestCase {
    var server: ClickHouseServer?

    override func setUpWithError() throws {
        try XCTSkipUnless(
            ClickHouseServer.isInstalled,
            "clickhouse-server is required: apt-get install clickhouse-server (make test installs it)")
        let server = try ClickHouseServer()
        try server.start()
        self.server = server
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    /// A client of the server as `user` (the `writer`, with its password unless `password` says otherwise).
    func client(database: String = "default", user: String = "writer", password: String? = nil) throws
        -> ClickHouseClient
    {
        let server = try XCTUnwrap(server)
        return ClickHouseClient(
            endpoint: ClickHouseEndpoint(
                url: try XCTUnwrap(ClickHouseEndpoint.url(server.url)), database: database, user: user,
                password: password ?? server.writerPassword), timeout: 20)
    }
}
