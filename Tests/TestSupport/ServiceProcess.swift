import Foundation

/// One of the project's binaries running as a child process, its output captured to files, for
/// end-to-end tests that treat the services exactly as an operator does.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: used from one test thread at a time.
    public let name: String
    public let process = Process()
    public let stdoutURL: URL
    public let stderrURL: URL

    /// Where the built executables are: `ANALYTICS_BIN_DIR`, or the directory of the test bundle
    /// (SwiftPM puts executables and the `.xctest` side by side).
    public static var binaryDirectory: URL {
        if let directory = ProcessInfo.processInfo.environment["ANALYTICS_BIN_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        var url = URL(
            fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        while url.path != "/"
            && !FileManager.default.fileExists(
                atPath: url.deletingLastPathComponent().appendingPathComponent("producer").path)
        {
            url = url.deletingLastPathComponent()
        }
        return url.deletingLastPathComponent()
    }

    /// Starts one of the project's binaries (`binary`, found in `binaryDirectory`) or, with
    /// `executable`, any program.
    public init(
        _ binary: String, executable: URL? = nil, arguments: [String] = [], environment: [String: String] = [:],
        label: String? = nil
    ) throws {
        name = label ?? binary
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("analytics-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let unique = "\(name)-\(UUID().uuidString.prefix(8))"
        stdoutURL = directory.appendingPathComponent("\(unique).out")
        stderrURL = directory.appendingPathComponent("\(unique).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable ?? Self.binaryDirectory.appendingPathComponent(binary)
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment
        base["LOG_LEVEL"] = base["LOG_LEVEL"] ?? "info"
        process.environment = base.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // A failing test prints the output it needs before letting go of its processes; what
        // is left would only pile up in the temporary directory, run after run.
        try? FileManager.default.removeItem(at: stdoutURL)
        try? FileManager.default.removeItem(at: stderrURL)
        rmdir(stdoutURL.deletingLastPathComponent().path)  // only once no other process's files are left
    }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits until standard output or error contains `text`; false on timeout or exit.
    @discardableResult
    public func waitForOutput(_ text: String, timeout: TimeInterval = 30) -> Bool {
        Wait.until(timeout: timeout) { self.stdout.contains(text) || self.stderr.contains(text) }
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit and returns its status, or nil on timeout.
    public func waitForExit(timeout: TimeInterval = 30) -> Int32? {
        guard Wait.until(timeout: timeout, { !self.process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    /// Runs one of the binaries to its end, for commands that exit by themselves (`--help`, a
    /// refused setting, `--forget-group`): its status (nil if still running at the timeout) and
    /// both output streams.
    public static func run(
        _ binary: String, arguments: [String] = [], environment: [String: String] = [:], timeout: TimeInterval = 20
    ) throws -> (status: Int32?, stdout: String, stderr: String) {
        let process = try ServiceProcess(binary, arguments: arguments, environment: environment)
        let status = process.waitForExit(timeout: timeout)
        return (status, process.stdout, process.stderr)
    }

    /// Both output streams, for failure messages.
    public var output: String {
        "--- \(name) stdout ---\n\(stdout.suffix(4000))\n--- \(name) stderr ---\n\(stderr.suffix(4000))"
    }
}

/// Polling with a deadline, for conditions the tests cannot be notified of.
public enum Wait {
    @discardableResult
    public static func until(timeout: TimeInterval, interval: TimeInterval = 0.1, _ condition: () throws -> Bool)
        rethrows -> Bool
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: interval)
        }
        return try condition()
    }
}
