/// A figure: a value that describes everything drawn, in points (1/72 inch), which a test can
/// inspect and a `Renderer` draws. Plotters build figures; they never touch a drawing library.
public struct Figure: Sendable {
    /// Width and height in points.
    public var width: Double
    public var height: Double
    /// Pixels per inch of raster output.
    public var dpi: Double
    public var style: Style
    public var panels: [Panel] = []
    public var colorbars: [Colorbar] = []
    public var texts: [TextItem] = []
    /// Legends shared by several panels, each in a corner of its own area.
    public var legends: [FigureLegend] = []

    public init(widthInches: Double, heightInches: Double, dpi: Double, style: Style) {
        width = widthInches * 72
        height = heightInches * 72
        self.dpi = dpi
        self.style = style
    }

    /// Raster size in pixels.
    public var pixelWidth: Int { Int((width * dpi / 72).rounded()) }
    public var pixelHeight: Int { Int((height * dpi / 72).rounded()) }

    /// The pixel coordinates (fractional, origin top-left) of a figure point.
    public func pixel(_ p: Point) -> (x: Double, y: Double) { (p.x * dpi / 72, p.y * dpi / 72) }
}

/// One axis of a panel: its scale, label and ticks.
public struct Axis: Sendable {
    public var scale: Scale
    public var label: String
    public var ticks: [Tick]
    public init(scale: Scale, label: String, ticks: [Tick]) {
        self.scale = scale; self.label = label; self.ticks = ticks
    }

    /// An axis with the ticks `Ticker` picks for an axis `length` points long.
    public init(scale: Scale, label: String, length: Double, fontSize: Double, horizontal: Bool) {
        self.init(scale: scale, label: label,
                  ticks: Ticker.ticks(for: scale, axisLength: length, fontSize: fontSize, horizontal: horizontal))
    }
}

/// A point in a panel's data coordinates.
public struct DataPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A rectangular plotting area with two axes and the marks drawn in it.
public struct Panel: Sendable {
    public var frame: Rect
    public var x: Axis
    public var y: Axis
    public var title: String?
    public var marks: [Mark] = []
    public var legend: Legend?
    public var grid: Bool

    public init(frame: Rect, x: Axis, y: Axis, title: String? = nil, grid: Bool = true) {
        self.frame = frame; self.x = x; self.y = y; self.title = title; self.grid = grid
    }

    /// Where a data point lies in the figure, or nil when a scale cannot place it.
    public func point(_ p: DataPoint) -> Point? {
        guard let fx = x.scale.fraction(p.x), let fy = y.scale.fraction(p.y) else { return nil }
        return Point(frame.x + fx * frame.width, frame.maxY - fy * frame.height)
    }
}

/// Something drawn inside a panel, in data coordinates.
public enum Mark: Sendable {
    /// A polyline; points a scale cannot place break the line.
    case line([DataPoint], color: Color, width: Double, dashed: Bool = false)
    /// Filled circles, one colour each, `diameter` in points.
    case scatter([DataPoint], colors: [Color], diameter: Double, edge: Color?)
    /// A grid of coloured cells.
    case heatmap(Heatmap)
    /// Text at a fraction of the panel (0,0 bottom-left; 1,1 top-right).
    case label(String, fractionX: Double, fractionY: Double, anchor: TextAnchor, size: Double, bold: Bool)
    /// A vertical line at a data x.
    case verticalLine(x: Double, color: Color, width: Double, dashed: Bool)
}

/// A uniform grid of cells spanning `x` and `y` in data coordinates; row 0 is the bottom row.
public struct Heatmap: Sendable {
    public var columns: Int
    public var rows: Int
    /// Colours row-major, `rows * columns`.
    public var colors: [Color]
    public var x: ClosedRange<Double>
    public var y: ClosedRange<Double>
    public init(columns: Int, rows: Int, colors: [Color], x: ClosedRange<Double>, y: ClosedRange<Double>) {
        self.columns = columns; self.rows = rows; self.colors = colors; self.x = x; self.y = y
    }
}

/// A legend box in a corner of a panel.
public struct Legend: Sendable {
    public enum Corner: Sendable { case topLeft, topRight, bottomLeft, bottomRight }
    public enum Symbol: Sendable { case line, marker, lineAndMarker }
    public struct Entry: Sendable {
        public var label: String
        public var color: Color
        public var symbol: Symbol
        public init(label: String, color: Color, symbol: Symbol) {
            self.label = label; self.color = color; self.symbol = symbol
        }
    }
    public var entries: [Entry]
    public var corner: Corner
    public init(entries: [Entry], corner: Corner) { self.entries = entries; self.corner = corner }
}

/// A colour scale beside a panel: the colormap drawn along `frame` (low at the bottom) with
/// ticks and a label on its right.
public struct Colorbar: Sendable {
    public var frame: Rect
    public var colormap: Colormap
    /// The data range, low to high, and how it maps to the colormap.
    public var normalize: Normalize
    public var label: String
    public var ticks: [Tick]
    public init(frame: Rect, colormap: Colormap, normalize: Normalize, label: String, ticks: [Tick]) {
        self.frame = frame; self.colormap = colormap; self.normalize = normalize; self.label = label; self.ticks = ticks
    }
}

/// Where a text's reference point sits on its box.
public struct TextAnchor: Sendable, Equatable {
    public enum Horizontal: Sendable { case left, center, right }
    public enum Vertical: Sendable { case top, middle, baseline, bottom }
    public var horizontal: Horizontal
    public var vertical: Vertical
    public init(_ horizontal: Horizontal, _ vertical: Vertical) { self.horizontal = horizontal; self.vertical = vertical }
}

/// Free text placed in figure points.
public struct TextItem: Sendable {
    public var text: String
    public var at: Point
    public var anchor: TextAnchor
    public var size: Double
    /// Counter-clockwise rotation in degrees.
    public var rotation: Double
    public var bold: Bool
    public var color: Color
    public init(_ text: String, at: Point, anchor: TextAnchor, size: Double, rotation: Double = 0,
                bold: Bool = false, color: Color = .black) {
        self.text = text; self.at = at; self.anchor = anchor; self.size = size
        self.rotation = rotation; self.bold = bold; self.color = color
    }
}

/// A legend placed in a corner of an area of the figure rather than of one panel.
public struct FigureLegend: Sendable {
    public var legend: Legend
    public var area: Rect
    public init(legend: Legend, area: Rect) { self.legend = legend; self.area = area }
}
