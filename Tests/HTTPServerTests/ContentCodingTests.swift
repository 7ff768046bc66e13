import XCTest

@testable import HTTPServer

final class ContentCodingTests: XCTestCase {
    let text = Array(String(repeating: #"{"type":"page_view","url":"https://example.com/"}"#, count: 50).utf8)

    func testCodingsAreReadFromTheHeader() {
        XCTAssertEqual(ContentCoding(header: nil), .identity)
        XCTAssertEqual(ContentCoding(header: "identity"), .identity)
        XCTAssertEqual(ContentCoding(header: "GZIP"), .gzip)
        XCTAssertEqual(ContentCoding(header: "x-gzip"), .gzip)
        XCTAssertEqual(ContentCoding(header: "deflate"), .deflate)
        XCTAssertNil(ContentCoding(header: "br"))
        XCTAssertNil(ContentCoding(header: "gzip, gzip"), "stacked codings are not taken")
    }

    func testGzipRoundTripsAndTwoMembersAreOneBody() throws {
        let zipped = try XCTUnwrap(GzipCompressor.compress(text))
        XCTAssertLessThan(zipped.count, text.count / 10)
        XCTAssertEqual(try ContentDecoder.decode(zipped, coding: .gzip, limit: 1 << 20), text)
        XCTAssertEqual(try ContentDecoder.decode(zipped + zipped, coding: .gzip, limit: 1 << 20), text + text)
    }

    func testDeflateIsReadInTheZlibAndTheRawFormat() throws {
        let zipped = try XCTUnwrap(GzipCompressor.compress(text))
        // A gzip member is a 10-byte header, the raw deflate stream, and an 8-byte trailer.
        let raw = Array(zipped[10..<(zipped.count - 8)])
        XCTAssertEqual(try ContentDecoder.decode(raw, coding: .deflate, limit: 1 << 20), text)
        let zlib = [0x78, 0x9C] + raw + Self.adler32(text)
        XCTAssertTrue(ContentDecoder.hasZlibHeader(zlib))
        XCTAssertEqual(try ContentDecoder.decode(zlib, coding: .deflate, limit: 1 << 20), text)
    }

    func testABombStopsAtTheLimitAndCorruptStreamsAreNamed() throws {
        let bomb = try XCTUnwrap(GzipCompressor.compress([UInt8](repeating: 0, count: 10 << 20)))
        XCTAssertLessThan(bomb.count, 20_000)
        XCTAssertThrowsError(try ContentDecoder.decode(bomb, coding: .gzip, limit: 1 << 20)) {
            XCTAssertEqual($0 as? ContentDecodingError, .tooLarge(limit: 1 << 20))
        }
        let zipped = try XCTUnwrap(GzipCompressor.compress(text))
        for (name, body) in [
            ("truncated", Array(zipped.prefix(zipped.count - 12))), ("garbage", Array("not gzip at all".utf8)),
            ("empty", []), ("trailing", zipped + [1, 2, 3]),
        ] {
            XCTAssertThrowsError(try ContentDecoder.decode(body, coding: .gzip, limit: 1 << 20), name) {
                guard case .corrupt = $0 as? ContentDecodingError else { return XCTFail("\(name): \($0)") }
            }
        }
        XCTAssertEqual(try ContentDecoder.decode(text, coding: .identity, limit: text.count), text)
        XCTAssertThrowsError(try ContentDecoder.decode(text, coding: .identity, limit: 10))
    }

    func testAssetsOfferGzipToClientsThatAcceptIt() throws {
        let asset = StaticAsset(body: text, contentType: "text/plain", cacheControl: "no-cache", offeringGzip: true)
        func head(_ headers: [(String, String)]) -> HTTPRequestHead {
            HTTPRequestHead(method: "GET", target: "/", version: .http1_1, headers: HTTPHeaders(headers))
        }
        let zipped = asset.response(to: head([("Accept-Encoding", "br, gzip;q=0.8")]))
        XCTAssertEqual(zipped.headers["Content-Encoding"], "gzip")
        XCTAssertEqual(zipped.headers["Vary"], "Accept-Encoding")
        XCTAssertEqual(try ContentDecoder.decode(zipped.body, coding: .gzip, limit: 1 << 20), text)
        let plain = asset.response(to: head([("Accept-Encoding", "gzip;q=0, br")]))
        XCTAssertNil(plain.headers["Content-Encoding"])
        XCTAssertEqual(plain.body, text)
        XCTAssertNotEqual(plain.headers["ETag"], zipped.headers["ETag"], "each representation has its own tag")
        let revalidated = asset.response(
            to: head([("Accept-Encoding", "gzip"), ("If-None-Match", zipped.headers["ETag"] ?? "")]))
        XCTAssertEqual(revalidated.status, .notModified)
        XCTAssertEqual(revalidated.headers["Content-Encoding"], "gzip")
        XCTAssertFalse(StaticAsset.acceptsGzip(nil))
        XCTAssertTrue(StaticAsset.acceptsGzip("*"))
        XCTAssertFalse(StaticAsset.acceptsGzip("gzip;q=0.000"))
    }

    private static func adler32(_ bytes: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let value = b << 16 | a
        return [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
