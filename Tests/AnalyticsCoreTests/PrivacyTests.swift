import AnalyticsCore
import Foundation
import XCTest

final class IPAddressTests: XCTestCase {
    func testParsingMaskingAndNetworks() throws {
        XCTAssertEqual(IPAddress("203.0.113.77")?.masked(toPrefix: 24).description, "203.0.113.0")
        XCTAssertEqual(
            IPAddress("2001:db8:85a3:8d3:1319:8a2e:370:7348")?.masked(toPrefix: 48).description, "2001:db8:85a3::")
        XCTAssertEqual(IPAddress("::ffff:198.51.100.9")?.family, .v4, "IPv4-mapped addresses are IPv4")
        XCTAssertEqual(IPAddress("::ffff:198.51.100.9")?.description, "198.51.100.9")
        XCTAssertNil(IPAddress("300.1.1.1"))
        XCTAssertNil(IPAddress("example.com"))
        let network = try XCTUnwrap(IPNetwork("10.0.0.0/8"))
        XCTAssertTrue(network.contains(try XCTUnwrap(IPAddress("10.200.3.4"))))
        XCTAssertFalse(network.contains(try XCTUnwrap(IPAddress("11.0.0.1"))))
        XCTAssertFalse(network.contains(try XCTUnwrap(IPAddress("::a00:1"))), "families never match")
        XCTAssertEqual(IPNetwork("192.0.2.7")?.description, "192.0.2.7/32")
        XCTAssertEqual(IPNetwork("2001:db8::1/32")?.description, "2001:db8::/32")
        for bad in ["10.0.0.0/33", "10.0.0.0/x", "/8", "fe80::/129", ""] { XCTAssertNil(IPNetwork(bad), bad) }
    }

    /// `inet_pton` stops at a NUL: the address before it must not stand for the whole text.
    func testTextAfterANULIsNotIgnored() {
        XCTAssertNil(IPAddress("10.0.0.1\u{0}junk"))
        XCTAssertNil(IPAddress("2001:db8::1\u{0}"))
        XCTAssertNil(IPNetwork("10.0.0.0\u{0}junk/8"))
    }

    func testMasksAtEveryBoundaryAndDottedQuads() throws {
        let v4 = "203.0.113.77"
        let v6 = "2001:db8:85a3:8d3:1319:8a2e:370:7348"
        let masks: [(address: String, prefix: Int, masked: String)] = [
            (v4, 0, "0.0.0.0"), (v4, 8, "203.0.0.0"), (v4, 25, "203.0.113.0"), (v4, 26, "203.0.113.64"),
            (v4, 32, v4), (v6, 0, "::"), (v6, 64, "2001:db8:85a3:8d3::"), (v6, 65, "2001:db8:85a3:8d3::"),
            (v6, 68, "2001:db8:85a3:8d3:1000::"), (v6, 128, v6),
        ]
        for (address, prefix, masked) in masks {
            XCTAssertEqual(
                try XCTUnwrap(IPAddress(address)).masked(toPrefix: prefix).description, masked, "\(address)/\(prefix)")
        }
        for text in ["0.0.0.0", "255.255.255.255", "10.0.100.9", "1.22.133.4"] {
            XCTAssertEqual(IPAddress(text)?.description, text)
        }
        XCTAssertEqual(IPAddress("::1")?.description, "::1")
        XCTAssertEqual(IPAddress("::ffff:10.1.2.3"), IPAddress("10.1.2.3"), "one client, one key")
        XCTAssertNotEqual(IPAddress("::a01:203"), IPAddress("10.1.2.3"), "IPv4-compatible is not IPv4-mapped")
    }

    func testPolicies() {
        XCTAssertEqual(IPPolicy.anonymize.apply(to: "198.51.100.23"), "198.51.100.0")
        XCTAssertEqual(IPPolicy.anonymize.apply(to: "2001:db8:1234:5678::9"), "2001:db8:1234::")
        XCTAssertEqual(IPPolicy.keep.apply(to: "198.51.100.23"), "198.51.100.23")
        XCTAssertNil(IPPolicy.drop.apply(to: "198.51.100.23"))
        XCTAssertNil(IPPolicy.anonymize.apply(to: nil))
    }
}

final class ClientAddressResolverTests: XCTestCase {
    let proxies = [IPNetwork("10.0.0.0/8"), IPNetwork("::1")].compactMap { $0 }
    var resolver: ClientAddressResolver { ClientAddressResolver(trustedProxies: proxies) }

    func testHeadersFromAnUntrustedPeerAreIgnored() {
        XCTAssertEqual(resolver.clientAddress(peer: "203.0.113.5", headerValue: "1.2.3.4"), "203.0.113.5")
        XCTAssertEqual(
            ClientAddressResolver().clientAddress(peer: "10.0.0.1", headerValue: "1.2.3.4"), "10.0.0.1",
            "no trusted proxies: never believed")
    }

