import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation
import XCTest

/// The estimator options end to end: every `--estimator` and binning rule against the
/// committed numpy numbers, bad values refused before any work, and estimator health
/// (the `--health` columns, the saturation warning and footer) on a saturating run.
final class EstimatorCLITests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// The committed reference rows of the example's test split, by estimator name.
    private func reference(_ estimator: String) throws -> [[Double]] {
        let url = Fixtures.packageRoot.appendingPathComponent("Tests/reference/harmonics_tanh_small.test.csv")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }.filter { $0[0] == estimator }
            .map { $0.dropFirst().map { Double($0)! } }
    }

    /// The rows of a CSV the command wrote, as header and cells.
    static func csv(_ url: URL) throws -> (header: [String], rows: [[String]]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (lines[0], Array(lines.dropFirst()))
    }

    private func measures(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (header: [String], rows: [[String]]) {
        let out = folder.appendingPathComponent("m.csv")
        let result = try runCLI(["measures", Fixtures.exampleRun, "--split", "test", "-o", out.path] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try Self.csv(out)
    }

    /// Each option gives the numbers of the numpy reference: KDE to 1e-6 relative, binning to 1e-9 bits.
    func testEveryEstimatorOptionMatchesTheNumpyReference() throws {
        let cases: [([String], String, Double?)] = [
            (["--estimator", "kde-upper"], "kde-upper", nil), (["--estimator", "kde-lower"], "kde-lower", nil),
            (["--bins", "30"], "bins-30", 1e-9), (["--bins", "30", "--adaptive"], "adaptive-30", 1e-9),
        ]
        for (arguments, name, absolute) in cases {
            let want = try reference(name), got = try measures(arguments)
            XCTAssertEqual(got.header, ["epoch", "layer", "MI_XM", "MI_YM"], name)
            XCTAssertEqual(got.rows.count, want.count, name)
            XCTAssertEqual(want.count, 66)
            for (g, w) in zip(got.rows, want) {
                XCTAssertEqual(Double(g[0]), w[0]); XCTAssertEqual(Double(g[1]), w[1])
                for c in 2...3 {
                    XCTAssertEqual(Double(g[c])!, w[c], accuracy: absolute ?? 1e-6 * max(abs(w[c]), 1e-12), "\(name) \(g)")
                }
            }
        }
        // Both bounds: the upper as MI_XM/MI_YM, the lower in its own columns.
        let both = try measures(["--estimator", "kde", "--noise-variance", "0.001"])
        XCTAssertEqual(both.header, ["epoch", "layer", "MI_XM", "MI_YM", "MI_XM_lower", "MI_YM_lower"])
        for (row, (upper, lower)) in zip(both.rows, zip(try reference("kde-upper"), try reference("kde-lower"))) {
            XCTAssertEqual(Double(row[2])!, upper[2], accuracy: 1e-6 * upper[2])
            XCTAssertEqual(Double(row[4])!, lower[2], accuracy: 1e-6 * lower[2])
            XCTAssertLessThanOrEqual(Double(row[4])!, Double(row[2])!)
        }
        // The noise variance is used: a larger σ² gives a smaller I(X;M).
        let wide = try measures(["--estimator", "kde-upper", "--noise-variance", "0.1"])
        XCTAssertLessThan(Double(wide.rows[0][2])!, Double(both.rows[0][2])! - 0.1)
    }

    /// Bad values are refused before any work, naming the option, and leave no file.
    func testBadEstimatorValuesAreRefused() throws {
        let cases: [([String], String)] = [
            (["--adaptive"], "--adaptive needs --bins"),
            (["--bins", "30", "--bin-size", "0.1"], "--bins and --bin-size exclude each other"),
            (["--bins", "1"], "--bins must be between 2 and 500"),
            (["--bin-size=-1"], "--bin-size must be a number above 0"),
            (["--estimator", "kde", "--noise-variance", "0"], "--noise-variance must be a variance above 0"),
            (["--noise-variance", "0.1"], "--noise-variance belongs to the KDE estimators"),
            (["--estimator", "kde-upper", "--bin-size", "0.1"], "--bin-size and --adaptive belong to --estimator binning"),
            (["--estimator", "kernel"], "kernel"),
            (["--aggregate", "mode"], "mode"),
        ]
        for command in ["measures", "infoplane"] {
            for (arguments, fragment) in cases where command == "measures" || !arguments.contains("--aggregate") {
                let out = folder.appendingPathComponent("bad.out")
                let result = try runCLI([command, Fixtures.exampleRun, "-o", out.path] + arguments)
                XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
                XCTAssertTrue(result.stderr.split(separator: "\n").first?.contains(fragment) == true,
                              "\(command) \(arguments): \(result.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
            }
        }
        let two = try runCLI(["measures", Fixtures.exampleRun, Fixtures.exampleRun, "--health", "-o", "x.csv"], in: folder)
        XCTAssertTrue(two.stderr.contains("--health takes one run file"), two.stderr)
        let activations = try runCLI(["activations", Fixtures.exampleRun, Fixtures.exampleRun, "-o", "x.png"], in: folder)
        XCTAssertTrue(activations.stderr.contains("activations takes one run file"), activations.stderr)
    }

    /// The gaussian-mixture run of the issue (1,200 samples, a 256-unit ReLU layer, bin size
    /// 0.07) saturates: `--health` says so row by row, stderr says so once with the fixes, the
    /// plane's footer names the layers and the ceilings are drawn.
    func testSaturationOnAGaussianMixtureRun() throws {
        let run = try SaturatingRun.path.get()
        let out = folder.appendingPathComponent("health.csv")
        let result = try runCLI(["measures", run, "--health", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let warnings = result.stderr.split(separator: "\n").filter { $0.contains("saturated") }
        XCTAssertEqual(warnings.count, 1, result.stderr)
        for fragment in ["layers 0, 1 saturated", "--bin-size", "--bins 30 --adaptive", "--estimator kde"] {
            XCTAssertTrue(warnings.first?.contains(fragment) == true, "\(fragment) not in \(result.stderr)")
        }
        let (header, rows) = try Self.csv(out)
        XCTAssertEqual(header, ["epoch", "layer", "MI_XM", "MI_YM", "states", "saturated_X", "saturated_Y"])
        let n = Double(try RunReader(path: run).labels.count)
        for row in rows {   // saturated_X exactly when every sample is its own state, I(X;M) = log2 N
            let states = Double(row[4])!, saturated = row[5] == "true"
            XCTAssertEqual(saturated, states == n, "\(row)")
            if saturated { XCTAssertEqual(Double(row[2])!, log2(n), accuracy: 1e-9) }
        }
        XCTAssertGreaterThan(rows.filter { $0[1] == "0" && $0[5] == "true" }.count, rows.filter { $0[1] == "0" }.count / 2)

        let data = try DataStage.gather(RunReader(path: run), needs: InfoPlaneChart.descriptor.needs)
        let figure = InfoPlaneChart().figure(data, request: FigureRequest())
        XCTAssertTrue(figure.footer.contains { $0.hasPrefix("saturated: layers 0, 1") }, "\(figure.footer)")
        let lines = figure.panels[0].marks.compactMap { mark -> Double? in
            if case .verticalLine(let x, _, _, true) = mark { return x } else { return nil }
        }
        XCTAssertEqual(lines.first ?? 0, log2(n), accuracy: 1e-12)
        XCTAssertTrue(figure.footer.contains { $0.hasPrefix("dashed: log2 N, H(Y)") }, "\(figure.footer)")
        // A plane whose data stay far below the ceilings draws none.
        let far = RunData(file: "f", split: .train, epochs: [0], layerCount: 1, sampleCount: 1024, measures: MeasureTable(points: [
            InformationPoint(epoch: 0, layer: 0, ixm: 3, iym: 0.2, ceilingX: 10, ceilingY: 1)]))
        XCTAssertFalse(InfoPlaneChart().figure(far, request: FigureRequest()).footer.contains { $0.contains("dashed") })

        // The command prints the warning too, once.
        let plane = try runCLI(["infoplane", run, "--dpi", "40", "-o", folder.appendingPathComponent("p.png").path])
        XCTAssertEqual(plane.status, 0, plane.stderr)
        XCTAssertEqual(plane.stderr.components(separatedBy: "saturated").count - 1, 1, plane.stderr)
    }

    /// `--estimator kde` draws what `--help` calls a band, not a bar like the lines joining
    /// layers: no line runs from a point to its lower bound, a legend entry and the footer say
    /// what the band is.
    func testKDEBandOnThePlane() throws {
        let estimator = try KDEEstimator(bound: .both)
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun, split: .test), needs: InfoPlaneChart.descriptor.needs,
                                        estimator: estimator, epochs: [0, 980])
        let figure = InfoPlaneChart().figure(data, request: FigureRequest())
        XCTAssertTrue(figure.footer[0].contains("KDE bounds, σ² = 0.001"))
        XCTAssertTrue(figure.footer.contains { $0.contains("band") && $0.contains("KDE lower bound") }, "\(figure.footer)")
        let points = data.measures!.points
        let bars = figure.panels[0].marks.filter { mark in
            guard case .line(let line, _, _, _) = mark, line.count == 2 else { return false }
            return points.contains { line == [DataPoint($0.ixm, $0.iym), DataPoint($0.ixmLower!, $0.iymLower!)] }
        }
        XCTAssertEqual(bars.count, 0, "a bar from a point to its lower bound looks like the lines joining layers")
        let boxes = figure.panels[0].marks.compactMap { mark -> ([DataPoint], [DataPoint])? in
            if case .boxes(let from, let to, _) = mark { return (from, to) } else { return nil }
        }
        XCTAssertEqual(boxes.count, 1)
        XCTAssertEqual(boxes.first?.0, points.map { DataPoint($0.ixmLower!, $0.iymLower!) })
        XCTAssertEqual(boxes.first?.1, points.map { DataPoint($0.ixm, $0.iym) })
        let entries = figure.legends.flatMap(\.legend.entries) + figure.panels.compactMap(\.legend).flatMap(\.entries)
        XCTAssertTrue(entries.contains { $0.label.contains("KDE") && $0.symbol == .patch }, "\(entries.map(\.label))")
        let (laid, texts) = RecordingRenderer.texts(of: figure)
        XCTAssertEqual(layoutProblems(laid, texts: texts), [])
    }

    /// A split whose labels are all one class: H(Y) = 0, so I(Y;M) is exactly 0 (not rounding
    /// noise), one warning says so, and the plane's y axis does not blow the noise up into levels.
    func testSingleClassSplitHasNoLabelInformation() throws {
        let n = 60
        var generator = SplitMix64(seed: 7)
        let layer = { (units: Int) in (0..<n * units).map { _ in Double(generator.next() % 1000) / 1000 } }
        let run = folder.appendingPathComponent("one-class.h5").path
        SyntheticRun(labels: [Int](repeating: 0, count: n), epochs: (0..<4).map { ($0, [layer(3), layer(2)]) }, units: [3, 2])
            .writeDneck(run)
        for estimator in ["binning", "kde"] {
            let out = folder.appendingPathComponent("m.csv")
            let result = try runCLI(["measures", run, "--estimator", estimator, "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("dneck-plot: warning:") && $0.contains("H(Y) = 0") }
            XCTAssertEqual(warnings.count, 1, result.stderr)
            let (header, rows) = try Self.csv(out)
            for row in rows {
                for (name, cell) in zip(header, row) where name.hasPrefix("MI_YM") { XCTAssertEqual(cell, "0", "\(estimator): \(row)") }
            }
        }
        let data = try DataStage.gather(RunReader(path: run), needs: InfoPlaneChart.descriptor.needs)
        XCTAssertEqual(Set(data.measures!.points.map(\.iym)), [0])
        let (laid, texts) = RecordingRenderer.texts(of: InfoPlaneChart().figure(data, request: FigureRequest()))
        let y = laid.panels[0].y
        XCTAssertGreaterThanOrEqual(y.scale.domain.upperBound - y.scale.domain.lowerBound, 0.5, "\(y.scale)")
        let yLabels = texts.filter { $0.item.role == .tickLabel && $0.box.maxX < laid.panels[0].frame.x }.map(\.item.text)
        XCTAssertFalse(yLabels.isEmpty)
        for values in [[1e-15, 1e-15], [3.3, 3.3]] {   // equal values get a plain range around them, no scale of their own
            let domain = Scale.linear(fitting: values).domain
            XCTAssertTrue(domain.contains(values[0]) && domain.upperBound - domain.lowerBound >= 0.5, "\(values): \(domain)")
        }
        for label in yLabels { XCTAssertNotNil(Double(label.replacingOccurrences(of: "−", with: "-")), label); XCTAssertFalse(label.contains("e"), label) }
    }
}

/// The gaussian-mixture run, trained once per test process.
enum SaturatingRun {
    static let path: Result<String, Error> = Result {
        let out = Fixtures.temporaryFolder().appendingPathComponent("gm.h5").path
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        try LayoutRuns.trainPython([trainer, "--out", out, "--dataset", "gaussian_mixture", "--n-samples", "1200", "--n-features", "50",
                                    "--n-classes", "10", "--architecture", "256,20", "--activation", "relu", "--epochs", "5"])
        return out
    }
}
