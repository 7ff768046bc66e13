import AnalyticsCore
import Metrics

/// `events_accepted_total{classification="browser"|"unknown_agent"|"bot"}`: accepted events by
/// how their visitor's user agent classified them (`VisitorAgent`), so an operator sees how much
/// traffic is counted apart as bots and how much comes relayed without a browser's agent.
///
/// The three counters are held directly: one is incremented on every accepted event, and a
/// labelled lookup would take the metrics cache's lock each time.
struct AcceptedEventCounter: Sendable {
    private let browser = counter("browser")
    private let unknown = counter("unknown_agent")
    private let bot = counter("bot")

    private static func counter(_ label: String) -> Metrics.Counter {
        Metrics.Counter(label: "events_accepted_total", dimensions: [("classification", label)])
    }

    func increment(_ classification: VisitorAgent.Classification) {
        switch classification {
        case .browser: browser.increment()
        case .unknown: unknown.increment()
        case .bot: bot.increment()
        }
    }
}
