import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// End to end: the built `dneck-plot` on the bundled example run, checked by its artifacts.
final class CLITests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testMeasuresCSVMatchesReference() throws {
        let reference = Fixtures.sharedRuns.appendingPathComponent("harmonics_tanh_small.test.binning_0.07.csv")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: reference.path))
        let out = folder.appendingPathComponent("m.csv")
        let result = try runCLI(["measures", Fixtures.exampleRun, "--split", "test", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let got = try Fixtures.readMeasures(out), want = try Fixtures.readMeasures(reference)
        XCTAssertEqual(got.count, want.count)
        for (g, w) in zip(got, want) {
            XCTAssertEqual(g.epoch, w.epoch); XCTAssertEqual(g.layer, w.layer)
            XCTAssertEqual(g.ixm, w.ixm, accuracy: 1e-9); XCTAssertEqual(g.iym, w.iym, accuracy: 1e-9)
        }
        XCTAssertTrue(try String(contentsOf: out, encoding: .utf8).hasPrefix("epoch,layer,MI_XM,MI_YM\n"))
    }

    /// The PNG's size follows --dpi; the last epoch's last layer is drawn where its numbers map,
    /// in the colormap's colour for that epoch; the colorbar runs through the colormap.
    func testInfoPlanePNGPixels() throws {
        for (dpi, colormap) in [(100.0, Colormap.gnuplot), (150.0, Colormap.viridis)] {
            let out = folder.appendingPathComponent("plane_\(Int(dpi)).png")
            let result = try runCLI(["infoplane", Fixtures.exampleRun, "--dpi", "\(Int(dpi))", "--colormap", colormap.name,
                                     "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            let png = try DecodedPNG(path: out.path)
            // matplotlib's 6.4 × 4.8 inches, and 1.2 more in width for the layer legend beside it.
            XCTAssertEqual(png.width, Int((7.6 * dpi).rounded()))
            XCTAssertEqual(png.height, Int((4.8 * dpi).rounded()))

            // Rebuild the figure model from the same numbers to know where things must be.
            let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: InfoPlaneChart.descriptor.needs)
            let table = data.measures!
            let figure = InfoPlaneChart().figure(data, request: FigureRequest(dpi: dpi, colormap: colormap))
                .laidOut()
            let panel = figure.panels[0]
            let last = table.points.last!
            let center = figure.pixel(panel.point(DataPoint(last.ixm, last.iym))!)
            let expected = colormap.color(at: 1)
            assertColor(png.rgb(Int(center.x), Int(center.y)), expected, tolerance: 3)
            // The colorbar runs through the colormap, low at the bottom: each pixel has the
            // colour of its height (or of the neighbouring table entry, at a band edge).
            let bar = figure.colorbars[0].frame
            for fraction in [0.004, 0.25, 0.5, 0.9, 0.996] {
                let p = figure.pixel(Point(bar.x + bar.width / 2, bar.maxY - fraction * bar.height))
                let (px, py) = (Int(p.x), Int(p.y))
                let f = (figure.pixel(Point(0, bar.maxY)).y - (Double(py) + 0.5)) / (bar.height * dpi / 72)
                let got = png.rgb(px, py)
                let close = [f - 1.0 / 256, f, f + 1.0 / 256].contains { distance(got, colormap.color(at: $0)) <= 3 }
                XCTAssertTrue(close, "colorbar at \(fraction): \(got) vs \(colormap.color(at: f))")
            }
            // The axes frame is drawn in the foreground colour at the panel's left edge.
            let edge = figure.pixel(Point(panel.frame.x, panel.frame.y + panel.frame.height / 2))
            XCTAssertLessThan(png.rgb(Int(edge.x), Int(edge.y)).r, 120)
        }
    }

    func testFigureModelOfExample() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: InfoPlaneChart.descriptor.needs)
        let figure = InfoPlaneChart().figure(data, request: FigureRequest()).laidOut()
        XCTAssertEqual(figure.panels[0].x.label, "I(X;M) (bits)")
        XCTAssertEqual(figure.panels[0].y.label, "I(Y;M) (bits)")
        XCTAssertEqual(figure.colorbars[0].label, "Epoch")
        XCTAssertEqual(figure.colorbars[0].normalize, Normalize(0, 980))
        let xs = figure.panels[0].x.ticks.map(\.value)
        XCTAssertEqual(xs, [2, 4, 6, 8, 10, 12])
    }

    func testOutputIsDeterministicAndVectorFormatsAreValid() throws {
        var pngs: [Data] = []
        for i in 0..<2 {
            let out = folder.appendingPathComponent("p\(i).png")
            XCTAssertEqual(try runCLI(["infoplane", Fixtures.exampleRun, "-o", out.path]).status, 0)
            pngs.append(try Data(contentsOf: out))
        }
        XCTAssertEqual(pngs[0], pngs[1])
        let svg = folder.appendingPathComponent("p.svg"), pdf = folder.appendingPathComponent("p.pdf")
        XCTAssertEqual(try runCLI(["infoplane", Fixtures.exampleRun, "-o", svg.path]).status, 0)
        XCTAssertEqual(try runCLI(["infoplane", Fixtures.exampleRun, "-o", pdf.path]).status, 0)
        let svgText = try String(contentsOf: svg, encoding: .utf8)
        XCTAssertTrue(svgText.contains("<svg"))
        XCTAssertTrue(svgText.hasSuffix("</svg>\n"))
        XCTAssertTrue(XMLParser(data: try Data(contentsOf: svg)).parse(), "SVG is not well-formed XML")
        let pdfData = try Data(contentsOf: pdf)
        XCTAssertEqual(String(decoding: pdfData.prefix(5), as: UTF8.self), "%PDF-")
        XCTAssertTrue(String(decoding: pdfData.suffix(7), as: UTF8.self).contains("%%EOF"))
    }

    /// A deep-bottleneck dump with its labels beside it gives, through the command line, the very
    /// table of the same run in the dneck layout.
    func testDeepBottleneckDumpEndToEnd() throws {
        let labels = (0..<40).map { $0 % 3 }
        let layer = (0..<80).map { Double(($0 * 37) % 23) * 0.05 - 0.5 }
        let run = SyntheticRun(labels: labels, epochs: [(5, [layer]), (50, [layer.reversed()])], units: [2])
        let dump = folder.appendingPathComponent("experiment_1_run_2_train.h5")
        run.writeFlat(dump.path)
        writeNPY(labels.map(Int64.init), to: folder.appendingPathComponent("experiment_1_run_2_train_labels.npy").path)
        let dneck = folder.appendingPathComponent("run.h5")
        run.writeDneck(dneck.path)
        for (input, output) in [(dump, "a.csv"), (dneck, "b.csv")] {
            let result = try runCLI(["measures", input.path, "-o", folder.appendingPathComponent(output).path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let a = try String(contentsOf: folder.appendingPathComponent("a.csv"), encoding: .utf8)
        XCTAssertEqual(a, try String(contentsOf: folder.appendingPathComponent("b.csv"), encoding: .utf8))
        XCTAssertEqual(a.split(separator: "\n").count, 3)
        XCTAssertEqual(try runCLI(["infoplane", dump.path, "-o", folder.appendingPathComponent("p.png").path]).status, 0)
    }

    func testDefaultOutputName() throws {
        XCTAssertEqual(try runCLI(["infoplane", Fixtures.exampleRun, "--split", "test"], in: folder).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("infoplane_test.png").path))
    }

    /// Bad input: one line on stderr naming file and path, non-zero exit, no file left behind.
    func testBadInputLeavesNoFile() throws {
        let nan = folder.appendingPathComponent("nan.h5").path
        let run = SyntheticRun(labels: [0, 1, 0], epochs: [(3, [[0.1, 0.2, Double.nan, 0.4, 0.5, 0.6]])], units: [2])
        run.writeDneck(nan)
        // An infinity deep inside a float64 layer (past the first vector of values).
        let inf = folder.appendingPathComponent("inf.h5").path
        var wide = SyntheticRun(labels: (0..<20).map { $0 % 2 }, epochs: [(1, [(0..<60).map { Double($0) / 60 }])], units: [3])
        wide.storage = .float64
        wide.epochs[0].layers[0][28] = -.infinity
        wide.writeDneck(inf)
        // A layer missing at a later epoch: found by a worker thread, reported in one line.
        let gap = folder.appendingPathComponent("gap.h5").path
        let w = H5Writer(path: gap)
        w.stringAttribute("format", "dneck-run"); w.intAttribute("format_version", 1)
        w.dataset("train/labels", shape: [2], doubles: [0, 1], storage: .int64)
        w.dataset("train/0/activations/0", shape: [2, 1], doubles: [0.1, 0.2])
        w.group("train/1/activations")
        w.close()
        let cases: [([String], String)] = [
            (["activations", gap, "-o", "x.png"], "gap.h5: train/1/activations/0: missing activations dataset"),
            (["movie", gap, "-o", "x.mp4"], "gap.h5: train/1/activations/0: missing activations dataset"),
            (["infoplane", nan, "-o", "x.png"], "nan.h5: train/3/activations/0: contains NaN at row 1, column 0"),
            (["measures", nan, "-o", "x.csv"], "contains NaN"),
            (["activations", nan, "-o", "x.png"], "nan.h5: train/3/activations/0: contains NaN at row 1, column 0"),
            (["single-neuron", inf, "-o", "x.png"], "inf.h5: train/1/activations/0: contains -Inf at row 9, column 1"),
            (["infoplane", "missing.h5", "-o", "x.png"], "missing.h5: no such file"),
            (["infoplane", Fixtures.exampleRun, "-o", "/proc/nope/x.png"], "cannot write output"),
            (["infoplane", Fixtures.exampleRun, "-o", "x.gif"], "unsupported output format"),
        ]
        for (arguments, fragment) in cases {
            let result = try runCLI(arguments, in: folder)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains(fragment), "«\(result.stderr)» lacks «\(fragment)»")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertFalse(result.stderr.contains("Fatal error"))
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix(".h5") }
        XCTAssertEqual(left, [], "files left behind: \(left)")
        // A read-only folder: the error names the output and nothing is written.
        let locked = folder.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path) }
        if access(locked.path, W_OK) != 0 {   // root can write anywhere; the check is meaningful only for others
            let result = try runCLI(["infoplane", Fixtures.exampleRun, "-o", locked.appendingPathComponent("p.png").path])
            XCTAssertNotEqual(result.status, 0)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: locked.path), [])
        }
    }

    private func distance(_ got: (r: Int, g: Int, b: Int), _ want: Color) -> Int {
        max(abs(got.r - Int(Color.byte(want.r))), abs(got.g - Int(Color.byte(want.g))), abs(got.b - Int(Color.byte(want.b))))
    }

    private func assertColor(_ got: (r: Int, g: Int, b: Int), _ want: Color, tolerance: Int,
                             file: StaticString = #filePath, line: UInt = #line) {
        let w = (Int(Color.byte(want.r)), Int(Color.byte(want.g)), Int(Color.byte(want.b)))
        XCTAssertLessThanOrEqual(abs(got.r - w.0), tolerance, "got \(got) want \(w)", file: file, line: line)
        XCTAssertLessThanOrEqual(abs(got.g - w.1), tolerance, "got \(got) want \(w)", file: file, line: line)
        XCTAssertLessThanOrEqual(abs(got.b - w.2), tolerance, "got \(got) want \(w)", file: file, line: line)
    }
}
