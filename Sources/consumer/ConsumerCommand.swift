import ArgumentParser
import ServiceRuntime

/// The consumer's command line: settings come from the environment; the command line explains
/// them and holds the one maintenance task, `--forget-group`.
struct ConsumerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer",
        abstract: "Aggregates analytics events from Kafka as a consumer-group member and shows the figures.",
        discussion: SettingsHelp.render(ConsumerSettings.described)
            + "\n\nMore: docs/configuration.md, docs/operations.md.",
        version: ServiceVersion.current
    )

    @Option(
        name: .customLong("forget-group"),
        help: ArgumentHelp(
            "Delete the partial states group NAME left on the partials topic (tombstones), then exit.",
            valueName: "NAME"))
    var forgetGroup: String?

    func validate() throws {
        if let forgetGroup, forgetGroup.isEmpty { throw ValidationError("--forget-group needs a group name") }
    }
}
