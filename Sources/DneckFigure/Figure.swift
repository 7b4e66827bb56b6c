/// A figure: a value that describes everything drawn, in points (1/72 inch), which a test can
/// inspect and a `Renderer` draws. Charts declare it as a grid of panels with their titles,
/// axes, colorbars and legends; `FigureLayout` measures every text and fixes the frames and
/// positions. Charts never place text or panels by hand and never touch a drawing library.
public struct Figure: Sendable {
    /// Width and height in points.
    public var width: Double
    public var height: Double
    /// Pixels per inch of raster output.
    public var dpi: Double
    public var style: Style
    /// The grid the panels sit in.
    public var rows: Int
    public var columns: Int
    /// Relative heights of the rows and widths of the columns; empty: all equal.
    public var rowWeights: [Double] = []
    public var columnWeights: [Double] = []
    public var panels: [Panel] = []
    /// Colour scales, each beside a span of cells.
    public var colorbars: [Colorbar] = []
    /// Legends shared by several panels, each beside a span of cells.
    public var legends: [FigureLegend] = []
    /// A title over the whole grid.
    public var title: String?
    /// Lines under the grid: the estimator and its parameters, what bands mean, notes.
    public var footer: [String] = []
    /// Every decoration text placed by the layout (titles, tick labels, axis labels, colorbar
    /// labels, footer). Empty until laid out.
    public var texts: [TextItem] = []
    /// Whether the layout may make the figure larger so that every cell keeps a usable size
    /// (false when the user fixed the size).
    public var growsToFit = false
    /// Whether `FigureLayout` has fixed the frames and texts.
    public var isLaidOut = false

    public init(widthInches: Double, heightInches: Double, dpi: Double, style: Style, rows: Int = 1, columns: Int = 1) {
        width = widthInches * 72
        height = heightInches * 72
        self.dpi = dpi
        self.style = style
        self.rows = rows
        self.columns = columns
    }

    /// Raster size in pixels.
    public var pixelWidth: Int { Int((width * dpi / 72).rounded()) }
    public var pixelHeight: Int { Int((height * dpi / 72).rounded()) }

    /// The pixel coordinates (fractional, origin top-left) of a figure point.
    public func pixel(_ p: Point) -> (x: Double, y: Double) { (p.x * dpi / 72, p.y * dpi / 72) }

    /// This figure with the marks of its panels replaced by `marks`, panel by panel (a movie
    /// frame over a laid-out template).
    public func withMarks(_ marks: [[Mark]]) -> Figure {
        var figure = self
        for (i, panelMarks) in marks.enumerated() { figure.panels[i].marks = panelMarks }
        return figure
    }
}

/// A block of grid cells: the top-left cell and how many rows and columns it spans.
public struct GridCell: Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var rowSpan: Int
    public var columnSpan: Int
    public init(row: Int, column: Int, rowSpan: Int = 1, columnSpan: Int = 1) {
        self.row = row; self.column = column; self.rowSpan = rowSpan; self.columnSpan = columnSpan
    }
    public var lastRow: Int { row + rowSpan - 1 }
    public var lastColumn: Int { column + columnSpan - 1 }
}

/// How an axis gets its ticks.
public enum TickRule: Sendable {
    /// Nice values for the length the axis has once laid out (`Ticker`).
    case automatic
    /// Exactly these ticks.
    case fixed([Tick])
    /// Categories: column i spans i...i+1 and is labelled `labels[i]`; as many labels are
    /// shown, evenly spaced, as fit the axis without touching.
    case categories([String])
}

/// One axis of a panel: its scale, label and ticks.
public struct Axis: Sendable {
    public var scale: Scale
    public var label: String
    public var rule: TickRule
    /// The ticks, fixed by the layout for the axis' real length.
    public var ticks: [Tick] = []

    public init(scale: Scale, label: String, rule: TickRule = .automatic) {
        self.scale = scale; self.label = label; self.rule = rule
    }

    /// The axis over categories `labels` (column i spans i...i+1).
    public static func categories(_ labels: [String], label: String) -> Axis {
        Axis(scale: .linear(0...Double(max(labels.count, 1))), label: label, rule: .categories(labels))
    }
}

/// A point in a panel's data coordinates.
public struct DataPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A plotting area in a block of grid cells, with two axes, a title and the marks drawn in it.
public struct Panel: Sendable {
    public var cell: GridCell
    public var x: Axis
    public var y: Axis
    public var title: String?
    public var marks: [Mark] = []
    public var legend: Legend?
    public var grid: Bool
    /// The plotting area in figure points, fixed by the layout.
    public var frame = Rect(x: 0, y: 0, width: 0, height: 0)

    public init(cell: GridCell, x: Axis, y: Axis, title: String? = nil, grid: Bool = true) {
        self.cell = cell; self.x = x; self.y = y; self.title = title; self.grid = grid
    }

