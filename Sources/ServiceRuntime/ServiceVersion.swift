/// The version every binary reports with `--version`.
public enum ServiceVersion {
    public static let current = "0.19.0"
}
