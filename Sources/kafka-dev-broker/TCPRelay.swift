import BackgroundWork
import Foundation
import Logging
import Synchronization

/// Forwards TCP connections from a fixed local port to the mock cluster's bootstrap broker.
///
/// The mock brokers listen on random ports; clients configured with `localhost:9092` first reach
/// this relay, fetch metadata through it, and then connect to the brokers' real ports directly,
/// so the relay carries little traffic and a thread pair per connection is enough.
final class TCPRelay: Sendable {
    private let listeners: [Int32]
    private let targetHost: String
    private let targetPort: UInt16
    private let logger: Logger
    /// One accepting thread per listening socket.
    private let acceptors: [BackgroundThread]
    /// Connections being relayed, each with its two pumping threads; pruned as they finish.
    private let relayed = Mutex<[(pair: ConnectionPair, pumps: [BackgroundThread])]>([])
    /// The port the relay listens on (the one asked for, or the one the system chose for 0).
    let port: UInt16

    /// Binds `port` on 127.0.0.1 and, where available, ::1; 0 picks a free port.
    init(port: UInt16, targetHost: String, targetPort: UInt16, logger: Logger) throws(RelayError) {
        var listeners: [Int32] = []
        let ipv4 = try Self.listen(port: port, ipv6: false)
        listeners.append(ipv4)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(ipv4, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        if let ipv6 = try? Self.listen(port: self.port, ipv6: true) { listeners.append(ipv6) }
        self.listeners = listeners
        acceptors = listeners.map { _ in BackgroundThread(name: "relay-accept") }
        self.targetHost = targetHost
        self.targetPort = targetPort
        self.logger = logger
    }

    func start() {
        for (listener, acceptor) in zip(listeners, acceptors) {
            // Shutting the listening socket down makes its blocked `accept` return.
            acceptor.start(onStop: { shutdown(listener, Int32(SHUT_RDWR)) }) { [self] stop in
                acceptLoop(listener, until: stop)
            }
        }
    }

    /// Stops accepting, ends every relayed connection and waits for all the relay's threads.
    func stop() {
        for acceptor in acceptors { acceptor.stopAndJoin() }
        let remaining = relayed.withLock { relayed in
            defer { relayed.removeAll() }
            return relayed
        }
        for connection in remaining {
            connection.pair.interrupt()
            for pump in connection.pumps { pump.join() }
        }
        for listener in listeners { close(listener) }
    }

    private func acceptLoop(_ listener: Int32, until stop: StopRequest) {
        while !stop.isRequested {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            joinFinishedConnections()
            guard let upstream = connectUpstream() else {
                logger.warning("relay could not reach the mock broker", metadata: ["port": "\(targetPort)"])
                close(client)
                continue
            }
            let pair = ConnectionPair(client: client, upstream: upstream)
            let pumps = [(client, upstream), (upstream, client)].map { from, to in
                let pump = BackgroundThread(name: "relay-pump")
                pump.start { _ in Self.pump(from: from, to: to, pair: pair) }
                return pump
            }
            relayed.withLock { $0.append((pair, pumps)) }
        }
    }

    /// Joins the threads of connections that have ended (both directions done).
    private func joinFinishedConnections() {
        let finished = relayed.withLock { relayed in
            let finished = relayed.filter { $0.pair.isFinished }
            relayed.removeAll { $0.pair.isFinished }
            return finished
        }
        for connection in finished {
            for pump in connection.pumps { pump.join() }
        }
    }

    private func connectUpstream() -> Int32? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(targetHost, String(targetPort), &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            entry = info.pointee.ai_next
        }
        return nil
    }

    private static func pump(from source: Int32, to destination: Int32, pair: ConnectionPair) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        outer: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes {
                    send(
                        destination, UnsafeRawBufferPointer(rebasing: $0[sent..<count]).baseAddress, count - sent,
                        Int32(MSG_NOSIGNAL))
                }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break outer }
                sent += written
            }
        }
        pair.finishOneDirection()
    }

    private static func listen(port: UInt16, ipv6: Bool) throws(RelayError) -> Int32 {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .bind(port: port, reason: String(cString: strerror(errno))) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var status: Int32
        if ipv6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = in6addr_loopback
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard status == 0, Glibc.listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .bind(port: port, reason: reason)
        }
        return fd
    }
}

/// Why the relay could not start.
enum RelayError: Error, CustomStringConvertible {
    case bind(port: UInt16, reason: String)

    var description: String {
        switch self {
        case .bind(let port, let reason): return "cannot listen on localhost:\(port): \(reason)"
        }
    }
}
