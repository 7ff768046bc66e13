import ClickHouse
import Kafka
import Logging
import ServiceRuntime

/// What the consumer does with `CLICKHOUSE_URL` at start: brings the history schema up to date,
/// and tells the operator plainly whether there is history.
///
/// A setting that cannot work — a wrong user or password, a database migrated by a newer
/// consumer, a name that is not one — stops the consumer with exit 2 and one line. ClickHouse not
/// answering does not: the live view never waits for the history, which catches up later.
enum HistoryStartup {
    /// The client of the history store and whether its schema is up to date (false when
    /// ClickHouse did not answer: the writer migrates it once it does), or nil without
    /// `CLICKHOUSE_URL`.
    static func begin(_ endpoint: ClickHouseEndpoint?, logger: Logger) -> (client: ClickHouseClient, schemaReady: Bool)?
    {
        guard let endpoint else {
            logger.info("no CLICKHOUSE_URL: no history is kept (the live view only)")
            return nil
        }
        let client = ClickHouseClient(endpoint: endpoint, timeout: 30)
        do {
            switch try HistorySchema.migrate(client) {
            case .migrated(let from, let to):
                logger.info(
                    "history schema \(from == 0 ? "created" : "migrated from version \(from)")",
                    metadata: ["clickhouse": "\(endpoint)", "version": "\(to)"])
            case .current(let version):
                logger.info(
                    "history schema up to date", metadata: ["clickhouse": "\(endpoint)", "version": "\(version)"])
            }
            return (client, true)
        } catch {
            switch error {
            case .clickHouse(.unreachable), .clickHouse(.timedOut):
                logger.warning(
                    "history: ClickHouse does not answer; the live view goes on without it",
                    metadata: ["error": "\(error)"])
            default:
                ShutdownSignal.fail("consumer: \(error)", status: 2)
            }
        }
        return (client, false)
    }

    /// The history writer for `endpoint` (live, or `--rebuild-history`), with a client of its own
    /// that is patient: an insert whose answer is given up on may still land, so the writer waits
    /// for a slow ClickHouse rather than retrying behind its back.
    static func writer(
        _ endpoint: ClickHouseEndpoint, settings: ConsumerSettings, mode: HistoryIngest.Mode, schemaReady: Bool,
        status: HistoryStatus, logger: Logger, metrics: ServiceMetrics
    ) throws(KafkaError) -> HistoryWriter {
        let client = ClickHouseClient(endpoint: endpoint, timeout: HistoryWriter.insertTimeout)
        let ingest = HistoryIngest(
            settings: HistoryIngest.Settings(
                mode: mode, defaultSite: settings.defaultSite, deduplicationWindow: settings.deduplicationWindow,
                retentionMonths: settings.retentionMonths, schemaReady: schemaReady),
            client: client, status: status, logger: logger, metrics: metrics)
        return try HistoryWriter(ingest: ingest, kafka: settings.kafka, logger: logger)
    }
}
