import CRdKafka

/// The one owner of a librdkafka client handle (`rd_kafka_t`) and of the context its C callbacks
/// reach through the handle's opaque pointer.
///
/// Producers, consumers and topic readers each make one; what lends out objects of the client —
/// a consumer's `KafkaMessageBatch`, its `FetchStallGuard`'s queue, a producer's poll thread —
/// holds it too. The handle is destroyed only when the last of them lets go, so librdkafka's rule
/// that messages and queues go before their client holds by construction. The services' own
/// `shutdown()` does the work that needs an order (flush, leave the group, stop threads).
final class KafkaClient: @unchecked Sendable {
    // @unchecked: `handle` never changes after init and librdkafka's client API is thread-safe;
    // `context` is Sendable.
    let handle: OpaquePointer
    let context: ClientContext
    private let contextReference: Unmanaged<ClientContext>

    /// Creates the client from `configuration` (which it takes over), installing `context`'s log
    /// and error callbacks. `prepare` sets the kind-specific callbacks first.
    init(
        type: rd_kafka_type_t, configuration: NativeConfiguration, context: ClientContext,
        prepare: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        context.install(on: configuration)
        if let conf = configuration.pointer { prepare(conf) }
        let reference = Unmanaged.passRetained(context)
        do {
            self.handle = try configuration.makeClient(type: type)
        } catch {
            reference.release()
            throw error
        }
        self.context = context
        self.contextReference = reference
    }

    deinit {
        rd_kafka_destroy(handle)
        contextReference.release()
    }
}

/// The text librdkafka writes into a caller's error buffer.
enum ErrorBuffer {
    /// Runs `body` with a 512-byte buffer and returns its result with the text left in it.
    static func capture<Result>(_ body: (UnsafeMutablePointer<CChar>, Int) -> Result) -> (Result, String) {
        var text = [CChar](repeating: 0, count: 512)
        let result = text.withUnsafeMutableBufferPointer { buffer in
            // A non-empty array always has storage.
            body(buffer.baseAddress.unsafelyUnwrapped, buffer.count)
        }
        return (result, String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
