import HTTPServer
import XCTest

final class StaticAssetTests: XCTestCase {
    private let asset = StaticAsset(
        body: Array("body { color: black }".utf8), contentType: "text/css", cacheControl: "no-cache",
        headers: HTTPHeaders([("X-Content-Type-Options", "nosniff")]))

    private func get(_ headers: [(String, String)] = []) -> HTTPResponse {
        asset.response(
            to: HTTPRequestHead(method: "GET", target: "/a.css", version: .http1_1, headers: HTTPHeaders(headers)))
    }

    func testFirstRequestGetsTheBodyWithValidators() {
        let response = get()
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.body, asset.body)
        XCTAssertEqual(response.headers["ETag"], asset.etag)
        XCTAssertEqual(response.headers["Cache-Control"], "no-cache")
        XCTAssertEqual(response.headers["Content-Type"], "text/css")
        XCTAssertEqual(response.headers["X-Content-Type-Options"], "nosniff")
    }

    func testETagIsAStableQuotedHashOfTheContent() {
        XCTAssertTrue(asset.etag.hasPrefix("\"") && asset.etag.hasSuffix("\""))
        XCTAssertEqual(asset.fingerprint.count, 16)
        let same = StaticAsset(body: asset.body, contentType: "text/plain", cacheControl: "max-age=1")
        let other = StaticAsset(body: Array("body { color: red }".utf8), contentType: "text/css", cacheControl: "")
        XCTAssertEqual(same.etag, asset.etag)
        XCTAssertNotEqual(other.etag, asset.etag)
    }

    func testMatchingIfNoneMatchGets304WithTheSameHeadersAndNoBody() {
        for condition in [asset.etag, "W/" + asset.etag, "\"other\", " + asset.etag, "*"] {
            let response = get([("If-None-Match", condition)])
            XCTAssertEqual(response.status, .notModified, condition)
            XCTAssertEqual(response.body, [], condition)
            XCTAssertEqual(response.headers["ETag"], asset.etag)
            XCTAssertEqual(response.headers["Cache-Control"], "no-cache")
            XCTAssertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        }
    }

    func testOtherIfNoneMatchGetsTheBody() {
        XCTAssertEqual(get([("If-None-Match", "\"0000000000000000\"")]).status, .ok)
    }
}
