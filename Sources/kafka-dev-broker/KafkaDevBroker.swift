import ArgumentParser
import BackgroundWork
import Foundation
import Kafka
import Logging
import ServiceRuntime

/// `kafka-dev-broker`: librdkafka's mock cluster in its own process, reachable at `localhost:PORT`.
@main
struct KafkaDevBroker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-dev-broker",
        abstract: "A development Kafka broker (librdkafka's mock cluster), in memory, on localhost.",
        discussion: """
            Clients connect to localhost:PORT. Data lives in memory only and each partition keeps just \
            its last 5 MiB / 100,000 message sets. For production use real Kafka (docker compose).

            """ + SettingsHelp.render(SettingDescription.of(ServiceLogging.Settings.init(environment:))),
        version: ServiceVersion.current
    )

    /// Parses as the producer and consumer do: a refused option exits 2, like a refused setting.
    static func main() {
        let command = CommandLineEntry.parse(Self.self)
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    @Option(help: "Port on localhost where clients bootstrap (0: a free one, printed when ready).")
    var port: UInt16 = 9092

    @Option(help: "Topic to create at start (repeatable); NAME:COUNT gives it its own partition count.")
    var topic: [String] = ["analytics-events"]

    @Option(help: "Partitions of each created topic that does not give its own count.")
    var partitions: Int = 6

    @Flag(
        inversion: .prefixedNo,
        help: "Also create TOPIC-partials for each topic: where consumers share their partial statistics.")
    var partialsTopics = true

    @Flag(
        inversion: .prefixedNo,
        help: "Also create TOPIC-salts (one partition) for each topic: where producers agree on visitor salts.")
    var saltsTopics = true

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 1

    func validate() throws {
        guard (1...1000).contains(partitions) else { throw ValidationError("--partitions must be from 1 to 1000") }
        guard (1...5).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 5") }
        for spec in topic {
            guard let (name, count) = Self.parse(spec, defaultPartitions: partitions), !name.isEmpty,
                (1...1000).contains(count)
            else {
                throw ValidationError("--topic \(spec): expected NAME or NAME:COUNT with COUNT from 1 to 1000")
            }
        }
    }

    /// `NAME` or `NAME:COUNT`; nil when COUNT is not a number.
    static func parse(_ spec: String, defaultPartitions: Int) -> (name: String, partitions: Int)? {
        guard let colon = spec.lastIndex(of: ":") else { return (spec, defaultPartitions) }
        guard let count = Int(spec[spec.index(after: colon)...]) else { return nil }
        return (String(spec[..<colon]), count)
    }

    /// The topics asked for with their partition counts, each followed by its partials topic
    /// (same count) and its salts topic (one partition) unless disabled, without repeats.
    var topicsToCreate: [(name: String, partitions: Int)] {
        var created: [(name: String, partitions: Int)] = []
        for spec in topic {
            guard let (name, count) = Self.parse(spec, defaultPartitions: partitions) else { continue }
            var companions = [(name, count)]
            let isCompanion = name.hasSuffix("-partials") || name.hasSuffix("-salts")
            if partialsTopics && !isCompanion { companions.append((name + "-partials", count)) }
            if saltsTopics && !isCompanion { companions.append((name + "-salts", 1)) }
            for companion in companions where !created.contains(where: { $0.name == companion.0 }) {
                created.append(companion)
            }
        }
        return created
    }

    func run() throws {
        ShutdownSignal.blockTerminationSignals()
        let logger: Logger
        do {
            logger = try ServiceLogging.bootstrap(service: "kafka-dev-broker", environment: EnvironmentReader())
        } catch {
            ShutdownSignal.fail("kafka-dev-broker: \(error)", status: ExitStatus.badSetting)
        }
        let cluster: DevelopmentCluster
        do {
            cluster = try DevelopmentCluster(brokers: brokers, logger: logger)
            for (name, count) in topicsToCreate {
                try cluster.createTopic(name, partitions: count, replicationFactor: 1)
            }
        } catch {
            ShutdownSignal.fail("kafka-dev-broker: \(error)")
        }
        let bootstrap = cluster.bootstrapServers.split(separator: ",").first.map(String.init) ?? ""
        guard let colon = bootstrap.lastIndex(of: ":"),
            let targetPort = UInt16(bootstrap[bootstrap.index(after: colon)...])
        else {
            ShutdownSignal.fail("kafka-dev-broker: unexpected mock bootstrap address \"\(bootstrap)\"")
        }
        let relay: TCPRelay
        do {
            relay = try TCPRelay(
                port: port, targetHost: String(bootstrap[..<colon]), targetPort: targetPort, logger: logger)
        } catch {
            ShutdownSignal.fail("kafka-dev-broker: \(error) (is another broker already running? set --port)")
        }
        relay.start()
        logger.info(
            "mock cluster started",
            metadata: [
                "brokers": "\(cluster.bootstrapServers)",
                "topics": "\(topicsToCreate.map { "\($0.name):\($0.partitions)" }.joined(separator: ","))",
            ])
        print("kafka-dev-broker ready on localhost:\(relay.port)")
        fflush(nil)
        let signal = ShutdownSignal.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        relay.stop()
        cluster.shutdown()
        logger.info("stopped", metadata: ["threads_running": "\(BackgroundThread.runningCount)"])
    }
}
