import AnalyticsCore
import Foundation
import XCTest

/// What of a page's URL reaches the topic: the path, the campaign parameters and nothing else
/// (no password-reset tokens, e-mail addresses or fragments).
final class URLRedactorTests: XCTestCase {
    private let redactor = URLRedactor()

    private func assertRedacts(
        _ url: String, to expected: String, with redactor: URLRedactor? = nil, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        let redacted = (redactor ?? self.redactor).redact(url)
        // Long URLs are told apart by their length, so a failure stays readable.
        if expected.utf8.count > 200 {
            XCTAssertEqual(redacted.utf8.count, expected.utf8.count, "length", file: file, line: line)
            XCTAssertTrue(redacted == expected, "a long URL differs", file: file, line: line)
        } else {
            XCTAssertEqual(redacted, expected, url, file: file, line: line)
        }
    }

    func testTheIssuesExampleKeepsTheCampaignAndDropsTheTokenAndFragment() {
        assertRedacts(
            "https://example.com/reset?token=SECRET&utm_source=news#frag",
            to: "https://example.com/reset?utm_source=news")
    }

    func testAURLWithoutQueryOrFragmentIsReturnedAsItIs() {
        for url in [
            "https://example.com", "https://example.com/", "http://example.com:8080/a/b%20c/", "https://e.com/;x",
        ] {
            assertRedacts(url, to: url)
        }
    }

    func testAURLWithoutQueryOrFragmentIsNotCopied() {
        let url = "https://example.com/a/long/path/that/is/not/a/small/string/"
        let redacted = redactor.redact(url)
        let storage = { (text: String) in text.utf8.withContiguousStorageIfAvailable { $0.baseAddress } }
        XCTAssertNotNil(storage(url) ?? nil)
        XCTAssertEqual(storage(redacted), storage(url), "the same bytes, not a copy")
    }

    func testEveryDefaultParameterIsKeptInOrderAndOthersAreDropped() {
        assertRedacts(
            "https://e.com/p?email=a%40b.com&utm_source=s&utm_medium=m&utm_campaign=c&utm_term=t&utm_content=x"
                + "&ref=r&source=o&session=1",
            to: "https://e.com/p?utm_source=s&utm_medium=m&utm_campaign=c&utm_term=t&utm_content=x&ref=r&source=o")
    }

    func testAQueryWithNothingKeptLosesItsQuestionMark() {
        assertRedacts("https://e.com/reset?token=SECRET", to: "https://e.com/reset")
        assertRedacts("https://e.com?token=SECRET", to: "https://e.com")
    }

    func testAQuestionMarkOrHashAloneIsDropped() {
        assertRedacts("https://e.com/p?", to: "https://e.com/p")
        assertRedacts("https://e.com/p#", to: "https://e.com/p")
        assertRedacts("https://e.com/p?#", to: "https://e.com/p")
        assertRedacts("https://e.com/?&&", to: "https://e.com/")
    }

    func testTheFragmentIsDroppedWithWhateverItHolds() {
        assertRedacts("https://e.com/app#/inbox?token=SECRET", to: "https://e.com/app")
        assertRedacts("https://e.com/p?ref=a#utm_source=b", to: "https://e.com/p?ref=a")
        assertRedacts("https://e.com#access_token=SECRET", to: "https://e.com")
    }

    func testRepeatedKeysAreAllKeptAsTheyCame() {
        assertRedacts("https://e.com/?ref=a&token=x&ref=b", to: "https://e.com/?ref=a&ref=b")
    }

    func testNamesAreMatchedExactlySoOtherCasesAreDropped() {
        // Campaign reads utm_source as written (lowercase); UTM_SOURCE would count for nothing.
        assertRedacts("https://e.com/?UTM_SOURCE=a&Ref=b&utm_source=c", to: "https://e.com/?utm_source=c")
    }

    func testNamesAreComparedPercentDecodedAndPairsKeptAsWritten() {
        assertRedacts("https://e.com/?utm%5Fsource=a%20b+c", to: "https://e.com/?utm%5Fsource=a%20b+c")
        assertRedacts("https://e.com/?utm+source=a", to: "https://e.com/")
    }

    func testEmptyValuesAndNamesWithoutEqualsAreKept() {
        assertRedacts("https://e.com/?ref=&utm_source&x=", to: "https://e.com/?ref=&utm_source")
        assertRedacts("https://e.com/?=SECRET&=", to: "https://e.com/")
    }

