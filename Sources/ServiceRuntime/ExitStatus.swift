/// Exit statuses the binaries share, beyond 0 and 1.
public enum ExitStatus {
    /// A setting (environment variable or command-line option) was refused: nothing started.
    public static let badSetting: Int32 = 2
}
