import CLinuxEvents
import Dispatch
import Glibc
import Synchronization
import XCTest

@testable import BackgroundWork

/// Start, stop and join, and what misuse does: nothing harmful.
final class BackgroundThreadTests: XCTestCase {
    func testStopEndsALoopingBodyAndJoinWaitsForItToReturn() {
        let thread = BackgroundThread(name: "test-loop")
        let rounds = Atomic<Int>(0)
        let returned = Atomic<Bool>(false)
        let running = DispatchSemaphore(value: 0)
        thread.start { stop in
            running.signal()
            while !stop.isRequested { rounds.add(1, ordering: .relaxed) }
            returned.store(true, ordering: .releasing)
        }
        running.wait()
        thread.stop()
        thread.join()
        XCTAssertTrue(returned.load(ordering: .acquiring), "join returned before the body did")
        XCTAssertTrue(thread.isStopRequested)
    }

    func testStopCutsTheBodysSleepShort() {
        let thread = BackgroundThread(name: "test-sleeper")
        let stoppedEarly = Atomic<Bool>(false)
        let running = DispatchSemaphore(value: 0)
        thread.start { stop in
            running.signal()
            // An hour: join would hang the test if the request did not end the wait.
            stoppedEarly.store(stop.wait(for: .seconds(3600)), ordering: .releasing)
        }
        running.wait()
        thread.stopAndJoin()
        XCTAssertTrue(stoppedEarly.load(ordering: .acquiring))
    }

    func testStopCallsTheWakeUpGivenToStartForABodyBlockedElsewhere() {
        let thread = BackgroundThread(name: "test-blocked")
        let blocker = DispatchSemaphore(value: 0)
        let woken = Atomic<Bool>(false)
        thread.start(onStop: { blocker.signal() }) { stop in
            blocker.wait()
            woken.store(stop.isRequested, ordering: .releasing)
        }
        thread.stopAndJoin()
        XCTAssertTrue(woken.load(ordering: .acquiring))
    }

    func testJoinTwiceAndJoinBeforeStartReturn() {
        let thread = BackgroundThread(name: "test-joins")
        thread.join()
        let ran = Atomic<Int>(0)
        thread.start { _ in ran.add(1, ordering: .relaxed) }
        thread.join()
        thread.join()
        thread.stop()
        thread.stop()
        XCTAssertEqual(ran.load(ordering: .relaxed), 1)
    }

    func testStartAfterStopOrASecondStartRunsNothingMore() {
        let stopped = BackgroundThread(name: "test-stopped")
        let ran = Atomic<Int>(0)
        stopped.stop()
        stopped.start { _ in ran.add(1, ordering: .relaxed) }
        stopped.join()
        XCTAssertEqual(ran.load(ordering: .relaxed), 0, "a thread stopped before it started must not run")

        let twice = BackgroundThread(name: "test-twice")
        twice.start { _ in ran.add(1, ordering: .relaxed) }
        twice.start { _ in ran.add(1, ordering: .relaxed) }
        twice.join()
        XCTAssertEqual(ran.load(ordering: .relaxed), 1)
    }

    func testJoinFromTheThreadItselfReturns() {
        let thread = BackgroundThread(name: "test-self-join")
        let joinedItself = DispatchSemaphore(value: 0)
        thread.start { [thread] _ in
            thread.join()
            joinedItself.signal()
        }
        joinedItself.wait()
        thread.join()
    }

    func testReleasedWithoutJoinTheThreadIsAskedToStop() {
        let sawStop = DispatchSemaphore(value: 0)
        let running = DispatchSemaphore(value: 0)
        do {
            let thread = BackgroundThread(name: "test-forgotten")
            thread.start { stop in
                running.signal()
                stop.wait(for: .seconds(3600))
                if stop.isRequested { sawStop.signal() }
            }
            running.wait()
        }
        sawStop.wait()
    }

    func testTheThreadCarriesItsNameForDebuggers() {
        let names = Mutex<[String]>([])
        for name in ["test-named", "a-name-longer-than-fifteen-bytes", "fünfzehn-bytes-ü"] {
            let thread = BackgroundThread(name: name)
            thread.start { _ in
                var buffer = [CChar](repeating: 0, count: 64)
                pthread_getname_np(pthread_self(), &buffer, buffer.count)
                let seen = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                names.withLock { $0.append(seen) }
            }
            thread.join()
        }
        XCTAssertEqual(names.withLock { $0 }, ["test-named", "a-name-longer-t", "fünfzehn-bytes"])
    }

    func testTheRequestedStackSizeIsUsed() {
        // Larger than the default (8 MiB), since glibc may hand a thread a larger cached stack.
        let thread = BackgroundThread(name: "test-stack", stackSize: 32 << 20)
        let size = Atomic<Int>(0)
        thread.start { _ in
            var attributes = pthread_attr_t()
            pthread_getattr_np(pthread_self(), &attributes)
            var bytes = 0
            pthread_attr_getstacksize(&attributes, &bytes)
            pthread_attr_destroy(&attributes)
            size.store(bytes, ordering: .relaxed)
        }
        thread.join()
        XCTAssertGreaterThanOrEqual(size.load(ordering: .relaxed), 32 << 20)
    }

    /// The count once threads other tests left stopping have ended (it is process-wide: a fresh
    /// clone's CI run saw it drop by one between two reads of this test).
    private func settledRunningCount() -> Int {
        var last = BackgroundThread.runningCount
        for _ in 0..<100 {
            usleep(50_000)
            let now = BackgroundThread.runningCount
            if now == last { return now }
            last = now
        }
        return last
    }

    func testRunningCountFollowsBodiesThatHaveNotReturned() {
        let before = settledRunningCount()
        let thread = BackgroundThread(name: "test-count")
        let running = DispatchSemaphore(value: 0)
        thread.start { stop in
            running.signal()
            stop.wait(for: .seconds(3600))
        }
        running.wait()
        XCTAssertEqual(BackgroundThread.runningCount, before + 1)
        thread.stopAndJoin()
        XCTAssertEqual(BackgroundThread.runningCount, before)
    }
}
