@testable import DneckFigure
import DneckCairo
import XCTest

final class MatplotlibStyleTests: XCTestCase {
    private let folder = Fixtures.temporaryFolder()
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func sheet(_ text: String, name: String = "house.mplstyle") throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Comments, quoted colours, a cycler and relative sizes take effect as matplotlib reads them.
    func testStyleSheetTakesEffect() throws {
        let path = try sheet("""
            # A journal's house style
            figure.figsize : 3, 2      # inches
            savefig.dpi    : 100
            font.size      : 12
            axes.labelsize : large
            xtick.labelsize: 8
            axes.prop_cycle: cycler('color', ['1f77b4', "#ff7f0e", 'k'])
            grid.color     : "#b0b0b0"   # quoted, so the hash is not a comment
            axes.grid      : False
            xtick.direction: in
            lines.linewidth: 2.5
            image.cmap     : viridis
            text.usetex    : True
            pgf.texsystem  : pdflatex
            """)
        let style = try Style.load([path])
        XCTAssertEqual(style.figureSize?.width, 3)
        XCTAssertEqual(style.figureSize?.height, 2)
        XCTAssertEqual(style.dpi, 100)
        XCTAssertEqual(style.fontSize, 8)
        XCTAssertEqual(style.labelSize, 12 * 1.2, accuracy: 1e-12)
        XCTAssertEqual(style.titleSize, 12 * 1.2, accuracy: 1e-12)
        XCTAssertEqual(style.colorCycle, [Color(hex: "#1f77b4")!, Color(hex: "#ff7f0e")!, Color(hex: "#000000")!])
        XCTAssertEqual(style.gridColor, Color(hex: "#b0b0b0")!)
        XCTAssertFalse(style.grid)
        XCTAssertEqual(style.tickDirection, "in")
        XCTAssertEqual(style.lineWidth, 2.5)
        XCTAssertEqual(style.colormap, "viridis")
        XCTAssertEqual(style.warnings.count, 2)
        XCTAssertTrue(style.warnings[0].hasSuffix("text.usetex: a matplotlib key dneck-plot does not honour; ignored"), style.warnings[0])
        // A 3 × 2 inch figure at the sheet's 100 dpi is 300 × 200 pixels.
        let figure = Figure(widthInches: style.figureSize!.width, heightInches: style.figureSize!.height, dpi: style.dpi!, style: style)
        XCTAssertEqual(figure.pixelWidth, 300)
        XCTAssertEqual(figure.pixelHeight, 200)
    }

    /// A larger font.size gives taller glyphs in pixels.
    func testLargerFontSizeGivesTallerGlyphs() throws {
        func height(_ size: Int) throws -> Double {
            let style = try Style.load([try sheet("font.size: \(size)\n", name: "s\(size).mplstyle")])
            return CairoTextMeasurer.shared.measure("Epoch", size: style.labelSize, bold: false, fontFamily: style.fontFamily).height
        }
        XCTAssertGreaterThan(try height(20), 1.5 * (try height(10)))
    }

    func testUnknownKeysAndBadValuesAreErrors() throws {
        for (text, message) in [("lines.linewidht: 2", "lines.linewidht: unknown matplotlib key; did you mean 'lines.linewidth'?"),
                                ("axes.prop_cycle: cycler('color', ['zz'])", "axes.prop_cycle: bad value"),
                                ("font.size: big", "font.size: bad value 'big'"),
                                ("lines.linewidth: 1e308", "lines.linewidth: bad value '1e308': expected a number from 0.05 to 20 points"),
                                ("figure.figsize: 3", "figure.figsize: bad value '3'"),
                                ("just a line", "line 1: expected 'key : value'")] {
            let path = try sheet(text + "\n")
            XCTAssertThrowsError(try Style.load([path]), text) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    func testNameFindsJSONOrStyleSheet() throws {
        XCTAssertTrue(try Style.locate("paper").hasSuffix("styles/paper.json"))
        XCTAssertThrowsError(try Style.locate("no-such-style")) { XCTAssertTrue("\($0)".contains("styles/no-such-style.mplstyle"), "\($0)") }
    }

    /// Through the command line: the sheet's size and dpi make the PNG 300 × 200 pixels, and
    /// the key it cannot honour is one warning line.
    func testStyleSheetOnTheCommandLine() throws {
        let path = try sheet("figure.figsize: 3, 2\nsavefig.dpi: 100\ntext.usetex: True\n")
        let out = folder.appendingPathComponent("plane.png")
        let result = try runCLI(["infoplane", Fixtures.exampleRun, "--style", path, "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("dneck-plot: warning: \(path): text.usetex: a matplotlib key dneck-plot does not honour; ignored\n"),
                      result.stderr)
        let png = try DecodedPNG(path: out.path)
        XCTAssertEqual(png.width, 300)
        XCTAssertEqual(png.height, 200)
        // --dpi still wins over the sheet's.
        XCTAssertEqual(try runCLI(["infoplane", Fixtures.exampleRun, "--style", path, "--dpi", "50", "-o", out.path]).status, 0)
        XCTAssertEqual(try DecodedPNG(path: out.path).width, 150)
    }
}
