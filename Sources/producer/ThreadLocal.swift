import Glibc

/// A value of which every thread has its own copy (a `pthread_key_t`), for hot paths that read
/// shared state on every request: each event-loop thread keeps what it read, so reading it again
/// takes no lock and touches no cache line another thread writes.
///
/// A thread's copy is released when the thread ends. The key lives as long as this object; made
/// once per process, it is never deleted (`pthread_key_delete` would strand live threads' copies).
final class ThreadLocal<Value>: @unchecked Sendable {
    // @unchecked: `key` is immutable; each thread's box is only ever touched by that thread.
    private let key: pthread_key_t

    private final class Box {
        var value: Value

        init(_ value: Value) {
            self.value = value
        }
    }

    init() {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
        }
        // Only PTHREAD_KEYS_MAX (1024) keys exist; a handful are made per process.
        precondition(status == 0, "cannot create a thread-local key: \(String(cString: strerror(status)))")
        self.key = key
    }

    /// The calling thread's copy, nil until it sets one.
    var value: Value? {
        get {
            guard let pointer = pthread_getspecific(key) else { return nil }
            return Unmanaged<Box>.fromOpaque(pointer).takeUnretainedValue().value
        }
        set {
            if let pointer = pthread_getspecific(key) {
                let box = Unmanaged<Box>.fromOpaque(pointer)
                if let newValue {
                    box.takeUnretainedValue().value = newValue
                    return
                }
                pthread_setspecific(key, nil)
                box.release()
            } else if let newValue {
                pthread_setspecific(key, Unmanaged.passRetained(Box(newValue)).toOpaque())
            }
        }
    }
}
