import TestSupport
import XCTest

/// A test case with a development broker of its own, started before each test and stopped after
/// it with every service the test started; a failing test prints their output.
class PipelineTestCase: XCTestCase {
    var pipeline: Pipeline!

    override func setUpWithError() throws {
        try XCTSkipUnless(Kcat.isInstalled, "kcat is required: apt-get install kcat (make test installs it)")
        pipeline = Pipeline()
        try pipeline.startBroker()
    }

    override func tearDown() {
        if let pipeline, testRun?.hasSucceeded == false { print(pipeline.output) }
        pipeline?.stop()
        pipeline = nil
    }
}
