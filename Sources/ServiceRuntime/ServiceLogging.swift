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
