import HTTPServer

/// `GET /script.js`: the tracker websites include (`Tracker/script.js`, compiled into the binary).
///
/// Cached for a day and revalidated by `ETag`; sent gzipped to browsers that accept it.
struct TrackerScript: Sendable {
    let asset = StaticAsset(
        body: PackageResources.script_js, contentType: "text/javascript; charset=utf-8",
        cacheControl: "public, max-age=86400", headers: HTTPHeaders([("X-Content-Type-Options", "nosniff")]),
        offeringGzip: true)
}
