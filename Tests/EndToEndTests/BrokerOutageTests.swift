import Foundation
import TestSupport
import XCTest

/// The broker freezes (SIGSTOP) for longer than the delivery timeout while a client sends.
final class BrokerOutageTests: XCTestCase {
    func testEveryAcceptedEventSurvivesABrokerFreezeAndRetriesAreCountedOnce() throws {
        try XCTSkipUnless(Kcat.isInstalled, "kcat is required")
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer(environment: ["DELIVERY_TIMEOUT_MS": "1500"])
        let (_, statsPort) = try pipeline.startConsumer(statsInterval: 60)
        let producerPort = pipeline.producerPort
        XCTAssertTrue(
            Wait.until(timeout: 15) { (try? RawHTTPClient(port: producerPort).request("GET", "/ready").status) == 200 })

        /// One client sending events with its own ids, retrying each 503 with the same id.
        var firstTry202: [String] = []
        var retriedUntil202: [String] = []
        var statuses: [Int: Int] = [:]
        var readyDuringFreeze: Int?
        var slowest503: TimeInterval = 0
        let sendOne: (String) throws -> Int = { id in
            let sent = Date()
            let body =
                #"{"id":"\#(id)","type":"page_view","user_id":"u-\#(id.prefix(8))","session_id":"s1","url":"https://example.com/x"}"#
            let status = try RawHTTPClient(port: producerPort, timeout: 20).request("POST", "/event", body: body).status
            if status == 503 { slowest503 = max(slowest503, Date().timeIntervalSince(sent)) }
            return status
        }
        /// `/ready`, polled until it answers `status` (the probe runs every second) or 5 s pass.
        let readiness: (Int) -> Int? = { status in
            var last: Int?
            Wait.until(timeout: 5, interval: 0.2) {
                last = try? RawHTTPClient(port: producerPort, timeout: 5).request("GET", "/ready").status
                return last == status
            }
            return last
        }
        let broker = try XCTUnwrap(pipeline.broker)
        let started = Date()
        var frozen = false
        var thawed = false
        while Date().timeIntervalSince(started) < 9 {
            let elapsed = Date().timeIntervalSince(started)
            if !frozen && elapsed > 1.5 {
                broker.signal(SIGSTOP)
                frozen = true
            }
            if frozen && !thawed && elapsed > 5 {
                readyDuringFreeze = readiness(503)
                broker.signal(SIGCONT)
                thawed = true
            }
            let id = UUID().uuidString.lowercased()
            var status = try sendOne(id)
            statuses[status, default: 0] += 1
            if status == 202 {
                firstTry202.append(id)
                continue
            }
            XCTAssertEqual(status, 503)
            // Retry with the same id until accepted (bounded), as the 503 asks.
            var attempts = 0
            while status != 202 && attempts < 20 {
                attempts += 1
                if frozen && !thawed && Date().timeIntervalSince(started) > 5 {
                    readyDuringFreeze = readiness(503)
                    broker.signal(SIGCONT)
                    thawed = true
                }
                Thread.sleep(forTimeInterval: 0.5)
                status = try sendOne(id)
                statuses[status, default: 0] += 1
            }
            XCTAssertEqual(status, 202, "a retried event was never accepted")
            retriedUntil202.append(id)
        }
        if !thawed { broker.signal(SIGCONT) }

        XCTAssertGreaterThan(statuses[503] ?? 0, 0, "the freeze produced no 503: \(statuses)")
        XCTAssertEqual(readyDuringFreeze, 503, "/ready while the broker was frozen")
        XCTAssertLessThan(slowest503, 2.5, "503 later than DELIVERY_TIMEOUT_MS (1.5 s)")
        XCTAssertTrue(
            Wait.until(timeout: 15) { (try? RawHTTPClient(port: producerPort).request("GET", "/ready").status) == 200 },
            "/ready after the broker came back")

        // On the topic: every first-try 202 exactly once; every retried event at least once.
        var counts: [String: Int] = [:]
        XCTAssertTrue(
            Wait.until(timeout: 20) {
                counts = Dictionary(
                    ((try? pipeline.records()) ?? []).compactMap { $0.json["id"] as? String }.map { ($0, 1) },
                    uniquingKeysWith: +)
                return (firstTry202 + retriedUntil202).allSatisfy { counts[$0] != nil }
            }, "accepted events missing from the topic")
        for id in firstTry202 {
            XCTAssertEqual(counts[id], 1, "first-try event \(id) on the topic \(counts[id] ?? 0) times")
        }
        for id in retriedUntil202 {
            XCTAssertTrue((1...2).contains(counts[id] ?? 0), "retried event \(id): \(counts[id] ?? 0)")
        }

        // The consumer counts each distinct id once.
        let distinct = firstTry202.count + retriedUntil202.count
        let stats = pipeline.waitForTotal(distinct, port: statsPort, timeout: 30)
        XCTAssertEqual(stats["total_events"] as? Int, distinct, pipeline.output)
        let duplicatesOnTopic = counts.values.reduce(0) { $0 + $1 - 1 }
        XCTAssertEqual(stats["duplicate_events"] as? Int, duplicatesOnTopic)
        print(
            "broker freeze: statuses \(statuses), \(firstTry202.count) accepted first time, \(retriedUntil202.count) after retries, \(duplicatesOnTopic) possibly-persisted duplicates on the topic"
        )
    }
}

