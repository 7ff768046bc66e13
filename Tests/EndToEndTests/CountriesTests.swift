import Foundation
import TestSupport
import XCTest

/// Where visitors come from, end to end: the producer looks the country up from the client's
/// address (behind a trusted proxy, the one it vouches for) in the default data that `make test`
/// unpacks (IPFire Location via tor-geoipdb), puts only the code on the record, and the consumer
/// counts it.
final class CountriesTests: PipelineTestCase {
    func testTheClientsCountryIsOnTheRecordAndInTheFiguresButNotItsAddress() throws {
        // auto, the default: the default folders are searched.
        try pipeline.startProducer(environment: ["TRUSTED_PROXIES": "127.0.0.1", "GEOIP_DATA_DIR": "auto"])
        XCTAssertTrue(
            pipeline.producer?.waitForOutput("country data loaded") ?? false,
            "scripts/geoip-data.sh must have unpacked data/geoip: \(pipeline.output)")
        let (_, statsPort) = try pipeline.startConsumer()
        let client = try RawHTTPClient(port: pipeline.producerPort, timeout: 15)
        for (index, address) in ["8.8.8.8", "81.2.69.142", "81.2.69.142", "192.168.1.20"].enumerated() {
            let response = try client.request(
                "POST", "/event",
                body: #"{"type":"page_view","session_id":"s\#(index)","url":"https://example.com/"}"#,
                headers: ["X-Forwarded-For": address])
            XCTAssertEqual(response.status, 202, response.description)
        }
        let records = try pipeline.records()
        XCTAssertEqual(records.count, 4)
        XCTAssertEqual(records.compactMap { $0.json["country"] as? String }.sorted(), ["GB", "GB", "US"])
        for record in records {
            XCTAssertFalse(record.payload.contains("8.8.8.8"), record.payload)
            XCTAssertFalse(record.payload.contains("81.2.69.142"), record.payload)
        }
        let stats = pipeline.waitForTotal(4, port: statsPort)
        XCTAssertEqual(stats["country_stats"] as? [String: Int], ["GB": 2, "US": 1, "unknown": 1], pipeline.output)
        let top = stats["top_countries"] as? [[String: Any]] ?? []
        XCTAssertEqual(top.first?["country"] as? String, "GB", "\(top)")
        XCTAssertEqual(top.first?["views"] as? Int, 2, "\(top)")
    }

    func testANamedDataFolderWithoutTheFilesStopsTheProducerWithOneLine() throws {
        let producer = try ServiceProcess(
            "producer",
            environment: ["KAFKA_BROKERS": pipeline.brokers, "SERVER_PORT": "0", "GEOIP_DATA_DIR": "/nonexistent"])
        XCTAssertEqual(producer.waitForExit(timeout: 20), 2, producer.output)
        XCTAssertTrue(producer.stderr.contains("GEOIP_DATA_DIR=/nonexistent holds no readable geoip"), producer.output)
    }
}
