import Foundation
import Kafka
import ServiceRuntime
import Synchronization

/// What `GET /ready` reports: whether the producer is shutting down and whether Kafka answers.
final class ProducerState: Sendable {
    let draining = Atomic<Bool>(false)
    /// Unknown counts as unreachable: the producer is ready only once Kafka has answered.
    let brokersReachable = Atomic<Bool>(false)

    /// Asks the brokers for the events topic's metadata every `interval` on a background thread, so
    /// readiness follows reality without ever blocking a request, and the first events after
    /// start do not wait for librdkafka to learn the topic's partitions.
    func startBrokerProbe(producer: KafkaProducer, topic: String, interval: Duration = .seconds(1)) {
        let thread = Thread { [self] in
            while !draining.load(ordering: .relaxed) {
                let reachable = producer.checkBrokers(topic: topic, timeout: .seconds(1))
                brokersReachable.store(reachable, ordering: .relaxed)
                Thread.sleep(forTimeInterval: interval.timeInterval)
            }
        }
        thread.name = "kafka-probe"
        thread.start()
    }
}
