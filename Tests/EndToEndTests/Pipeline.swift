import Foundation
import TestSupport
import XCTest

/// The whole product on free ports: development broker, producer and consumer, as processes.
///
/// Each service binds port 0 and the test reads the port it got from its output: a port chosen
/// in advance could be taken in between (it happened — the mock broker's own random port).
final class Pipeline {
    private(set) var brokerPort = 0
    private(set) var producerPort = 0
    let topic = "analytics-events"
    let group = "e2e-\(UUID().uuidString.prefix(8))"
    var broker: ServiceProcess?
    var producer: ServiceProcess?
    var consumers: [ServiceProcess] = []

    var brokers: String { "localhost:\(brokerPort)" }

    func startBroker() throws {
        let broker = try ServiceProcess("kafka-dev-broker", arguments: ["--port", "0", "--partitions", "6"])
        self.broker = broker
        guard broker.waitForOutput("kafka-dev-broker ready on localhost:", timeout: 30),
            let port = Self.port(in: broker.stdout, after: /ready on localhost:(\d+)/)
        else { throw PipelineError.notReady(broker.output) }
        brokerPort = port
    }

    func startProducer(environment: [String: String] = [:]) throws {
        let producer = try ServiceProcess(
            "producer",
            // Country data is off unless a test asks for it: reading it costs seconds in a debug build.
            environment: ["KAFKA_BROKERS": brokers, "SERVER_PORT": "0", "GEOIP_DATA_DIR": "off"].merging(environment) {
                _, new in new
            })
        self.producer = producer
        guard producer.waitForOutput("producer listening", timeout: 30),
            let port = Self.port(in: producer.stderr, after: /(?:\bport=|"port":")(\d+)/)
        else { throw PipelineError.notReady(producer.output) }
        producerPort = port
    }

    /// Starts a consumer of this pipeline's group; returns it with its stats port.
    @discardableResult
    func startConsumer(statsInterval: Int = 2, environment: [String: String] = [:]) throws -> (ServiceProcess, Int) {
        let consumer = try ServiceProcess(
            "consumer",
            environment: [
                "KAFKA_BROKERS": brokers, "STATS_PORT": "0", "STATS_INTERVAL": "\(statsInterval)",
                "CONSUMER_GROUP": group,
            ].merging(environment) { _, new in new }, label: "consumer\(consumers.count)")
        consumers.append(consumer)
        guard consumer.waitForOutput("consumer started", timeout: 30),
            let port = Self.port(in: consumer.stderr, after: /(?:\bstats_port=|"stats_port":")(\d+)/)
        else { throw PipelineError.notReady(consumer.output) }
        return (consumer, port)
    }

    /// The port a service printed, captured by the first group of `pattern`.
    private static func port(in output: String, after pattern: Regex<(Substring, Substring)>) -> Int? {
        output.firstMatch(of: pattern).flatMap { Int($0.output.1) }
    }

    func post(_ path: String, _ body: String, headers: [String: String] = [:]) throws -> RawHTTPResponse {
        try RawHTTPClient(port: producerPort, timeout: 15).request("POST", path, body: body, headers: headers)
    }

    /// `GET /analytics` from a consumer.
    func analytics(port: Int) -> [String: Any] {
        (try? RawHTTPClient(port: port, timeout: 5).request("GET", "/analytics").json) ?? [:]
    }

    /// Waits until the consumer on `port` reports `total` events; returns the last snapshot.
    func waitForTotal(_ total: Int, port: Int, timeout: TimeInterval = 60) -> [String: Any] {
        var last: [String: Any] = [:]
        Wait.until(timeout: timeout, interval: 0.25) {
            last = analytics(port: port)
            return last["total_events"] as? Int == total
        }
        return last
    }

    func records() throws -> [TopicRecord] {
        try Kcat.readAll(brokers: brokers, topic: topic)
    }

    var output: String {
        ([broker, producer].compactMap { $0 } + consumers).map(\.output).joined(separator: "\n")
    }

    func stop() {
        for consumer in consumers where consumer.process.isRunning { consumer.signal(SIGKILL) }
        if let producer, producer.process.isRunning { producer.signal(SIGKILL) }
        if let broker, broker.process.isRunning { broker.signal(SIGTERM) }
    }
}

enum PipelineError: Error {
    case notReady(String)
}

/// The original project's four sample events, as `examples/send_events.sh` sends them.
enum SampleEvents {
    static let all: [String] = [
        #"{"type":"page_view","user_id":"user123","session_id":"session456","url":"https://example.com/home","referrer":"https://google.com","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36","metadata":{"load_time":1234}}"#,
        #"{"type":"click","user_id":"user123","session_id":"session456","url":"https://example.com/products","metadata":{"element":"buy-button","position":{"x":100,"y":200}}}"#,
        #"{"type":"page_view","user_id":"user456","session_id":"session789","url":"https://example.com/about","referrer":"https://twitter.com","user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1","metadata":{"load_time":856}}"#,
        #"{"type":"session","user_id":"user456","session_id":"session789","metadata":{"action":"start","duration":0}}"#,
    ]

    /// The repository's `examples/` folder.
    static var examplesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("examples")
    }
}
