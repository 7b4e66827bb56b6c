/// A renderer in front of another: it forwards every call and hands `record` a box (figure
/// points) that holds all the call can paint, clipped to the clip in force. What a layer of a
/// figure touches, so that a movie frame is restored and compared only there. Boxes are
/// generous, never short: a stroke's segments each grow by half the width (bevel joins and butt
/// caps reach no further), a text grows by its width and size on every side whatever its
/// anchor and rotation.
public final class FootprintRenderer: Renderer {
    private let target: Renderer
    private let record: (Rect) -> Void
    private var clipRect: Rect?

    public init(forwardingTo target: Renderer, record: @escaping (Rect) -> Void) {
        self.target = target
        self.record = record
    }

    public func measure(_ text: String, size: Double, bold: Bool, fontFamily: String) -> TextMetrics {
        target.measure(text, size: size, bold: bold, fontFamily: fontFamily)
    }

    public func clear(_ color: Color) {
        box(-1e9, -1e9, 1e9, 1e9)
        target.clear(color)
    }

    public func fill(_ rect: Rect, color: Color) {
        box(rect.x, rect.y, rect.maxX, rect.maxY)
        target.fill(rect, color: color)
    }

    public func stroke(_ points: [Point], color: Color, width: Double, dashed: Bool) {
        let grow = width / 2
        for (a, b) in zip(points, points.dropFirst()) {
            box(min(a.x, b.x) - grow, min(a.y, b.y) - grow, max(a.x, b.x) + grow, max(a.y, b.y) + grow)
        }
        target.stroke(points, color: color, width: width, dashed: dashed)
    }

    public func circle(center: Point, diameter: Double, fill: Color, edge: Color?, edgeWidth: Double) {
        let r = diameter / 2 + edgeWidth
        box(center.x - r, center.y - r, center.x + r, center.y + r)
        target.circle(center: center, diameter: diameter, fill: fill, edge: edge, edgeWidth: edgeWidth)
    }

    public func polygon(_ points: [Point], fill: Color, edge: Color?, edgeWidth: Double) {
        if let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(), let minY = points.map(\.y).min(), let maxY = points.map(\.y).max() {
            box(minX - edgeWidth, minY - edgeWidth, maxX + edgeWidth, maxY + edgeWidth)
        }
        target.polygon(points, fill: fill, edge: edge, edgeWidth: edgeWidth)
    }

    public func ellipse(center: Point, radiusX: Double, radiusY: Double, fill: Color) {
        box(center.x - radiusX, center.y - radiusY, center.x + radiusX, center.y + radiusY)
        target.ellipse(center: center, radiusX: radiusX, radiusY: radiusY, fill: fill)
    }

    public func text(_ item: TextItem, fontFamily: String) {
        let reach = target.measure(item.text, size: item.size, bold: item.bold, fontFamily: fontFamily).width + item.size
        box(item.at.x - reach, item.at.y - reach, item.at.x + reach, item.at.y + reach)
        target.text(item, fontFamily: fontFamily)
    }

    public func image(columns: Int, rows: Int, colors: [Color], in rect: Rect) {
        box(rect.x, rect.y, rect.maxX, rect.maxY)
        target.image(columns: columns, rows: rows, colors: colors, in: rect)
    }

    public func clip(_ rect: Rect?) {
        clipRect = rect
        target.clip(rect)
    }

    private func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
        var (x0, y0, x1, y1) = (x0, y0, x1, y1)
        if let c = clipRect { (x0, y0, x1, y1) = (max(x0, c.x), max(y0, c.y), min(x1, c.maxX), min(y1, c.maxY)) }
        guard x1 > x0, y1 > y0 else { return }
        record(Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
    }
}
