import Foundation
import DneckReport
import XCTest

/// The report of the bundled example opened in a real headless browser (Debian's chromium):
/// the page checks itself (opened as index.html#selftest) and writes the result into the DOM.
final class ReportBrowserTests: XCTestCase {
    /// The browser binary on PATH, if any.
    static let browser = onPath(["chromium", "chromium-browser", "google-chrome"])

    private func headless(_ page: URL, profile: URL, _ arguments: [String]) throws -> String {
        guard let browser = Self.browser else {
            throw XCTSkip("no chromium on PATH: install Debian's chromium (apt-get install chromium; setup.sh does) to run the browser check")
        }
        return try standardOutput(browser, ["--headless=new", "--disable-gpu", "--no-sandbox", "--no-first-run",
                                            "--user-data-dir=\(profile.path)", "--virtual-time-budget=5000"] + arguments + [page.absoluteString])
    }

    func testReportLoadsEveryImageAndMovieAndTheSliderMoves() throws {
        let made = ExampleReport.made
        XCTAssertEqual(made.results[0].status, 0, made.results[0].stderr)
        let folder = made.folders[0], profile = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: profile) }
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("<link"), "the page must load nothing from elsewhere")

        let page = URL(string: folder.appendingPathComponent("index.html").absoluteString + "#selftest")!
        let dom = try headless(page, profile: profile, ["--dump-dom"])
        guard let start = dom.range(of: "<pre id=\"selftest\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            return XCTFail("no self-test in the page: \(dom.prefix(500))")
        }
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        let images = result["images"] as! [[String: Any]]
        let figures = ArtifactCatalog.all.filter { $0.kind == .figure }
        XCTAssertEqual(images.count, figures.reduce(0) { $0 + ($1.perRun ? 1 : 2) })   // every figure: once a run, or of both splits
        for image in images { XCTAssertGreaterThan(image["naturalWidth"] as! Int, 0, "\(image)") }
        let videos = result["videos"] as! [[String: Any]]
        XCTAssertEqual(videos.count, 2)
        for video in videos {
            XCTAssertGreaterThanOrEqual(video["readyState"] as! Int, 2, "\(video)")
            XCTAssertEqual(video["duration"] as! Double, 11.0 / 7, accuracy: 0.01, "\(video)")   // 11 epochs at 7 fps
        }
        let slider = result["slider"] as! [String: Any]
        XCTAssertEqual(slider["figures"] as! [String], ["infoplane_train", "activations_train", "accuracy_train",
                                                         "infoplane_test", "activations_test"])
        XCTAssertEqual(slider["changed"] as! [Bool], Array(repeating: true, count: 5), "the slider must move every highlight")
        XCTAssertEqual(slider["epoch"] as? String, "980")
        XCTAssertEqual(slider["shapes"] as! [Int], [11, 6, 6, 11, 6])   // 6 rings + 5 segments; 6 columns; 2 lines + 4 rings
        XCTAssertEqual(result["errors"] as! [String], [])

        let shot = profile.appendingPathComponent("index.png")
        _ = try headless(URL(fileURLWithPath: folder.appendingPathComponent("index.html").path), profile: profile,
                         ["--window-size=1200,1600", "--hide-scrollbars", "--screenshot=\(shot.path)"])
        let screenshot = try DecodedPNG(path: shot.path)
        XCTAssertEqual([screenshot.width, screenshot.height], [1200, 1600])
    }
}
