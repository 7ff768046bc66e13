import Foundation
import HTTPServer
import Logging
import XCTest

/// A server that cannot start gives back everything it took, its bound socket included.
final class HTTPServerStartFailureTests: XCTestCase {
    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    func testAnEventLoopThatCannotStartLeavesNoSocketBehind() throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.eventLoopCount = 64
        let before = Set(Self.openDescriptors())
        var limit = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit), 0)
        // Room for the listening socket and a loop, not for 64 loops (two descriptors each), even if
        // a descriptor or two of an earlier test closes meanwhile.
        let highest = Int(before.max() ?? 0)
        let free = (0...highest).filter { !before.contains(Int32($0)) }.count
        var low = limit
        low.rlim_cur = rlim_t(highest + 1 + 3 - free)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &low), 0)
        let result = Result {
            try HTTPServer(configuration: configuration, responder: Router(), logger: Logger(label: "test"))
        }
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit), 0)
        guard case .failure(let error) = result else { return XCTFail("started with too few descriptors") }
        XCTAssertTrue("\(error)".contains("Too many open files"), "\(error)")
        // Descriptors of earlier tests may have closed meanwhile; none may have been added.
        XCTAssertEqual(Set(Self.openDescriptors()).subtracting(before), [], "descriptors left open by the failed start")
    }
}
