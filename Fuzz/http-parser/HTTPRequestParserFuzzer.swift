// libFuzzer target for HTTPRequestParser (`make fuzz`, scripts/fuzz.sh).
//
// Properties checked on every input, beyond "does not crash":
// - feeding the bytes in one piece or split at arbitrary points gives the same requests and the
//   same error (the parser is incremental, so chunking must never change the outcome);
// - a parsed body never exceeds the body limit, and while waiting for more the parser holds no
//   more than a head's worth of bytes (bodies are taken out as they arrive).
import HTTPServer

private func parseAll(_ chunks: [ArraySlice<UInt8>], limits: HTTPRequestParser.Limits) -> String {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ""
    for chunk in chunks {
        parser.append(Array(chunk))
        do {
            while let request = try parser.nextRequest() {
                precondition(request.body.count <= limits.maxBodyBytes, "body over the limit")
                let head = request.head
                outcome += "\(head.method) \(head.target) \(head.version) \(head.headers.count) \(request.body.count);"
            }
            // Waiting for more: what it holds is part of a head (or a chunk line or trailer), never more.
            precondition(parser.bufferedCount <= limits.maxHeaderBytes + 2, "\(parser.bufferedCount) bytes buffered")
        } catch {
            return outcome + "error: \(error)"
        }
    }
    return outcome + "partial: \(parser.hasPartialRequest)"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = HTTPRequestParser.Limits()
    limits.maxHeaderBytes = 2048
    limits.maxHeaderCount = 16
    limits.maxBodyBytes = 4096
    let whole = parseAll([bytes[...]], limits: limits)
    // Split points derived from the input itself, so the fuzzer explores them too.
    var chunks: [ArraySlice<UInt8>] = []
    var start = 0
    var step = 1 + Int(bytes.first ?? 0) % 7
    while start < bytes.count {
        let end = min(bytes.count, start + step)
        chunks.append(bytes[start..<end])
        start = end
        step = 1 + (step * 5 + 3) % 11
    }
    let split = parseAll(chunks, limits: limits)
    if whole != split {
        fatalError("chunking changed the outcome:\nwhole: \(whole)\nsplit: \(split)")
    }
    return 0
}
