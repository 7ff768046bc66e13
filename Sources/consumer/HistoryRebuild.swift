import Foundation
import Kafka
import Logging
import ServiceRuntime

/// `consumer --rebuild-history`: refills ClickHouse from what the events topic still holds —
/// after a restore from an older backup, a table dropped by mistake, or a store started after the
/// topic — inserting only the events it lacks, then exits.
///
/// It joins the history writers' group (`<CONSUMER_GROUP>-history`), so the group itself keeps it
/// and any live writer from holding the same partition at once, and it goes on only while it holds
/// every partition: with consumers running it stops and says so.
enum HistoryRebuild {
    static func run(settings: ConsumerSettings, logger: Logger) -> Never {
        guard let endpoint = settings.history else {
            ShutdownSignal.fail("consumer: --rebuild-history needs CLICKHOUSE_URL (the history to refill)", status: 2)
        }
        guard let history = HistoryStartup.begin(endpoint, logger: logger), history.schemaReady else {
            ShutdownSignal.fail("consumer: --rebuild-history: ClickHouse at \(endpoint) does not answer")
        }
        let writer: HistoryWriter
        do {
            writer = try HistoryStartup.writer(
                endpoint, settings: settings, mode: .rebuild, schemaReady: true, status: HistoryStatus(.starting),
                logger: logger, metrics: ServiceMetrics())
            logger.info(
                "history rebuild: joining the history writers' group",
                metadata: ["group": "\(HistoryWriter.group(of: settings.group))", "topic": "\(settings.topic)"])
            try writer.startRebuild(topic: settings.topic)
        } catch {
            ShutdownSignal.fail("consumer: --rebuild-history: \(error)")
        }
        var outcome: HistoryWriter.RebuildOutcome?
        while outcome == nil {
            if let signal = ShutdownSignal.wait(timeout: .milliseconds(200)) {
                logger.info("history rebuild: stopping", metadata: ["signal": "\(signal)"])
                writer.stop()
                ShutdownSignal.fail(
                    "consumer: --rebuild-history stopped before the end; what it inserted stays, run it again to finish"
                )
            }
            outcome = writer.rebuildResult
        }
        writer.stop()
        history.client.shutdown()
        switch outcome {
        case .finished(let inserted, let alreadyStored):
            print(
                "history rebuilt from \(settings.topic): \(inserted) events inserted, \(alreadyStored) already stored")
            exit(0)
        case .partitionsHeldElsewhere(let held, let total):
            ShutdownSignal.fail(
                "consumer: --rebuild-history was given \(held) of the \(total) partitions: the history writers of "
                    + "running consumers (group \(HistoryWriter.group(of: settings.group))) hold the rest; "
                    + "stop the consumers and run it again")
        case .failed(let reason):
            ShutdownSignal.fail("consumer: --rebuild-history failed: \(reason)")
        case nil:
            ShutdownSignal.fail("consumer: --rebuild-history ended without an outcome")
        }
    }
}
