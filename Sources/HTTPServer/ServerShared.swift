import Logging
import Synchronization

/// What every loop of one server shares: settings, the responder and counters.
final class ServerShared: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger
    let openConnections = Atomic<Int>(0)
    let bodyBudget: BodyBudget

    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        self.configuration = configuration
        bodyBudget = BodyBudget(capacity: configuration.maxBufferedBodyBytes)
        self.responder = responder
        self.logger = logger
    }
}
