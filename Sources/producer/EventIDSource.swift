import AnalyticsCore
import CLinuxEvents
import Foundation
import Glibc

/// The producer's source of event ids, shared by all event-loop threads: UUID version 7 with
/// random bits from the kernel's CSPRNG (`getrandom`).
///
/// Every `202` shows an id and the consumer counts an id once, so ids must be unpredictable: a
/// client who could predict others' ids could send them first and suppress those events. Each
/// thread draws from its own 4 KiB buffer of kernel random bytes (one system call per 256 ids),
/// so there is no lock per event and no state shared between threads.
final class EventIDSource: Sendable {
    /// Fills a buffer with random bytes.
    typealias Fill = @Sendable (UnsafeMutableRawBufferPointer) -> Void

    private let buffers = ThreadLocal<RandomBytes>()
    private let fill: Fill

    /// `fill` is the kernel's CSPRNG except in tests.
    init(fill: @escaping Fill = EventIDSource.kernelRandom) {
        self.fill = fill
    }

    func next(at date: Date) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        return EventIDFormat.uuidV7(milliseconds: milliseconds, random: buffer().take(refill: fill))
    }

    /// This thread's buffer, made on its first id.
    private func buffer() -> RandomBytes {
        if let bytes = buffers.value { return bytes }
        let bytes = RandomBytes()
        buffers.value = bytes
        return bytes
    }

    /// `getrandom(2)` without flags: blocks only before the kernel's pool is first seeded, at boot.
    static let kernelRandom: Fill = { buffer in
        guard let base = buffer.baseAddress else { return }
        var filled = 0
        while filled < buffer.count {
            let count = getrandom(base + filled, buffer.count - filled, 0)
            if count > 0 {
                filled += count
            } else if errno != EINTR {
                // Only on a kernel older than 3.17: the system generator reads /dev/urandom.
                var system = SystemRandomNumberGenerator()
                for offset in stride(from: filled, to: buffer.count, by: 1) {
                    base.storeBytes(of: UInt8.random(in: 0...255, using: &system), toByteOffset: offset, as: UInt8.self)
                }
                return
            }
        }
    }
}
