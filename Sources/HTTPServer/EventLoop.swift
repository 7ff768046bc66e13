import BackgroundWork
import CLinuxEvents
import Foundation
import Logging
import Synchronization

/// One thread running an epoll loop over the listening socket and the connections it accepted.
///
/// Connections belong to the loop that accepted them and are only touched on its thread, so they
/// need no locks. Other threads (Kafka delivery reports) hand work to the loop with `execute`,
/// which wakes it through an eventfd.
final class EventLoop: @unchecked Sendable {
    // @unchecked: everything below the lock is confined to the loop thread; cross-thread entry is
    // only through `execute` (Mutex + eventfd) and the atomics.
    let shared: ServerShared
    private let epollFD: Int32
    private let wakeFD: Int32
    private let listenerFD: Int32
    private let pending = Mutex<[@Sendable () -> Void]>([])
    private let thread: BackgroundThread
    /// The loop thread's `pthread_t` (0 until it runs), read by any thread in `execute`.
    private let threadID = Atomic<UInt>(0)
    /// One receive buffer per loop, shared by its connections (they run one at a time).
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    private var localTasks: [() -> Void] = []
    private var connections: [Int32: Connection] = [:]
    private var acceptPaused = false
    private var nextStreamID: UInt64 = 0
    private var draining = false
    private var lastSweep = ContinuousClock.now
    /// The time when the current batch of events arrived, read once per `epoll_wait`: what
    /// connections stamp their activity and deadlines with (a clock read per stamp was a
    /// measurable share of a request, and timeouts are whole seconds).
    private(set) var now = ContinuousClock.now
    var serializer: ResponseSerializer

    init(shared: ServerShared, listenerFD: Int32, name: String) throws(HTTPServerError) {
        self.shared = shared
        thread = BackgroundThread(name: name, stackSize: 1 << 20)
        self.listenerFD = listenerFD
        self.serializer = ResponseSerializer(serverName: shared.configuration.serverName)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard epollFD >= 0, wakeFD >= 0 else {
            let reason = String(cString: strerror(errno))
            // Thrown before its threads exist, the loop's deinit still closes whichever was made.
            throw .eventLoop(reason: reason)
        }
        register(wakeFD, events: EPOLLIN.rawValue)
        register(listenerFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        readBuffer.deallocate()
    }

    func start() {
        // `execute` wakes the loop from its `epoll_wait` to see the request.
        thread.start(onStop: { [self] in execute {} }) { [self] stop in
            threadID.store(UInt(pthread_self()), ordering: .releasing)
            run(until: stop)
        }
    }

    /// Runs `task` on the loop thread: now, after the current event, when called from the loop;
    /// otherwise as soon as the loop wakes.
    func execute(_ task: @escaping @Sendable () -> Void) {
        if threadID.load(ordering: .acquiring) == UInt(pthread_self()) {
            localTasks.append(task)
            return
        }
        let wasEmpty = pending.withLock { tasks in
            tasks.append(task)
            return tasks.count == 1
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    /// Stops accepting, closes idle connections and lets busy ones close after their response.
    /// Returns once the loop no longer watches the listening socket.
    func beginDrain() {
        let done = DispatchSemaphore(value: 0)
        execute { [self] in
            draining = true
            if !acceptPaused { unregister(listenerFD) }
            acceptPaused = true
            for connection in Array(connections.values) { connection.drain() }
            done.signal()
        }
        done.wait()
    }

    /// Ends the loop, closing every connection; waits for the thread to finish.
    func stop() {
        thread.stopAndJoin()
    }

    // MARK: - Loop

    private func run(until stop: StopRequest) {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while !stop.isRequested {
            let count = events.withUnsafeMutableBufferPointer {
                epoll_wait(epollFD, $0.baseAddress, Int32($0.count), 250)
            }
            if count < 0 && errno != EINTR { break }
            now = ContinuousClock.now
            for index in 0..<max(0, Int(count)) {
                let event = events[index]
                let fd = event.data.fd
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    let tasks = pending.withLock { tasks in
                        defer { tasks.removeAll(keepingCapacity: true) }
                        return tasks
                    }
                    for task in tasks { task() }
                } else if fd == listenerFD {
                    acceptConnections()
                } else if let connection = connections[fd] {
                    connection.handle(events: event.events)
                }
            }
            // Responses completed while handling this batch of events are written now, one after
            // another, rather than after each event: interleaving reads with writes made every
            // write wake the client and hand it the CPU in the middle of the batch.
            runLocalTasks()
            if now - lastSweep >= .milliseconds(250) {
                lastSweep = now
                sweep(now: now)
            }
        }
        for connection in Array(connections.values) { connection.close() }
        connections.removeAll()
    }

    private func runLocalTasks() {
        while !localTasks.isEmpty {
            let tasks = localTasks
            localTasks.removeAll()
            for task in tasks { task() }
        }
    }

    private func acceptConnections() {
        for _ in 0..<64 {
            guard shared.openConnections.load(ordering: .relaxed) < shared.configuration.maxConnections else {
                pauseAccepting()
                return
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    clinux_accept_nonblocking(listenerFD, $0, &length)
                }
            }
            guard fd >= 0 else {
                if errno == EMFILE || errno == ENFILE {
                    shared.logger.warning("out of file descriptors; pausing accepts")
                    pauseAccepting()
                }
                return
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            shared.openConnections.add(1, ordering: .relaxed)
            let connection = Connection(fd: fd, remoteAddress: Socket.address(of: storage), loop: self)
            connections[fd] = connection
            register(fd, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
            if draining { connection.drain() }
        }
    }

    private func pauseAccepting() {
        guard !acceptPaused else { return }
        acceptPaused = true
        unregister(listenerFD)
    }

    private func resumeAcceptingIfPossible() {
        guard acceptPaused, !draining,
            shared.openConnections.load(ordering: .relaxed) < shared.configuration.maxConnections
        else { return }
        acceptPaused = false
        register(listenerFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
    }

    private func sweep(now: ContinuousClock.Instant) {
        for connection in Array(connections.values) { connection.checkDeadlines(now: now) }
        resumeAcceptingIfPossible()
    }

    /// The open connection on `fd`, if any (loop thread only).
    func connection(_ fd: Int32) -> Connection? {
        connections[fd]
    }

    /// A new id for a streamed response; ids are never reused, so a late write to a stream that
    /// ended cannot reach a later one on the same descriptor (loop thread only).
    func makeStreamID() -> UInt64 {
        nextStreamID += 1
        return nextStreamID
    }

    /// Called by a connection when it has closed its socket.
    func connectionClosed(_ fd: Int32) {
        connections[fd] = nil
        shared.openConnections.subtract(1, ordering: .relaxed)
        resumeAcceptingIfPossible()
    }

    private func register(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    func unregister(_ fd: Int32) {
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
    }
}
