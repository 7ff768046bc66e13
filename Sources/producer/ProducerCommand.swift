import ArgumentParser
import ServiceRuntime

/// The producer's command line: it takes its settings from the environment, so the command line
/// only explains them (`--help`, `--version`).
struct ProducerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "Takes analytics events over HTTP (POST /event, POST /events) and publishes them to Kafka.",
        discussion: SettingsHelp.render(ProducerSettings.described)
            + "\n\nMore: docs/configuration.md, docs/http-api.md.",
        version: ServiceVersion.current
    )
}
