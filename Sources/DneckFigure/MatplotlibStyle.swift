import DneckCore
import Foundation

/// matplotlib style sheets (`.mplstyle`): `key : value` lines, `#` starting a comment outside
/// double quotes, lists comma-separated, `axes.prop_cycle: cycler('color', [...])`. The keys
/// that matter map onto `Style.keys` (and so get the same checks); a key matplotlib knows but
/// dneck-plot cannot honour (`text.usetex`, `pgf.*`) is a warning; a key matplotlib does not
/// know is an error naming the nearest one; a bad value is an error naming file, key and value.
extension Style {
    /// Sizes named as matplotlib names them, relative to `font.size`.
    static let matplotlibFontScalings: [String: Double] = [
        "xx-small": 0.579, "x-small": 0.694, "small": 0.833, "medium": 1.0, "large": 1.2,
        "x-large": 1.44, "xx-large": 1.728, "larger": 1.2, "smaller": 0.833,
    ]

    /// matplotlib's single-letter and a few named colours.
    static let matplotlibColorNames: [String: String] = [
        "b": "#0000ff", "g": "#008000", "r": "#ff0000", "c": "#00bfbf", "m": "#bf00bf", "y": "#bfbf00", "k": "#000000",
        "w": "#ffffff", "black": "#000000", "white": "#ffffff", "gray": "#808080", "grey": "#808080", "red": "#ff0000",
        "green": "#008000", "blue": "#0000ff", "lightgray": "#d3d3d3", "lightgrey": "#d3d3d3", "darkgray": "#a9a9a9",
        "none": "#ffffff00",
    ]

    mutating func applyMatplotlib(_ text: String, file: String) throws {
        var entries: [(key: String, value: String, line: Int)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Style.strippingComment(String(raw)).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw DneckError.invalidOption(name: "\(file): line \(number + 1)", detail: "expected 'key : value'")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard matplotlibKeys.contains(key) else {
                let nearest = Style.nearest(to: key, in: matplotlibKeys.sorted())
                throw DneckError.invalidOption(name: "\(file): \(key)", detail: "unknown matplotlib key; did you mean '\(nearest)'?")
            }
            entries.append((key, Style.unquoted(value), number + 1))
        }
        let given = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        func bad(_ key: String, _ value: String, _ expects: String) -> DneckError {
            DneckError.invalidOption(name: "\(file): \(key)", detail: "bad value '\(value)': expected \(expects)")
        }
        // font.size first: the other sizes may be relative to it.
        var base = 10.0
        if let size = given["font.size"] {
            guard let n = Double(size) else { throw bad("font.size", size, "a size in points") }
            base = n
        }
        // font.size first, so that a later relative size and an explicit size both win over it.
        for (key, value, _) in entries.filter({ $0.key == "font.size" }) + entries.filter({ $0.key != "font.size" }) {
            let mapped: [(String, Value)]
            switch key {
            case "font.size":
                mapped = [("font_size", .number(base)), ("label_size", .number(base)), ("title_size", .number(base * 1.2))]
            case "xtick.labelsize", "ytick.labelsize", "axes.labelsize", "axes.titlesize":
                guard let points = Double(value) ?? Style.matplotlibFontScalings[value].map({ $0 * base }) else {
                    throw bad(key, value, "a size in points or xx-small … xx-large")
                }
                mapped = [([ "xtick.labelsize": "font_size", "ytick.labelsize": "font_size", "axes.labelsize": "label_size",
                             "axes.titlesize": "title_size"][key]!, .number(points))]
            case "figure.figsize":
                let sizes = value.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard sizes.count == 2, let w = sizes[0], let h = sizes[1] else { throw bad(key, value, "width, height in inches") }
                mapped = [("figure_size", .list([.number(w), .number(h)]))]
            case "figure.dpi", "savefig.dpi":
                // savefig.dpi is what files get; "figure" means figure.dpi.
                if key == "figure.dpi" && given["savefig.dpi"].map({ $0 != "figure" }) == true { continue }
                if value == "figure" { continue }
                guard let n = Double(value) else { throw bad(key, value, "dots per inch") }
                mapped = [("dpi", .number(n))]
            case "font.family":
                guard let first = value.split(separator: ",").first.map({ Style.unquoted($0.trimmingCharacters(in: .whitespaces)) }),
                      !first.isEmpty else { throw bad(key, value, "a font family") }
                mapped = [("font_family", .string(first))]
            case "xtick.direction", "ytick.direction":
                guard ["in", "out", "inout"].contains(value) else { throw bad(key, value, "in, out or inout") }
                mapped = [("tick_direction", .string(value == "in" ? "in" : "out"))]
            case "lines.linewidth": mapped = [("line_width", try number(key, value, bad))]
            case "lines.markersize": mapped = [("marker_size", try number(key, value, bad))]
            case "axes.linewidth": mapped = [("axes_line_width", try number(key, value, bad))]
            case "xtick.major.size", "ytick.major.size": mapped = [("tick_length", try number(key, value, bad))]
            case "axes.grid":
                guard let flag = ["true": true, "false": false][value.lowercased()] else { throw bad(key, value, "True or False") }
                mapped = [("grid", .bool(flag))]
            case "grid.color": mapped = [("grid_color", .string(try Style.matplotlibColor(value, key: key, bad)))]
            case "figure.facecolor", "savefig.facecolor": mapped = [("background", .string(try Style.matplotlibColor(value, key: key, bad)))]
            case "axes.edgecolor", "text.color": mapped = [("foreground", .string(try Style.matplotlibColor(value, key: key, bad)))]
            case "image.cmap": mapped = [("colormap", .string(value))]
            case "axes.prop_cycle":
                let colors = try Style.cyclerColors(value, key: key, bad)
                mapped = [("color_cycle", .list(colors.map { .string($0) }))]
            default:
                warnings.append("\(file): \(key): a matplotlib key dneck-plot does not honour; ignored")
                continue
            }
            for (name, converted) in mapped {
                if let expects = set(name, converted) { throw bad(key, value, expects) }
            }
        }
    }

