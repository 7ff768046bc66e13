// libFuzzer target for the query API's way into SQL: `SQLLiteral`, the one escaping function,
// and `POST /api/v2/query` bodies through `StatsQueryParser` into `QuerySQL`.
//
// Properties checked on every input, beyond "does not crash":
// - `SQLLiteral.string` of the input's bytes is one literal that reads back as those bytes, with
//   no control byte left in it; `SQLLiteral.containing` is one literal too;
// - a body the parser accepts makes a statement whose text outside its literals does not change
//   when every filter value and the site are replaced: values can only ever be literals;
// - the statement has no NUL or line break, and ends with its FORMAT clause.
import ClickHouse
import Foundation
import HistoryQuery

private let goals = [Goal(name: "Signup", kind: .event("signup")), Goal(name: "Thanks", kind: .page("/thanks"))]
private let parser = StatsQueryParser(goals: goals)
private let utc = TimeZone(identifier: "UTC") ?? .current

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatsQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    let literal = SQLLiteral.string(text)
    check(read(literal) == Array(text.utf8), "SQLLiteral.string does not read back: \(literal)")
    check(!literal.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "a control byte in \(literal)")
    check(read(SQLLiteral.containing(text)) != nil, "SQLLiteral.containing is not one literal")

    guard let query = try? parser.parse(bytes) else { return 0 }
    let sql = statement(query)
    guard let shape = SQLLiteral.shape(of: sql) else {
        check(false, "a literal never ends in \(sql)")
        return 0
    }
    check(!sql.utf8.contains(0) && !sql.contains("\n"), "a NUL or line break in \(sql)")
    check(sql.hasSuffix("FORMAT JSONCompact"), "no FORMAT at the end of \(sql)")
    var plain = query
    plain.site = "x"
    plain.filters = query.filters.map(blank)
    check(SQLLiteral.shape(of: statement(plain)) == shape, "values changed the SQL outside its literals: \(sql)")
    return 0
}

private func statement(_ query: StatsQuery) -> String {
    let period = QueryPeriod(
        query.dateRange, comparison: query.comparison, timeZone: utc, now: Date(timeIntervalSince1970: 1_780_000_000))
    return QuerySQL(query: query, period: period, goals: goals, database: "analytics").statement
}

/// The filter with every value `x`, goals kept (their names choose SQL, not literals).
private func blank(_ filter: QueryFilter) -> QueryFilter {
    switch filter {
    case .compare(let op, let dimension, let values):
        .compare(op, dimension, dimension == .goal ? values : values.map { _ in "x" })
    case .and(let filters): .and(filters.map(blank))
    case .or(let filters): .or(filters.map(blank))
    case .not(let filter): .not(blank(filter))
    }
}

/// The bytes one whole string literal stands for; nil unless `sql` is exactly one literal.
private func read(_ sql: String) -> [UInt8]? {
    let bytes = Array(sql.utf8)
    guard bytes.count >= 2, bytes.first == UInt8(ascii: "'"), bytes.last == UInt8(ascii: "'") else { return nil }
    var result: [UInt8] = []
    var index = 1
    while index < bytes.count - 1 {
        let byte = bytes[index]
        if byte == UInt8(ascii: "'") { return nil }
        if byte == UInt8(ascii: "\\") {
            guard index + 1 < bytes.count - 1 else { return nil }
            let next = bytes[index + 1]
            if next == UInt8(ascii: "x") {
                guard index + 3 < bytes.count - 1,
                    let value = UInt8(String(decoding: bytes[(index + 2)...(index + 3)], as: UTF8.self), radix: 16)
                else { return nil }
                result.append(value)
                index += 4
                continue
            }
            result.append(next)
            index += 2
            continue
        }
        result.append(byte)
        index += 1
    }
    return result
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
