import ArgumentParser
import Foundation

/// Parses a binary's command line the way all three binaries share: `--help` and `--version`
/// print and exit 0; anything refused prints the error with the usage and exits
/// `ExitStatus.badSetting`, as a refused environment variable does.
public enum CommandLineEntry {
    public static func parse<Command: ParsableCommand>(_ type: Command.Type) -> Command {
        do {
            return try Command.parse()
        } catch {
            if Command.exitCode(for: error) == .success { Command.exit(withError: error) }
            StandardStreams.writeError(Command.fullMessage(for: error) + "\n")
            exit(ExitStatus.badSetting)
        }
    }
}
