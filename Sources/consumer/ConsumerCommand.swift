import ArgumentParser
import ServiceRuntime

/// The consumer's command line: settings come from the environment; the command line explains
/// them and holds the maintenance tasks, `--forget-group` and `--rebuild-history`.
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

    @Flag(
        name: .customLong("rebuild-history"),
        help: ArgumentHelp(
            """
            Refill the history (CLICKHOUSE_URL) from what the events topic still holds, inserting only the events \
            ClickHouse lacks, then exit. Stop the running consumers first: it joins their history writers' group and \
            needs every partition.
            """))
    var rebuildHistory = false

    func validate() throws {
        if let forgetGroup, forgetGroup.isEmpty { throw ValidationError("--forget-group needs a group name") }
    }
}
