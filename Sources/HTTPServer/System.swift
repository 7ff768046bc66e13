import CLinuxEvents
import Foundation

/// Facts about the machine the server runs on, as far as this process may use it.
///
/// It exists so the default number of event loops fits a container: a 2-CPU container on a
/// 64-core host must not start 64 loops that the CPU quota then throttles.
public enum System {
    /// CPUs this process may use: the online cores, fewer when the affinity mask or a cgroup CPU
    /// quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`) allows fewer; a fractional
    /// quota rounds up; at least 1.
    public static var coreCount: Int {
        CPUQuota.cores(
            online: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), allowed: allowedCPUs, quotas: cgroupQuotas())
    }

    /// CPUs in this process's affinity mask (`sched_getaffinity`), nil when it cannot be read.
    static var allowedCPUs: Int? {
        let count = Int(clinux_allowed_cpus())
        return count > 0 ? count : nil
    }

    /// The CPU quotas of this process's cgroup and each of its ancestors, in CPUs.
    private static func cgroupQuotas() -> [Double] {
        var quotas: [Double] = []
        for line in read("/proc/self/cgroup")?.split(separator: "\n") ?? [] {
            // `hierarchy-ID:controllers:path`; v2 is `0::/path`, v1 lists `cpu` among its controllers.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                for directory in ancestors(of: path, under: "/sys/fs/cgroup") {
                    if let quota = read(directory + "/cpu.max").flatMap(CPUQuota.cgroupV2(cpuMax:)) {
                        quotas.append(quota)
                    }
                }
            } else if fields[1].split(separator: ",").contains("cpu") {
                for root in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
                    for directory in ancestors(of: path, under: root) {
                        guard let quota = read(directory + "/cpu.cfs_quota_us"),
                            let period = read(directory + "/cpu.cfs_period_us"),
                            let cpus = CPUQuota.cgroupV1(quota: quota, period: period)
                        else { continue }
                        quotas.append(cpus)
                    }
                }
            }
        }
        return quotas
    }

    /// `root` + `path` and each parent directory up to `root` itself. In a container the path is
    /// usually `/` (its own cgroup namespace), so only the root is read.
    private static func ancestors(of path: String, under root: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var directories: [String] = []
        while true {
            directories.append(([root] + components).joined(separator: "/"))
            guard !components.isEmpty else { return directories }
            components.removeLast()
        }
    }

    private static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
