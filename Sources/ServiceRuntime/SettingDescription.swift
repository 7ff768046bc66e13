import Synchronization

/// One environment variable a service reads, as `--help` and `docs/configuration.md` show it.
///
/// It is recorded by the `EnvironmentReader` call that reads the variable, so the help cannot
/// list a setting the code does not read, nor miss one it does.
public struct SettingDescription: Sendable, Equatable {
    public let name: String
    /// The default as a user would write it, or what it follows from.
    public let defaultValue: String
    /// The values accepted, in the words a refused value's error uses.
    public let allowed: String
    /// What the setting changes.
    public let summary: String

    public init(name: String, defaultValue: String, allowed: String, summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.summary = summary
    }

    /// The settings `read` reads, in order, with their defaults: `read` runs on an empty
    /// environment that records each variable asked for.
    public static func of<Settings>(_ read: (EnvironmentReader) throws(ConfigurationError) -> Settings)
        -> [SettingDescription]
    {
        let recorder = SettingRecorder()
        _ = try? read(EnvironmentReader([:], recorder: recorder))
        return recorder.settings
    }

    /// A service's settings: the logging ones every binary reads, then those `read` reads.
    public static func ofService<Settings>(_ read: (EnvironmentReader) throws(ConfigurationError) -> Settings)
        -> [SettingDescription]
    {
        of { environment throws(ConfigurationError) in
            _ = try ServiceLogging.Settings(environment: environment)
            return try read(environment)
        }
    }
}
