import DneckCore
import Foundation

/// The look of every chart: fonts, sizes in points, line widths, colours. Loaded from flat
/// JSON style files (see `styles/`); each key is validated, an unknown key is an error that
/// names the nearest known one, and `"extends": "other.json"` builds on another file.
public struct Style: Sendable, Equatable {
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
    /// Colormap of epoch colours and heatmaps, when the command does not name one.
    public var colormap = "gnuplot"
    /// Figure size in inches, overriding the chart's own default when set.
    public var figureSize: (width: Double, height: Double)?

    public init() {}

    /// The colour of series `index`, cycling.
    public func cycleColor(_ index: Int) -> Color { colorCycle[index % colorCycle.count] }

    public static func == (a: Style, b: Style) -> Bool {
        a.fontFamily == b.fontFamily && a.fontSize == b.fontSize && a.labelSize == b.labelSize
            && a.titleSize == b.titleSize && a.lineWidth == b.lineWidth && a.axesLineWidth == b.axesLineWidth
            && a.markerSize == b.markerSize && a.tickLength == b.tickLength && a.tickDirection == b.tickDirection
            && a.grid == b.grid && a.background == b.background && a.foreground == b.foreground
            && a.gridColor == b.gridColor && a.colorCycle == b.colorCycle && a.colormap == b.colormap
            && a.figureSize?.width == b.figureSize?.width && a.figureSize?.height == b.figureSize?.height
    }

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

    private mutating func apply(file path: String, seen: [String]) throws {
        let fail = { (key: String, detail: String) in DneckError.invalidOption(name: "\(path): \(key)", detail: detail) }
        guard !seen.contains(path) else { throw fail("extends", "style files extend each other in a cycle") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DneckError.notAFile(file: path) }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("/", "not a JSON object")
        }
        if let parent = object["extends"] {
            guard let name = parent as? String else { throw fail("extends", "expected a file name") }
            let base = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
            try apply(file: base, seen: seen + [path])
        }
        for key in object.keys.sorted() where key != "extends" {
            let value = object[key]!
            func number() throws -> Double {
                guard let n = value as? NSNumber, !(value is Bool), n.doubleValue.isFinite, n.doubleValue > 0 else {
                    throw fail(key, "expected a positive number")
                }
                return n.doubleValue
            }
            func color(_ any: Any) throws -> Color {
                guard let s = any as? String, let c = Color(hex: s) else { throw fail(key, "expected a colour like \"#1f77b4\"") }
                return c
            }
            switch key {
            case "font_family":
                guard let s = value as? String, !s.isEmpty else { throw fail(key, "expected a font family name") }
                fontFamily = s
            case "font_size": fontSize = try number()
            case "label_size": labelSize = try number()
            case "title_size": titleSize = try number()
            case "line_width": lineWidth = try number()
            case "axes_line_width": axesLineWidth = try number()
            case "marker_size": markerSize = try number()
            case "tick_length": tickLength = try number()
            case "tick_direction":
                guard let s = value as? String, s == "in" || s == "out" else { throw fail(key, "expected \"in\" or \"out\"") }
                tickDirection = s
            case "grid":
                guard let b = value as? Bool else { throw fail(key, "expected true or false") }
                grid = b
            case "background": background = try color(value)
            case "foreground": foreground = try color(value)
            case "grid_color": gridColor = try color(value)
            case "color_cycle":
                guard let list = value as? [Any], !list.isEmpty else { throw fail(key, "expected a list of colours") }
                colorCycle = try list.map(color)
            case "colormap":
                guard let s = value as? String, Colormap.named(s) != nil else {
                    throw fail(key, "unknown colormap; known: \(Colormap.names.joined(separator: ", "))")
                }
                colormap = s
            case "figure_size":
                guard let pair = value as? [NSNumber], pair.count == 2, pair.allSatisfy({ $0.doubleValue > 0 }) else {
                    throw fail(key, "expected [width, height] in inches")
                }
                figureSize = (pair[0].doubleValue, pair[1].doubleValue)
            default:
                throw fail(key, "unknown key; did you mean '\(Style.nearestKey(to: key))'?")
            }
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
