import BackgroundWork
import Foundation
import Synchronization

/// The history writer's second thread: it runs one insert at a time while the writer's thread
/// reads the next block, so ClickHouse parses one block while the next is decoded (measured:
/// the writer's whole run 10–20% shorter on 2 cores once the HTTP client no longer spun a core).
///
/// `run` hands it an insert, `wait` waits for that insert to end; the writer always waits before
/// it hands over the next one, reads the progress or gives partitions away. After `shutdown`
/// (stopped and joined), `run` does the work on the caller's thread, so nothing handed over is
/// left undone and `wait` never blocks forever.
final class InsertThread: Sendable {
    private let thread = BackgroundThread(name: "history-insert")
    private let pending = Mutex<Pending>(.none)
    private let ready = DispatchSemaphore(value: 0)
    private let running = DispatchGroup()

    /// What the thread has been handed.
    private enum Pending {
        case none
        case work(@Sendable () -> Void)
        /// Shut down: work runs on the caller's thread.
        case closed
    }

    func start() {
        thread.start(onStop: { [ready] in ready.signal() }) { [self] stop in
            while true {
                ready.wait()
                let work: (@Sendable () -> Void)? = pending.withLock { pending in
                    guard case .work(let work) = pending else { return nil }
                    pending = .none
                    return work
                }
                if let work {
                    work()
                    running.leave()
                }
                if stop.isRequested { return }
            }
        }
    }

    /// Runs `work` on the thread; the one handed over before must have ended (`wait`).
    func run(_ work: @escaping @Sendable () -> Void) {
        running.enter()
        let handed = pending.withLock { pending in
            switch pending {
            case .none:
                pending = .work(work)
                return true
            case .work:
                preconditionFailure("InsertThread.run: the work handed over before has not been waited for")
            case .closed:
                return false
            }
        }
        if handed {
            ready.signal()
        } else {
            work()
            running.leave()
        }
    }

    /// Waits for the work handed over to end.
    func wait() {
        running.wait()
    }

    /// Lets the work handed over end, then stops and joins the thread. Idempotent.
    func shutdown() {
        running.wait()
        pending.withLock { $0 = .closed }
        thread.stopAndJoin()
    }

    deinit { shutdown() }
}
