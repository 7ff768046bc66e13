import Foundation
import TestSupport
import XCTest

/// The real binaries against the development broker, over TCP: what users see.
final class PipelineEndToEndTests: PipelineTestCase {
    func testSampleEventsFlowFromHTTPThroughKafkaIntoTheStatistics() throws {
        try pipeline.startProducer()
        let (consumer, statsPort) = try pipeline.startConsumer(statsInterval: 2)

        // The example script a newcomer runs, against this producer.
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/bin/bash")
        script.arguments = [SampleEvents.examplesDirectory.appendingPathComponent("send_events.sh").path]
        script.environment = ProcessInfo.processInfo.environment.merging([
            "PRODUCER_URL": "http://localhost:\(pipeline.producerPort)"
        ]) { _, new in new }
        let scriptOutput = Pipe()
        script.standardOutput = scriptOutput
        try script.run()
        let printed = String(decoding: scriptOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        XCTAssertEqual(script.terminationStatus, 0, printed)
        let ids = printed.matches(of: /"id":"([0-9a-f-]{36})"/).map { String($0.output.1) }
        XCTAssertEqual(ids.count, 4, printed)

        let stats = pipeline.waitForTotal(4, port: statsPort)
        XCTAssertEqual(stats["total_events"] as? Int, 4, pipeline.output)
        XCTAssertEqual(stats["unique_users"] as? Int, 2)
        XCTAssertEqual(stats["active_sessions"] as? Int, 2)
        XCTAssertEqual(stats["events_by_type"] as? [String: Int], ["page_view": 2, "click": 1, "session": 1])
        let pages = (stats["top_pages"] as? [[String: Any]] ?? []).map {
            "\($0["path"] ?? "") \($0["views"] ?? 0) \($0["unique_visitors"] ?? 0)"
        }
        XCTAssertEqual(pages, ["/about 1 1", "/home 1 1"])
        XCTAssertEqual(stats["traffic_sources"] as? [String: Int], ["google.com": 1, "twitter.com": 1])
        XCTAssertEqual(stats["browser_stats"] as? [String: Int], ["Chrome": 1, "Safari": 1])
        XCTAssertEqual(stats["device_stats"] as? [String: Int], ["desktop": 1, "mobile": 1])
        XCTAssertEqual(stats["current_visitors"] as? Int, 2)
        XCTAssertEqual((stats["events_per_minute"] as? [String: Int])?.values.reduce(0, +), 4)
        let sessions = try XCTUnwrap(stats["session_metrics"] as? [String: Any])
        XCTAssertEqual(sessions["sessions_started"] as? Int, 2)
        XCTAssertEqual(sessions["bounce_rate"] as? Double, 1.0)  // one page view in each session
        XCTAssertEqual(sessions["entry_pages"] as? [String: Int], ["/home": 1, "/about": 1])

        // The consumer started itself again once with glibc's malloc cache tunable (MallocTuning),
        // keeping its process id and its name in ps.
        let pid = consumer.process.processIdentifier
        let name = try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)
        XCTAssertEqual(name.trimmingCharacters(in: .whitespacesAndNewlines), "consumer")
        let environment = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        XCTAssertTrue(
            environment.split(separator: 0).contains(Data("GLIBC_TUNABLES=glibc.malloc.tcache_count=2000".utf8)))

        // Prometheus metrics on both services.
        let producerMetrics = try RawHTTPClient(port: pipeline.producerPort).request("GET", "/metrics")
        XCTAssertEqual(producerMetrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        for line in [
            #"events_accepted_total{classification="browser"} 2"#,
            #"events_accepted_total{classification="unknown_agent"} 2"#,
            #"http_requests_total{route="/event",method="POST",status="202"} 4"#,
            "kafka_delivery_latency_seconds_count 4", "kafka_broker_reachable 1.0", "kafka_producer_queue_depth 0.0",
        ] {
            XCTAssertTrue(producerMetrics.text.contains(line), "missing \(line) in\n\(producerMetrics.text)")
        }
        let consumerMetrics = try RawHTTPClient(port: statsPort).request("GET", "/metrics").text
        for line in [
            "records_consumed_total 4", "consumer_assigned_partitions 6.0",
            #"consumer_lag{topic="analytics-events",partition="0"} 0.0"#,
            // Four events never make a backlog: the fetch-stall guard sent nothing.
            "consumer_fetch_wakeups 0.0",
        ] {
            XCTAssertTrue(consumerMetrics.contains(line), "missing \(line) in\n\(consumerMetrics)")
        }

        // The printed summary, within STATS_INTERVAL.
        XCTAssertTrue(consumer.waitForOutput("Total Events: 4", timeout: 10), consumer.output)
        let summary = consumer.stdout
        for line in [
            "=== Real-Time Analytics Summary ===", "Unique Users: 2", "Active Sessions: 2", "  page_view: 2",
            "  click: 1",
            "  session: 1", "  /about: 1 views (1 unique visitors)", "  /home: 1 views (1 unique visitors)",
        ] {
            XCTAssertTrue(summary.contains(line), "missing \(line) in\n\(summary.suffix(2000))")
        }

        // What is on the topic, read by an independent client.
        let records = try pipeline.records()
        XCTAssertEqual(records.count, 4)
        XCTAssertEqual(Set(records.compactMap { $0.json["id"] as? String }), Set(ids))
        for record in records {
            XCTAssertEqual(record.key, record.json["session_id"] as? String)
            XCTAssertEqual(record.headers["content-type"], "application/json")
            XCTAssertEqual(record.headers["event-type"], record.json["type"] as? String)
            XCTAssertEqual(record.headers["schema-version"], "1")
            let timestamp = try XCTUnwrap(record.json["timestamp"] as? String)
            XCTAssertNotNil(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/), timestamp)
        }
        let home = try XCTUnwrap(records.first { $0.json["url"] as? String == "https://example.com/home" })
        XCTAssertEqual(home.key, "session456")
        XCTAssertEqual(home.json["path"] as? String, "/home")
        XCTAssertEqual(home.json["user_id"] as? String, "user123")
        XCTAssertEqual((home.json["metadata"] as? [String: Any])?["load_time"] as? Int, 1234)
        // Records of one session share a partition, so they stay in order.
        XCTAssertEqual(Set(records.filter { $0.key == "session456" }.map(\.partition)).count, 1)
    }

