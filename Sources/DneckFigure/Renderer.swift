/// The few primitives a drawing backend provides, in figure points (origin top-left), and the
/// text measurement the layout needs. The `FigureDrawer` turns a whole `Figure` into calls of
/// these; one backend is one type.
public protocol Renderer: TextMeasurer {
    /// Paints the whole figure with `color`, replacing what was there.
    func clear(_ color: Color)
    func fill(_ rect: Rect, color: Color)
    func stroke(_ points: [Point], color: Color, width: Double, dashed: Bool)
    func circle(center: Point, diameter: Double, fill: Color, edge: Color?, edgeWidth: Double)
    /// A closed polygon through `points`, filled, with an edge when `edge` is given.
    func polygon(_ points: [Point], fill: Color, edge: Color?, edgeWidth: Double)
    /// A filled axis-aligned ellipse.
    func ellipse(center: Point, radiusX: Double, radiusY: Double, fill: Color)
    /// Draws `item` where its anchor puts it (see `TextItem.baselineOffset`).
    func text(_ item: TextItem, fontFamily: String)
    /// Draws a `columns × rows` grid of colours (row 0 at the top) scaled to `rect`, cells sharp.
    func image(columns: Int, rows: Int, colors: [Color], in rect: Rect)
    /// Restricts drawing to `rect`, or lifts the restriction when nil.
    func clip(_ rect: Rect?)
}

