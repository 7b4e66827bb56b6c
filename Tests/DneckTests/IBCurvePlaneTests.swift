import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import XCTest

/// `<split>/label_probs` from the run file to the IB curve on the plane: the reader, its refusals,
/// the chart and the command line.
final class IBCurvePlaneTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// p(y|x) = 0.8 on the sample's own label (of three), 0.1 on each other.
    private func stochasticRun(samples: Int = 12) -> SyntheticRun {
        var run = SyntheticRun.varied(epochs: [0, 1], units: [2, 3], samples: samples)
        run.labelProbabilities = run.labels.map { y in (0..<3).map { $0 == y ? 0.8 : 0.1 } }
        return run
    }

    func testReaderReadsLabelProbabilitiesOfBothFormatsAndNoneWhenAbsent() throws {
        let synthetic = stochasticRun()
        for version in [1, 2] {
            let path = folder.appendingPathComponent("v\(version).h5").path
            if version == 1 { synthetic.writeDneck(path) } else { synthetic.writeV2(path) }
            for split in Split.allCases {
                let reader = try RunReader(path: path, split: split)
                let rows = try XCTUnwrap(reader.labelProbabilities())
                XCTAssertEqual(rows.count, 12)
                for (got, want) in zip(rows, synthetic.labelProbabilities!) {
                    for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-7) }   // stored as float32
                }
                XCTAssertEqual(reader.labelProbabilitiesPath, "\(split.rawValue)/label_probs")
            }
        }
        let plain = folder.appendingPathComponent("plain.h5").path
        SyntheticRun.varied(epochs: [0], units: [2]).writeDneck(plain)
        XCTAssertNil(try RunReader(path: plain).labelProbabilities())
    }

    /// Each bad `label_probs` is one error naming the file, the dataset and what is wrong.
    func testBadLabelProbabilitiesAreErrorsNamingFileDatasetAndProblem() throws {
        let cases: [(shape: [Int], values: [Double], storage: H5Writer.Storage, fragment: String)] = [
            ([5, 2], Array(repeating: 0.5, count: 10), .float32, "train/label_probs: has 5 rows but there are 6 labels"),
            ([12], Array(repeating: 0.5, count: 12), .float32, "train/label_probs: label_probs must be 2-D (samples × classes), found shape [12]"),
            ([6, 1], Array(repeating: 1, count: 6), .float32, "train/label_probs: has 1 columns but the labels reach class 1"),
            ([6, 2], [0.5, 0.5, 1.5, -0.5] + Array(repeating: 0.5, count: 8), .float32, "train/label_probs: p(y|x) is negative at row 1, column 1 (-0.5)"),
            ([6, 2], [0.5, 0.5, 0.5, 0.25] + Array(repeating: 0.5, count: 8), .float64, "train/label_probs: row 1 sums to 0.75, not 1"),
            ([6, 2], [0.5, .nan] + Array(repeating: 0.5, count: 10), .float32, "train/label_probs: contains NaN at row 0, column 1"),
            ([6, 2], Array(repeating: 0, count: 12), .int64, "train/label_probs: label_probs must be float32 or float64"),
        ]
        for (i, c) in cases.enumerated() {
            let path = folder.appendingPathComponent("bad\(i).h5").path
            let w = H5Writer(path: path)
            w.stringAttribute("format", "dneck-run")
            w.intAttribute("format_version", 1)
            w.dataset("train/labels", shape: [6], doubles: [0, 1, 0, 1, 1, 0], storage: .int64)
            w.dataset("train/0/activations/0", shape: [6, 2], doubles: (0..<12).map { Double($0) })
            w.dataset("train/label_probs", shape: c.shape, doubles: c.values, storage: c.storage)
            w.close()
            XCTAssertThrowsError(try RunReader(path: path).labelProbabilities()) { error in
                XCTAssertEqual("\(error)", "\(path): \(c.fragment)")
            }
        }
    }

    /// With `--ib-bound` the plane draws the curve of the run's label_probs (solid, its points
    /// the curve's, level to the right edge) instead of the deterministic bound, and says how.
    func testPlaneDrawsTheCurveOfLabelProbabilities() throws {
        let path = folder.appendingPathComponent("run.h5").path
        stochasticRun().writeV2(path)
        let chart = InfoPlaneChart(options: try ChartArguments([.init(name: "ib-bound", value: nil)]).options())
        XCTAssertTrue(chart.needs.ibCurve)
        XCTAssertFalse(InfoPlaneChart().needs.ibCurve)
        let data = try DataStage.gather(RunReader(path: path), needs: chart.needs)
        let curve = try XCTUnwrap(data.ibCurve?.curve)
        XCTAssertEqual(curve.distinctInputs, 3)
        XCTAssertEqual(curve.mutualInformation, log2(3) - (-0.8 * log2(0.8) - 0.2 * log2(0.1)), accuracy: 1e-6)
        let figure = chart.figure(data, request: FigureRequest())
        let solid = figure.panels[0].marks.compactMap { mark -> [DataPoint]? in
            if case .line(let points, _, _, false) = mark, points.count == curve.points.count + 1 { return points }
            return nil
        }
        XCTAssertEqual(solid.first.map { Array($0.dropLast()) }, curve.points.map { DataPoint($0.ixt, $0.ity) })
        XCTAssertEqual(solid.first?.last?.y, curve.points.last?.ity)
        XCTAssertTrue(figure.footer.contains { $0.hasPrefix("dark line: the IB curve of p(y|x) from train/label_probs") }, "\(figure.footer)")
        XCTAssertFalse(figure.footer.contains { $0.contains("dark dashed") })
        XCTAssertNil(try DataStage.gather(RunReader(path: path), needs: InfoPlaneChart().needs).ibCurve)
    }

    /// End to end: a run with label_probs gives the same PNG twice; a bad one, one line and exit 1.
    func testCommandLineDrawsTheCurveDeterministicallyAndRefusesBadProbabilities() throws {
        let path = folder.appendingPathComponent("run.h5").path
        stochasticRun().writeDneck(path)
        var outputs: [Data] = []
        for i in 0..<2 {
            let out = folder.appendingPathComponent("plane\(i).png")
            let result = try runCLI(["infoplane", path, "--ib-bound", "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            outputs.append(try Data(contentsOf: out))
        }
        XCTAssertEqual(outputs[0], outputs[1])
        var bad = stochasticRun()
        bad.labelProbabilities![4] = [0.8, 0.1, 0.2]
        let badPath = folder.appendingPathComponent("bad.h5").path
        bad.writeDneck(badPath)
        let result = try runCLI(["infoplane", badPath, "--ib-bound", "-o", folder.appendingPathComponent("bad.png").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("dneck-plot: error: \(badPath): train/label_probs: row 4 sums to 1.1"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        // Without --ib-bound the dataset is not read.
        XCTAssertEqual(try runCLI(["infoplane", badPath, "-o", folder.appendingPathComponent("ok.png").path]).status, 0)
    }
}
