import AnalyticsCore
import XCTest

final class SiteNameTests: XCTestCase {
    func testAGivenSiteIsAHostNameLowercased() {
        XCTAssertEqual(SiteName.normalized("Shop.Example.com"), "shop.example.com")
        XCTAssertEqual(SiteName.normalized("localhost"), "localhost")
        XCTAssertEqual(SiteName.normalized("a-b.c1"), "a-b.c1")
        for bad in [
            "", ".", "example..com", ".example.com", "example.com.", "exa mple.com", "example.com/x", "<b>x</b>",
            "ex\u{0}ample", "exämple.com", "\u{212A}.com", String(repeating: "a", count: 64) + ".com",
            String(repeating: "a.", count: 127) + "a",
        ] {
            XCTAssertNil(SiteName.normalized(bad), bad)
        }
        XCTAssertNotNil(SiteName.normalized(String(repeating: "a.", count: 126) + "a"), "253 characters")
    }

    func testTheSiteIsTheGivenOneThenTheURLHostThenTheOriginThenTheDefault() {
        func site(_ given: String?, _ url: String?, _ origin: String?) -> String {
            SiteName.resolve(site: given, url: url, origin: origin, fallback: "default")
        }
        XCTAssertEqual(site("blog.example.com", "https://shop.example.com/", "https://x.example"), "blog.example.com")
        XCTAssertEqual(site(nil, "https://www.Example.com:8443/a?b", "https://x.example"), "example.com")
        XCTAssertEqual(site(nil, "https://www2.example.com/", nil), "www2.example.com")
        XCTAssertEqual(site(nil, nil, "https://www.origin.example"), "origin.example")
        XCTAssertEqual(site(nil, nil, "null"), "default")
        XCTAssertEqual(site(nil, nil, nil), "default")
        XCTAssertEqual(site(nil, "https://www./", nil), "www.", "nothing left after www. keeps the host")
    }

    func testTheEnricherPutsTheSiteAndCountryOnTheRecord() throws {
        let ranges = try CountryRanges(ipv4: Array("134217728,150994943,US\n".utf8), ipv6: [])
        let enricher = EventEnricher(ipPolicy: .drop, defaultSite: "main", countries: ranges)
        var event = ValidatedEvent(type: "page_view")
        event.url = "https://www.example.com/"
        let context = RequestContext(clientAddress: "8.8.8.8", origin: "https://other.example")
        let record = enricher.enrich(event, context: context, receivedAt: Date(), generatedID: "id").record
        XCTAssertEqual(record.site, "example.com")
        XCTAssertEqual(record.country, "US")
        XCTAssertNil(record.ipAddress, "the country, not the address")
        let bytes = EventCodec().encode(record)
        XCTAssertEqual(try EventCodec().decode(bytes), record)
        let local = enricher.enrich(
            ValidatedEvent(type: "click"), context: RequestContext(clientAddress: "127.0.0.1"), receivedAt: Date(),
            generatedID: "id2"
        ).record
        XCTAssertEqual(local.site, "main")
        XCTAssertNil(local.country)
    }
}