    private func number(_ key: String, _ value: String, _ bad: (String, String, String) -> DneckError) throws -> Value {
        guard let n = Double(value) else { throw bad(key, value, "a number") }
        return .number(n)
    }

    /// The line without its comment: `#` outside double quotes starts one.
    static func strippingComment(_ line: String) -> String {
        var quoted = false
        for (i, c) in line.enumerated() {
            if c == "\"" { quoted.toggle() }
            if c == "#" && !quoted { return String(line.prefix(i)) }
        }
        return line
    }

    static func unquoted(_ text: String) -> String {
        for q in ["\"", "'"] where text.count >= 2 && text.hasPrefix(q) && text.hasSuffix(q) {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// `#rrggbb` for a matplotlib colour: hex with or without `#` (quoted or not), or a name.
    static func matplotlibColor(_ value: String, key: String, _ bad: (String, String, String) -> DneckError) throws -> String {
        let text = unquoted(value.trimmingCharacters(in: .whitespaces))
        if let named = matplotlibColorNames[text.lowercased()] { return named }
        let hex = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard hex.count == 6 || hex.count == 8, Color(hex: hex) != nil else {
            throw bad(key, value, "a colour (hex like 1f77b4 or a name such as k, white)")
        }
        return "#" + hex
    }

    /// The colours of `cycler('color', ['1f77b4', ...])` (or `cycler(color=[...])`).
    static func cyclerColors(_ value: String, key: String, _ bad: (String, String, String) -> DneckError) throws -> [String] {
        guard value.hasPrefix("cycler("), value.contains("color"), let open = value.firstIndex(of: "["),
              let close = value.lastIndex(of: "]"), open < close else {
            throw bad(key, value, "cycler('color', [...])")
        }
        let items = value[value.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty else { throw bad(key, value, "at least one colour") }
        return try items.map { try matplotlibColor($0, key: key, bad) }
    }
}
