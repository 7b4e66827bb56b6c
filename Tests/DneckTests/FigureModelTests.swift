@testable import DneckFigure
import XCTest

final class FigureModelTests: XCTestCase {
    /// Tick tables generated once with matplotlib's `MaxNLocator(nbins, steps=[1, 2, 5, 10])`.
    func testLinearTicksMatchMatplotlib() {
        let table: [(Double, Double, Int, [Double])] = [
            (0, 1, 5, [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]),
            (0, 1, 9, [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]),
            (1.73, 11.94, 6, [2.0, 4.0, 6.0, 8.0, 10.0]),
            (-0.05, 1.05, 8, [0.0, 0.2, 0.4000000000000001, 0.6000000000000001, 0.8, 1.0000000000000002]),
            (0.0123, 0.0456, 4, [0.02, 0.03, 0.04]),
            (-3.2, 7.9, 9, [-2.0, 0.0, 2.0, 4.0, 6.0]),
            (980, 1000, 5, [980.0, 985.0, 990.0, 995.0, 1000.0]),
            (100000.0, 100003.0, 4, [100000.0, 100001.0, 100002.0, 100003.0]),
            (2.27, 11.68, 9, [4.0, 6.0, 8.0, 10.0]),
            (0, 980, 7, [0.0, 200.0, 400.0, 600.0, 800.0]),
            (-0.001, 0.002, 3, [-0.001, 0.0, 0.001, 0.002]),
            (12345, 67890, 5, [20000.0, 40000.0, 60000.0]),
        ]
        for (lo, hi, bins, expected) in table {
            let got = Ticker.linearTicks(lo, hi, maxBins: bins)
            XCTAssertEqual(got.count, expected.count, "\(lo)...\(hi) nbins \(bins): \(got)")
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-12 * max(1, abs(e))) }
        }
    }

    func testTickLabelsUseFewestDecimalsAndTrueMinus() {
        XCTAssertEqual(Ticker.labels([0, 0.2, 0.4000000000000001, 0.6000000000000001]), ["0.0", "0.2", "0.4", "0.6"])
        XCTAssertEqual(Ticker.labels([-2, 0, 2]), ["\u{2212}2", "0", "2"])
        XCTAssertEqual(Ticker.labels([0.02, 0.03]), ["0.02", "0.03"])
        XCTAssertEqual(Ticker.logLabel(0.001), "10⁻³")
    }

    func testLogTicksAreDecades() {
        XCTAssertEqual(Ticker.logTicks(0.5, 2000), [1, 10, 100, 1000])
        XCTAssertEqual(Ticker.logTicks(1.5, 8), [2, 5])
    }

    /// Reference RGB values from matplotlib's own colormaps.
    func testColormapsMatchMatplotlib() {
        let expected: [(Colormap, Double, (Double, Double, Double))] = [
            (.gnuplot, 0.0, (0, 0, 0)),
            (.gnuplot, 0.25, (0.5009794329, 0.0158095453, 0.9999810273)),
            (.gnuplot, 0.5, (0.7084919084, 0.1264763628, 0.0)),
            (.gnuplot, 0.1234, (0.3486669291, 0.0017966544, 0.6916984393)),
            (.gnuplot, 1.0, (1, 1, 0)),
            (.viridis, 0.0, (0.267004, 0.004874, 0.329415)),
            (.viridis, 0.75, (0.369214, 0.788888, 0.382914)),
            (.viridis, 0.1234, (0.279574, 0.170599, 0.479997)),
            (.viridis, 1.0, (0.993248, 0.906157, 0.143936)),
            (.plasma, 0.5, (0.798216, 0.280197, 0.469538)),
        ]
        for (map, x, rgb) in expected {
            let c = map.color(at: x)
            XCTAssertEqual(c.r, rgb.0, accuracy: 1e-6, "\(map.name)(\(x))")
            XCTAssertEqual(c.g, rgb.1, accuracy: 1e-6, "\(map.name)(\(x))")
            XCTAssertEqual(c.b, rgb.2, accuracy: 1e-6, "\(map.name)(\(x))")
        }
        XCTAssertEqual(Colormap.named("VIRIDIS"), .viridis)
        XCTAssertNil(Colormap.named("nope"))
    }

    func testNormalizeLinearAndLogOfEpochs() {
        XCTAssertEqual(Normalize(0, 980)(490), 0.5)
        let log = Normalize(0, 999, logarithmic: true, offset: 1)   // log10(epoch + 1)
        XCTAssertEqual(log(0), 0)
        XCTAssertEqual(log(9), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(log(999), 1, accuracy: 1e-12)
        XCTAssertTrue(Normalize(1, 10, logarithmic: true)(0).isNaN)
    }

    func testScalesMapAndDropWhatTheyCannotPlace() {
        XCTAssertEqual(Scale.linear(0...10).fraction(2.5), 0.25)
        XCTAssertEqual(Scale.log(1...100).fraction(10)!, 0.5, accuracy: 1e-12)
        XCTAssertNil(Scale.log(1...100).fraction(0))
        XCTAssertNil(Scale.log(1...100).fraction(-1))
        // Symmetric log: linear to 1, decades beyond (matplotlib's symlog, linthresh 1).
        XCTAssertEqual(Scale.symlog(0...100).fraction(0)!, 0, accuracy: 1e-12)
        XCTAssertEqual(Scale.symlog(-100...100).fraction(0)!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(Scale.symlog(0...100).fraction(10)!, (1 / 0.9 + 1) / (1 / 0.9 + 2), accuracy: 1e-12)
        XCTAssertEqual(Ticker.symlogTicks(-0.05, 1200), [0, 1, 10, 100, 1000])
        XCTAssertEqual(Scale.linear(fitting: [0, 10]).domain, -0.5...10.5)
        XCTAssertEqual(Scale.linear(fitting: [3, 3]).domain, 2.5...3.5)   // equal values: at least a unit around them
        XCTAssertEqual(Scale.linear(fitting: [40, 40]).domain, 38...42)
    }

    func testStyleFilesValidateKeysAndExtend() throws {
        let folder = Fixtures.temporaryFolder()
        let base = folder.appendingPathComponent("base.json")
        let child = folder.appendingPathComponent("child.json")
        try #"{"font_size": 12, "colormap": "viridis"}"#.write(to: base, atomically: true, encoding: .utf8)
        try #"{"extends": "base.json", "line_width": 2}"#.write(to: child, atomically: true, encoding: .utf8)
        let style = try Style.load([child.path])
        XCTAssertEqual(style.fontSize, 12)
        XCTAssertEqual(style.colormap, "viridis")
        XCTAssertEqual(style.lineWidth, 2)
        try #"{"font_sise": 12}"#.write(to: base, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Style.load([base.path])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'font_size'"), "\(error)")
        }
        for path in try FileManager.default.contentsOfDirectory(atPath: Fixtures.packageRoot.appendingPathComponent("styles").path) {
            XCTAssertNoThrow(try Style.load([Fixtures.packageRoot.appendingPathComponent("styles/\(path)").path]), path)
        }
    }

    /// Values out of range or of the wrong type are errors naming file, key and what it
    /// takes; cycles under another spelling and chains too deep are caught.
    func testStyleValuesAreCheckedAndCyclesNamed() throws {
        let folder = Fixtures.temporaryFolder()
        let file = folder.appendingPathComponent("s.json")
        for (text, key) in [(#"{"font_size": 1e308}"#, "font_size"), (#"{"font_size": 5e-324}"#, "font_size"),
                            (#"{"marker_size": 1e308}"#, "marker_size"), (#"{"grid": 1}"#, "grid"),
                            (#"{"font_size": "9"}"#, "font_size"), (#"{"color_cycle": []}"#, "color_cycle"),
                            (#"{"figure_size": [0, 3]}"#, "figure_size"), (#"{"tick_direction": "up"}"#, "tick_direction"),
                            (#"{"background": "red"}"#, "background"), (#"{"colormap": "jet"}"#, "colormap")] {
            try text.write(to: file, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Style.load([file.path]), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(file.path): \(key): expected"), "\(error)")
            }
        }
        let a = folder.appendingPathComponent("a.json")
        try #"{"extends": "./a.json"}"#.write(to: a, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Style.load([a.path])) { XCTAssertTrue("\($0)".contains("cycle (a.json → a.json)"), "\($0)") }
        for i in 0..<40 {
            try #"{"extends": "s\#(i + 1).json"}"#.write(to: folder.appendingPathComponent("s\(i).json"), atomically: true, encoding: .utf8)
        }
        try "{}".write(to: folder.appendingPathComponent("s40.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Style.load([folder.appendingPathComponent("s0.json").path])) {
            XCTAssertTrue("\($0)".contains("more than 32"), "\($0)")
        }
        // A name finds the shipped file.
        XCTAssertEqual(try Style.load(["slides"]).fontSize, 14)
    }

    /// docs/styles.md documents every key the code defines.
    func testEveryStyleKeyIsDocumented() throws {
        let doc = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/styles.md"), encoding: .utf8)
        for key in Style.keyNames { XCTAssertTrue(doc.contains("| `\(key)` |"), key) }
    }

    /// An axis wider than Double can span gets finite ticks in scientific labels, quickly.
    func testTicksOverTheWholeDoubleRange() {
        let ticks = Ticker.ticks(for: .linear(-1e308...1e308), axisLength: 200, fontSize: 9, horizontal: false)
        XCTAssertFalse(ticks.isEmpty)
        XCTAssertTrue(ticks.allSatisfy { $0.value.isFinite && $0.label.count < 8 }, "\(ticks)")
        XCTAssertEqual(Scale.linear(-1e308...1e308).fraction(0)!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(Ticker.labels([0, 2e-7, 4e-7]), ["0", "2e\u{2212}7", "4e\u{2212}7"])
        XCTAssertEqual(Ticker.labels([0, 2.5e6, 5e6]), ["0", "2.5e6", "5.0e6"])
    }
}
