import Foundation

/// A program a user would run against the services (curl, a Python script, an example script),
/// run to its end through `/usr/bin/env` so it is found on `PATH` as a shell would find it.
public enum ExternalCommand {
    /// Runs `arguments` with `input` on standard input; its status and both output streams.
    public static func run(
        _ arguments: [String], input: String = "", environment: [String: String] = [:]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Standard error goes to a file, so neither pipe can fill up while the other is read.
        let errorsURL = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsURL) }
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer { try? errors.close() }
        let (output, feed) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = feed
        // A program that exits before reading all its input must fail, not kill the tests.
        signal(SIGPIPE, SIG_IGN)
        try process.run()
        // The input is written while the output is read, so neither side can wait on the other.
        let writer = feed.fileHandleForWriting
        let written = DispatchSemaphore(value: 0)
        Thread {
            try? writer.write(contentsOf: Data(input.utf8))
            try? writer.close()
            written.signal()
        }.start()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        written.wait()
        let printedErrors = (try? String(contentsOf: errorsURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self), printedErrors)
    }
}
