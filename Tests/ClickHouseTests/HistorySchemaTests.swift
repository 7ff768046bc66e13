import ClickHouse
import Foundation
import TestSupport
import XCTest

/// The history schema on a real ClickHouse: created on an empty server, left alone on a second
/// start, and a newer schema refused in one line.
final class HistorySchemaTests: ClickHouseTestCase {
    func testTheSchemaIsCreatedOnAnEmptyServerAndLeftAloneOnASecondStart() throws {
        let server = try XCTUnwrap(server)
        XCTAssertEqual(
            try HistorySchema.migrate(try client(database: "analytics")), .migrated(from: 0, to: HistorySchema.version))
        XCTAssertEqual(
            try server.query(
                "SELECT name FROM system.tables WHERE database = 'analytics' ORDER BY name FORMAT TabSeparated"),
            "events\nschema_migrations\n")
        let columns = try server.query(
            "SELECT name, type FROM system.columns WHERE database = 'analytics' AND table = 'events' FORMAT TabSeparated"
        )
        for column in ["id\tString", "site\tString", "timestamp\tDateTime", "type\tString", "kafka_offset\tUInt64"] {
            XCTAssertTrue(columns.contains(column + "\n"), columns)
        }
        try server.query(
            "INSERT INTO analytics.events (id, site, timestamp, type) VALUES ('e1', 'shop.example', now(), 'page_view')"
        )

        // A second start, even after a restart of ClickHouse, changes nothing.
        server.stop()
        try server.start()
        XCTAssertEqual(try HistorySchema.migrate(try client(database: "analytics")), .current(HistorySchema.version))
        XCTAssertEqual(
            try server.query("SELECT count() FROM analytics.schema_migrations"), "\(HistorySchema.version)\n")
        XCTAssertEqual(try server.query("SELECT count() FROM analytics.events"), "1\n", "rows are left alone")
    }

    func testANewerSchemaIsRefusedInOneLine() throws {
        let server = try XCTUnwrap(server)
        _ = try HistorySchema.migrate(try client(database: "analytics"))
        try server.query("INSERT INTO analytics.schema_migrations VALUES (99, 'from the future', now())")
        XCTAssertThrowsError(try HistorySchema.migrate(try client(database: "analytics"))) { error in
            XCTAssertEqual(
                error as? HistorySchemaError,
                .newerSchema(database: "analytics", found: 99, known: HistorySchema.version))
            XCTAssertFalse("\(error)".contains("\n"))
            XCTAssertTrue("\(error)".contains("run the newer consumer"), "\(error)")
        }
    }

    func testADatabaseNameThatIsNotOneIsRefusedBeforeAnythingRuns() throws {
        XCTAssertThrowsError(try HistorySchema.migrate(try client(database: "x`; DROP DATABASE default; --"))) {
            error in
            guard case .invalidDatabaseName = error as? HistorySchemaError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(
            try XCTUnwrap(server).query("SELECT count() FROM system.databases WHERE name = 'default'"), "1\n")
    }
}
