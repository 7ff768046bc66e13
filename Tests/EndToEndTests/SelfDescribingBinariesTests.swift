import Foundation
import TestSupport
import XCTest

/// What the binaries say about themselves: `--help` lists every setting with its default, the
/// same list `docs/configuration.md` documents, and every setting refuses a bad value by name
/// with exit status 2. Against the real binaries.
final class SelfDescribingBinariesTests: XCTestCase {
    /// A setting as a binary's `--help` lists it.
    private struct ListedSetting: Equatable {
        var name: String
        var defaultValue: String
        var allowed: String
    }

    private func help(of binary: String) throws -> String {
        let (status, stdout, stderr) = try ServiceProcess.run(binary, arguments: ["--help"])
        XCTAssertEqual(status, 0, stderr)
        return stdout
    }

    /// The SETTINGS section of a `--help`: `  NAME (default: VALUE)`, then what it means, then
    /// `Allowed: …` (wrapped).
    private func settings(inHelp help: String) -> [ListedSetting] {
        var settings: [ListedSetting] = []
        var inAllowed = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if let match = line.wholeMatch(of: /\ \ ([A-Z][A-Z0-9_]+) \(default: (.*)\)/) {
                settings.append(ListedSetting(name: String(match.1), defaultValue: String(match.2), allowed: ""))
                inAllowed = false
            } else if let match = line.wholeMatch(of: /\ {6}Allowed: (.*)/), !settings.isEmpty {
                settings[settings.count - 1].allowed = String(match.1)
                inAllowed = true
            } else if inAllowed, line.hasPrefix("      ") {
                settings[settings.count - 1].allowed += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                inAllowed = false
            }
        }
        return settings
    }

    /// `docs/configuration.md`'s table rows (name and default, without backticks) under the
    /// heading `## binary`.
    private func documentedRows(of binary: String) throws -> [(name: String, defaultValue: String)] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [(String, String)] = []
        var inSection = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## ") { inSection = line == "## `\(binary)`" }
            guard inSection, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count > 3 else { continue }
            func plain(_ cell: String) -> String {
                cell.hasPrefix("`") && cell.hasSuffix("`") && cell.count >= 2
                    ? String(cell.dropFirst().dropLast()) : cell
            }
            rows.append((plain(cells[1]), plain(cells[2])))
        }
        return rows
    }

    /// Every setting the binary reads is documented with the default it prints, and the doc lists
    /// nothing the binary does not read.
    private func assertDocumented(_ binary: String) throws {
        let listed = settings(inHelp: try help(of: binary))
        XCTAssertGreaterThan(listed.count, 1, binary)
        let documented = try documentedRows(of: binary).filter { !$0.name.hasPrefix("--") }
        let listedNames = listed.map(\.name)
        let documentedNames = documented.map(\.name)
        XCTAssertEqual(
            Set(listedNames).subtracting(documentedNames), [],
            "\(binary) reads these, docs/configuration.md does not document them")
        XCTAssertEqual(
            Set(documentedNames).subtracting(listedNames), [],
            "docs/configuration.md documents these for \(binary), which it does not read")
        XCTAssertEqual(documentedNames.count, Set(documentedNames).count, "a setting documented twice for \(binary)")
        for setting in listed {
            guard let row = documented.first(where: { $0.name == setting.name }) else { continue }
            XCTAssertEqual(row.defaultValue, setting.defaultValue, "default of \(setting.name) (\(binary))")
        }
    }

    func testProducerSettingsAreAllDocumentedWithTheirDefaults() throws {
        try assertDocumented("producer")
    }

    func testConsumerSettingsAreAllDocumentedWithTheirDefaults() throws {
        try assertDocumented("consumer")
    }

    func testDevelopmentBrokerSettingsAndOptionsAreAllDocumented() throws {
        try assertDocumented("kafka-dev-broker")
        let help = try help(of: "kafka-dev-broker")
        let options = Set(
            help.matches(of: /(?m)^  (?:-[a-z], )?(--[a-z-]+)/).map { String($0.1) }
                .filter { $0 != "--help" && $0 != "--version" })
        XCTAssertTrue(options.isSuperset(of: ["--port", "--topic", "--partitions", "--brokers"]), "\(options)")
        let documented = Set(try documentedRows(of: "kafka-dev-broker").map(\.name).filter { $0.hasPrefix("--") })
        XCTAssertEqual(options, documented, "kafka-dev-broker's options against docs/configuration.md")
    }

    func testEveryBinaryReportsItsVersion() throws {
        for binary in ["producer", "consumer", "kafka-dev-broker"] {
            let (status, stdout, _) = try ServiceProcess.run(binary, arguments: ["--version"])
            XCTAssertEqual(status, 0, binary)
            XCTAssertNotNil(stdout.wholeMatch(of: /\d+\.\d+\.\d+\n/), "\(binary): \(stdout)")
        }
    }

    /// Every setting with a form refuses a value of none of them, in one line that names the
    /// variable, the value (or, for a secret, its length) and what is allowed, with status 2,
    /// before anything starts (no broker is running).
    func testEverySettingRefusesABadValueByNameWithStatusTwo() throws {
        let bad = "%% not valid %%"
        for binary in ["producer", "consumer"] {
            let listed = settings(inHelp: try help(of: binary))
            let checked = listed.filter { $0.allowed != "any text." }
            XCTAssertGreaterThan(checked.count, 20, binary)
            for setting in checked {
                // Should a value be taken after all, the service fails to reach this broker instead.
                var environment = ["KAFKA_BROKERS": "127.0.0.1:1"]
                environment[setting.name] = bad
                let (status, _, stderr) = try ServiceProcess.run(binary, environment: environment)
                XCTAssertEqual(status, 2, "\(binary) with \(setting.name)=\(bad): \(stderr)")
                let lines = stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "\(binary) \(setting.name): \(stderr)")
                let secret = setting.name.hasSuffix("_TOKEN")
                let shown =
                    setting.name.hasSuffix("_TOKENS")
                    ? "(entry 1, \(bad.utf8.count) characters without '=', not shown)"
                    : secret ? "(\(bad.utf8.count) characters, not shown)" : bad
                XCTAssertEqual(
                    lines.first.map(String.init)?.hasPrefix(
                        "\(binary): invalid \(setting.name)=\"\(shown)\": expected "),
                    true, "\(binary) \(setting.name): \(stderr)")
                XCTAssertTrue(
                    stderr.contains(String(setting.allowed.dropLast().prefix(30))),
                    "\(binary) \(setting.name): the error does not say what --help says is allowed: \(stderr)")
            }
        }
        let (status, _, stderr) = try ServiceProcess.run("kafka-dev-broker", environment: ["LOG_LEVEL": "loud"])
        XCTAssertEqual(status, 2, stderr)
        XCTAssertTrue(stderr.contains(#"invalid LOG_LEVEL="loud": expected one of trace"#), stderr)
    }

    func testARefusedCommandLineExitsTwoWithTheUsage() throws {
        for (binary, arguments, expected) in [
            ("producer", ["--bogus"], "Unknown option '--bogus'"),
            ("consumer", ["--forget-group"], "Missing value for '--forget-group <NAME>'"),
            ("kafka-dev-broker", ["--partitions", "0"], "--partitions must be from 1 to 1000"),
        ] {
            let (status, _, stderr) = try ServiceProcess.run(binary, arguments: arguments)
            XCTAssertEqual(status, 2, "\(binary) \(arguments): \(stderr)")
            XCTAssertTrue(stderr.contains(expected), "\(binary) \(arguments): \(stderr)")
            XCTAssertTrue(stderr.contains("Usage: \(binary)"), "\(binary) \(arguments): \(stderr)")
        }
    }
}
