import Foundation

/// Errors of the browser driver, with what the driver said.
public enum BrowserError: Error, CustomStringConvertible {
    case notInstalled(String)
    case driverNotReady(String)
    case webDriver(command: String, status: Int, message: String)

    public var description: String {
        switch self {
        case .notInstalled(let what):
            return "\(what) is not installed; `make test` installs it (apt-get install -y chromium chromium-driver)"
        case .driverNotReady(let output): return "chromedriver did not start:\n\(output)"
        case .webDriver(let command, let status, let message): return "WebDriver \(command): \(status) \(message)"
        }
    }
}

/// A headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`), for
/// tests of what a person sees: the page as the browser renders it, read from its DOM.
///
/// The browser runs with a fresh profile and the flags that keep it from calling home on this
/// closed network (otherwise it stalls on refused connections).
public final class Browser {
    public static let chromium = "/usr/bin/chromium"
    public static let chromedriver = "/usr/bin/chromedriver"

    private let driver: ServiceProcess
    private let driverPort: Int
    private let sessionID: String
    private let profile: URL

    public init(width: Int = 1280, height: Int = 900) throws {
        for path in [Self.chromium, Self.chromedriver] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BrowserError.notInstalled(path)
        }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "analytics-chromium-\(UUID().uuidString)")
        driver = try ServiceProcess(
            "chromedriver", executable: URL(fileURLWithPath: Self.chromedriver), arguments: ["--port=0"])
        guard driver.waitForOutput("was started successfully on port", timeout: 20),
            let match = driver.stdout.firstMatch(of: /successfully on port (\d+)/), let port = Int(match.output.1)
        else { throw BrowserError.driverNotReady(driver.output) }
        driverPort = port
        let arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)",
        ]
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome", "unhandledPromptBehavior": "ignore",
                    "goog:chromeOptions": ["binary": Self.chromium, "args": arguments],
                ]
            ]
        ]
        let created = try Self.command(port: port, "POST", "/session", capabilities, timeout: 60)
        guard let value = created as? [String: Any], let id = value["sessionId"] as? String else {
            throw BrowserError.webDriver(command: "new session", status: 0, message: "\(created ?? "nothing")")
        }
        sessionID = id
    }

    deinit {
        _ = try? Self.command(port: driverPort, "DELETE", "/session/\(sessionID)", nil, timeout: 10)
        driver.signal(SIGTERM)
        _ = driver.waitForExit(timeout: 5)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Loads `url` and waits for the page's load event.
    public func open(_ url: String) throws {
        _ = try session("POST", "/url", ["url": url])
    }

    /// Runs `script` in the page (as a function body: `return …`) and returns its JSON result.
    @discardableResult
    public func run(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        try session("POST", "/execute/sync", ["script": script, "args": arguments])
    }

    /// The page's text content for `selector`, or nil when nothing matches.
    public func text(_ selector: String) throws -> String? {
        try run("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", [selector])
            as? String
    }

    /// Waits until `condition` (a script returning a boolean) holds; false on timeout.
    public func wait(timeout: TimeInterval = 20, until condition: String, _ arguments: [Any] = []) -> Bool {
        Wait.until(timeout: timeout, interval: 0.1) { (try? run(condition, arguments)) as? Bool == true }
    }

    /// The text of an open alert, confirm or prompt dialog, or nil when there is none.
    public func openDialogText() -> String? {
        (try? session("GET", "/alert/text", nil)) as? String
    }

    /// Resizes the window (CSS pixels).
    public func resize(width: Int, height: Int) throws {
        _ = try session("POST", "/window/rect", ["width": width, "height": height])
    }

    /// A PNG of the viewport.
    public func screenshot() throws -> Data {
        guard let encoded = try session("GET", "/screenshot", nil) as? String, let data = Data(base64Encoded: encoded)
        else { throw BrowserError.webDriver(command: "screenshot", status: 0, message: "no image") }
        return data
    }

    private func session(_ method: String, _ path: String, _ body: [String: Any]?) throws -> Any? {
        try Self.command(port: driverPort, method, "/session/\(sessionID)\(path)", body, timeout: 60)
    }

    /// One WebDriver command: the `value` of its answer, or the error it reports.
    private static func command(
        port: Int, _ method: String, _ path: String, _ body: [String: Any]?, timeout: TimeInterval
    )
        throws -> Any?
    {
        let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let response = try RawHTTPClient(port: port, timeout: timeout).request(
            method, path, body: text ?? (method == "POST" ? "{}" : nil))
        let value = response.json["value"]
        guard response.status == 200 else {
            let error = value as? [String: Any]
            throw BrowserError.webDriver(
                command: "\(method) \(path)", status: response.status,
                message: "\(error?["error"] ?? ""): \(error?["message"] ?? response.text)")
        }
        return value is NSNull ? nil : value
    }
}
