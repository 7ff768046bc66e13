import HTTPServer
import Logging
import TestSupport
import XCTest

/// A test case with a server of its own on a free loopback port, shut down after each test.
class ServerTestCase: XCTestCase {
    var server: HTTPServer!

    /// A configuration on 127.0.0.1 and a free port, for the test to adjust.
    func loopbackConfiguration() -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        return configuration
    }

    func startServer(_ configuration: HTTPServerConfiguration, _ router: Router) throws {
        server = try HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "test"))
    }

    override func tearDown() {
        server?.shutdown(timeout: .seconds(1))
        server = nil
    }

    func client() throws -> RawHTTPClient { try RawHTTPClient(port: server.port, timeout: 5) }
}
