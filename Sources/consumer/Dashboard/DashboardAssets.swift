import Foundation
import HTTPServer

/// The dashboard's page, script and stylesheet, compiled into the binary (SwiftPM
/// `embedInCode`), so the consumer serves them offline, with no build step and no CDN.
///
/// The page is filled in once at start: the refresh interval, and asset URLs named by their
/// content hash, which lets browsers keep the script and stylesheet for a year while the page
/// itself is revalidated on every visit (`no-cache`, `ETag`, `304`).
struct DashboardAssets: Sendable {
    /// Sent with every response on `STATS_PORT`: scripts and styles only from this origin (so no
    /// inline script can run, whatever an event contains), no framing, no sniffing.
    static let securityHeaders = HTTPHeaders([
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ])

    let page: StaticAsset
    let script: StaticAsset
    let historyScript: StaticAsset
    let style: StaticAsset
    let scriptPath: String
    let historyScriptPath: String
    let stylePath: String

    /// `history`: whether the consumer has a history (`CLICKHOUSE_URL`), so the page offers
    /// periods other than Realtime or says how to get them; `goals`: whether `GOALS` names any,
    /// so the page shows a Goals tab.
    init(refreshMilliseconds: Int, history: Bool = false, goals: Bool = false) {
        let forever = "public, max-age=31536000, immutable"
        script = StaticAsset(
            body: PackageResources.dashboard_js, contentType: "text/javascript; charset=utf-8", cacheControl: forever,
            headers: Self.securityHeaders)
        historyScript = StaticAsset(
            body: PackageResources.history_js, contentType: "text/javascript; charset=utf-8", cacheControl: forever,
            headers: Self.securityHeaders)
        style = StaticAsset(
            body: PackageResources.dashboard_css, contentType: "text/css; charset=utf-8", cacheControl: forever,
            headers: Self.securityHeaders)
        scriptPath = "/assets/dashboard-\(script.fingerprint).js"
        historyScriptPath = "/assets/history-\(historyScript.fingerprint).js"
        stylePath = "/assets/dashboard-\(style.fingerprint).css"
        let html = String(decoding: PackageResources.dashboard_html, as: UTF8.self)
            .replacingOccurrences(of: "{{REFRESH_MS}}", with: String(refreshMilliseconds))
            .replacingOccurrences(of: "{{HISTORY}}", with: history ? "on" : "off")
            .replacingOccurrences(of: "{{GOALS}}", with: goals ? "on" : "off")
            .replacingOccurrences(of: "{{HISTORY_SCRIPT_URL}}", with: historyScriptPath)
            .replacingOccurrences(of: "{{SCRIPT_URL}}", with: scriptPath)
            .replacingOccurrences(of: "{{STYLE_URL}}", with: stylePath)
        page = StaticAsset(
            body: Array(html.utf8), contentType: "text/html; charset=utf-8", cacheControl: "no-cache",
            headers: Self.securityHeaders)
    }
}
