import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation
import XCTest

/// Three small runs of four layers (hidden 8, 5, 3 and the output; seeds 1–3; the third logs
/// epochs 0, 1, 2, 5 only) and one with other layers, trained once per test process.
enum SeedRuns {
    struct Made { let seeds: [String]; let otherLayers: String }
    static let made: Result<Made, Error> = Result {
        let folder = Fixtures.temporaryFolder()
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        let common = ["--dataset", "gaussian_mixture", "--n-samples", "300", "--n-features", "6", "--n-classes", "3", "--epochs", "8"]
        var seeds: [String] = []
        for seed in 1...3 {
            let out = folder.appendingPathComponent("seed\(seed).h5").path
            let schedule = seed == 3 ? ["--log-epochs", "0,1,2,5"] : ["--schedule", "every"]
            try LayoutRuns.trainPython([trainer, "--out", out, "--seed", "\(seed)", "--architecture", "8,5,3"] + common + schedule)
            seeds.append(out)
        }
        let other = folder.appendingPathComponent("other.h5").path
        try LayoutRuns.trainPython([trainer, "--out", other, "--architecture", "8,3", "--schedule", "every"] + common)
        return Made(seeds: seeds, otherLayers: other)
    }
}

/// Several runs on one plane: the aggregated CSV against numbers computed here from each
/// run's own table, the warnings, the band and the faint runs on the plane, the movie.
final class MultiRunTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// Each run's own rows as the single-run command writes them: epoch,layer → (I(X;M), I(Y;M)) text.
    private func single(_ run: String) throws -> [String: (String, String)] {
        let out = folder.appendingPathComponent("single.csv")
        let result = try runCLI(["measures", run, "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let (_, rows) = try EstimatorCLITests.csv(out)
        return Dictionary(uniqueKeysWithValues: rows.map { ("\($0[0]),\($0[1])", ($0[2], $0[3])) })
    }

    func testAggregatedMeasuresMatchIndependentMeanAndMedian() throws {
        let runs = try SeedRuns.made.get().seeds
        let own = try runs.map(single)
        for statistic in ["mean", "median"] {
            let out = folder.appendingPathComponent("\(statistic).csv")
            let result = try runCLI(["measures"] + runs + ["--aggregate", statistic, "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            // Warned once, naming the epochs the third run lacks.
            XCTAssertEqual(result.stderr.components(separatedBy: "not logged by every run").count - 1, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("epochs 3, 4, 6, 7 not logged by every run"), result.stderr)
            let (header, rows) = try EstimatorCLITests.csv(out)
            XCTAssertEqual(header, ["run", "epoch", "layer", "MI_XM", "MI_YM"])
            let aggregated = rows.filter { $0[0] == statistic }
            XCTAssertEqual(Set(aggregated.map { Int($0[1])! }), [0, 1, 2, 5])
            XCTAssertEqual(aggregated.count, 4 * 4)
            for row in aggregated {
                let key = "\(row[1]),\(row[2])"
                for (column, pick) in [(3, { (p: (String, String)) in p.0 }), (4, { (p: (String, String)) in p.1 })] {
                    let values = own.map { Double(pick($0[key]!))! }.sorted()
                    let want = statistic == "mean" ? (values[0] + values[1] + values[2]) / 3 : values[1]
                    XCTAssertEqual(Double(row[column])!, want, accuracy: 1e-12, "\(statistic) \(row)")
                }
            }
            // Then every run's own rows, all its epochs, exactly as the single-run CSV.
            for (k, table) in own.enumerated() {
                let mine = rows.filter { $0[0] == "\(k)" }
                XCTAssertEqual(mine.count, table.count)
                for row in mine { XCTAssertEqual(table["\(row[1]),\(row[2])"]!.0, row[3]); XCTAssertEqual(table["\(row[1]),\(row[2])"]!.1, row[4]) }
            }
            XCTAssertEqual(rows.count, aggregated.count + own.map(\.count).reduce(0, +))
        }
    }

    func testRunsWithDifferentLayersAreRefusedNamingBoth() throws {
        let made = try SeedRuns.made.get()
        let result = try runCLI(["measures", made.seeds[0], made.otherLayers, "-o", "x.csv"], in: folder)
        XCTAssertEqual(result.status, 1)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(lines[0].contains(made.otherLayers) && lines[0].contains(made.seeds[0]) && lines[0].contains("layers"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.csv").path))
    }

    /// Runs with as many layers but a layer of another width (8, 6, 4 against 8, 1, 4) are
    /// not aggregated: one line names both files and the layer.
    func testRunsWithDifferentLayerWidthsAreRefusedNamingTheLayer() throws {
        let n = 8, labels = (0..<n).map { $0 % 2 }
        func write(_ name: String, widths: [Int]) -> String {
            let path = folder.appendingPathComponent(name).path
            let layers = widths.map { w in (0..<n * w).map { Double($0 % 7) / 7 } }
            SyntheticRun(labels: labels, epochs: [(0, layers), (1, layers)], units: widths).writeDneck(path)
            return path
        }
        let a = write("a.h5", widths: [8, 6, 4]), b = write("b.h5", widths: [8, 1, 4])
        for command in ["infoplane", "measures"] {
            let out = folder.appendingPathComponent(command == "measures" ? "x.csv" : "x.png").path
            let result = try runCLI([command, a, b, "-o", out])
            XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, result.stderr)
            XCTAssertTrue(lines.first.map { $0.contains(a) && $0.contains(b) && $0.contains("layer 1") } == true, result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
    }

    /// The plane of three runs: the median's points, an ellipse spanning each point's
    /// interquartile range (worked out here from the runs' own values), the faint runs with
    /// `showRuns`, no band with `none`, and a footer that says what the band is.
    func testAggregatedPlaneDrawsTheBandAndTheRuns() throws {
        let runs = try SeedRuns.made.get().seeds
        let data = try runs.map { try DataStage.gather(RunReader(path: $0), needs: InfoPlaneChart.descriptor.needs) }
        let aggregate = try DataStage.aggregate(data, statistic: .median)
        var request = FigureRequest()
        request.showRuns = true
        let figure = InfoPlaneChart().figure(aggregate, request: request)
        XCTAssertTrue(figure.footer.contains("median of 3 runs, band: interquartile range"), "\(figure.footer)")
        let marks = figure.panels[0].marks
        guard case .ellipses(let centers, let radii, _)? = marks.first(where: { if case .ellipses = $0 { return true }; return false }) else {
            return XCTFail("no ellipses")
        }
        XCTAssertEqual(centers.count, 4 * 4)
        func percentile(_ v: [Double], _ p: Double) -> Double {   // numpy's linear method, three values
            let s = v.sorted(), pos = 2 * p / 100, i = Int(pos)
            return i + 1 < s.count ? s[i] + (s[i + 1] - s[i]) * (pos - Double(i)) : s[i]
        }
        let tables = data.map { $0.measures! }
        for (k, (epoch, layer)) in [0, 1, 2, 5].flatMap({ e in (0..<4).map { (e, $0) } }).enumerated() {
            let xs = tables.map { $0.points.first { $0.epoch == epoch && $0.layer == layer }!.ixm }
            let q1 = percentile(xs, 25), q3 = percentile(xs, 75)
            XCTAssertEqual(centers[k].x, (q1 + q3) / 2, accuracy: 1e-12)
            XCTAssertEqual(radii[k].x, (q3 - q1) / 2, accuracy: 1e-12)
        }
        let faint = marks.filter { if case .line(_, let color, _, _) = $0 { return color.a < 0.15 }; return false }
        XCTAssertEqual(faint.count, 3 * 4)   // three runs × four layers
        request.spread = .none
        request.showRuns = false
        let bare = InfoPlaneChart().figure(aggregate, request: request)
        XCTAssertFalse(bare.panels[0].marks.contains { if case .ellipses = $0 { return true }; return false })
        XCTAssertTrue(bare.footer.contains("median of 3 runs, band: none"))
    }

    /// End to end: the plane, mi-epochs and the movie of three runs are written, the plane
    /// byte-identically twice.
    func testSeveralRunsEndToEnd() throws {
        let runs = try SeedRuns.made.get().seeds
        let a = folder.appendingPathComponent("a.png"), b = folder.appendingPathComponent("b.png")
        for out in [a, b] {
            let result = try runCLI(["infoplane"] + runs + ["--aggregate", "mean", "--spread", "minmax", "--runs", "--dpi", "50", "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
        let mi = try runCLI(["mi-epochs"] + runs + ["--dpi", "50", "-o", folder.appendingPathComponent("mi.png").path])
        XCTAssertEqual(mi.status, 0, mi.stderr)
        let movie = folder.appendingPathComponent("m.mp4")
        let made = try runCLI(["movie"] + runs + ["--size", "160x240", "-o", movie.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertGreaterThan(try Data(contentsOf: movie).count, 1000)
    }

    /// The movie's frame of an aggregate shows the band of the current epoch only.
    func testMovieFrameOfSeveralRunsShowsTheCurrentBand() throws {
        let runs = try SeedRuns.made.get().seeds
        let data = try runs.map { try DataStage.gather(RunReader(path: $0), needs: MovieFrameChart.descriptor.needs) }
        let frames = MovieFrames(run: try DataStage.aggregate(data, statistic: .median), request: FigureRequest(dpi: 40))
        XCTAssertEqual(frames.count, 4)
        let figure = frames.figure(2)
        XCTAssertEqual(figure.panels.count, 1)   // no accuracy panel for an aggregate
        let ellipses = figure.panels[0].marks.compactMap { if case .ellipses(let c, _, _) = $0 { return c.count }; return nil }
        XCTAssertEqual(ellipses, [4])
        XCTAssertTrue(figure.footer.contains("median of 3 runs, band: interquartile range"))
    }

    /// entropy-bias end to end, alone and beside a run; bad values refused.
    func testEntropyBiasCommand() throws {
        let run = try SeedRuns.made.get().seeds[0]
        for arguments in [["--uniform-samples", "2000", "--hist-bins", "40", "--uniform-seed", "3"], [run]] {
            let out = folder.appendingPathComponent("bias.png")
            let result = try runCLI(["entropy-bias", "--dpi", "40", "-o", out.path] + arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.path))
        }
        let bad = try runCLI(["entropy-bias", "--uniform-samples", "0", "-o", "x.png"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--uniform-samples: must be a whole number from 1 to 10000000"), bad.stderr)
        // The chart's histograms are the analysis' own counts, titled with its entropies.
        let chart = EntropyBiasChart(options: try ChartArguments([.init(name: "uniform-samples", value: "1000"),
                                                                  .init(name: "hist-bins", value: "20")]).options())
        let figure = chart.figure(DataStage.withoutRun(needs: chart.needs, split: .train), request: FigureRequest())
        let bias = EntropyBias(samples: 1000, bins: 20, seed: 0)
        XCTAssertEqual(figure.panels.count, bias.entries.count + 2)
        XCTAssertEqual(figure.panels[2].title, "relu: \(String(format: "%.2f", bias.entries[2].entropy)) bits")
    }
}