    func testBadRequestsGetClearJSONErrorsAndNeverReachTheTopic() throws {
        try pipeline.startProducer()
        let port = pipeline.producerPort
        func check(
            _ response: RawHTTPResponse, _ status: Int, contains text: String, field: String? = nil, line: UInt = #line
        ) {
            XCTAssertEqual(response.status, status, response.description, line: line)
            XCTAssertEqual(response.header("Content-Type"), "application/json", line: line)
            let error = response.json["error"] as? String ?? ""
            XCTAssertTrue(error.contains(text), "\(error) should contain \(text)", line: line)
            if let field { XCTAssertEqual(response.json["field"] as? String, field, line: line) }
        }
        check(try pipeline.post("/event", "{not json"), 400, contains: "not valid JSON")
        check(try pipeline.post("/event", "[]"), 400, contains: "JSON object")
        check(try pipeline.post("/event", #"{"user_id":"u"}"#), 400, contains: "\"type\" is required", field: "type")
        check(try pipeline.post("/event", #"{"type":"Page View"}"#), 400, contains: "lowercase", field: "type")
        check(
            try pipeline.post("/event", #"{"type":"click","url":"/relative"}"#), 400, contains: "absolute", field: "url"
        )
        check(
            try pipeline.post("/event", #"{"type":"click","ip_address":"999.1.1.1"}"#), 400, contains: "IPv4",
            field: "ip_address")
        check(
            try pipeline.post("/event", #"{"type":"click","metadata":{"a":{"b":{"c":{"d":1}}}}}"#), 400,
            contains: "nested", field: "metadata")
        check(
            try pipeline.post("/event", #"{"type":"click"}"#, headers: ["Content-Type": "application/xml"]), 415,
            contains: "Content-Type")
        check(try pipeline.post("/event", String(repeating: " ", count: 1_048_577)), 413, contains: "exceeds")
        let client = try RawHTTPClient(port: port)
        check(try client.request("GET", "/event"), 405, contains: "not allowed")
        XCTAssertEqual(try client.request("DELETE", "/event").header("Allow"), "OPTIONS, POST")
        check(try client.request("GET", "/nowhere"), 404, contains: "no such endpoint")
        let noLength = try RawHTTPClient(port: port)
        try noLength.send("POST /event HTTP/1.1\r\nHost: x\r\n\r\n")
        check(try noLength.readResponse(), 411, contains: "Content-Length")
        let garbage = try RawHTTPClient(port: port)
        try garbage.send("HELLO\r\n\r\n")
        check(try garbage.readResponse(), 400, contains: "request line")

        // sendBeacon's text/plain is accepted; health answers.
        let beacon = try pipeline.post(
            "/event", #"{"type":"page_view","url":"https://e.com/b"}"#,
            headers: ["Content-Type": "text/plain;charset=UTF-8"])
        XCTAssertEqual(beacon.status, 202, beacon.description)
        let health = try client.request("GET", "/health")
        XCTAssertEqual(
            health.json as NSDictionary, ["status": "healthy", "service": "analytics-producer"] as NSDictionary)

        let metrics = try client.request("GET", "/metrics").text
        for line in [
            #"events_rejected_total{reason="invalid_json"} 1"#, #"events_rejected_total{reason="missing_type"} 1"#,
            #"events_rejected_total{reason="invalid_type"} 1"#,
            #"http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
            #"http_requests_total{route="/event",method="POST",status="415"} 1"#,
            #"events_accepted_total{classification="unknown_agent"} 1"#,
        ] {
            XCTAssertTrue(metrics.contains(line), "missing \(line) in\n\(metrics)")
        }

        // Only the one accepted event is on the topic.
        XCTAssertTrue(Wait.until(timeout: 10) { (try? self.pipeline.records().count) == 1 })
        XCTAssertEqual(try pipeline.records().first?.json["id"] as? String, beacon.json["id"] as? String)
    }

    func testBatchEndpointGivesOneVerdictPerEventInOrder() throws {
        try pipeline.startProducer()
        let body = "[" + [SampleEvents.all[0], #"{"type":"BAD"}"#, SampleEvents.all[1]].joined(separator: ",") + "]"
        let response = try pipeline.post("/events", body)
        XCTAssertEqual(response.status, 202, response.description)
        XCTAssertEqual(response.json["accepted"] as? Int, 2)
        XCTAssertEqual(response.json["rejected"] as? Int, 1)
        let results = response.json["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { $0["status"] as? String }, ["accepted", "rejected", "accepted"])
        XCTAssertEqual(results[1]["field"] as? String, "type")
        XCTAssertTrue(Wait.until(timeout: 10) { (try? self.pipeline.records().count) == 2 })
    }

    func testConsumerRestartNeitherSkipsNorRepeatsEvents() throws {
        try pipeline.startProducer()
        // Without rebuilding on start and without the group view's checkpoints, a restarted
        // consumer must resume exactly at the committed offsets: its numbers then cover only what
        // it read.
        let (first, firstPort) = try pipeline.startConsumer(
            statsInterval: 60,
            environment: [
                "KAFKA_DLQ_TOPIC": "analytics-dead-letters", "REBUILD_ON_START": "false", "GROUP_VIEW": "false",
            ])
        for event in SampleEvents.all { XCTAssertEqual(try pipeline.post("/event", event).status, 202) }
        // A poison record on the topic is counted and skipped, never fatal.
        // Poison records on the topic — not JSON, the wrong schema, a bad type, huge — are counted,
        // copied to the dead-letter topic and skipped, never fatal.
        let poison = [
            "this is not an event", #"{"type":"click"}"#,
            #"{"id":"x","type":"Bad Type","timestamp":"2026-11-28T12:00:00Z"}"#, String(repeating: "x", count: 600_000),
        ]
        try Kcat.produce(brokers: pipeline.brokers, topic: pipeline.topic, values: poison)
        var stats = pipeline.waitForTotal(4, port: firstPort)
        XCTAssertEqual(stats["total_events"] as? Int, 4, pipeline.output)
        XCTAssertTrue(
            Wait.until(timeout: 20) { self.pipeline.analytics(port: firstPort)["invalid_records"] as? Int == 4 })
        let consumerMetrics = try RawHTTPClient(port: firstPort).request("GET", "/metrics").text
        XCTAssertTrue(consumerMetrics.contains(#"records_skipped_total{reason="not_an_event"} 3"#), consumerMetrics)
        XCTAssertTrue(consumerMetrics.contains(#"records_skipped_total{reason="invalid_type"} 1"#), consumerMetrics)
        XCTAssertTrue(consumerMetrics.contains("records_consumed_total 8"), consumerMetrics)
        XCTAssertTrue(consumerMetrics.contains("records_dead_lettered_total 4"), consumerMetrics)
        // The poison record's copy on the dead-letter topic says where it came from and why.
        let deadLetters = try Kcat.readAll(brokers: pipeline.brokers, topic: "analytics-dead-letters")
        XCTAssertEqual(Set(deadLetters.map(\.payload)), Set(poison))
        let copy = try XCTUnwrap(deadLetters.first { $0.payload == "this is not an event" })
        XCTAssertEqual(copy.payload, "this is not an event")
        XCTAssertEqual(copy.headers["dlq-source-topic"], "analytics-events")
        XCTAssertNotNil(copy.headers["dlq-source-partition"].flatMap(Int.init))
        XCTAssertNotNil(copy.headers["dlq-source-offset"].flatMap(Int.init))
        XCTAssertTrue(copy.headers["dlq-reason"]?.contains("not an analytics event") ?? false, "\(copy.headers)")

        // Offsets are committed every 5 s: the last commit (the consumer's checkpoint) is exported.
        XCTAssertTrue(
            Wait.until(timeout: 15) {
                let text = (try? RawHTTPClient(port: firstPort).request("GET", "/metrics").text) ?? ""
                guard
                    let line = text.split(separator: "\n").first(where: {
                        $0.hasPrefix("consumer_last_commit_timestamp_seconds ")
                    }),
                    let value = Double(line.split(separator: " ").last ?? "")
                else { return false }
                return abs(value - Date().timeIntervalSince1970) < 60
            }, "no recent consumer_last_commit_timestamp_seconds")

        // SIGTERM: final summary, commit, leave the group, exit 0.
        first.signal(SIGTERM)
        XCTAssertEqual(first.waitForExit(timeout: 30), 0, first.output)
        XCTAssertTrue(first.stdout.contains("Total Events: 4"), first.output)
        XCTAssertTrue(first.stdout.contains("Invalid Records Skipped: 4"), first.output)

        // Events sent while no consumer runs, and after the restart.
        for event in SampleEvents.all.prefix(2) { XCTAssertEqual(try pipeline.post("/event", event).status, 202) }
        let (_, secondPort) = try pipeline.startConsumer(
            statsInterval: 60, environment: ["REBUILD_ON_START": "false", "GROUP_VIEW": "false"])
        XCTAssertEqual(try pipeline.post("/event", SampleEvents.all[2]).status, 202)
        stats = pipeline.waitForTotal(3, port: secondPort)
        XCTAssertEqual(stats["total_events"] as? Int, 3, pipeline.output)
        // Give duplicates a chance to show up: the count must stay exactly 3.
        Thread.sleep(forTimeInterval: 3)
        stats = pipeline.analytics(port: secondPort)
        XCTAssertEqual(stats["total_events"] as? Int, 3, "events consumed twice or skipped:\n\(pipeline.output)")
        XCTAssertEqual(stats["invalid_records"] as? Int, 0)
        XCTAssertEqual(stats["events_by_type"] as? [String: Int], ["page_view": 2, "click": 1])

        // A client retry with the same id is stored twice on the topic but counted once.
        let retried = #"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","type":"signup","user_id":"user789"}"#
        for _ in 0..<2 {
            let response = try pipeline.post("/event", retried)
            XCTAssertEqual(response.status, 202)
            XCTAssertEqual(response.json["id"] as? String, "0f8fad5b-d9cb-469f-a165-70867728950e")
        }
        XCTAssertTrue(
            Wait.until(timeout: 30) { self.pipeline.analytics(port: secondPort)["duplicate_events"] as? Int == 1 })
        stats = pipeline.analytics(port: secondPort)
        XCTAssertEqual(stats["total_events"] as? Int, 4, pipeline.output)
        XCTAssertEqual((stats["events_by_type"] as? [String: Int])?["signup"], 1)
        XCTAssertTrue(
            try RawHTTPClient(port: secondPort).request("GET", "/metrics").text.contains("events_deduplicated_total 1"))
    }

    func testProducerWithoutReachableBrokerAnswers503NeverAccepted() throws {
        pipeline.broker?.signal(SIGTERM)
        _ = pipeline.broker?.waitForExit(timeout: 10)
        try pipeline.startProducer(environment: ["DELIVERY_TIMEOUT_MS": "1500"])
        let started = Date()
        let response = try pipeline.post("/event", SampleEvents.all[0])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(response.status, 503, response.description)
        XCTAssertEqual(response.header("Retry-After"), "1")
        XCTAssertNotNil(response.json["id"] as? String, "the client is told which id to retry with")
        XCTAssertTrue((response.json["error"] as? String ?? "").contains("retry"), response.description)
        XCTAssertLessThan(elapsed, 3, "answered at the delivery timeout (1.5 s), not later")
        let ready = try RawHTTPClient(port: pipeline.producerPort).request("GET", "/ready")
        XCTAssertEqual(ready.status, 503)
    }

    /// `consumer | head`, a log shipper that died: the summary's reader is gone. The consumer
    /// ignores SIGPIPE, so each write fails with EPIPE; it must go on serving, not trap.
    func testAConsumerWhoseOutputReaderHasGoneKeepsCountingAndServing() throws {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let consumer = Process()
        consumer.executableURL = ServiceProcess.binaryDirectory.appendingPathComponent("consumer")
        consumer.environment = ProcessInfo.processInfo.environment.merging([
            "KAFKA_BROKERS": pipeline.brokers, "STATS_PORT": "0", "STATS_INTERVAL": "1",
            "CONSUMER_GROUP": pipeline.group,
        ]) { _, new in new }
        let output = Pipe()
        consumer.standardOutput = output
        consumer.standardError = try FileHandle(forWritingTo: errors)
        try consumer.run()
        defer { if consumer.isRunning { kill(consumer.processIdentifier, SIGKILL) } }
        try output.fileHandleForReading.close()
        output.fileHandleForWriting.closeFile()

        var printed = ""
        Wait.until(timeout: 30) {
            printed = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            return printed.contains("consumer started")
        }
        let port = try XCTUnwrap(printed.firstMatch(of: /\bstats_port=(\d+)/).flatMap { Int($0.output.1) }, printed)
        try pipeline.startProducer()
        XCTAssertEqual(try pipeline.post("/event", SampleEvents.all[0]).status, 202)
        XCTAssertEqual(pipeline.waitForTotal(1, port: port)["total_events"] as? Int, 1, printed)
        Thread.sleep(forTimeInterval: 2.5)  // two more summaries written to nobody
        XCTAssertTrue(consumer.isRunning, (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
        XCTAssertEqual(try RawHTTPClient(port: port).request("GET", "/health").status, 200)
    }

    func testProducerIsReadyOnceKafkaAnswersAndStopsCleanlyOnSIGTERM() throws {
        try pipeline.startProducer()
        let ready = Wait.until(timeout: 15, interval: 0.2) {
            (try? RawHTTPClient(port: self.pipeline.producerPort).request("GET", "/ready").status) == 200
        }
        XCTAssertTrue(ready, pipeline.output)
        XCTAssertEqual(try pipeline.post("/event", SampleEvents.all[0]).status, 202)
        pipeline.producer?.signal(SIGTERM)
        XCTAssertEqual(pipeline.producer?.waitForExit(timeout: 20), 0, pipeline.output)
        XCTAssertEqual(try pipeline.records().count, 1)
    }

    func testABadSettingStopsTheServiceWithOneLineNamingIt() throws {
        let cases: [(String, [String: String], String)] = [
            (
                "producer", ["SERVER_PORT": "http"],
                #"producer: invalid SERVER_PORT="http": expected a whole number from 0 to 65535"#
            ),
            (
                "producer", ["ACK_MODE": "maybe"],
                #"producer: invalid ACK_MODE="maybe": expected one of durable, enqueued"#
            ),
            ("producer", ["KAFKA_BROKERS": "localhost"], #"producer: invalid KAFKA_BROKERS="localhost""#),
            (
                "consumer", ["STATS_INTERVAL": "0"],
                #"consumer: invalid STATS_INTERVAL="0": expected a whole number from 1 to 86400"#
            ),
            ("consumer", ["KAFKA_TOPIC": "bad topic"], #"consumer: invalid KAFKA_TOPIC="bad topic""#),
        ]
        for (binary, environment, message) in cases {
            let service = try ServiceProcess(binary, environment: environment)
            XCTAssertEqual(service.waitForExit(timeout: 10), 2, service.output)
            XCTAssertTrue(service.stderr.contains(message), "expected \(message) in \(service.output)")
            XCTAssertEqual(service.stderr.split(separator: "\n").count, 1, service.output)
        }
    }

    func testJSONLogsAreOneObjectPerLine() throws {
        // An unreachable broker, so that librdkafka has something to say too.
        try pipeline.startProducer(environment: ["LOG_FORMAT": "json", "KAFKA_BROKERS": "127.0.0.1:1"])
        XCTAssertTrue(pipeline.producer?.waitForOutput(#""rdkafka":"#, timeout: 10) ?? false)
        pipeline.producer?.signal(SIGTERM)
        XCTAssertEqual(pipeline.producer?.waitForExit(timeout: 20), 0)
        let lines = (pipeline.producer?.stderr ?? "").split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 2)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertNotNil(object, "not a JSON object: \(line)")
            for key in ["time", "level", "service", "message"] {
                XCTAssertNotNil(object?[key], "\(key) missing in \(line)")
            }
        }
        XCTAssertTrue(lines.contains { $0.contains(#""message":"producer listening""#) })
        XCTAssertTrue(
            lines.contains { $0.contains(#""rdkafka":"#) }, "librdkafka's log lines are routed into the service log")
    }
}
