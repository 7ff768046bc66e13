import HTTPServer
import XCTest

final class ServerSentEventTests: XCTestCase {
    private func text(_ event: ServerSentEvent) -> String { String(decoding: event.bytes, as: UTF8.self) }

    func testOneLineOfDataIsOneFieldAndABlankLine() {
        XCTAssertEqual(text(ServerSentEvent(data: #"{"total_events":4}"#)), "data: {\"total_events\":4}\n\n")
    }

    func testEveryKindOfLineBreakStartsANewDataField() {
        XCTAssertEqual(text(ServerSentEvent(data: "a\nb\r\nc\rd")), "data: a\ndata: b\ndata: c\ndata: d\n\n")
    }

    func testEmptyDataIsStillAnEvent() {
        XCTAssertEqual(text(ServerSentEvent(data: "")), "data: \n\n")
    }

    func testEventIdAndRetryComeBeforeTheData() {
        let event = ServerSentEvent(event: "unchanged", data: "x", id: "7", retryMilliseconds: 2000)
        XCTAssertEqual(text(event), "retry: 2000\nevent: unchanged\nid: 7\ndata: x\n\n")
    }

    func testLineBreaksCannotSmuggleFieldsIntoEventOrId() {
        let event = ServerSentEvent(event: "a\ndata: evil", data: "x", id: "1\r\nretry: 1")
        XCTAssertEqual(text(event), "event: a data: evil\nid: 1 retry: 1\ndata: x\n\n")
    }

    func testCommentIsOneLineStartingWithAColon() {
        XCTAssertEqual(
            String(decoding: ServerSentEvent.comment("heartbeat\nnow"), as: UTF8.self), ": heartbeat now\n\n")
    }
}
