import Foundation
import TestSupport
import XCTest

/// What clients see when the producer is stopped while they are sending.
final class ProducerShutdownTests: XCTestCase {
    /// Answers collected from client threads.
    private final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var accepted: [String] = []
        private(set) var statuses: [Int: Int] = [:]
        private(set) var unanswered = 0

        func record(_ response: RawHTTPResponse) {
            lock.withLock {
                statuses[response.status, default: 0] += 1
                if response.status == 202, let id = response.json["id"] as? String { accepted.append(id) }
            }
        }

        func recordUnanswered() {
            lock.withLock { unanswered += 1 }
        }
    }

    func testSIGTERMUnderLoadAnswersEveryRequestInFlightAndLosesNoAcceptedEvent() throws {
        try XCTSkipUnless(Kcat.isInstalled, "kcat is required")
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer(environment: ["SHUTDOWN_TIMEOUT": "10"])
        let port = pipeline.producerPort
        let answers = Answers()
        let stop = NSCondition()
        nonisolated(unsafe) var stopping = false

        let clients = (0..<8).map { index in
            Thread {
                var sent = 0
                while sent < 100_000 {
                    guard let connection = try? RawHTTPClient(port: port, timeout: 15) else { return }
                    while sent < 100_000 {
                        let body = SampleEvents.all[index % SampleEvents.all.count]
                        do {
                            answers.record(try connection.request("POST", "/event", body: body))
                            sent += 1
                        } catch {
                            // The server closed the keep-alive connection before reading this
                            // request (the usual keep-alive race): never answered, never stored.
                            answers.recordUnanswered()
                            break
                        }
                    }
                    stop.lock()
                    let done = stopping
                    stop.unlock()
                    if done { return }
                }
            }
        }
        clients.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 1.5)
        let signalled = Date()
        pipeline.producer?.signal(SIGTERM)
        stop.lock()
        stopping = true
        stop.unlock()
        let status = pipeline.producer?.waitForExit(timeout: 20)
        let shutdownTime = Date().timeIntervalSince(signalled)
        Thread.sleep(forTimeInterval: 1)

        XCTAssertEqual(status, 0, pipeline.output)
        XCTAssertLessThan(shutdownTime, 12, "exit within SHUTDOWN_TIMEOUT")
        XCTAssertGreaterThan(answers.accepted.count, 100, "the load test sent too little to mean anything")
        XCTAssertEqual(Set(answers.statuses.keys).subtracting([202, 503]), [], "\(answers.statuses)")

        let onTopic = try pipeline.records().compactMap { $0.json["id"] as? String }
        let counts = Dictionary(onTopic.map { ($0, 1) }, uniquingKeysWith: +)
        let missing = answers.accepted.filter { counts[$0] == nil }
        let duplicated = counts.filter { $0.value > 1 }
        XCTAssertEqual(missing.count, 0, "202 events missing from the topic: \(missing.prefix(5))")
        XCTAssertEqual(duplicated.count, 0, "events on the topic twice: \(duplicated.prefix(5))")
        print(
            "shutdown under load: \(answers.accepted.count) accepted, statuses \(answers.statuses), \(answers.unanswered) unanswered at close, \(onTopic.count) on topic, exit after \(String(format: "%.2f", shutdownTime)) s"
        )
    }
}