    /// Where a data point lies in the figure, or nil when a scale cannot place it.
    public func point(_ p: DataPoint) -> Point? {
        guard let fx = x.scale.fraction(p.x), let fy = y.scale.fraction(p.y) else { return nil }
        return Point(frame.x + fx * frame.width, frame.maxY - fy * frame.height)
    }
}

/// Something drawn inside a panel, in data coordinates.
public enum Mark: Sendable, Equatable {
    /// A polyline; points a scale cannot place break the line.
    case line([DataPoint], color: Color, width: Double, dashed: Bool = false)
    /// Filled circles, one colour each, `diameter` in points.
    /// Markers at `points`, point i in `colors[i]` and of `shapes[i]` (circles where `shapes` ends).
    case scatter([DataPoint], colors: [Color], diameter: Double, edge: Color?, shapes: [MarkerShape] = [])
    /// A grid of coloured cells.
    case heatmap(Heatmap)
    /// Text at a fraction of the panel (0,0 bottom-left; 1,1 top-right).
    case label(String, fractionX: Double, fractionY: Double, anchor: TextAnchor, size: Double, bold: Bool)
    /// A vertical line at a data x.
    case verticalLine(x: Double, color: Color, width: Double, dashed: Bool)
    /// A horizontal line at a data y.
    case horizontalLine(y: Double, color: Color, width: Double, dashed: Bool)
    /// Filled ellipses (centre and half-widths in data units), one colour each.
    case ellipses([DataPoint], radii: [DataPoint], colors: [Color])
    /// Filled boxes, box i spanning `from[i]` to `to[i]` (opposite corners), one colour each.
    case boxes(from: [DataPoint], to: [DataPoint], colors: [Color])
    /// Unfilled circles of `diameter` points around `points`, stroked `width` points wide.
    case rings([DataPoint], color: Color, diameter: Double, width: Double)
}

/// A uniform grid of cells spanning `x` and `y` in data coordinates; row 0 is the bottom row.
public struct Heatmap: Sendable, Equatable {
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

/// A legend box: in a corner of a panel, or (as a `FigureLegend`) beside a span of cells.
public struct Legend: Sendable {
    public enum Corner: Sendable { case topLeft, topRight, bottomLeft, bottomRight }
    /// A short line, a marker, both, a filled square (for a shaded area) or a ring.
    public enum Symbol: Sendable, Equatable { case line, marker, lineAndMarker, shape(MarkerShape), patch, ring }
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
    /// The box in figure points, fixed by the layout.
    public var frame = Rect(x: 0, y: 0, width: 0, height: 0)
    public init(entries: [Entry], corner: Corner = .topLeft) { self.entries = entries; self.corner = corner }
}

/// A colour scale beside a span of cells: the colormap drawn along `frame` (low at the bottom)
/// with ticks and a label on its right.
public struct Colorbar: Sendable {
    /// The cells it stands beside (on their right).
    public var cell: GridCell
    public var colormap: Colormap
    /// The data range, low to high, and how it maps to the colormap.
    public var normalize: Normalize
    public var label: String
    public var rule: TickRule
    /// Width in points; nil: the style's `colorbar_width`.
    public var width: Double?
    /// Fixed by the layout.
    public var frame = Rect(x: 0, y: 0, width: 0, height: 0)
    public var ticks: [Tick] = []
    public init(cell: GridCell, colormap: Colormap, normalize: Normalize, label: String, rule: TickRule = .automatic,
                width: Double? = nil) {
        self.cell = cell; self.colormap = colormap; self.normalize = normalize; self.label = label; self.rule = rule
        self.width = width
    }
}

/// A legend beside (right of) a span of cells rather than inside one panel.
public struct FigureLegend: Sendable {
    public var legend: Legend
    public var cell: GridCell
    public init(legend: Legend, cell: GridCell) { self.legend = legend; self.cell = cell }
}

/// Where a text's reference point sits on its box.
public struct TextAnchor: Sendable, Equatable {
    public enum Horizontal: Sendable, Equatable { case left, center, right }
    public enum Vertical: Sendable, Equatable { case top, middle, baseline, bottom }
    public var horizontal: Horizontal
    public var vertical: Vertical
    public init(_ horizontal: Horizontal, _ vertical: Vertical) { self.horizontal = horizontal; self.vertical = vertical }
}

/// Text placed in figure points.
public struct TextItem: Sendable {
    /// What a text is, so tests can ask for every title and label.
    public enum Role: Sendable, Equatable {
        case figureTitle, panelTitle, axisLabel, tickLabel, colorbarLabel, footer, legend, mark
    }
    public var text: String
    public var at: Point
    public var anchor: TextAnchor
    public var size: Double
    /// Counter-clockwise rotation in degrees.
    public var rotation: Double
    public var bold: Bool
    public var color: Color
    public var role: Role
    public init(_ text: String, at: Point, anchor: TextAnchor, size: Double, rotation: Double = 0,
                bold: Bool = false, color: Color = .black, role: Role = .mark) {
        self.text = text; self.at = at; self.anchor = anchor; self.size = size
        self.rotation = rotation; self.bold = bold; self.color = color; self.role = role
    }
}
