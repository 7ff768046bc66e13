/// The tables of the history store, created and migrated by the consumer at start: idempotent
/// and versioned, so a second start changes nothing and an older binary refuses a newer schema
/// instead of writing rows it does not know the shape of.
///
/// Versions live in `schema_migrations` (one row per applied version). Every statement is written
/// for what Debian's ClickHouse 18.16 and a current one both accept (design §7): no `TTL`, no
/// `CODEC`, no `DateTime64`, no `LowCardinality` (it needs an experimental setting on 18.16).
public enum HistorySchema {
    /// One step of the schema.
    struct Migration: Sendable {
        var version: Int
        var description: String
        /// Statements run in order; each is idempotent (`IF NOT EXISTS`), so a step interrupted
        /// half way is simply run again.
        var statements: @Sendable (String) -> [String]
    }

    /// The schema version this binary writes.
    public static var version: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, description: "events: one row per accepted event") { database in
            [
                """
                CREATE TABLE IF NOT EXISTS `\(database)`.events (
                    id String,
                    site String,
                    timestamp DateTime,
                    type String,
                    visitor UInt64,
                    session UInt64,
                    path String,
                    hostname String,
                    referrer String,
                    source String,
                    utm_source String,
                    utm_medium String,
                    utm_campaign String,
                    country String,
                    device String,
                    browser String,
                    os String,
                    load_time_ms Nullable(Float64),
                    bot UInt8,
                    kafka_partition UInt32,
                    kafka_offset UInt64
                ) ENGINE = MergeTree
                PARTITION BY toYYYYMM(timestamp)
                ORDER BY (site, toDate(timestamp), kafka_partition, kafka_offset)
                """
            ]
        }
    ]

    /// What `migrate` did.
    public enum Outcome: Sendable, Equatable {
        /// The schema was at `from` (0: an empty database) and is now at `to`.
        case migrated(from: Int, to: Int)
        /// Already at this binary's version: nothing was changed.
        case current(Int)
    }

    /// Brings the endpoint's database to `version`: creates the database and the versions table
    /// when missing, then applies each missing step in order and records it.
    public static func migrate(_ client: ClickHouseClient) throws(HistorySchemaError) -> Outcome {
        let database = client.endpoint.database
        guard ClickHouseEndpoint.isDatabaseName(database) else { throw .invalidDatabaseName(database) }
        do {
            try client.execute("CREATE DATABASE IF NOT EXISTS `\(database)`", inDatabase: false)
            try client.execute(
                """
                CREATE TABLE IF NOT EXISTS `\(database)`.schema_migrations (
                    version UInt32, description String, applied_at DateTime
                ) ENGINE = TinyLog
                """, inDatabase: false)
            let found =
                Int(
                    try client.text("SELECT max(version) FROM `\(database)`.schema_migrations", inDatabase: false)
                        .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            guard found <= version else {
                throw HistorySchemaError.newerSchema(database: database, found: found, known: version)
            }
            guard found < version else { return .current(found) }
            for migration in migrations where migration.version > found {
                for statement in migration.statements(database) { try client.execute(statement, inDatabase: false) }
                try client.execute(
                    "INSERT INTO `\(database)`.schema_migrations VALUES (\(SQLLiteral.integer(migration.version)), "
                        + "\(SQLLiteral.string(migration.description)), now())", inDatabase: false)
            }
            return .migrated(from: found, to: version)
        } catch let error as HistorySchemaError {
            throw error
        } catch let error as ClickHouseError {
            throw .clickHouse(error)
        } catch {
            throw .clickHouse(.server(code: nil, message: "\(error)"))
        }
    }
}

/// Why the history schema could not be brought up to date.
public enum HistorySchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database was migrated by a newer binary: this one would write rows of an older shape.
    case newerSchema(database: String, found: Int, known: Int)
    case invalidDatabaseName(String)
    case clickHouse(ClickHouseError)

    public var description: String {
        switch self {
        case .newerSchema(let database, let found, let known):
            "the history database \(database) has schema version \(found), newer than this consumer's \(known): "
                + "run the newer consumer, or set CLICKHOUSE_DATABASE to another database"
        case .invalidDatabaseName(let name):
            "CLICKHOUSE_DATABASE=\(name.prefix(64)) is not a database name: letters, digits and _, not starting with a digit"
        case .clickHouse(let error): "\(error)"
        }
    }
}
