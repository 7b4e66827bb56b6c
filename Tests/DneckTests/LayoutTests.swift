import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckPlotters
import Foundation
import XCTest

/// Runs made once per test process with the shared trainer: 6 layers with 10 logged epochs,
/// 12 layers with 300.
enum LayoutRuns {
    struct Made { let few: String; let many: String }
    static let made: Result<Made, Error> = Result {
        let folder = Fixtures.temporaryFolder()
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        let few = folder.appendingPathComponent("few.h5").path, many = folder.appendingPathComponent("many.h5").path
        let common = ["--dataset", "gaussian_mixture", "--n-samples", "400", "--n-features", "8", "--n-classes", "3"]
        try trainPython([trainer, "--out", few, "--epochs", "200", "--log-epochs", "0,1,2,5,10,20,50,100,150,199",
                         "--architecture", "10,8,6,4,3"] + common)
        try trainPython([trainer, "--out", many, "--epochs", "300", "--schedule", "every", "--activation", "relu",
                         "--architecture", "12,10,9,8,7,6,5,5,4,4,3"] + common)
        return Made(few: few, many: many)
    }

    static func trainPython(_ arguments: [String]) throws {
        let result = try runProgram(Fixtures.python, arguments, timeout: 300)
        guard result.status == 0, !result.signaled, !result.timedOut else {
            throw NSError(domain: "train_runs.py", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
    }

    /// The data every chart needs, of `path`'s train split.
    static func data(_ path: String) throws -> RunData {
        try DataStage.gather(RunReader(path: path), needs: ChartNeeds.union(PlotterRegistry.plotters.map { $0.init().needs }))
    }

    /// The data of the two made runs and the bundled example, gathered once.
    static let all: Result<[RunData], Error> = Result {
        let runs = try LayoutRuns.made.get()
        return try [runs.few, runs.many, Fixtures.exampleRun].map(data)
    }
}

final class LayoutTests: XCTestCase {
    private static let styles: [(String, Style)] = {
        let folder = Fixtures.temporaryFolder()
        let big = folder.appendingPathComponent("big.json")
        try! Data(#"{"font_size": 14, "label_size": 16, "title_size": 16}"#.utf8).write(to: big)
        return [("default", Style()), ("paper", try! Style.load(["paper"].map(stylePath))),
                ("slides", try! Style.load(["slides"].map(stylePath))), ("large text", try! Style.load([big.path]))]
    }()

    private static func stylePath(_ name: String) -> String {
        Fixtures.packageRoot.appendingPathComponent("styles/\(name).json").path
    }

    /// Texts some charts must draw, whatever their data (so that deleting one in the code fails);
    /// every chart, these or not, must draw each title, label, legend entry and footer line of
    /// its model (`layoutProblems`).
    private static let expected: [String: [String]] = [
        "infoplane": ["Information plane (train)", "I(X;M) (bits)", "I(Y;M) (bits)", "Epoch", "binning, bin size 0.07"],
        "movie": ["Information plane", "I(X;M) (bits)", "I(Y;M) (bits)", "Accuracy", "Epoch", "Training", "Test", "Layer 0"],
        "activations": ["Layer 0", "Activation", "Absolute frequency", "Logged epochs (not to scale)", "30 bins"],
        "single-neuron": ["Layer 0, neuron 0", "absolute frequency", "logged epochs (not to scale)"],
        "snr": ["Layer 0", "Epoch", "Norm, ratio", "Mean", "Std", "SNR", "‖W‖"],
        "accuracy": ["Accuracy", "Loss", "Epoch", "Training", "Test"],
        "mi-epochs": ["I(X;M) per epoch", "I(Y;M) per epoch", "I(X;M) (bits)", "I(Y;M) (bits)", "Epoch", "Layer 0",
                      "binning, bin size 0.07"],
        "entropy-bias": ["sigmoid:", "relu:", "uniform input:", "Output", "Count", "Entropy, sorted", "Entropy (bits)",
                         "Activation function", "Layer: mean unit entropy", "4096 uniform samples"],
        "health": ["Binning states (train)", "log2 distinct states", "Epoch", "log2 N (every sample its own state)", "Layer 0"],
        "activity": ["Activation rate", "Death rate", "Active fraction", "Dead fraction", "Warnings", "Layer 0", "Max death rate"],
    ]

    private func runs() throws -> [RunData] { try LayoutRuns.all.get() }

    /// Every registered chart, at every shipped style and with large text, on runs of 6 and
    /// 12 layers and 10 and 300 logged epochs: every text on the canvas, none overlapping
    /// another or crossing a frame, every title and label drawn.
    func testEveryChartLaysOutCleanly() throws {
        let runs = try runs()
        for (styleName, style) in Self.styles {
            for chart in PlotterRegistry.plotters {
                for run in runs {
                    var drawn = chart.init()
                    if var movie = drawn as? MovieFrameChart { movie.frame = run.epochs.count / 2; drawn = movie }
                    let figure = drawn.figure(run, request: FigureRequest(style: style, dpi: 72))
                    let (laid, texts) = RecordingRenderer.texts(of: figure)
                    let problems = layoutProblems(laid, texts: texts)
                    let name = chart.descriptor.name
                    XCTAssertEqual(problems, [], "\(name), style \(styleName), \(run.layerCount) layers × \(run.epochs.count) epochs: "
                                   + problems.prefix(5).joined(separator: "; "))
                    let all = texts.map(\.item.text).joined(separator: " ")
                    for text in Self.expected[name] ?? [] {
                        XCTAssertTrue(all.contains(text), "\(name), style \(styleName): '\(text)' not drawn")
                    }
                }
            }
        }
    }

    /// `compare` grids of 1 to 6 runs of every chart it offers lay out cleanly too, with one
    /// shared epoch colorbar for the planes.
    func testComparisonGridsLayOutCleanly() throws {
        let runs = try runs()
        for chart in PlotterRegistry.plotters(for: .compare) {
            for count in 1...6 {
                let chosen = (0..<count).map { runs[$0 % runs.count] }
                let drawn = chart.init()
                let request = FigureRequest(style: Self.styles[count % Self.styles.count].1, dpi: 72)
                let blocks = chosen.map { drawn.block($0, scaledWith: chosen, request: request) }
                let figure = Comparison.figure(blocks, titles: Comparison.titles(chosen), columns: Comparison.columns(for: blocks),
                                               request: request)
                let (laid, texts) = RecordingRenderer.texts(of: figure)
                let problems = layoutProblems(laid, texts: texts)
                XCTAssertEqual(problems, [], "compare \(chart.descriptor.name) of \(count): " + problems.prefix(5).joined(separator: "; "))
                if chart == InfoPlaneChart.self {
                    XCTAssertEqual(laid.colorbars.count, 1)   // one epoch colorbar, shared by every plane
                    XCTAssertEqual(laid.panels.count, count)
                }
            }
        }
    }

    /// Shared scales: every panel of a grid of planes has the same limits, trained on all runs.
    func testComparisonSharesScalesAndTitlesByDifferingKeys() throws {
        let runs = try runs()
        let drawn = InfoPlaneChart()
        let blocks = runs.map { drawn.block($0, scaledWith: runs, request: FigureRequest()) }
        let figure = Comparison.figure(blocks, titles: Comparison.titles(runs), columns: 2, request: FigureRequest())
        let domains = Set(figure.panels.map { "\($0.x.scale.domain)|\($0.y.scale.domain)" })
        XCTAssertEqual(domains.count, 1)
        let allX = runs.flatMap { $0.measures!.points.map(\.ixm) }
        XCTAssertLessThanOrEqual(figure.panels[0].x.scale.domain.lowerBound, allX.min()!)
        XCTAssertGreaterThanOrEqual(figure.panels[0].x.scale.domain.upperBound, allX.max()!)
        XCTAssertEqual(figure.colorbars.count, 1)
        XCTAssertEqual(figure.colorbars[0].cell, GridCell(row: 0, column: 1, rowSpan: 2, columnSpan: 1))
        // Keys compared, not values: only the keys whose values differ title the panels.
        let a = RunData(file: "/x/a.h5", split: .train, config: ["lr": "0.1", "act": "tanh", "seed": "1"], epochs: [], layerCount: 1, sampleCount: 1)
        let b = RunData(file: "/x/b.h5", split: .train, config: ["lr": "0.1", "act": "relu", "seed": "tanh"], epochs: [], layerCount: 1, sampleCount: 1)
        let dump = RunData(file: "/x/dump_train.h5", split: .train, epochs: [], layerCount: 1, sampleCount: 1)
        XCTAssertEqual(Comparison.titles([a, b]), ["act=tanh | seed=1", "act=relu | seed=tanh"])
        XCTAssertEqual(Comparison.titles([a, b], keys: ["lr"]), ["lr=0.1", "lr=0.1"])
        XCTAssertEqual(Comparison.titles([a, dump]), ["act=tanh | lr=0.1 | seed=1", "dump_train.h5"])
    }

    /// The checker itself sees a moved colorbar and a title that is not drawn.
    func testLayoutCheckCatchesBrokenFigures() throws {
        let run = try LayoutRuns.data(Fixtures.exampleRun)
        var figure = InfoPlaneChart().figure(run, request: FigureRequest()).laidOut()
        var (_, texts) = RecordingRenderer.texts(of: figure)
        XCTAssertEqual(layoutProblems(figure, texts: texts), [])
        figure.colorbars[0].frame.x -= 30
        XCTAssertFalse(layoutProblems(figure, texts: texts).isEmpty)
        figure.colorbars[0].frame.x += 30
        texts.removeAll { $0.item.role == .panelTitle }
        XCTAssertTrue(layoutProblems(figure, texts: texts).contains { $0.contains("title word") })
    }

    /// Measured text: the layout's text boxes are Cairo's own extents, a wider text is wider,
    /// and a larger font gives a larger margin.
    func testLayoutMeasuresText() {
        let m = CairoTextMeasurer.shared
        let short = m.measure("0.5", size: 10, bold: false, fontFamily: "DejaVu Sans")
        let long = m.measure("0.5000000", size: 10, bold: false, fontFamily: "DejaVu Sans")
        XCTAssertGreaterThan(long.width, 2 * short.width)
        XCTAssertEqual(m.measure("Epoch", size: 20, bold: false, fontFamily: "DejaVu Sans").width,
                       2 * m.measure("Epoch", size: 10, bold: false, fontFamily: "DejaVu Sans").width, accuracy: 0.05)
        var small = Style(), large = Style()
        small.labelSize = 9; large.labelSize = 24
        func frameX(_ style: Style) -> Double {
            var figure = Figure(widthInches: 5, heightInches: 4, dpi: 72, style: style)
            figure.panels.append(Panel(cell: GridCell(row: 0, column: 0), x: Axis(scale: .linear(0...1), label: "x"),
                                       y: Axis(scale: .linear(0...1), label: "Some y label")))
            return figure.laidOut().panels[0].frame.x
        }
        XCTAssertGreaterThan(frameX(large), frameX(small) + 10)
    }

    /// `dneck-plot compare` end to end: a grid whose size and panels are those of the model,
    /// byte-identical on a second run, every chart it offers, bad values refused.
    func testCompareCommandEndToEnd() throws {
        let made = try LayoutRuns.made.get()
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let runs = [made.few, made.many, Fixtures.exampleRun]
        let grid = folder.appendingPathComponent("grid.png"), again = folder.appendingPathComponent("again.png")
        for out in [grid, again] {
            let result = try runCLI(["compare"] + runs + ["--dpi", "60", "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: grid), try Data(contentsOf: again))
        let data = try runs.map { try DataStage.gather(RunReader(path: $0), needs: InfoPlaneChart.descriptor.needs) }
        let request = FigureRequest(dpi: 60)
        let blocks = data.map { InfoPlaneChart().block($0, scaledWith: data, request: request) }
        let figure = Comparison.figure(blocks, titles: Comparison.titles(data), columns: Comparison.columns(for: blocks),
                                       request: request).laidOut()
        let png = try DecodedPNG(path: grid.path)
        XCTAssertEqual(png.width, figure.pixelWidth)
        XCTAssertEqual(png.height, figure.pixelHeight)
        XCTAssertEqual(figure.panels.count, 3)
        // Inside each panel's frame the background shows somewhere, and the frame line is drawn.
        for panel in figure.panels {
            // The darkest pixel down the frame's left edge: a 0.8-point line at 60 dpi is
            // lighter than 120 on most rows, darker where a tick meets it.
            let edge = figure.pixel(Point(panel.frame.x, panel.frame.y)), bottom = figure.pixel(Point(panel.frame.x, panel.frame.maxY))
            let darkest = (Int(edge.y)...Int(bottom.y)).map { png.rgb(Int(edge.x), $0).r }.min() ?? 255
            XCTAssertLessThan(darkest, 120, "frame of \(panel.title ?? "")")
        }
        for name in PlotterRegistry.plotters(for: .compare).map { $0.descriptor.name } {
            let out = folder.appendingPathComponent("\(name).svg")
            let result = try runCLI(["compare", made.few, Fixtures.exampleRun, "--chart", name, "--cols", "1",
                                     "--title-keys", "seed", "-o", out.path])
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            XCTAssertTrue(try String(contentsOf: out, encoding: .utf8).contains("</svg>"))
        }
        for bad in [["--chart", "movie"], ["--cols", "0"], ["--cols", "x"]] {
            let out = folder.appendingPathComponent("bad.png")
            let result = try runCLI(["compare", Fixtures.exampleRun] + bad + ["-o", out.path])
            XCTAssertNotEqual(result.status, 0, "\(bad)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
    }

    /// `compare --aggregate` adds one panel of the runs aggregated, with its band, on the
    /// runs' axes; it needs several runs of information planes.
    func testCompareWithTheAggregateOfTheRuns() throws {
        let made = try LayoutRuns.made.get()
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("seeds.svg")
        let result = try runCLI(["compare", made.few, made.many, "--aggregate", "mean", "--spread", "minmax",
                                 "-o", out.path])
        XCTAssertEqual(result.status, 1, "runs with different layer counts cannot be aggregated: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("layers"), result.stderr)
        let ok = try runCLI(["compare", made.few, made.few, "--aggregate", "mean", "--spread", "minmax", "--dpi", "40", "-o", out.path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let svg = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(svg.contains("</svg>"))
        for bad in [["compare", made.few, "--aggregate", "mean"], ["compare", made.few, made.few, "--aggregate", "mean", "--chart", "snr"]] {
            XCTAssertEqual(try runCLI(bad + ["-o", out.path]).status, 64, "\(bad)")
        }
        // The figure itself: one more panel, titled by the statistic, and the band in the footer.
        let data = try [made.few, made.few].map { try DataStage.gather(RunReader(path: $0), needs: InfoPlaneChart.descriptor.needs) }
        let aggregate = try DataStage.aggregate(data, statistic: .mean)
        var request = FigureRequest()
        request.spread = .minmax
        let shown = data + [aggregate]
        let blocks = shown.map { InfoPlaneChart().block($0, scaledWith: shown, request: request) }
        let figure = Comparison.figure(blocks, titles: ["a", "b", "mean of 2 runs"], columns: 2, request: FigureRequest())
        let (laid, texts) = RecordingRenderer.texts(of: figure)
        XCTAssertEqual(laid.panels.count, 3)
        XCTAssertEqual(laid.panels.last?.title, "mean of 2 runs")
        XCTAssertTrue(laid.footer.contains { $0.contains("mean of 2 runs") }, "\(laid.footer)")
        XCTAssertEqual(layoutProblems(laid, texts: texts), [])
    }
}
