import AnalyticsCore
import Foundation
import Kafka
import Logging
import Synchronization

/// `consumer --forget-group NAME`: deletes the partial states a retired consumer group left on
/// the compacted partials topic, where they would otherwise stay forever.
///
/// It reads the topic to its end, then writes a tombstone (a record without a value) for every
/// key of the group whose latest record still holds a state; compaction then removes both.
struct GroupForgetting {
    let group: String
    let topic: String
    let brokers: String
    let logger: Logger

    /// What a run did, for the one line the command prints.
    struct Outcome: Equatable {
        var tombstoned: Int
        var alreadyDeleted: Int
    }

    enum Failure: Error, CustomStringConvertible {
        case kafka(KafkaError)
        case notReadToTheEnd(topic: String)
        case tombstonesNotDelivered(failed: Int, of: Int)

        var description: String {
            switch self {
            case .kafka(let error): return "\(error)"
            case .notReadToTheEnd(let topic):
                return "could not read \(topic) to its end within 60 s; nothing was deleted"
            case .tombstonesNotDelivered(let failed, let total):
                return "\(failed) of \(total) tombstones were not acknowledged by the broker; run it again"
            }
        }
    }

    private var client: KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: brokers, clientID: "analytics-consumer-forget-group")
    }

    func run() throws(Failure) -> Outcome {
        let holdsState = try readKeys()
        let live = holdsState.filter(\.value).map(\.key).sorted { $0.lexicographicallyPrecedes($1) }
        let outcome = Outcome(tombstoned: live.count, alreadyDeleted: holdsState.count - live.count)
        if !live.isEmpty { try writeTombstones(for: live) }
        return outcome
    }

    /// The group's keys on the topic, and whether each one's latest record still holds a state.
    private func readKeys() throws(Failure) -> [[UInt8]: Bool] {
        var holdsState: [[UInt8]: Bool] = [:]
        let complete: Bool
        do {
            let reader = try KafkaTopicReader(client: client, topic: topic, logger: logger)
            defer { reader.shutdown() }
            try reader.start(timeout: .seconds(15))
            complete = try reader.catchUp(timeout: .seconds(60)) { record in
                guard let key = record.key, PartialState.isKey(key, of: group) else { return }
                holdsState[key] = !record.isTombstone
            }
        } catch {
            throw .kafka(error)
        }
        guard complete else { throw .notReadToTheEnd(topic: topic) }
        return holdsState
    }

    /// Writes a tombstone for each key and waits until the broker acknowledged them all.
    private func writeTombstones(for keys: [[UInt8]]) throws(Failure) {
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        } catch {
            throw .kafka(error)
        }
        let failures = Atomic<Int>(0)
        for key in keys {
            do {
                try producer.send(KafkaOutgoingMessage(topic: topic, key: key, value: nil)) { result in
                    if case .failure = result { failures.add(1, ordering: .relaxed) }
                }
            } catch {
                producer.shutdown()
                throw .kafka(error)
            }
        }
        // Waits for every acknowledgement (acks=all); what is left at the deadline fails.
        producer.shutdown(timeout: .seconds(30))
        let failed = failures.load(ordering: .relaxed)
        guard failed == 0 else { throw .tombstonesNotDelivered(failed: failed, of: keys.count) }
    }
}
