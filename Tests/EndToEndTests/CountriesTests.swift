import Foundation
import TestSupport
import XCTest

/// Where visitors come from, end to end: the producer looks the country up from the client's
/// address (behind a trusted proxy, the one it vouches for) in the default data that `make test`
/// unpacks (IPFire Location via tor-geoipdb), puts only the code on the record, and the consumer
/// counts it.
final class CountriesTests: PipelineTestCase {
    /// One page view from each address, as the trusted proxy at 127.0.0.1 reports it.
    private func sendPageViews(from addresses: [String]) throws {
        let client = try RawHTTPClient(port: pipeline.producerPort, timeout: 15)
        for (index, address) in addresses.enumerated() {
            let response = try client.request(
                "POST", "/event",
                body: #"{"type":"page_view","session_id":"s\#(index)","url":"https://example.com/"}"#,
                headers: ["X-Forwarded-For": address])
            XCTAssertEqual(response.status, 202, response.description)
        }
    }

    func testTheClientsCountryIsOnTheRecordAndInTheFiguresButNotItsAddress() throws {
        // auto, the default: the default folders are searched.
        try pipeline.startProducer(environment: ["TRUSTED_PROXIES": "127.0.0.1", "GEOIP_DATA_DIR": "auto"])
        XCTAssertTrue(
            pipeline.producer?.waitForOutput("country data loaded") ?? false,
            "scripts/geoip-data.sh must have unpacked data/geoip: \(pipeline.output)")
        let (_, statsPort) = try pipeline.startConsumer()
        try sendPageViews(from: ["8.8.8.8", "81.2.69.142", "81.2.69.142", "192.168.1.20"])
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

    /// A MaxMind-DB file of the test's own, written with Debian's libmaxmind-db-writer-perl: its
    /// answers differ from IPFire Location's on purpose, so the figures show which was read.
    private func writeCountryDatabase() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("countries-\(UUID().uuidString).mmdb")
        let script = #"""
            use MaxMind::DB::Writer::Tree;
            my %types = (country => 'map', registered_country => 'map', iso_code => 'utf8_string');
            my $tree = MaxMind::DB::Writer::Tree->new(
                ip_version => 6, record_size => 24, database_type => 'Test-Country', languages => ['en'],
                description => {en => 'analytics test countries'}, alias_ipv6_to_ipv4 => 1,
                map_key_type_callback => sub { $types{$_[0]} });
            $tree->insert_network('8.8.8.0/24', {country => {iso_code => 'DE'}});
            $tree->insert_network('81.2.69.0/24', {registered_country => {iso_code => 'FR'}});
            $tree->insert_network('2a00:1450::/32', {country => {iso_code => 'IE'}});
            open my $fh, '>:raw', $ARGV[0] or die;
            $tree->write_tree($fh);
            close $fh;
            """#
        let perl = try ServiceProcess(
            "perl", executable: URL(fileURLWithPath: "/usr/bin/perl"), arguments: ["-e", script, file.path])
        XCTAssertEqual(
            perl.waitForExit(timeout: 30), 0,
            "libmaxmind-db-writer-perl is needed (make test installs it): \(perl.output)")
        return file
    }

    func testAnOperatorsMaxMindDatabaseIsReadThroughGEOIPDB() throws {
        let database = try writeCountryDatabase()
        defer { try? FileManager.default.removeItem(at: database) }
        try pipeline.startProducer(environment: ["TRUSTED_PROXIES": "127.0.0.1", "GEOIP_DB": database.path])
        XCTAssertTrue(
            pipeline.producer?.waitForOutput("country database loaded") ?? false, pipeline.output)
        XCTAssertTrue(pipeline.producer?.stderr.contains("Test-Country") ?? false, pipeline.output)
        let (_, statsPort) = try pipeline.startConsumer()
        // country, registered_country, IPv6, not in the file, private.
        let addresses = ["8.8.8.8", "81.2.69.142", "2a00:1450:4001::1", "9.9.9.9", "10.1.2.3"]
        try sendPageViews(from: addresses)
        let records = try pipeline.records()
        XCTAssertEqual(records.compactMap { $0.json["country"] as? String }.sorted(), ["DE", "FR", "IE"])
        for record in records {
            for address in addresses { XCTAssertFalse(record.payload.contains(address), record.payload) }
        }
        let stats = pipeline.waitForTotal(addresses.count, port: statsPort)
        XCTAssertEqual(
            stats["country_stats"] as? [String: Int], ["DE": 1, "FR": 1, "IE": 1, "unknown": 2], pipeline.output)
    }

    func testAMissingOrDamagedMaxMindDatabaseStopsTheProducerWithOneLine() throws {
        let damaged = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID().uuidString).mmdb")
        try Data("not a MaxMind database".utf8).write(to: damaged)
        defer { try? FileManager.default.removeItem(at: damaged) }
        for (path, expected) in [
            ("/nonexistent/countries.mmdb", "GEOIP_DB=/nonexistent/countries.mmdb: no such file"),
            (damaged.path, "GEOIP_DB=\(damaged.path) cannot be read as a MaxMind-DB file: "),
        ] {
            let producer = try ServiceProcess(
                "producer", environment: ["KAFKA_BROKERS": pipeline.brokers, "SERVER_PORT": "0", "GEOIP_DB": path])
            XCTAssertEqual(producer.waitForExit(timeout: 20), 2, producer.output)
            let lines = producer.stderr.split(separator: "\n").filter { !$0.isEmpty }
            XCTAssertEqual(lines.count, 1, producer.stderr)
            XCTAssertTrue(producer.stderr.contains(expected), producer.stderr)
        }
    }

    func testANamedDataFolderWithoutTheFilesStopsTheProducerWithOneLine() throws {
        let producer = try ServiceProcess(
            "producer",
            environment: ["KAFKA_BROKERS": pipeline.brokers, "SERVER_PORT": "0", "GEOIP_DATA_DIR": "/nonexistent"])
        XCTAssertEqual(producer.waitForExit(timeout: 20), 2, producer.output)
        XCTAssertTrue(producer.stderr.contains("GEOIP_DATA_DIR=/nonexistent holds no readable geoip"), producer.output)
    }
}
