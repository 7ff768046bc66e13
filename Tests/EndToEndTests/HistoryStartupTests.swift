import Foundation
import TestSupport
import XCTest

/// The consumer with CLICKHOUSE_URL against a real ClickHouse started by the test: the schema is
/// created at the first start and left alone at the next; a wrong password stops it with one
/// line that never shows the password; ClickHouse not answering does not stop the live view.
final class HistoryStartupTests: PipelineTestCase {
    private var clickHouse: ClickHouseServer?

    override func setUpWithError() throws {
        try super.setUpWithError()
        try XCTSkipUnless(
            ClickHouseServer.isInstalled,
            "clickhouse-server is required: apt-get install clickhouse-server (make test installs it)")
        let server = try ClickHouseServer()
        try server.start()
        clickHouse = server
    }

    override func tearDown() {
        clickHouse?.stop()
        clickHouse = nil
        super.tearDown()
    }

    func testTheSchemaIsCreatedAtTheFirstStartAndLeftAloneAtTheNext() throws {
        let server = try XCTUnwrap(clickHouse)
        let environment = [
            "CLICKHOUSE_URL": server.url, "CLICKHOUSE_USER": "writer", "CLICKHOUSE_PASSWORD": server.writerPassword,
        ]
        let (first, _) = try pipeline.startConsumer(environment: environment)
        XCTAssertTrue(first.stderr.contains("history schema created"), first.output)
        XCTAssertFalse(first.output.contains(server.writerPassword), "the password is never logged")
        first.signal(SIGTERM)
        XCTAssertEqual(first.waitForExit(timeout: 20), 0, first.output)
        XCTAssertEqual(
            try server.query(
                "SELECT name FROM system.tables WHERE database = 'analytics' ORDER BY name FORMAT TabSeparated"),
            "events\nschema_migrations\n")
        let (second, _) = try pipeline.startConsumer(environment: environment)
        XCTAssertTrue(second.stderr.contains("history schema up to date"), second.output)
        XCTAssertEqual(try server.query("SELECT count() FROM analytics.schema_migrations"), "1\n")
    }

    func testAWrongPasswordStopsTheConsumerWithOneLineThatDoesNotShowIt() throws {
        let server = try XCTUnwrap(clickHouse)
        let consumer = try ServiceProcess(
            "consumer",
            environment: [
                "KAFKA_BROKERS": pipeline.brokers, "STATS_PORT": "0", "CLICKHOUSE_URL": server.url,
                "CLICKHOUSE_USER": "writer", "CLICKHOUSE_PASSWORD": "not-the-password-42",
            ])
        XCTAssertEqual(consumer.waitForExit(timeout: 30), 2, consumer.output)
        let lines = consumer.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, consumer.stderr)
        XCTAssertTrue(consumer.stderr.contains("ClickHouse refused the user writer"), consumer.stderr)
        XCTAssertTrue(consumer.stderr.contains("CLICKHOUSE_PASSWORD"), consumer.stderr)
        XCTAssertFalse(consumer.output.contains("not-the-password-42"), consumer.output)
    }

    func testClickHouseNotAnsweringDoesNotStopTheLiveView() throws {
        let port = try ClickHouseServer.freePort()
        let (consumer, statsPort) = try pipeline.startConsumer(environment: [
            "CLICKHOUSE_URL": "http://127.0.0.1:\(port)"
        ])
        XCTAssertTrue(consumer.stderr.contains("ClickHouse does not answer"), consumer.output)
        XCTAssertEqual(try RawHTTPClient(port: statsPort).request("GET", "/health").status, 200)
    }
}
