import Foundation
import TestSupport
import XCTest

/// SIGTERM on a service at work: it exits 0, says nothing alarming, and leaves no thread running.
final class CleanShutdownTests: XCTestCase {
    func testAConsumerWithPartitionsStopsWithoutWarningsAndJoinsEveryThread() throws {
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer()
        // The partials exchange on (the default): leaving the group hands partitions over through it.
        let (consumer, port) = try pipeline.startConsumer(statsInterval: 60)
        for index in 0..<60 {
            let body = #"{"type":"page_view","user_id":"user\#(index)","url":"https://example.com/p\#(index % 6)"}"#
            XCTAssertEqual(try pipeline.post("/event", body).status, 202)
        }
        _ = pipeline.waitForTotal(60, port: port)

        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.waitForExit(timeout: 30), 0, pipeline.output)
        let log = consumer.stderr
        XCTAssertTrue(log.contains("consumer stopped"), log)
        XCTAssertFalse(log.contains("could not publish partial state"), "a partition was handed over too late:\n\(log)")
        let shutdown = log.split(separator: "shutting down", maxSplits: 1).last ?? ""
        XCTAssertFalse(shutdown.contains(#/Z (warning|error) /#), "a clean exit logs no warning:\n\(log)")
        XCTAssertTrue(log.contains(/consumer stopped.*threads_running=0\b/), "threads left running:\n\(log)")
    }

    func testAProducerStopsAndJoinsEveryThread() throws {
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer(environment: ["ACK_MODE": "enqueued"])
        let body = #"{"type":"page_view","url":"https://example.com/"}"#
        XCTAssertEqual(try pipeline.post("/event", body).status, 202)

        pipeline.producer?.signal(SIGTERM)
        XCTAssertEqual(pipeline.producer?.waitForExit(timeout: 30), 0, pipeline.output)
        let log = pipeline.producer?.stderr ?? ""
        XCTAssertFalse(log.contains("could not write to the visitor salts topic"), log)
        XCTAssertTrue(log.contains(/producer stopped.*threads_running=0\b/), "threads left running:\n\(log)")
    }

    func testTheDevelopmentBrokerStopsItsRelayWhileClientsAreConnected() throws {
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer()
        XCTAssertEqual(try pipeline.post("/event", #"{"type":"page_view","url":"https://example.com/"}"#).status, 202)

        // The producer stays connected through the relay.
        pipeline.broker?.signal(SIGTERM)
        XCTAssertEqual(pipeline.broker?.waitForExit(timeout: 30), 0, pipeline.output)
        let log = pipeline.broker?.stderr ?? ""
        XCTAssertTrue(log.contains(/stopped.*threads_running=0\b/), "threads left running:\n\(log)")
    }
}
