// libFuzzer target for gzip and deflate request bodies (`ContentDecoder`, `ContentCoding`).
//
// The first byte picks the coding and a limit; the rest is the body. Properties checked on every
// input, beyond "does not crash":
// - a decoded body never exceeds its limit, and a body over it is refused as `tooLarge` with that
//   limit, whatever the limit (one byte of it, the first byte's, or a generous one);
// - the limit only decides between a body and `tooLarge`: a body that decodes under a generous
//   limit decodes to the same bytes under any limit it fits, and is `tooLarge` under any smaller one;
// - whatever `GzipCompressor` writes decodes back to the input;
// - the input as a `Content-Encoding` header is read without crashing, and a header that names one
//   coding (in any case, with spaces) is that coding.
import HTTPServer

private let generousLimit = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContentDecoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let coding: ContentCoding = [.gzip, .deflate, .identity][Int(control & 3) % 3]
    let limit = Int(control >> 2) * 64

    let generous = decode(body, coding, limit: generousLimit)
    let limited = decode(body, coding, limit: limit)
    switch (generous, limited) {
    case (.success(let whole), .success(let bytes)):
        check(bytes == whole, "the limit changed the decoded bytes")
        check(bytes.count <= limit, "decoded \(bytes.count) bytes past the limit \(limit)")
    case (.success(let whole), .failure(.tooLarge(let reported))):
        check(whole.count > limit, "refused \(whole.count) bytes as too large for the limit \(limit)")
        check(reported == limit, "refused with the limit \(reported), not \(limit)")
    case (.success(let whole), .failure(let error)):
        fatalError("decodes to \(whole.count) bytes, yet under the limit \(limit): \(error)")
    case (.failure(.tooLarge(let reported)), let limited):
        check(reported == generousLimit, "refused with the limit \(reported), not \(generousLimit)")
        check(
            limited == .failure(.tooLarge(limit: limit)),
            "too large for \(generousLimit) bytes, yet \(limited) for \(limit)")
    case (.failure(.corrupt(let reason)), .success):
        fatalError("corrupt under a generous limit (\(reason)), decodes under \(limit)")
    case (.failure(.corrupt), .failure):
        break  // corrupt, or too large before the corruption is reached, depending on the limit
    }

    if let compressed = GzipCompressor.compress(body) {
        check(
            decode(compressed, .gzip, limit: body.count) == .success(body),
            "a gzip body from GzipCompressor does not decode")
        if !body.isEmpty {
            check(
                decode(compressed, .gzip, limit: body.count - 1) == .failure(.tooLarge(limit: body.count - 1)),
                "a gzip body one byte over the limit is not refused as too large")
        }
    } else {
        fatalError("GzipCompressor could not compress \(body.count) bytes")
    }

    let header = String(decoding: body, as: UTF8.self)
    _ = ContentCoding(header: header)
    let name = ["gzip", "deflate", "identity"][Int(control & 3) % 3]
    let spelled = (control & 4 != 0 ? " " : "") + (control & 8 != 0 ? name.uppercased() : name) + "\t"
    check(ContentCoding(header: spelled) == coding, "Content-Encoding \"\(spelled)\" is not \(coding)")
    return 0
}

private func decode(_ body: [UInt8], _ coding: ContentCoding, limit: Int) -> Result<[UInt8], ContentDecodingError> {
    Result { () throws(ContentDecodingError) in try ContentDecoder.decode(body, coding: coding, limit: limit) }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
