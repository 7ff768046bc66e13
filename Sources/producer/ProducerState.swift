import BackgroundWork
import Foundation
import Kafka
import ServiceRuntime
import Synchronization

/// What `GET /ready` reports: whether the producer is shutting down and whether Kafka answers.
final class ProducerState: Sendable {
    let draining = Atomic<Bool>(false)
    /// Unknown counts as unreachable: the producer is ready only once Kafka has answered.
    let brokersReachable = Atomic<Bool>(false)

    private let probe = BackgroundThread(name: "kafka-probe")

    /// Asks the brokers for the events topic's metadata every `interval` on a background thread, so
    /// readiness follows reality without ever blocking a request, and the first events after
    /// start do not wait for librdkafka to learn the topic's partitions.
    func startBrokerProbe(producer: KafkaProducer, topic: String, interval: Duration = .seconds(1)) {
        probe.start { [self] stop in
            while !stop.isRequested && !draining.load(ordering: .relaxed) {
                let reachable = producer.checkBrokers(topic: topic, timeout: .seconds(1))
                brokersReachable.store(reachable, ordering: .relaxed)
                stop.wait(for: interval)
            }
        }
    }

    /// Stops the probe and waits for it (at most one metadata request). Idempotent.
    func stopBrokerProbe() {
        probe.stopAndJoin()
    }
}
