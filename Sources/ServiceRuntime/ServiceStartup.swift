import Logging

/// The first steps every service takes, in the order that matters: block termination signals
/// before any thread exists, set up logging, read and validate the settings — and on a bad
/// setting, stop with one line naming it.
public enum ServiceStartup {
    public static func begin<Settings>(
        service: String, settings read: (EnvironmentReader) throws(ConfigurationError) -> Settings
    ) -> (logger: Logger, settings: Settings) {
        ShutdownSignal.blockTerminationSignals()
        let environment = EnvironmentReader()
        do {
            let logger = try ServiceLogging.bootstrap(service: service, environment: environment)
            return (logger, try read(environment))
        } catch {
            ShutdownSignal.fail("\(service): \(error)", status: ExitStatus.badSetting)
        }
    }
}
