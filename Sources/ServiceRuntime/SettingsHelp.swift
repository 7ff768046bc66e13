/// The settings section of a binary's `--help`: each environment variable with its default, the
/// values it accepts and what it changes, in lines that fit 80 columns.
public enum SettingsHelp {
    public static func render(_ settings: [SettingDescription]) -> String {
        var lines = ["SETTINGS (environment variables; a refused value exits with status 2):"]
        for setting in settings {
            lines.append("")
            lines.append("  \(setting.name) (default: \(setting.defaultValue))")
            lines += wrap(setting.summary, indent: 6)
            lines += wrap("Allowed: \(setting.allowed).", indent: 6)
        }
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` columns, each indented by `indent`.
    static func wrap(_ text: String, indent: Int, width: Int = 79) -> [String] {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(margin + line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(margin + line) }
        return lines
    }
}
