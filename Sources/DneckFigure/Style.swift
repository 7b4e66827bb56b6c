import DneckCore
import Foundation

/// The look of every chart: fonts, sizes in points, line widths, colours. Loaded from flat
/// JSON style files (see `styles/`); each key is validated, an unknown key is an error that
/// names the nearest known one, and `"extends": "other.json"` builds on another file.
public struct Style: Sendable {
    public var fontFamily = "DejaVu Sans"
    /// Tick labels and legend text.
    public var fontSize = 9.0
    /// Axis labels.
    public var labelSize = 11.0
    /// Panel titles and figure text.
    public var titleSize = 11.0
    public var lineWidth = 1.5
    public var axesLineWidth = 0.8
    /// Marker diameter.
    public var markerSize = 6.0
    public var tickLength = 3.5
    /// "out" or "in".
    public var tickDirection = "out"
    public var grid = true
    public var background = Color.white
    public var foreground = Color(0.13, 0.13, 0.13)
    public var gridColor = Color(0.9, 0.9, 0.9)
    /// Colours of successive series (layers, lines): matplotlib's tab10.
    public var colorCycle: [Color] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"].compactMap { Color(hex: $0) }
    /// Colormap of epoch colours and heatmaps when the command does not name one; nil: each
    /// chart's own (gnuplot for epochs, viridis for heatmaps).
    public var colormap: String?
    /// Figure size in inches, overriding the chart's own default when set.
    public var figureSize: (width: Double, height: Double)?

    public init() {}

    /// The colour of series `index`, cycling.
    public func cycleColor(_ index: Int) -> Color { colorCycle[index % colorCycle.count] }

    // MARK: - Loading

    /// The default style with the files at `paths` applied left to right.
    public static func load(_ paths: [String]) throws -> Style {
        var style = Style()
        for path in paths { try style.apply(file: path, seen: []) }
        return style
    }

    private static let keys = ["extends", "font_family", "font_size", "label_size", "title_size", "line_width",
                               "axes_line_width", "marker_size", "tick_length", "tick_direction", "grid",
                               "background", "foreground", "grid_color", "color_cycle", "colormap", "figure_size"]

    /// The keys a style file may hold, typed; JSONDecoder checks each value's type.
    private struct File: Decodable {
        var extends: String?
        var font_family: String?
        var font_size, label_size, title_size, line_width, axes_line_width, marker_size, tick_length: Double?
        var tick_direction: String?
        var grid: Bool?
        var background, foreground, grid_color: String?
        var color_cycle: [String]?
        var colormap: String?
        var figure_size: [Double]?
    }

    private mutating func apply(file path: String, seen: [String]) throws {
        let fail = { (key: String, detail: String) in DneckError.invalidOption(name: "\(path): \(key)", detail: detail) }
        guard !seen.contains(path) else { throw fail("extends", "style files extend each other in a cycle") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DneckError.notAFile(file: path) }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("/", "not a JSON object")
        }
        for key in object.keys.sorted() where !Style.keys.contains(key) {
            throw fail(key, "unknown key; did you mean '\(Style.nearestKey(to: key))'?")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch let DecodingError.typeMismatch(type, context) {
            throw fail(context.codingPath.first?.stringValue ?? "/", "expected a value of type \(type)")
        } catch {
            throw fail("/", "not a valid style file")
        }
        if let parent = file.extends {
            let base = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(parent).path
            try apply(file: base, seen: seen + [path])
        }
        func positive(_ key: String, _ value: Double?, _ target: inout Double) throws {
            guard let value else { return }
            guard value > 0, value.isFinite else { throw fail(key, "expected a positive number") }
            target = value
        }
        func color(_ key: String, _ hex: String) throws -> Color {
            guard let c = Color(hex: hex) else { throw fail(key, "expected a colour like \"#1f77b4\"") }
            return c
        }
        if let family = file.font_family { fontFamily = family }
        try positive("font_size", file.font_size, &fontSize)
        try positive("label_size", file.label_size, &labelSize)
        try positive("title_size", file.title_size, &titleSize)
        try positive("line_width", file.line_width, &lineWidth)
        try positive("axes_line_width", file.axes_line_width, &axesLineWidth)
        try positive("marker_size", file.marker_size, &markerSize)
        try positive("tick_length", file.tick_length, &tickLength)
        if let direction = file.tick_direction {
            guard direction == "in" || direction == "out" else { throw fail("tick_direction", "expected \"in\" or \"out\"") }
            tickDirection = direction
        }
        if let g = file.grid { grid = g }
        if let hex = file.background { background = try color("background", hex) }
        if let hex = file.foreground { foreground = try color("foreground", hex) }
        if let hex = file.grid_color { gridColor = try color("grid_color", hex) }
        if let cycle = file.color_cycle {
            guard !cycle.isEmpty else { throw fail("color_cycle", "expected a list of colours") }
            colorCycle = try cycle.map { try color("color_cycle", $0) }
        }
        if let name = file.colormap {
            guard Colormap.named(name) != nil else {
                throw fail("colormap", "unknown colormap; known: \(Colormap.names.joined(separator: ", "))")
            }
            colormap = name
        }
        if let size = file.figure_size {
            guard size.count == 2, size.allSatisfy({ $0 > 0 && $0 <= 100 }) else {
                throw fail("figure_size", "expected [width, height] in inches")
            }
            figureSize = (size[0], size[1])
        }
    }

    /// The known key with the smallest edit distance to `key`.
    static func nearestKey(to key: String) -> String {
        keys.min { editDistance($0, key) < editDistance($1, key) }!
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
