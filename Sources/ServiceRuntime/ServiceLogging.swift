import Foundation
import Logging

/// Sets up swift-log for a service from `LOG_LEVEL` and `LOG_FORMAT` (`text` or `json`).
///
/// Logs go to standard error so that standard output stays for what users read (the consumer's
/// summary), and a JSON format exists for log shippers.
public enum ServiceLogging {
    /// `LOG_LEVEL` and `LOG_FORMAT`, which every binary reads.
    public struct Settings: Sendable {
        public var level: Logger.Level
        public var json: Bool

        public init(environment: EnvironmentReader) throws(ConfigurationError) {
            let levelName = try environment.choice(
                "LOG_LEVEL", default: "info", allowed: Logger.Level.allCases.map(\.rawValue),
                means: "The least severe log lines written.")
            level = Logger.Level(rawValue: levelName) ?? .info
            json =
                try environment.choice(
                    "LOG_FORMAT", default: "text", allowed: ["text", "json"],
                    means: "Log lines on standard error as text or as one JSON object each.") == "json"
        }
    }

    public static func bootstrap(service: String, environment: EnvironmentReader) throws(ConfigurationError) -> Logger {
        let settings = try Settings(environment: environment)
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, json: settings.json)
            handler.logLevel = settings.level
            return handler
        }
        return Logger(label: service)
    }
}

/// One log line per call on standard error: `2026-11-28T12:00:00.000Z info producer: message key=value`,
/// or one JSON object per line.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let json: Bool

    public init(label: String, json: Bool) {
        self.label = label
        self.json = json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let time = Self.timestamp()
        var line: String
        if json {
            var object: [String: String] = [
                "time": time, "level": event.level.rawValue, "service": label, "message": "\(event.message)",
            ]
            for (key, value) in merged where object[key] == nil { object[key] = "\(value)" }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            line = "\(time) \(event.level.rawValue) \(label): \(event.message)"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                line += " \(key)=\(value)"
            }
        }
        line += "\n"
        StandardStreams.writeError(line)
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }
}
