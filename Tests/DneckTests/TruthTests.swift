import Foundation
import XCTest

/// What the tool says about its own artifacts is so.
final class TruthTests: XCTestCase {
    /// The report links the figures and movies beside it: it is not called self-contained.
    func testReportIsNotCalledSelfContained() throws {
        let help = try runCLI(["all", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertFalse(help.stdout.contains("self-contained"), help.stdout)
        XCTAssertTrue(help.stdout.contains("keep the folder together"), help.stdout)
        let readme = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertFalse(readme.contains("self-contained `index.html`"))
    }
}
