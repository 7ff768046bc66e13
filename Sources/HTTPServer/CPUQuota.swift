/// Reads a cgroup's CPU quota from its files' contents and turns quotas into a core count: pure
/// functions, so what `System.coreCount` makes of any file content is tested without a container.
enum CPUQuota {
    /// cgroup v2 `cpu.max`: `"$MAX $PERIOD"` in microseconds, `max` meaning no limit. The quota in
    /// CPUs, or nil for no limit or content that is not two positive integers.
    static func cgroupV2(cpuMax contents: String) -> Double? {
        let fields = words(contents)
        guard fields.count == 2 else { return nil }
        return ratio(fields[0], fields[1])
    }

    /// cgroup v1 `cpu.cfs_quota_us` (-1 for no limit) over `cpu.cfs_period_us`: the quota in CPUs,
    /// or nil for no limit or unreadable content.
    static func cgroupV1(quota: String, period: String) -> Double? {
        let (quota, period) = (words(quota), words(period))
        guard quota.count == 1, period.count == 1 else { return nil }
        return ratio(quota[0], period[0])
    }

    /// The cores to use: the tightest quota rounded up, no more than the CPUs the affinity mask
    /// allows (`allowed`, ignored unless positive) or the online ones, and at least 1.
    static func cores(online: Int, allowed: Int?, quotas: [Double]) -> Int {
        var cores = max(1, online)
        if let allowed, allowed > 0 { cores = min(cores, allowed) }
        if let tightest = quotas.filter({ $0.isFinite && $0 > 0 }).min(), tightest < Double(cores) {
            cores = Int(tightest.rounded(.up))
        }
        return max(1, cores)
    }

    /// `quota / period` when both are positive decimal integers.
    private static func ratio(_ quota: String, _ period: String) -> Double? {
        guard let quota = Int(quota), let period = Int(period), quota > 0, period > 0 else { return nil }
        return Double(quota) / Double(period)
    }

    /// The fields of a one-line file, split on spaces, tabs and line ends.
    private static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
    }
}
