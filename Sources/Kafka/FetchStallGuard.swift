import BackgroundWork
import CRdKafka
import Dispatch
import Foundation
import Synchronization

/// Keeps a consumer catching up from reading only one prefetch queue per second.
///
/// librdkafka before 2.1 stops fetching while the prefetch queue is full, and its broker thread
/// then sleeps until a request, a response or one second wakes it (librdkafka#2879; 2.1 added
/// `fetch.queue.backoff.ms`). Once a backlog has drained to a quarter of its peak, this guard
/// asks the partition leaders for their newest offsets from its own thread: that request wakes
/// the broker thread, which fetches at once. Live traffic never builds a backlog, so there it
/// sends nothing.
///
/// It holds one reference to the consumer's queue and releases it in `deinit`, and holds the
/// client until then; its owner stops its thread (`stop`) when it shuts down.
final class FetchStallGuard: @unchecked Sendable {
    // @unchecked: `queue` is an immutable handle librdkafka lets any thread use; the watermark
    // state is touched only by the polling thread (`observe`).
    /// Held so the queue (destroyed in `deinit`) never outlives its client.
    private let client: KafkaClient
    private let queue: OpaquePointer
    /// The longest the queue was since the last wake-up, once it held a backlog.
    private var peak = 0
    private let wakeRequests = DispatchSemaphore(value: 0)
    private let wakePending = Atomic<Bool>(false)
    private let thread = BackgroundThread(name: "fetch-stall-guard")
    private let wakes = Atomic<Int>(0)

    /// Whether this librdkafka has the stall: before 2.1.0, the release that brought
    /// `fetch.queue.backoff.ms` (which `KafkaConsumerConfiguration` sets when this is false).
    static var isNeeded: Bool { rd_kafka_version() < 0x0201_00ff }

    /// nil when the consumer queue cannot be had (the client is not a consumer).
    init?(client: KafkaClient) {
        guard let queue = rd_kafka_queue_get_consumer(client.handle) else { return nil }
        self.client = client
        self.queue = queue
        thread.start(onStop: { [wakeRequests] in wakeRequests.signal() }) { [self] stop in run(until: stop) }
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }

    /// Wake-ups sent so far.
    var wakeCount: Int { wakes.load(ordering: .relaxed) }

    /// Called by the polling thread after each batch it takes. More than one more batch waiting
    /// (`batchSize`) counts as a backlog: the consumer is behind the fetcher.
    func observe(batchSize: Int) {
        let length = Int(rd_kafka_queue_length(queue))
        if length > batchSize {
            peak = max(peak, length)
        } else if peak > 0, length <= peak / 4 {
            peak = 0
            if !wakePending.exchange(true, ordering: .acquiring) { wakeRequests.signal() }
        }
    }

    /// Stops the guard's thread and waits for it (at most one request timeout).
    func stop() {
        thread.stopAndJoin()
    }

    private func run(until stop: StopRequest) {
        while true {
            wakeRequests.wait()
            if stop.isRequested { return }
            wakeLeaders()
            wakes.add(1, ordering: .relaxed)
            wakePending.store(false, ordering: .releasing)
        }
    }

    private func wakeLeaders() {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard list.pointee.cnt > 0, let elements = list.pointee.elems else { return }
        for index in 0..<Int(list.pointee.cnt) {
            // Asks for the next offset; the answer itself is not needed.
            elements[index].offset = Int64(RD_KAFKA_OFFSET_END)
        }
        _ = rd_kafka_offsets_for_times(client.handle, list, 500)
    }
}