/// Durable requests are answered by `DELIVERY_TIMEOUT_MS` whatever the broker does: `POST /event`
/// and `POST /events` alike (a batch used to wait for librdkafka's own timeout, up to twice it).
final class DurableDeadlineTests: XCTestCase {
    func testBothIngestionRoutesAnswer503WithinTheDeadlineWhileTheBrokerIsFrozen() throws {
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer(environment: ["DELIVERY_TIMEOUT_MS": "1500"])
        let port = pipeline.producerPort
        XCTAssertTrue(
            Wait.until(timeout: 15) { (try? RawHTTPClient(port: port).request("GET", "/ready").status) == 200 })
        let event = #"{"type":"page_view","session_id":"s1","url":"https://example.com/x"}"#
        XCTAssertEqual(
            try RawHTTPClient(port: port).request("POST", "/events", body: "[\(event),\(event)]").status, 202)

        let broker = try XCTUnwrap(pipeline.broker)
        broker.signal(SIGSTOP)
        defer { broker.signal(SIGCONT) }
        var slowest: [String: TimeInterval] = [:]
        for round in 0..<3 {
            for (path, body) in [("/events", "[\(event),\(event),\(event)]"), ("/event", event)] {
                let sent = Date()
                let response = try RawHTTPClient(port: port, timeout: 20).request("POST", path, body: body)
                let took = Date().timeIntervalSince(sent)
                slowest[path] = max(slowest[path] ?? 0, took)
                XCTAssertEqual(response.status, 503, "\(path), round \(round): \(response.description)")
                XCTAssertEqual(response.header("Retry-After"), "1", path)
                if path == "/events" {
                    let results = response.json["results"] as? [[String: Any]] ?? []
                    XCTAssertEqual(
                        results.map { $0["status"] as? String }, ["failed", "failed", "failed"], response.description)
                    XCTAssertEqual(
                        results.compactMap { $0["id"] as? String }.count, 3, "each failed event names its id")
                }
            }
        }
        for (path, seconds) in slowest {
            XCTAssertLessThan(seconds, 2.0, "\(path) answered later than DELIVERY_TIMEOUT_MS (1.5 s)")
        }
    }
}

/// In enqueued mode an outage fills librdkafka's queue; beyond it the producer answers 503
/// instead of buffering without bound, and everything it accepted is delivered afterwards.
final class ProducerBackPressureTests: XCTestCase {
    func testAFullQueueAnswers503AndEveryAcceptedEventArrivesAfterTheOutage() throws {
        try XCTSkipUnless(Kcat.isInstalled, "kcat is required")
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer(environment: ["ACK_MODE": "enqueued", "KAFKA_QUEUE_MAX_MESSAGES": "50"])
        XCTAssertEqual(try pipeline.post("/event", SampleEvents.all[0]).status, 202)
        XCTAssertTrue(Wait.until(timeout: 10) { (try? pipeline.records().count) == 1 })

        let broker = try XCTUnwrap(pipeline.broker)
        broker.signal(SIGSTOP)
        var accepted: [String] = []
        var overloaded = 0
        for _ in 0..<120 {
            let response = try pipeline.post("/event", SampleEvents.all[1])
            switch response.status {
            case 202: accepted.append(response.json["id"] as? String ?? "")
            case 503:
                overloaded += 1
                XCTAssertEqual(response.header("Retry-After"), "1")
                XCTAssertTrue((response.json["error"] as? String ?? "").contains("overloaded"), response.description)
            default: XCTFail("unexpected \(response)")
            }
        }
        let metrics = try RawHTTPClient(port: pipeline.producerPort).request("GET", "/metrics").text
        broker.signal(SIGCONT)

        XCTAssertGreaterThan(overloaded, 0, "the queue never filled")
        XCTAssertLessThanOrEqual(accepted.count, 50, "accepted more than the queue holds")
        XCTAssertTrue(metrics.contains(#"events_rejected_total{reason="queue_full"} \#(overloaded)"#), metrics)
        // Everything accepted during the outage reaches the topic once the broker is back.
        var onTopic: [String] = []
        XCTAssertTrue(
            Wait.until(timeout: 30) {
                onTopic = ((try? pipeline.records()) ?? []).compactMap { $0.json["id"] as? String }
                return Set(accepted).isSubset(of: Set(onTopic))
            }, "accepted events missing after the outage")
        XCTAssertEqual(onTopic.count, Set(onTopic).count, "an event was stored twice")
        print("queue full: \(accepted.count) accepted during the outage, \(overloaded) answered 503")
    }
}
