import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import XCTest

/// KSG's share of tied points as its health figure: the `health` chart and the `tied_fraction`
/// column of `measures --health`, against numpy's brute-force count (`Tests/reference/ksg_ties_reference.py`).
final class KSGHealthTests: XCTestCase {
    func testHealthChartAndColumnGiveTheTiedPointsNumpyCounts() throws {
        let expected = try String(contentsOf: ReferenceNumbers.folder.appendingPathComponent("ksg_ties_expected.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
            .map { (epoch: Int($0[0])!, layer: Int($0[1])!, tied: Double($0[2])!) }
        let reader = try RunReader(path: KernelReference.committedRun, split: .test)
        let data = try DataStage.gather(reader, needs: HealthChart.descriptor.needs, estimator: try KSGEstimator(), epochs: [0, 29])
        let figure = HealthChart().figure(data, request: FigureRequest())
        let panel = figure.panels[0]
        XCTAssertEqual(panel.title, "KSG tied points (test)")
        let lines = panel.marks.compactMap { mark -> [DataPoint]? in
            if case .line(let points, _, _, _) = mark { return points }
            return nil
        }
        XCTAssertEqual(lines.count, reader.layerCount)
        for row in expected {
            let point = try XCTUnwrap(lines[row.layer].first { $0.x == Double(row.epoch) }, "epoch \(row.epoch) layer \(row.layer)")
            XCTAssertEqual(point.y, 100 * row.tied, accuracy: 1e-9, "epoch \(row.epoch) layer \(row.layer)")
        }
        let dashed = panel.marks.compactMap { mark -> Double? in
            if case .horizontalLine(let y, _, _, true) = mark { return y }
            return nil
        }
        XCTAssertEqual(dashed, [10], "the share above which the estimate depends on --seed")
        XCTAssertTrue(figure.footer[0].contains("strict radii (nextafter toward 0), jitter 1e-10·max(1, mean|z|)"), figure.footer[0])
        XCTAssertTrue(figure.footer[0].contains("KSG (variant 1), k = 3"), figure.footer[0])
        let (laid, texts) = RecordingRenderer.texts(of: figure)
        XCTAssertEqual(layoutProblems(laid, texts: texts), [])

        let rows = try XCTUnwrap(data.measures).rows(health: true)
        let column = try XCTUnwrap(rows.columns.firstIndex(of: "tied_fraction"))
        XCTAssertEqual(rows.columns.last, "tied_fraction")
        for row in expected {
            let cells = try XCTUnwrap(rows.rows.first { $0[0] == "\(row.epoch)" && $0[1] == "\(row.layer)" })
            XCTAssertEqual(Double(cells[column])!, row.tied, accuracy: 1e-12)
        }
        // Binning measures no ties: no column, and its health chart still counts states.
        let binning = try DataStage.gather(reader, needs: HealthChart.descriptor.needs, epochs: [0])
        XCTAssertFalse(try XCTUnwrap(binning.measures).rows(health: true).columns.contains("tied_fraction"))
        XCTAssertEqual(HealthChart().figure(binning, request: FigureRequest()).panels[0].title, "Binning states (test)")
    }

    /// An estimator with neither states nor ties is refused in one line naming both that serve.
    func testHealthRefusesAnEstimatorWithoutAHealthFigure() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try runCLI(["health", Fixtures.exampleRun, "--estimator", "kde", "-o", folder.appendingPathComponent("h.png").path])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("or the tied points of KSG; KDE bounds, σ² = 0.001 has neither (use --estimator binning or ksg)"),
                      refused.stderr)
        XCTAssertNil(EstimatorNeed.reportingHealth.refusal(try KSGEstimator()))
        XCTAssertNil(EstimatorNeed.reportingHealth.refusal(BinningEstimator()))
    }
}