    func testSemicolonsSeparatePairsSoNothingHidesInAKeptValue() {
        assertRedacts("https://e.com/?utm_source=a;token=SECRET", to: "https://e.com/?utm_source=a")
        assertRedacts("https://e.com/?token=SECRET;ref=b&source=c", to: "https://e.com/?ref=b&source=c")
    }

    func testPairsThatDoNotDecodeAreDropped() {
        assertRedacts("https://e.com/?utm_source=%zz&ref=%4", to: "https://e.com/")
        assertRedacts("https://e.com/?utm%2source=a&ref=%FF", to: "https://e.com/")
        assertRedacts("https://e.com/?ref=%E2%82%AC", to: "https://e.com/?ref=%E2%82%AC")
    }

    func testIDNAndIPv6HostsAndPortsAndUserInfoAreKeptAsWritten() {
        assertRedacts("https://bücher.example/p?token=x&ref=y", to: "https://bücher.example/p?ref=y")
        assertRedacts("https://xn--bcher-kva.example/?token=x", to: "https://xn--bcher-kva.example/")
        assertRedacts("http://[2001:db8::1]:8080/a?token=x#f", to: "http://[2001:db8::1]:8080/a")
        assertRedacts("https://[::1]?ref=1", to: "https://[::1]?ref=1")
    }

    func testAVeryLongQueryIsCutToWhatIsKept() {
        let secret = String(repeating: "s", count: 4000)
        assertRedacts("https://e.com/p?token=\(secret)&ref=a&b=\(secret)", to: "https://e.com/p?ref=a")
        let longKept = String(repeating: "v", count: 4000)
        assertRedacts("https://e.com/p?ref=\(longKept)#\(secret)", to: "https://e.com/p?ref=\(longKept)")
    }

    func testMoreParametersCanBeKeptBesidesTheDefaults() {
        let redactor = URLRedactor(alsoKept: ["q", "page"])
        assertRedacts(
            "https://e.com/search?q=shoes&page=2&token=x&ref=r", to: "https://e.com/search?q=shoes&page=2&ref=r",
            with: redactor)
        XCTAssertEqual(
            redactor.keptParameters,
            ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source", "q", "page"])
    }

    func testParameterNamesASettingMayList() {
        for name in ["q", "page", "utm_id", "filter[color]", "a.b-c"] {
            XCTAssertEqual(URLRedactor.parameterName(name), name)
        }
        for bad in ["", "a=b", "a&b", "a;b", "a#", "a?", "a b", "a%20b", "é"] {
            XCTAssertNil(URLRedactor.parameterName(bad), bad)
        }
    }

    func testTheCampaignIsStillReadFromARedactedURL() {
        let redacted = redactor.redact("https://e.com/p?email=a%40b.c&utm_source=News&utm_medium=mail&utm_campaign=x")
        XCTAssertEqual(Campaign(url: redacted), Campaign(source: "News", medium: "mail", name: "x"))
    }

    func testAPathLosesItsQueryAndFragmentWhole() {
        XCTAssertEqual(redactor.redact(path: "/reset?token=SECRET&utm_source=a#frag"), "/reset")
        XCTAssertEqual(redactor.redact(path: "/app#/inbox"), "/app")
        XCTAssertEqual(redactor.redact(path: "/?"), "/")
        XCTAssertEqual(redactor.redact(path: "/a;b/c%20d"), "/a;b/c%20d")
    }

    func testTheEnricherRedactsAPathTheClientGave() {
        var validated = ValidatedEvent(type: "page_view")
        validated.path = "/reset?token=SECRET#frag"
        let record = EventEnricher().enrich(validated, context: RequestContext(), receivedAt: Date(), generatedID: "id")
            .record
        XCTAssertEqual(record.path, "/reset")
    }

    func testTheEnricherRedactsURLAndReferrerAndDerivesThePathAsBefore() {
        var validated = ValidatedEvent(type: "page_view")
        validated.url = "https://example.com/reset?token=SECRET&utm_source=news#frag"
        validated.referrer = "https://mail.example/inbox?email=a%40b.c#msg"
        let record = EventEnricher().enrich(
            validated, context: RequestContext(clientAddress: "10.1.2.3"), receivedAt: Date(), generatedID: "id"
        ).record
        XCTAssertEqual(record.url, "https://example.com/reset?utm_source=news")
        XCTAssertEqual(record.referrer, "https://mail.example/inbox")
        XCTAssertEqual(record.path, "/reset")
    }
}
