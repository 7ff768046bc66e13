// libFuzzer target for event validation (`make fuzz`, scripts/fuzz.sh).
//
// Properties checked on every input, beyond "does not crash":
// - any JSON the parser accepts is written back by JSONWriter and parses to the same value;
// - any event the validator accepts enriches, encodes and decodes back to the same event;
// - the input as a `User-Agent` header classifies without crashing, and a bot's reason is
//   printable ASCII (it goes into JSON answers and the pixel's header).
import AnalyticsCore
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventValidation(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let header = String(decoding: bytes, as: UTF8.self)
    for agent in [VisitorAgent(body: header, header: nil), VisitorAgent(body: nil, header: header)] {
        if case .bot(let match) = agent.classification,
            !match.reason.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 >= 0x80 })
                || match.excerpt.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F })
        {
            fatalError("a bot's reason is not printable: \(match.reason)")
        }
    }
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
        validated, context: RequestContext(clientAddress: "127.0.0.1", userAgent: "fuzzer"),
        receivedAt: Date(timeIntervalSince1970: 1_795_867_200), generatedID: "0f8fad5b-d9cb-469f-a165-70867728950e"
    ).record
    let codec = EventCodec()
    do {
        let decoded = try codec.decode(codec.encode(event))
        if decoded != event { fatalError("record round trip changed the event: \(event) -> \(decoded)") }
    } catch {
        fatalError("an accepted event does not decode: \(error)")
    }
    return 0
}
