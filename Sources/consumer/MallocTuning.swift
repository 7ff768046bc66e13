import CLinuxEvents
import Foundation

/// glibc malloc settings for the consumer, made before anything else runs.
///
/// The consume loop frees on one thread what librdkafka's threads allocate, so with glibc's
/// defaults malloc contends on arena locks. A larger per-thread cache keeps the loop off them; it
/// is a tunable glibc reads only at process start (`GLIBC_TUNABLES`), so the consumer sets it and
/// starts itself again, once. Settings made by the operator in the environment win.
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
        // Memory freed in one arena is not reused by another: a few arenas keep peak RSS down, and
        // more than one keeps librdkafka's broker thread off the consume loop's lock.
        if getenv("MALLOC_ARENA_MAX") == nil { mallopt(M_ARENA_MAX, 4) }
        // glibc raises its mmap threshold as large blocks are freed, after which librdkafka's
        // fetch buffers come from the heap and fragment it: a fixed threshold returns them.
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