/// Draws a laid-out `Figure` on any `Renderer`: background, panels (grid, frame, ticks, marks,
/// legend), colorbars and the texts the layout placed. Knows nothing about what the data mean,
/// and places nothing itself: a figure not laid out yet is laid out with the renderer's own
/// text measurement first.
///
/// A figure is drawn in two layers: the decorations (everything but the panels' marks and the
/// legends), then the marks, clipped inside the panel frames, and the legends. A movie whose
/// frames share their decorations draws them once and only the marks per frame; drawing both
/// layers at once gives the same pixels.
public enum FigureDrawer {
    /// The layers of a figure.
    public struct Layers: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The figure's background colour over everything.
        public static let background = Layers(rawValue: 4)
        /// Grids, frames, ticks, all placed texts, colorbars.
        public static let decorations = Layers(rawValue: 1)
        /// Panel marks and all legends.
        public static let marks = Layers(rawValue: 2)
        public static let all: Layers = [.background, .decorations, .marks]
    }

    public static func draw(_ figure: Figure, on renderer: Renderer, layers: Layers = .all) {
        let figure = figure.isLaidOut ? figure : FigureLayout.place(figure, measurer: renderer)
        let style = figure.style
        if layers.contains(.background) { renderer.clear(style.background) }
        if layers.contains(.decorations) {
            for panel in figure.panels { drawDecorations(panel, style: style, on: renderer) }
            for bar in figure.colorbars { draw(bar, style: style, on: renderer) }
            for item in figure.texts { renderer.text(item, fontFamily: style.fontFamily) }
        }
        if layers.contains(.marks) {
            for panel in figure.panels {
                // Inside the frame line, so marks never cover it and the layers compose exactly.
                let inset = style.axesLineWidth / 2
                let f = panel.frame
                renderer.clip(Rect(x: f.x + inset, y: f.y + inset, width: f.width - 2 * inset, height: f.height - 2 * inset))
                for mark in panel.marks { draw(mark, in: panel, style: style, on: renderer) }
                renderer.clip(nil)
                if let legend = panel.legend { draw(legend, style: style, on: renderer) }
            }
            for placed in figure.legends { draw(placed.legend, style: style, on: renderer) }
        }
    }

    /// The part of a laid-out figure the marks layer can touch (panel frames and legends), in
    /// points; outside it a figure is its decorations alone.
    public static func marksRegion(_ figure: Figure) -> Rect {
        let rects = figure.panels.map(\.frame) + figure.legends.map(\.legend.frame)
        guard let first = rects.first else { return Rect(x: 0, y: 0, width: 0, height: 0) }
        return rects.dropFirst().reduce(first) { $0.union($1) }
    }

    private static func closed(_ f: Rect) -> [Point] {
        [Point(f.x, f.y), Point(f.maxX, f.y), Point(f.maxX, f.maxY), Point(f.x, f.maxY), Point(f.x, f.y)]
    }

    private static func drawDecorations(_ panel: Panel, style: Style, on renderer: Renderer) {
        let f = panel.frame
        let xs = panel.x.ticks.compactMap { panel.x.scale.fraction($0.value) }.filter { (-1e-9...1 + 1e-9).contains($0) }
        let ys = panel.y.ticks.compactMap { panel.y.scale.fraction($0.value) }.filter { (-1e-9...1 + 1e-9).contains($0) }
        if panel.grid && style.grid {
            for fx in xs { renderer.stroke([Point(f.x + fx * f.width, f.y), Point(f.x + fx * f.width, f.maxY)],
                                           color: style.gridColor, width: 0.6, dashed: false) }
            for fy in ys { renderer.stroke([Point(f.x, f.maxY - fy * f.height), Point(f.maxX, f.maxY - fy * f.height)],
                                           color: style.gridColor, width: 0.6, dashed: false) }
        }
        renderer.stroke(closed(f), color: style.foreground, width: style.axesLineWidth, dashed: false)
        let outward = style.tickDirection == "out" ? style.tickLength : -style.tickLength
        for fx in xs {
            let x = f.x + fx * f.width
            renderer.stroke([Point(x, f.maxY), Point(x, f.maxY + outward)], color: style.foreground,
                            width: style.axesLineWidth, dashed: false)
        }
        for fy in ys {
            let y = f.maxY - fy * f.height
            renderer.stroke([Point(f.x, y), Point(f.x - outward, y)], color: style.foreground,
                            width: style.axesLineWidth, dashed: false)
        }
    }

    private static func draw(_ mark: Mark, in panel: Panel, style: Style, on renderer: Renderer) {
        let f = panel.frame
        switch mark {
        case .line(let points, let color, let width, let dashed):
            // A point with no neighbour to join (a line of one epoch) is a dot: no data point vanishes.
            func trace(_ run: [Point]) {
                if run.count > 1 { renderer.stroke(run, color: color, width: width, dashed: dashed) }
                if run.count == 1 { renderer.circle(center: run[0], diameter: 3 * width, fill: color, edge: nil, edgeWidth: 0) }
            }
            var run: [Point] = []
            for p in points {
                if let q = panel.point(p) { run.append(q) } else {
                    trace(run)
                    run = []
                }
            }
            trace(run)
        case .scatter(let points, let colors, let diameter, let edge, let shapes):
            for (i, (p, color)) in zip(points, colors).enumerated() {
                guard let q = panel.point(p) else { continue }
                renderer.marker(i < shapes.count ? shapes[i] : .circle, center: q, diameter: diameter, fill: color, edge: edge, edgeWidth: 0.5)
            }
        case .ellipses(let centers, let radii, let colors):
            for ((c, r), color) in zip(zip(centers, radii), colors) {
                guard let q = panel.point(c), let corner = panel.point(DataPoint(c.x + r.x, c.y + r.y)) else { continue }
                renderer.ellipse(center: q, radiusX: abs(corner.x - q.x), radiusY: abs(corner.y - q.y), fill: color)
            }
        case .boxes(let from, let to, let colors):
            for ((a, b), color) in zip(zip(from, to), colors) {
                guard let p = panel.point(a), let q = panel.point(b) else { continue }
                renderer.fill(Rect(x: min(p.x, q.x), y: min(p.y, q.y), width: abs(q.x - p.x), height: abs(q.y - p.y)), color: color)
            }
        case .rings(let points, let color, let diameter, let width):
            for p in points {
                guard let q = panel.point(p) else { continue }
                renderer.circle(center: q, diameter: diameter, fill: color.withAlpha(0), edge: color, edgeWidth: width)
            }
        case .heatmap(let map):
            guard let topLeft = panel.point(DataPoint(map.x.lowerBound, map.y.upperBound)),
                  let bottomRight = panel.point(DataPoint(map.x.upperBound, map.y.lowerBound)) else { return }
            // Row 0 is the bottom row of the heatmap, the top row of an image.
            var flipped: [Color] = []
            flipped.reserveCapacity(map.colors.count)
            for row in (0..<map.rows).reversed() {
                flipped += map.colors[row * map.columns..<(row + 1) * map.columns]
            }
            renderer.image(columns: map.columns, rows: map.rows, colors: flipped,
                           in: Rect(x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x, height: bottomRight.y - topLeft.y))
        case .label(let text, let fx, let fy, let anchor, let size, let bold):
            renderer.text(TextItem(text, at: Point(f.x + fx * f.width, f.maxY - fy * f.height), anchor: anchor,
                                   size: size, bold: bold, color: style.foreground, role: .mark), fontFamily: style.fontFamily)
        case .verticalLine(let x, let color, let width, let dashed):
            guard let fx = panel.x.scale.fraction(x) else { return }
            let px = f.x + fx * f.width
            renderer.stroke([Point(px, f.y), Point(px, f.maxY)], color: color, width: width, dashed: dashed)
        case .horizontalLine(let y, let color, let width, let dashed):
            guard let fy = panel.y.scale.fraction(y) else { return }
            let py = f.maxY - fy * f.height
            renderer.stroke([Point(f.x, py), Point(f.maxX, py)], color: color, width: width, dashed: dashed)
        }
    }

    private static func draw(_ legend: Legend, style: Style, on renderer: Renderer) {
        let frame = legend.frame
        guard !legend.entries.isEmpty else { return }
        renderer.fill(frame, color: style.background.withAlpha(0.85))
        renderer.stroke(closed(frame), color: style.gridColor, width: 0.6, dashed: false)
        let pad = style.legendPadding, symbol = style.legendSymbolWidth
        let row = (frame.height - 2 * pad) / Double(legend.entries.count)
        for (i, entry) in legend.entries.enumerated() {
            let y = frame.y + pad + row * (Double(i) + 0.5)
            let x0 = frame.x + pad
            switch entry.symbol {
            case .patch:
                let side = min(symbol, row) * 0.6
                renderer.fill(Rect(x: x0 + (symbol - side) / 2, y: y - side / 2, width: side, height: side), color: entry.color)
            case .line, .lineAndMarker:
                renderer.stroke([Point(x0, y), Point(x0 + symbol, y)], color: entry.color, width: style.lineWidth, dashed: false)
            case .ring:
                renderer.circle(center: Point(x0 + symbol / 2, y), diameter: style.markerSize * 1.4,
                                fill: entry.color.withAlpha(0), edge: entry.color, edgeWidth: 1.2)
            case .marker, .shape:
                break
            }
            if case .shape(let shape) = entry.symbol {
                renderer.marker(shape, center: Point(x0 + symbol / 2, y), diameter: style.markerSize * 0.9,
                                fill: entry.color, edge: nil, edgeWidth: 0)
            }
            if entry.symbol == .marker || entry.symbol == .lineAndMarker {
                renderer.circle(center: Point(x0 + symbol / 2, y), diameter: style.markerSize * 0.9,
                                fill: entry.color, edge: nil, edgeWidth: 0)
            }
            renderer.text(TextItem(entry.label, at: Point(x0 + symbol + pad, y), anchor: TextAnchor(.left, .middle),
                                   size: style.fontSize, color: style.foreground, role: .legend), fontFamily: style.fontFamily)
        }
    }

    private static func draw(_ bar: Colorbar, style: Style, on renderer: Renderer) {
        let f = bar.frame
        let steps = 256
        // Top row of the image is the high end of the range.
        let colors = (0..<steps).map { i in bar.colormap.color(at: 1 - (Double(i) + 0.5) / Double(steps)) }
        renderer.image(columns: 1, rows: steps, colors: colors, in: f)
        renderer.stroke(closed(f), color: style.foreground, width: style.axesLineWidth, dashed: false)
        for tick in bar.ticks {
            let fraction = bar.normalize(tick.value)
            guard fraction.isFinite, (-1e-9...1 + 1e-9).contains(fraction) else { continue }
            let y = f.maxY - fraction * f.height
            renderer.stroke([Point(f.maxX, y), Point(f.maxX + style.tickLength, y)], color: style.foreground,
                            width: style.axesLineWidth, dashed: false)
        }
    }
}
