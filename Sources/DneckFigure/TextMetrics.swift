import Foundation

/// The measured size of a text in one font: its advance width and the font's ascent and
/// descent at that size (the same for every text of the font, so texts in a row share a
/// baseline), all in points.
public struct TextMetrics: Sendable, Equatable {
    public var width: Double
    /// How far capitals and brackets reach above the baseline: what texts are aligned by.
    public var ascent: Double
    public var descent: Double
    /// The font's own ascent (its font extents), above `ascent`: the top of the box a PDF
    /// reader gives each line of text, and what stacked lines must keep apart.
    public var fontAscent: Double
    public init(width: Double, ascent: Double, descent: Double, fontAscent: Double) {
        self.width = width; self.ascent = ascent; self.descent = descent; self.fontAscent = fontAscent
    }
    public var height: Double { ascent + descent }
    /// The font's ascent plus descent: the height of a line's box as PDF readers measure it.
    public var fontHeight: Double { fontAscent + descent }
}

/// Measures text exactly as the renderer draws it (same font, size and weight).
public protocol TextMeasurer: AnyObject {
    func measure(_ text: String, size: Double, bold: Bool, fontFamily: String) -> TextMetrics
}

extension TextItem {
    /// Where the text's baseline starts, relative to `at` in the text's own (unrotated)
    /// coordinates, for its anchor.
    public func baselineOffset(_ m: TextMetrics) -> (dx: Double, dy: Double) {
        let dx: Double
        switch anchor.horizontal {
        case .left: dx = 0
        case .center: dx = -m.width / 2
        case .right: dx = -m.width
        }
        let dy: Double
        switch anchor.vertical {
        case .top: dy = m.ascent
        case .middle: dy = (m.ascent - m.descent) / 2
        case .baseline: dy = 0
        case .bottom: dy = -m.descent
        }
        return (dx, dy)
    }

    /// The box the text covers on the figure, rotation included.
    public func box(_ m: TextMetrics) -> Rect { box(m, ascent: m.ascent) }

    /// The box of the text's whole line, from the font's ascent to its descent (as PDF readers
    /// report words), rotation included.
    public func lineBox(_ m: TextMetrics) -> Rect { box(m, ascent: m.fontAscent) }

    private func box(_ m: TextMetrics, ascent: Double) -> Rect {
        let (dx, dy) = baselineOffset(m)
        let corners = [(dx, dy - ascent), (dx + m.width, dy - ascent), (dx, dy + m.descent), (dx + m.width, dy + m.descent)]
        let angle = -rotation * Double.pi / 180
        let c = cos(angle), s = sin(angle)
        let xs = corners.map { at.x + $0.0 * c - $0.1 * s }, ys = corners.map { at.y + $0.0 * s + $0.1 * c }
        let x0 = xs.min()!, y0 = ys.min()!
        return Rect(x: x0, y: y0, width: xs.max()! - x0, height: ys.max()! - y0)
    }
}

extension Rect {
    /// Whether the two rectangles share more than a sliver (`tolerance` points) of area.
    public func overlaps(_ other: Rect, tolerance: Double = 0.01) -> Bool {
        min(maxX, other.maxX) - max(x, other.x) > tolerance && min(maxY, other.maxY) - max(y, other.y) > tolerance
    }

    /// Whether `other` lies inside this rectangle (within `tolerance` points).
    public func contains(_ other: Rect, tolerance: Double = 0.01) -> Bool {
        other.x >= x - tolerance && other.y >= y - tolerance && other.maxX <= maxX + tolerance && other.maxY <= maxY + tolerance
    }

    /// The smallest rectangle holding both.
    public func union(_ other: Rect) -> Rect {
        let x0 = min(x, other.x), y0 = min(y, other.y)
        return Rect(x: x0, y: y0, width: max(maxX, other.maxX) - x0, height: max(maxY, other.maxY) - y0)
    }
}
