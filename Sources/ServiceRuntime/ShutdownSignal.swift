import Foundation

/// Waits for SIGINT or SIGTERM on the calling thread.
///
/// `blockTerminationSignals()` must run first, before any thread starts, so that every thread
/// inherits the blocked mask and only `wait()` receives the signal — no async-signal-safety
/// concerns, no handler racing the rest of the program.
public enum ShutdownSignal {
    public static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Blocks until SIGINT or SIGTERM arrives and returns its number.
    @discardableResult
    public static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }

    /// Waits up to `timeout` for SIGINT or SIGTERM; the signal's number, or nil when none came.
    public static func wait(timeout: Duration) -> Int32? {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        let (seconds, attoseconds) = timeout.components
        var interval = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        let received = sigtimedwait(&set, nil, &interval)
        return received > 0 ? received : nil
    }

    /// Writes a line to standard error and exits: status 1 for a failure at start (a broker
    /// that cannot be reached, a port in use), `ExitStatus.badSetting` for a setting refused.
    public static func fail(_ message: String, status: Int32 = 1) -> Never {
        StandardStreams.writeError(message + "\n")
        exit(status)
    }
}
