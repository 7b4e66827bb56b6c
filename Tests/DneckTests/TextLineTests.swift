import DneckCairo
import DneckFigure
import DneckPlotters
import Foundation
import XCTest

/// Lines of one text (footers, wrapped titles and labels) stand one line advance apart, so that
/// no two words' boxes overlap, neither in the layout check nor in a PDF reader (issue #17).
final class TextLineTests: XCTestCase {
    /// A word of a PDF page with the box `pdftotext -bbox` gives it, in points.
    struct Word { let text: String; let box: Rect }

    /// The words of every page of `pdf`; when pdftotext is missing, a skip, or on CI (CI=true)
    /// an error that fails the test.
    private func words(_ pdf: URL) throws -> [[Word]] {
        guard let pdftotext = onPath(["pdftotext"]) else {
            let why = "no pdftotext on PATH: install Debian's poppler-utils (setup.sh does) to check the PDF's word boxes"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                throw NSError(domain: "TextLineTests", code: 1, userInfo: [NSLocalizedDescriptionKey: why])
            }
            throw XCTSkip(why)
        }
        let html = pdf.deletingPathExtension().appendingPathExtension("html")
        let result = try runProgram(pdftotext, ["-bbox", pdf.path, html.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let pattern = #/<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>/#
        return try String(contentsOf: html, encoding: .utf8).components(separatedBy: "<page ").dropFirst().map { page in
            page.matches(of: pattern).map { m in
                let (x0, y0, x1, y1) = (Double(m.1)!, Double(m.2)!, Double(m.3)!, Double(m.4)!)
                return Word(text: String(m.5), box: Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
            }
        }
    }

    /// Pairs of words on one page whose boxes overlap by more than `tolerance` points both ways.
    private func overlaps(_ pages: [[Word]], tolerance: Double = 0.25) -> [String] {
        pages.flatMap { words in
            words.indices.flatMap { i in
                words.indices.filter { $0 > i && words[i].box.overlaps(words[$0].box, tolerance: tolerance) }.map {
                    "'\(words[i].text)' \(words[i].box) overlaps '\(words[$0].text)' \(words[$0].box)"
                }
            }
        }
    }

    /// The information plane of the bundled example (three footer lines) and its activations
    /// (the colorbar label "Absolute frequency" wrapped on two lines), as PDF: no two words of
    /// either overlap by more than 0.25 pt in pdftotext's boxes.
    func testPDFWordsOfWrappedTextDoNotOverlap() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for chart in ["infoplane", "activations"] {
            let pdf = folder.appendingPathComponent("\(chart).pdf")
            let result = try runCLI([chart, Fixtures.exampleRun, "-o", pdf.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            let pages = try words(pdf), all = pages.flatMap { $0 }
            XCTAssertGreaterThan(all.count, 20, "\(chart): too few words read from the PDF")
            let problems = overlaps(pages)
            XCTAssertEqual(problems, [], "\(chart): \(problems.count) overlapping words: " + problems.prefix(5).joined(separator: "; "))
            if chart == "infoplane" {   // the footer's first words, one per line
                let starts = all.filter { ["I(X;M),", "dashed:", "saturated:"].contains($0.text) }.map(\.box.y)
                XCTAssertEqual(Set(starts).count, 3, "the footer is not on three lines: \(starts)")
            } else {   // a wrapped colorbar label: its two words side by side, rotated
                let absolute = all.first { $0.text == "Absolute" }, frequency = all.first { $0.text == "frequency" }
                XCTAssertNotNil(absolute)
                XCTAssertGreaterThan(frequency?.box.x ?? 0, absolute.map { $0.box.x + $0.box.width / 2 } ?? .infinity,
                                     "the label is not wrapped")
            }
        }
    }

    /// The advance is matplotlib's 1.2 × the size where DejaVu Sans's ascent + descent
    /// (1.16 × the size) is less, and every two lines of the footer stand that far apart.
    func testLinesStandOneLineAdvanceApart() throws {
        let style = Style(), measurer = CairoTextMeasurer.shared
        for size in [6.0, 9, 11, 24] {
            let advance = FigureLayout.lineAdvance(size: size, style: style, measurer: measurer)
            let font = measurer.measure("Hg", size: size, bold: false, fontFamily: style.fontFamily)
            XCTAssertEqual(advance, max(1.2 * size, font.fontHeight), accuracy: 1e-9)
            XCTAssertGreaterThan(font.fontHeight, font.height, "the font's extents reach above capitals and brackets")
        }
        let run = try LayoutRuns.data(Fixtures.exampleRun)
        let figure = InfoPlaneChart().figure(run, request: FigureRequest()).laidOut()
        let footer = figure.texts.filter { $0.role == .footer }.map(\.at.y)
        XCTAssertEqual(footer.count, 4)   // estimator, dashed ceilings, SNR rings, saturated
        let advance = FigureLayout.lineAdvance(size: style.fontSize, style: style, measurer: measurer)
        for (a, b) in zip(footer, footer.dropFirst()) { XCTAssertEqual(b - a, advance, accuracy: 1e-9) }
    }

    /// The layout check boxes each line from the font's ascent to its descent: the footer set
    /// solid again (one font size apart) is caught, line by line.
    func testLayoutCheckCatchesLinesSetSolid() throws {
        let run = try LayoutRuns.data(Fixtures.exampleRun)
        var figure = InfoPlaneChart().figure(run, request: FigureRequest()).laidOut()
        XCTAssertEqual(layoutProblems(figure, texts: RecordingRenderer.texts(of: figure).texts), [])
        let footer = figure.texts.indices.filter { figure.texts[$0].role == .footer }
        let last = figure.texts[footer.last!].at.y
        for (k, i) in footer.reversed().enumerated() { figure.texts[i].at.y = last - Double(k) * figure.texts[i].size }
        let problems = layoutProblems(figure, texts: RecordingRenderer.texts(of: figure).texts)
        XCTAssertEqual(problems.filter { $0.contains("(footer) overlaps") && $0.hasSuffix("(footer)") }.count, footer.count - 1, "\(problems)")
    }
}
