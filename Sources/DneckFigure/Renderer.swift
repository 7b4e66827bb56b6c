/// The few primitives a drawing backend provides, in figure points (origin top-left). The
/// `FigureDrawer` turns a whole `Figure` into calls of these; one backend is one type.
public protocol Renderer: AnyObject {
    /// Paints the whole figure with `color`, replacing what was there.
    func clear(_ color: Color)
    func fill(_ rect: Rect, color: Color)
    func stroke(_ points: [Point], color: Color, width: Double, dashed: Bool)
    func circle(center: Point, diameter: Double, fill: Color, edge: Color?, edgeWidth: Double)
    func text(_ item: TextItem, fontFamily: String)
    /// Draws a `columns × rows` grid of colours (row 0 at the top) scaled to `rect`, cells sharp.
    func image(columns: Int, rows: Int, colors: [Color], in rect: Rect)
    /// Restricts drawing to `rect`, or lifts the restriction when nil.
    func clip(_ rect: Rect?)
}

/// Draws a `Figure` on any `Renderer`: background, panels (grid, frame, ticks, labels, title,
/// marks, legend), colorbars and free text. Knows nothing about what the data mean.
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
        /// Grids, frames, ticks, axis labels, titles, colorbars, free text.
        public static let decorations = Layers(rawValue: 1)
        /// Panel marks and all legends.
        public static let marks = Layers(rawValue: 2)
        public static let all: Layers = [.background, .decorations, .marks]
    }

    public static func draw(_ figure: Figure, on renderer: Renderer, layers: Layers = .all) {
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
                if let legend = panel.legend { draw(legend, in: f, style: style, on: renderer) }
            }
            for placed in figure.legends { draw(placed.legend, in: placed.area, style: style, on: renderer) }
        }
    }

    /// The part of the figure the marks layer can touch (panel frames and legend areas), in
    /// points; outside it a figure is its decorations alone.
    public static func marksRegion(_ figure: Figure) -> Rect {
        let rects = figure.panels.map(\.frame) + figure.legends.map(\.area)
        guard !rects.isEmpty else { return Rect(x: 0, y: 0, width: 0, height: 0) }
        let x0 = rects.map(\.x).min()!, y0 = rects.map(\.y).min()!
        let x1 = rects.map(\.maxX).max()!, y1 = rects.map(\.maxY).max()!
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    private static func drawDecorations(_ panel: Panel, style: Style, on renderer: Renderer) {
        let f = panel.frame
        if panel.grid && style.grid {
            for tick in panel.x.ticks { if let fx = panel.x.scale.fraction(tick.value) {
                renderer.stroke([Point(f.x + fx * f.width, f.y), Point(f.x + fx * f.width, f.maxY)],
                                color: style.gridColor, width: 0.6, dashed: false)
            } }
            for tick in panel.y.ticks { if let fy = panel.y.scale.fraction(tick.value) {
                renderer.stroke([Point(f.x, f.maxY - fy * f.height), Point(f.maxX, f.maxY - fy * f.height)],
                                color: style.gridColor, width: 0.6, dashed: false)
            } }
        }
        let corners = [Point(f.x, f.y), Point(f.maxX, f.y), Point(f.maxX, f.maxY), Point(f.x, f.maxY), Point(f.x, f.y)]
        renderer.stroke(corners, color: style.foreground, width: style.axesLineWidth, dashed: false)
        drawTicks(panel, style: style, on: renderer)
        if let title = panel.title {
            renderer.text(TextItem(title, at: Point(f.x + f.width / 2, f.y - 6), anchor: TextAnchor(.center, .bottom),
                                   size: style.titleSize, color: style.foreground), fontFamily: style.fontFamily)
        }
    }

    private static func drawTicks(_ panel: Panel, style: Style, on renderer: Renderer) {
        let f = panel.frame
        let outward = style.tickDirection == "out" ? style.tickLength : -style.tickLength
        let gap = max(outward, 0) + 3
        for tick in panel.x.ticks {
            guard let fx = panel.x.scale.fraction(tick.value), (-1e-9...1 + 1e-9).contains(fx) else { continue }
            let x = f.x + fx * f.width
            renderer.stroke([Point(x, f.maxY), Point(x, f.maxY + outward)], color: style.foreground,
                            width: style.axesLineWidth, dashed: false)
            renderer.text(TextItem(tick.label, at: Point(x, f.maxY + gap), anchor: TextAnchor(.center, .top),
                                   size: style.fontSize, color: style.foreground), fontFamily: style.fontFamily)
        }
        var widest = 0.0
        for tick in panel.y.ticks {
            guard let fy = panel.y.scale.fraction(tick.value), (-1e-9...1 + 1e-9).contains(fy) else { continue }
            let y = f.maxY - fy * f.height
            renderer.stroke([Point(f.x, y), Point(f.x - outward, y)], color: style.foreground,
                            width: style.axesLineWidth, dashed: false)
            renderer.text(TextItem(tick.label, at: Point(f.x - gap, y), anchor: TextAnchor(.right, .middle),
                                   size: style.fontSize, color: style.foreground), fontFamily: style.fontFamily)
            widest = max(widest, estimatedWidth(tick.label, size: style.fontSize))
        }
        if !panel.x.label.isEmpty {
            renderer.text(TextItem(panel.x.label, at: Point(f.x + f.width / 2, f.maxY + gap + style.fontSize + 4),
                                   anchor: TextAnchor(.center, .top), size: style.labelSize, color: style.foreground),
                          fontFamily: style.fontFamily)
        }
        if !panel.y.label.isEmpty {
            renderer.text(TextItem(panel.y.label, at: Point(f.x - gap - widest - 5, f.y + f.height / 2),
                                   anchor: TextAnchor(.center, .bottom), size: style.labelSize, rotation: 90,
                                   color: style.foreground), fontFamily: style.fontFamily)
        }
    }

    private static func draw(_ mark: Mark, in panel: Panel, style: Style, on renderer: Renderer) {
        switch mark {
        case .line(let points, let color, let width, let dashed):
            var run: [Point] = []
            for p in points {
                if let q = panel.point(p) { run.append(q) } else {
                    if run.count > 1 { renderer.stroke(run, color: color, width: width, dashed: dashed) }
                    run = []
                }
            }
            if run.count > 1 { renderer.stroke(run, color: color, width: width, dashed: dashed) }
        case .scatter(let points, let colors, let diameter, let edge):
            for (p, color) in zip(points, colors) {
                guard let q = panel.point(p) else { continue }
                renderer.circle(center: q, diameter: diameter, fill: color, edge: edge, edgeWidth: 0.5)
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
            let f = panel.frame
            renderer.text(TextItem(text, at: Point(f.x + fx * f.width, f.maxY - fy * f.height), anchor: anchor,
                                   size: size, bold: bold, color: style.foreground), fontFamily: style.fontFamily)
        case .verticalLine(let x, let color, let width, let dashed):
            guard let fx = panel.x.scale.fraction(x) else { return }
            let f = panel.frame
            let px = f.x + fx * f.width
            renderer.stroke([Point(px, f.y), Point(px, f.maxY)], color: color, width: width, dashed: dashed)
        }
    }

    private static func draw(_ legend: Legend, in f: Rect, style: Style, on renderer: Renderer) {
        let size = style.fontSize
        let rowHeight = size * 1.45
        let symbolWidth = 18.0
        let textWidth = legend.entries.map { estimatedWidth($0.label, size: size) }.max() ?? 0
        let box = (width: symbolWidth + textWidth + 16, height: rowHeight * Double(legend.entries.count) + 8)
        let inset = 6.0
        let left = (legend.corner == .topLeft || legend.corner == .bottomLeft) ? f.x + inset : f.maxX - inset - box.width
        let top = (legend.corner == .topLeft || legend.corner == .topRight) ? f.y + inset : f.maxY - inset - box.height
        let frame = Rect(x: left, y: top, width: box.width, height: box.height)
        renderer.fill(frame, color: style.background.withAlpha(0.85))
        renderer.stroke([Point(frame.x, frame.y), Point(frame.maxX, frame.y), Point(frame.maxX, frame.maxY),
                         Point(frame.x, frame.maxY), Point(frame.x, frame.y)], color: style.gridColor, width: 0.6, dashed: false)
        for (i, entry) in legend.entries.enumerated() {
            let y = top + 4 + rowHeight * (Double(i) + 0.5)
            let x0 = left + 5
            if entry.symbol != .marker {
                renderer.stroke([Point(x0, y), Point(x0 + symbolWidth, y)], color: entry.color, width: style.lineWidth, dashed: false)
            }
            if entry.symbol != .line {
                renderer.circle(center: Point(x0 + symbolWidth / 2, y), diameter: style.markerSize * 0.9,
                                fill: entry.color, edge: nil, edgeWidth: 0)
            }
            renderer.text(TextItem(entry.label, at: Point(x0 + symbolWidth + 5, y), anchor: TextAnchor(.left, .middle),
                                   size: size, color: style.foreground), fontFamily: style.fontFamily)
        }
    }

    private static func draw(_ bar: Colorbar, style: Style, on renderer: Renderer) {
        let f = bar.frame
        let steps = 256
        // Top row of the image is the high end of the range.
        let colors = (0..<steps).map { i in bar.colormap.color(at: 1 - (Double(i) + 0.5) / Double(steps)) }
        renderer.image(columns: 1, rows: steps, colors: colors, in: f)
        renderer.stroke([Point(f.x, f.y), Point(f.maxX, f.y), Point(f.maxX, f.maxY), Point(f.x, f.maxY), Point(f.x, f.y)],
                        color: style.foreground, width: style.axesLineWidth, dashed: false)
        var widest = 0.0
        for tick in bar.ticks {
            let fraction = bar.normalize(tick.value)
            guard fraction.isFinite, (-1e-9...1 + 1e-9).contains(fraction) else { continue }
            let y = f.maxY - fraction * f.height
            renderer.stroke([Point(f.maxX, y), Point(f.maxX + style.tickLength, y)], color: style.foreground,
                            width: style.axesLineWidth, dashed: false)
            renderer.text(TextItem(tick.label, at: Point(f.maxX + style.tickLength + 3, y), anchor: TextAnchor(.left, .middle),
                                   size: style.fontSize, color: style.foreground), fontFamily: style.fontFamily)
            widest = max(widest, estimatedWidth(tick.label, size: style.fontSize))
        }
        renderer.text(TextItem(bar.label, at: Point(f.maxX + style.tickLength + 8 + widest, f.y + f.height / 2),
                               anchor: TextAnchor(.center, .top), size: style.labelSize, rotation: 90,
                               color: style.foreground), fontFamily: style.fontFamily)
    }

    /// A width estimate for layout (DejaVu Sans averages about 0.6 em per character).
    public static func estimatedWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }
}
