import CLinuxEvents
import Glibc
import Synchronization

/// A named thread that its owner can ask to finish (`stop`) and wait for (`join`).
///
/// It exists because `Foundation.Thread` cannot be joined: threads were left running at exit,
/// each with a stop protocol of its own. Every background thread in the services is one of these.
///
/// - `start` runs `body` on a new thread named `name` (what debuggers and `top -H` show, cut to
///   the 15 bytes Linux keeps). A second `start`, or one after `stop`, does nothing.
/// - `stop` marks the body's `StopRequest` and calls the `onStop` given to `start`, which wakes a
///   body blocked elsewhere (a semaphore, an eventfd, a socket). It never waits.
/// - `join` waits for the body to return; it returns at once before `start`, after an earlier
///   `join`, and when called from the thread itself.
/// - Released without `join`, the thread is asked to stop and left to finish on its own.
///
/// The body and `onStop` are released when the body returns, so a body that captures its owner
/// keeps it alive only while it runs.
public final class BackgroundThread: Sendable {
    public let name: String
    private let stackSize: Int?
    private let request = StopRequest()
    private let phase = Mutex(Phase.idle)
    private let wake = WakeUp()
    /// Threads started by any `BackgroundThread` whose body has not returned yet.
    private static let running = Atomic<Int>(0)

    private enum Phase {
        case idle
        case running(pthread_t)
        /// Joined, detached, or never to be started.
        case over
    }

    /// `stackSize` in bytes; nil keeps the system's default.
    public init(name: String, stackSize: Int? = nil) {
        self.name = name
        self.stackSize = stackSize
    }

    deinit {
        // The safety net: nobody can join any more, so the thread is asked to end and let go.
        stop()
        phase.withLock { phase in
            if case .running(let thread) = phase { pthread_detach(thread) }
            phase = .over
        }
    }

    /// Threads of this type whose body is still running, process-wide: a service that joined all
    /// of its threads at shutdown sees 0.
    public static var runningCount: Int { running.load(ordering: .acquiring) }

    /// Whether `stop` has been called.
    public var isStopRequested: Bool { request.isRequested }

    /// Starts `body` on the new thread. `onStop` is called by `stop`, on the stopping thread.
    public func start(onStop: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable (StopRequest) -> Void) {
        phase.withLock { phase in
            guard case .idle = phase, !request.isRequested else {
                if case .idle = phase { phase = .over }
                return
            }
            wake.action.withLock { $0 = onStop }
            let launch = Launch(
                name: name, request: request, body: body,
                finished: { [wake] in
                    wake.action.withLock { $0 = nil }
                })
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
            let argument = Unmanaged.passRetained(launch).toOpaque()
            Self.running.add(1, ordering: .acquiringAndReleasing)
            var thread = pthread_t()
            let status = pthread_create(
                &thread, &attributes,
                { argument in
                    guard let argument else { return nil }
                    Unmanaged<Launch>.fromOpaque(argument).takeRetainedValue().run()
                    return nil
                }, argument)
            guard status == 0 else {
                // Out of threads or memory: a service cannot work without its threads.
                fatalError("cannot start thread \(name): \(String(cString: strerror(status)))")
            }
            phase = .running(thread)
        }
    }

    /// Asks the body to finish: marks its `StopRequest` and calls `onStop`. Safe to call any
    /// number of times, from any thread, before or after `start`.
    public func stop() {
        guard request.request() else { return }
        wake.action.withLock { $0 }?()
    }

    /// Waits for the body to return. Safe to call any number of times, from any thread.
    public func join() {
        phase.withLock { phase in
            guard case .running(let thread) = phase else { return }
            if pthread_equal(thread, pthread_self()) != 0 {
                // Joining itself would never return: the thread ends when its body does.
                pthread_detach(thread)
            } else {
                pthread_join(thread, nil)
            }
            phase = .over
        }
    }

    /// `name` as Linux keeps it: at most 15 bytes (longer names are refused outright), cut
    /// between characters.
    static func systemName(_ name: String) -> String {
        var bytes = Array(name.utf8.prefix(15))
        while String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `stop`, then `join`.
    public func stopAndJoin() {
        stop()
        join()
    }

    /// The `onStop` of a running body, shared with the thread so it can drop it when done.
    private final class WakeUp: Sendable {
        let action = Mutex<(@Sendable () -> Void)?>(nil)
    }

    /// What the new thread runs, handed to it through `pthread_create`'s argument.
    private final class Launch: Sendable {
        let name: String
        let request: StopRequest
        let body: @Sendable (StopRequest) -> Void
        let finished: @Sendable () -> Void

        init(
            name: String, request: StopRequest, body: @escaping @Sendable (StopRequest) -> Void,
            finished: @escaping @Sendable () -> Void
        ) {
            self.name = name
            self.request = request
            self.body = body
            self.finished = finished
        }

        func run() {
            // Linux keeps 15 bytes and refuses longer names outright.
            _ = pthread_setname_np(pthread_self(), BackgroundThread.systemName(name))
            body(request)
            finished()
            BackgroundThread.running.subtract(1, ordering: .acquiringAndReleasing)
        }
    }
}
