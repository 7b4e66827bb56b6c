import DneckCairo
import DneckFigure
import Foundation

/// A renderer that draws nothing and records every text with the box of its line, measured as
/// Cairo measures it: from the font's ascent to its descent, as PDF readers box words, so that
/// two lines of one text set too close overlap (plotters' mocked backend is the model).
final class RecordingRenderer: Renderer {
    struct Text { let item: TextItem; let box: Rect }
    private(set) var texts: [Text] = []
    /// The centres of the circles drawn (markers, and dots of one-point lines).
    private(set) var circles: [Point] = []

    func measure(_ text: String, size: Double, bold: Bool, fontFamily: String) -> TextMetrics {
        CairoTextMeasurer.shared.measure(text, size: size, bold: bold, fontFamily: fontFamily)
    }
    func text(_ item: TextItem, fontFamily: String) {
        texts.append(Text(item: item, box: item.lineBox(measure(item.text, size: item.size, bold: item.bold, fontFamily: fontFamily))))
    }
    func clear(_ color: Color) {}
    func fill(_ rect: Rect, color: Color) {}
    func stroke(_ points: [Point], color: Color, width: Double, dashed: Bool) {}
    func circle(center: Point, diameter: Double, fill: Color, edge: Color?, edgeWidth: Double) { circles.append(center) }
    func polygon(_ points: [Point], fill: Color, edge: Color?, edgeWidth: Double) {}
    func ellipse(center: Point, radiusX: Double, radiusY: Double, fill: Color) {}
    func image(columns: Int, rows: Int, colors: [Color], in rect: Rect) {}
    func clip(_ rect: Rect?) {}

    /// Every text `figure` draws, laid out as the writers lay it out.
    static func texts(of figure: Figure) -> (figure: Figure, texts: [Text]) {
        let laid = figure.laidOut()
        let recorder = RecordingRenderer()
        FigureDrawer.draw(laid, on: recorder)
        return (laid, recorder.texts)
    }
}

/// What is wrong with a laid-out figure's layout, one line each (empty when nothing is): a
/// text off the canvas, two texts overlapping, a text across a panel or colorbar frame (only
/// legend and in-panel texts may lie inside a panel), a legend over a panel, or a title or label
/// of the model that was not drawn.
func layoutProblems(_ figure: Figure, texts: [RecordingRenderer.Text]) -> [String] {
    var problems: [String] = []
    let canvas = Rect(x: 0, y: 0, width: figure.width, height: figure.height)
    func name(_ t: RecordingRenderer.Text) -> String { "'\(t.item.text)' (\(t.item.role))" }
    for t in texts where !canvas.contains(t.box) { problems.append("\(name(t)) leaves the canvas: \(t.box)") }
    for i in texts.indices {
        for j in texts.indices where j > i && texts[i].box.overlaps(texts[j].box) {
            problems.append("\(name(texts[i])) overlaps \(name(texts[j]))")
        }
    }
    let legends = figure.panels.compactMap(\.legend).map(\.frame) + figure.legends.map(\.legend.frame)
    for t in texts {
        let inside = t.item.role == .legend || t.item.role == .mark
        for panel in figure.panels {
            let crosses = t.box.overlaps(panel.frame) && !panel.frame.contains(t.box)
            if crosses || (!inside && t.box.overlaps(panel.frame)) { problems.append("\(name(t)) crosses the frame of '\(panel.title ?? "")'") }
        }
        for bar in figure.colorbars where t.box.overlaps(bar.frame) { problems.append("\(name(t)) covers a colorbar") }
        if t.item.role != .legend, let legend = legends.first(where: { $0.overlaps(t.box) }) {
            problems.append("\(name(t)) lies under a legend at \(legend)")
        }
    }
    let boxes = figure.panels.map(\.frame) + figure.colorbars.map(\.frame)
    for i in boxes.indices {
        for j in boxes.indices where j > i && boxes[i].overlaps(boxes[j]) { problems.append("frames \(boxes[i]) and \(boxes[j]) overlap") }
        if !canvas.contains(boxes[i]) { problems.append("frame \(boxes[i]) leaves the canvas") }
    }
    for legend in figure.legends.map(\.legend.frame) {
        for panel in figure.panels where legend.overlaps(panel.frame) { problems.append("a figure legend covers '\(panel.title ?? "")'") }
        if !canvas.contains(legend) { problems.append("a figure legend leaves the canvas") }
    }
    // Every title and label of the model is drawn (wrapped lines joined again).
    func drawn(_ roles: [TextItem.Role]) -> String {   // lines joined, as words broken between characters join again
        texts.filter { roles.contains($0.item.role) }.map(\.item.text).joined(separator: " ")
            + texts.filter { roles.contains($0.item.role) }.map(\.item.text).joined()
    }
    func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }
    let titles = drawn([.panelTitle]), labels = drawn([.axisLabel]), barLabels = drawn([.colorbarLabel])
    let legendTexts = drawn([.legend]), footer = drawn([.footer])
    for panel in figure.panels {
        for word in words(panel.title ?? "") where !titles.contains(word) { problems.append("title word '\(word)' not drawn") }
        for word in words(panel.x.label) + words(panel.y.label) where !labels.contains(word) {
            problems.append("axis label word '\(word)' not drawn")
        }
        for entry in panel.legend?.entries ?? [] where !legendTexts.contains(entry.label) {
            problems.append("legend entry '\(entry.label)' not drawn")
        }
    }
    for bar in figure.colorbars { for word in words(bar.label) where !barLabels.contains(word) { problems.append("colorbar label word '\(word)' not drawn") } }
    for entry in figure.legends.flatMap(\.legend.entries) where !legendTexts.contains(entry.label) {
        problems.append("legend entry '\(entry.label)' not drawn")
    }
    for word in figure.footer.flatMap(words) where !footer.contains(word) { problems.append("footer word '\(word)' not drawn") }
    return problems
}
