import CLinuxEvents
import Foundation

/// glibc malloc settings for the consumer, made before anything else runs.
///
/// The consume loop allocates and frees the strings of hundreds of thousands of events a second
/// on one thread while librdkafka's broker thread allocates fetch buffers, so malloc is a fifth of
/// the decoding thread's time. glibc's per-thread cache keeps 7 freed blocks per size; beyond that,
/// every free and allocation takes an arena lock the other threads also need. A cache of 2,000
/// blocks per size keeps the loop off those locks: in `make bench-consumer` the decoding thread
/// went from 1.45-1.85 to 1.19-1.26 CPU-s per million events and the steady rate from 0.40-0.46x
/// to ~0.5x kcat, for 3-5 MB more peak RSS. That cache size is a tunable glibc reads only when a
/// process starts (`GLIBC_TUNABLES`), so the consumer sets it and starts itself again, once.
/// Settings made by the operator in the environment win.
enum MallocTuning {
    /// What the consumer asks of glibc when `GLIBC_TUNABLES` is not set.
    static let tunables = "glibc.malloc.tcache_count=2000"

    static func apply() {
        if getenv("GLIBC_TUNABLES") == nil, let executable = executablePath(),
            setenv("GLIBC_TUNABLES", tunables, 1) == 0
        {
            // Same process id, arguments and environment plus the tunable; returns only on failure,
            // and then the consumer runs with glibc's defaults.
            execv(executable, CommandLine.unsafeArgv)
        }
        // glibc gives threads malloc arenas of their own (up to 8 per core), and memory freed in
        // one is not reused by another: with librdkafka's threads, the consume loop and the stats
        // printer, a few arenas keep peak RSS 20-50 MB lower in make bench-consumer than glibc's
        // default, and more than one keeps librdkafka's broker thread off the consume loop's lock.
        if getenv("MALLOC_ARENA_MAX") == nil { mallopt(M_ARENA_MAX, 4) }
        // glibc raises its mmap threshold as large blocks are freed, after which librdkafka's
        // fetch buffers come from the heap and leave it fragmented: a fixed 128 KiB threshold
        // returns them to the system (peak RSS 170 -> 153 MB on 5,000,000 events, 127 -> 109 MB
        // on 1,000,000).
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { mallopt(M_MMAP_THRESHOLD, 128 * 1024) }
    }

    /// The running executable's path, resolved so the process keeps its name (`/proc/self/exe`
    /// itself would rename it "exe" in `ps`).
    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