    func testTheChainIsReadFromTheRightUpToTheFirstUntrustedHop() {
        XCTAssertEqual(resolver.header, .xForwardedFor, "X-Forwarded-For by default")
        // The client wrote "6.6.6.6" itself; the proxies appended what they saw.
        XCTAssertEqual(
            resolver.clientAddress(peer: "10.0.0.2", headerValue: "6.6.6.6, 198.51.100.7, 10.1.1.1"), "198.51.100.7")
        XCTAssertEqual(resolver.clientAddress(peer: "10.0.0.2", headerValue: "10.9.9.9"), "10.9.9.9")
        XCTAssertEqual(resolver.clientAddress(peer: "10.0.0.2", headerValue: "junk, 198.51.100.7"), "198.51.100.7")
        XCTAssertEqual(resolver.clientAddress(peer: "10.0.0.2", headerValue: nil), "10.0.0.2")
        XCTAssertEqual(resolver.clientAddress(peer: "10.0.0.2", headerValue: "198.51.100.7:4711"), "198.51.100.7")
    }

    /// Issue 29: an element the walk cannot parse ends it at the last hop believed; nothing to
    /// its left was vouched for by anyone.
    func testAnElementThatNamesNoAddressStopsTheWalk() {
        for chain in ["198.51.100.7, unknown", "198.51.100.7, ", "198.51.100.7,,10.0.0.9", "198.51.100.7, _hidden"] {
            XCTAssertNotEqual(resolver.clientAddress(peer: "10.0.0.2", headerValue: chain), "198.51.100.7", chain)
        }
        XCTAssertEqual(
            resolver.clientAddress(peer: "10.0.0.2", headerValue: "198.51.100.7, junk, 10.0.0.9"), "10.0.0.9")
        // Whitespace is trimmed as bytes: a combining mark after the space (one Character with
        // it) stays, so the element is not an address, as a proxy would see it.
        XCTAssertEqual(
            resolver.clientAddress(peer: "10.0.0.2", headerValue: "198.51.100.7, \u{301}198.51.100.8"), "10.0.0.2")
        let forwarded = ClientAddressResolver(trustedProxies: proxies, header: .forwarded)
        // Before issue 29 an element without `for=` was skipped, so 198.51.100.99 was believed.
        XCTAssertEqual(
            forwarded.clientAddress(peer: "10.0.0.2", headerValue: "for=198.51.100.99, proto=https;by=10.0.0.1"),
            "10.0.0.2")
        XCTAssertEqual(forwarded.clientAddress(peer: "10.0.0.2", headerValue: #"for="198.51.100.9"#), "10.0.0.2")
        XCTAssertEqual(forwarded.clientAddress(peer: "10.0.0.2", headerValue: #"for="1.2.3.4"5.6.7.8""#), "10.0.0.2")
    }

    func testForwardedWithQuotesPortsAndIPv6() {
        let forwarded = ClientAddressResolver(trustedProxies: proxies, header: .forwarded)
        XCTAssertEqual(
            forwarded.clientAddress(
                peer: "::1", headerValue: #"for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711""#),
            "2001:db8:cafe::17")
        XCTAssertEqual(forwarded.clientAddress(peer: "10.0.0.2", headerValue: "For=\"192.0.2.60:8080\""), "192.0.2.60")
    }

    func testTheHeaderIsNamedByTheOperator() {
        XCTAssertEqual(ForwardingHeader(name: "Forwarded"), .forwarded)
        XCTAssertEqual(ForwardingHeader(name: "FORWARDED"), .forwarded)
        XCTAssertEqual(ForwardingHeader(name: "X-Real-IP"), .addressList(name: "X-Real-IP"))
        XCTAssertEqual(ForwardingHeader(name: "X-Forwarded-For"), .xForwardedFor)
        for bad in ["", "X Real IP", "X-Real-IP:", "a\r\nb", String(repeating: "x", count: 65)] {
            XCTAssertNil(ForwardingHeader(name: bad), bad)
        }
        let realIP = ClientAddressResolver(trustedProxies: proxies, header: .addressList(name: "X-Real-IP"))
        XCTAssertEqual(realIP.clientAddress(peer: "10.0.0.2", headerValue: "203.0.113.44"), "203.0.113.44")
    }
}

final class VisitorIdentityTests: XCTestCase {
    /// The reference vectors of the SipHash paper (key 00..0f, messages 00..(n-1)).
    func testSipHashMatchesTheReferenceVectors() {
        let key = Array(UInt8(0)...15)
        func hash(_ length: Int) -> UInt64 {
            var hasher = SipHash24(key: key)
            hasher.combine((0..<length).map { UInt8($0) })
            return hasher.finalize()
        }
        XCTAssertEqual(hash(0), 0x726f_db47_dd0e_0e31)
        XCTAssertEqual(hash(1), 0x74f8_39c5_93dc_67fd)
        XCTAssertEqual(hash(8), 0x93f5_f579_9a93_2462)
        XCTAssertEqual(hash(15), 0xa129_ca61_49be_45e5)
        XCTAssertEqual(hash(63), 0x958a_324c_eb06_4572)
        // Fed in pieces of every size (whole words and byte-by-byte ends mixed), the same hash.
        let message = (0..<63).map { UInt8($0) }
        for split in [1, 3, 7, 8, 9, 16, 30] {
            var hasher = SipHash24(key: key)
            var rest = message[...]
            while !rest.isEmpty {
                hasher.combine(Array(rest.prefix(split)))
                rest = rest.dropFirst(split)
            }
            XCTAssertEqual(hasher.finalize(), 0x958a_324c_eb06_4572, "pieces of \(split)")
        }
    }

    /// A visitor id must not change when the producer is upgraded mid-day: these were computed
    /// by an independent SipHash-2-4 over "host\0address\0user agent".
    func testVisitorIDsAreStable() throws {
        let salt = try XCTUnwrap(VisitorSalt(day: "2026-12-02", hexKey: "000102030405060708090a0b0c0d0e0f"))
        XCTAssertEqual(
            salt.visitorID(siteHost: "example.com", clientAddress: "198.51.100.7", userAgent: "UA"), "0b986570aa2e8826")
        XCTAssertEqual(
            salt.visitorID(
                siteHost: "Shop.Example", clientAddress: "2001:db8::1",
                userAgent:
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
            ), "a5e3ab5033893eb3")
    }

    func testVisitorIDsDependOnEveryInputAndTheDaysSalt() throws {
        let today = try XCTUnwrap(VisitorSalt(day: "2026-12-02", hexKey: "000102030405060708090a0b0c0d0e0f"))
        XCTAssertEqual(today.hexKey, "000102030405060708090a0b0c0d0e0f")
        let id = today.visitorID(siteHost: "example.com", clientAddress: "198.51.100.7", userAgent: "UA")
        XCTAssertNotNil(id.wholeMatch(of: /[0-9a-f]{16}/))
        XCTAssertEqual(id, today.visitorID(siteHost: "EXAMPLE.com", clientAddress: "198.51.100.7", userAgent: "UA"))
        XCTAssertNotEqual(id, today.visitorID(siteHost: "other.com", clientAddress: "198.51.100.7", userAgent: "UA"))
        XCTAssertNotEqual(id, today.visitorID(siteHost: "example.com", clientAddress: "198.51.100.8", userAgent: "UA"))
        XCTAssertNotEqual(id, today.visitorID(siteHost: "example.com", clientAddress: "198.51.100.7", userAgent: "UB"))
        let tomorrow = VisitorSalt.random(day: "2026-12-03")
        XCTAssertNotEqual(
            id, tomorrow.visitorID(siteHost: "example.com", clientAddress: "198.51.100.7", userAgent: "UA"))
        XCTAssertNotEqual(tomorrow.key, VisitorSalt.random(day: "2026-12-03").key)
        XCTAssertNil(VisitorSalt(day: "2026-12-02", hexKey: "00"))
        XCTAssertNil(VisitorSalt(day: "2026-12-02", hexKey: String(repeating: "g", count: 32)))
    }

    func testTheEnricherGivesAVisitorIDOnlyWithoutAUserIDAndNeverPublishesTheRawAddress() throws {
        let salt = VisitorSalt.random(day: "2026-12-02")
        var validated = ValidatedEvent(type: "page_view")
        validated.url = "https://shop.example/cart"
        let context = RequestContext(clientAddress: "198.51.100.7", userAgent: "Mozilla/5.0 Firefox/120.0")
        let now = Date()
        let anonymous = EventEnricher().enrich(
            validated, context: context, receivedAt: now, generatedID: "i", salt: salt
        ).record
        XCTAssertEqual(
            anonymous.visitorID,
            salt.visitorID(
                siteHost: "shop.example", clientAddress: "198.51.100.7", userAgent: "Mozilla/5.0 Firefox/120.0"))
        XCTAssertEqual(anonymous.ipAddress, "198.51.100.0")
        XCTAssertFalse(anonymous.isBot)
        let dropped = EventEnricher(ipPolicy: .drop).enrich(
            validated, context: context, receivedAt: now, generatedID: "i", salt: salt
        ).record
        XCTAssertNil(dropped.ipAddress)
        XCTAssertEqual(dropped.visitorID, anonymous.visitorID, "the visitor id uses the raw address in memory")
        validated.userID = "u1"
        XCTAssertNil(
            EventEnricher().enrich(validated, context: context, receivedAt: now, generatedID: "i", salt: salt).record
                .visitorID
        )
    }
}

final class BotUserAgentTests: XCTestCase {
    static let bots = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.224 Safari/537.36",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "curl/7.88.1",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.224 Safari/537.36",
        "python-requests/2.31.0", "Go-http-client/1.1", "Wget/1.21.3",
    ]
    static let people = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    ]

    func testBotsAndHeadlessBrowsersAreBotsAndBrowsersArePeople() {
        for agent in Self.bots { XCTAssertTrue(BotUserAgents.isBot(agent), agent) }
        for agent in Self.people { XCTAssertFalse(BotUserAgents.isBot(agent), agent) }
        XCTAssertFalse(BotUserAgents.isBot(nil))
        XCTAssertEqual(UserAgentClassifier.device(Self.bots[2]), "bot", "one list for both")
    }

    func testTokensMatchInAnyCaseAnywhereAndPrefixesOnlyAtTheStart() {
        XCTAssertTrue(BotUserAgents.isBot("GOOGLEBOT"))
        XCTAssertTrue(BotUserAgents.isBot("bot"), "a token that is the whole text")
        XCTAssertTrue(BotUserAgents.isBot("Mozilla/5.0 x-archiver"), "a token at the very end")
        XCTAssertFalse(BotUserAgents.isBot("Mozilla/5.0 x-archive"), "a token cut short by the end")
        XCTAssertTrue(BotUserAgents.isBot("CURL/8.0"))
        XCTAssertFalse(BotUserAgents.isBot("Mozilla/5.0 curl/8.0"), "a library name counts only at the start")
        XCTAssertFalse(BotUserAgents.isBot("c"))
        XCTAssertFalse(BotUserAgents.isBot(""))
        XCTAssertTrue(BotUserAgents.isBot("Mozilla/5.0 (compatible; b\u{e9}bot/1.0) SpIdEr"), "after non-ASCII bytes")
    }
}

final class CampaignTests: XCTestCase {
    func testUTMTagsAndRef() {
        let tagged = Campaign(
            url: "https://example.com/?utm_source=Newsletter&utm_medium=email&utm_campaign=winter+sale%21#x")
        XCTAssertEqual(tagged, Campaign(source: "Newsletter", medium: "email", name: "winter sale!"))
        XCTAssertEqual(Campaign(url: "https://example.com/p?ref=producthunt")?.source, "producthunt")
        XCTAssertEqual(
            Campaign(url: "https://example.com/p?ref=a&utm_source=b")?.source, "b", "utm_source wins over ref")
        XCTAssertNil(Campaign(url: "https://example.com/p?q=1"))
        XCTAssertNil(Campaign(url: "https://example.com/p"))
        XCTAssertNil(Campaign(url: "https://example.com/p?utm_source=%zz"), "a bad escape is skipped, not guessed")
        XCTAssertNil(Campaign(url: "https://example.com/p?utm_source="))
    }

    func testQueryParametersDecodeOnceAndRefuseBadEscapes() throws {
        let pairs = try QueryParameters.parse(
            "type=page_view&url=https%3A%2F%2Fa.example%2F%3Fq%3D%2541&flag&&x=%C3%A9")
        XCTAssertEqual(pairs.map(\.name), ["type", "url", "flag", "x"])
        XCTAssertEqual(pairs[1].value, "https://a.example/?q=%41", "decoded once: %2541 is %41")
        XCTAssertEqual(pairs[2].value, "")
        XCTAssertEqual(pairs[3].value, "é")
        XCTAssertThrowsError(try QueryParameters.parse("url=%4")) {
            XCTAssertEqual($0 as? QueryParameters.DecodingError, .badEscape(parameter: "url"))
        }
        XCTAssertThrowsError(try QueryParameters.parse("url=%C3")) {
            XCTAssertEqual($0 as? QueryParameters.DecodingError, .notUTF8(parameter: "url"))
        }
    }

    /// `first` skips a pair that does not decode on its own: another parameter's bad escape hides
    /// nothing, and a bad value of the name itself gives way to a later good one.
    func testFirstSkipsOnlyThePairsThatDoNotDecode() {
        XCTAssertEqual(QueryParameters.first("token", in: "x=%zz&token=a%2Bb&y=%FF"), "a+b")
        XCTAssertEqual(QueryParameters.first("token", in: "token=%zz&token=good"), "good")
        XCTAssertEqual(QueryParameters.first("token", in: "%74oken=c"), "c")
        XCTAssertNil(QueryParameters.first("token", in: "token=%zz"))
        XCTAssertNil(QueryParameters.first("token", in: "tokens=1"))
        XCTAssertNil(QueryParameters.first("token", in: nil))
        XCTAssertEqual(QueryParameters.first("flag", in: "flag&x=1"), "")
    }
}
