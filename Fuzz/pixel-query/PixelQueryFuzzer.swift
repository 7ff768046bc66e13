// libFuzzer target for the query string of `GET /pixel.gif` (`QueryParameters`), and the event
// the pixel makes of it (each parameter a string, `metadata` JSON, as `PixelRoute` does).
//
// Properties checked on every input, beyond "does not crash":
// - a query without `%` always reads: only a bad escape, or escapes that make bad UTF-8, refuse one;
// - every non-empty `&` piece is one pair, and decoding never makes a name or value longer;
// - the pairs, percent-encoded again, read back as the same pairs (each decoded exactly once);
// - `first(_:in:)` finds the first pair of a name;
// - an event the validator accepts from the pairs has the type the last `type` parameter gave.
import AnalyticsCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPixelQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let query = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let pairs: [(name: String, value: String)]
    do {
        pairs = try QueryParameters.parse(query)
    } catch {
        check(query.utf8.contains(UInt8(ascii: "%")), "a query without % is refused: \(error)")
        return 0
    }
    let pieces = query.utf8.split(separator: UInt8(ascii: "&"))
    check(pairs.count == pieces.count, "\(pieces.count) pieces read as \(pairs.count) pairs")
    for (pair, piece) in zip(pairs, pieces) {
        check(pair.name.utf8.count + pair.value.utf8.count <= piece.count, "decoding made \(pair) longer")
    }

    let again = try? QueryParameters.parse(encoded(pairs))
    check(
        again.map { $0.elementsEqual(pairs) { $0.name == $1.name && $0.value == $1.value } } == true,
        "\(pairs) encoded again reads as \(String(describing: again))")
    if let name = pairs.first?.name {
        check(QueryParameters.first(name, in: query) == pairs.first?.value, "first(\(name)) is not the first pair")
    }

    guard let members = pixelMembers(pairs), let event = try? EventValidator().validate(members: members) else {
        return 0
    }
    let lastType = pairs.last { $0.name == "type" }?.value
    check(
        event.type == lastType,
        "the event's type \(event.type) is not the last type parameter \(String(describing: lastType))")
    return 0
}

/// The pixel's members: every parameter a string, `metadata` parsed as JSON; nil when the pixel
/// refuses the query before validation (no parameters, or `metadata` that is not JSON).
/// Keep in step with `IngestionRoutes.members(query:)` in Sources/producer/PixelRoute.swift.
private func pixelMembers(_ pairs: [(name: String, value: String)]) -> [(key: String, value: JSONValue)]? {
    guard !pairs.isEmpty else { return nil }
    var members: [(key: String, value: JSONValue)] = []
    for (name, value) in pairs {
        if name == "metadata" {
            guard let json = try? EventValidator.parse(Array(value.utf8)) else { return nil }
            members.append((name, json))
        } else {
            members.append((name, .string(value)))
        }
    }
    return members
}

/// `application/x-www-form-urlencoded` as a browser writes it: unreserved bytes as they are,
/// space as `+`, every other byte percent-encoded (upper- or lower-case hex, to read both).
private func encoded(_ pairs: [(name: String, value: String)]) -> String {
    var out: [UInt8] = []
    func append(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: " "): out.append(UInt8(ascii: "+"))
            default:
                let digits = Array((byte & 1 == 0 ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            }
        }
    }
    for (index, pair) in pairs.enumerated() {
        if index > 0 { out.append(UInt8(ascii: "&")) }
        append(pair.name)
        out.append(UInt8(ascii: "="))
        append(pair.value)
    }
    return String(decoding: out, as: UTF8.self)
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
