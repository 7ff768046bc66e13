// libFuzzer target for event validation (built by `make fuzz` with swiftc -sanitize=fuzzer).
//
// Properties checked on every input, beyond "does not crash":
// - any JSON the parser accepts is written back by JSONWriter and parses to the same value;
// - any event the validator accepts enriches, encodes and decodes back to the same event.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventValidation(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONParser.parse(bytes) {
        var writer = JSONWriter()
        writer.value(value)
        guard let again = try? JSONParser.parse(writer.bytes) else {
            fatalError("JSONWriter output does not parse: \(String(decoding: writer.bytes, as: UTF8.self))")
        }
        if again != value {
            fatalError("JSON round trip changed the value: \(value) -> \(again)")
        }
    }
    guard let validated = try? EventValidator().validate(body: bytes) else { return 0 }
    let event = EventEnricher().enrich(
        validated, context: RequestContext(remoteAddress: "127.0.0.1", userAgent: "fuzzer"),
        receivedAt: Date(timeIntervalSince1970: 1_795_867_200), generatedID: "0f8fad5b-d9cb-469f-a165-70867728950e")
    let codec = EventCodec()
    do {
        let decoded = try codec.decode(codec.encode(event))
        if decoded != event { fatalError("record round trip changed the event: \(event) -> \(decoded)") }
    } catch {
        fatalError("an accepted event does not decode: \(error)")
    }
    return 0
}

import Foundation
