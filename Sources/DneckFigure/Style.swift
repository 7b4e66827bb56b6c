import DneckCore
import Foundation

/// The look of every chart: fonts, sizes and spacing in points, line widths, colours. Loaded
/// from flat JSON style files (see `styles/`); every key is defined once in `Style.keys`
/// (name, type, range, default from the property), an unknown key is an error that names the
/// nearest known one, and `"extends": "other.json"` builds on another file.
public struct Style: Sendable {
    public var fontFamily = "DejaVu Sans"
    /// Tick labels, legend text and footer.
    public var fontSize = 9.0
    /// Axis and colorbar labels.
    public var labelSize = 11.0
    /// Panel titles; the figure title is 1.15 times as large.
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
    /// Raster resolution when the command line gives none.
    public var dpi: Double?
    /// What the style files asked for that cannot be honoured, one line each (matplotlib keys
    /// such as `text.usetex`); the command prints them.
    public var warnings: [String] = []
    /// Empty border around the whole figure.
    public var figurePadding = 8.0
    /// Room between neighbouring cells of a grid, beyond their decorations.
    public var panelSpacing = 14.0
    /// Between a tick and its label.
    public var tickPadding = 3.0
    /// Between tick labels and the axis label.
    public var labelPadding = 4.0
    /// Between a panel and its title, and around the figure title and footer.
    public var titlePadding = 6.0
    public var colorbarWidth = 11.0
    /// Between a panel and the colorbar or legend beside it.
    public var colorbarPadding = 10.0

    public init() {}

    /// How much larger than the default this style's text is (at least 1); a figure of natural
    /// size grows by its square root.
    public var textScale: Double { max(1, fontSize / 9, labelSize / 11, titleSize / 11) }

    /// The colour of series `index`, cycling.
    public func cycleColor(_ index: Int) -> Color { colorCycle[index % colorCycle.count] }

    // MARK: - Keys

    /// A style file's value, as JSON typed it.
    enum Value: Decodable {
        case bool(Bool), number(Double), string(String), list([Value]), object([String: Value]), null

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let l = try? c.decode([Value].self) { self = .list(l) }
            else { self = .object(try c.decode([String: Value].self)) }
        }
    }

    /// One style key: its name, what it takes and how it sets the style. The only place a key
    /// is defined.
    struct Key: Sendable {
        let name: String
        /// What the key takes, for messages and the docs.
        let expects: String
        /// Sets the style from the value, or returns nil when the value is not acceptable.
        let set: @Sendable (inout Style, Value) -> Bool?

        static func number(_ name: String, _ key: WritableKeyPath<Style, Double> & Sendable, _ range: ClosedRange<Double>,
                           unit: String = "points") -> Key {
            Key(name: name, expects: "a number from \(String(format: "%g", range.lowerBound)) to \(String(format: "%g", range.upperBound)) \(unit)") { style, value in
                guard case .number(let n) = value, range.contains(n) else { return nil }
                style[keyPath: key] = n
                return true
            }
        }
        static func color(_ name: String, _ key: WritableKeyPath<Style, Color> & Sendable) -> Key {
            Key(name: name, expects: "a colour like \"#1f77b4\"") { style, value in
                guard case .string(let hex) = value, let c = Color(hex: hex) else { return nil }
                style[keyPath: key] = c
                return true
            }
        }
    }

    /// Every key a style file may hold.
    static let keys: [Key] = [
        Key(name: "font_family", expects: "a font family name") { style, value in
            guard case .string(let s) = value, !s.isEmpty, s.count <= 200 else { return nil }
            style.fontFamily = s
            return true
        },
        .number("font_size", \.fontSize, 2...96),
        .number("label_size", \.labelSize, 2...96),
        .number("title_size", \.titleSize, 2...96),
        .number("line_width", \.lineWidth, 0.05...20),
        .number("axes_line_width", \.axesLineWidth, 0.05...20),
        .number("marker_size", \.markerSize, 0.2...60),
        .number("tick_length", \.tickLength, 0...30),
        Key(name: "tick_direction", expects: "\"in\" or \"out\"") { style, value in
            guard case .string(let s) = value, s == "in" || s == "out" else { return nil }
            style.tickDirection = s
            return true
        },
        Key(name: "grid", expects: "true or false") { style, value in
            guard case .bool(let b) = value else { return nil }
            style.grid = b
            return true
        },
        .color("background", \.background),
        .color("foreground", \.foreground),
        .color("grid_color", \.gridColor),
        Key(name: "color_cycle", expects: "a list of colours like [\"#1f77b4\", \"#ff7f0e\"]") { style, value in
            guard case .list(let items) = value, !items.isEmpty, items.count <= 256 else { return nil }
            var colors: [Color] = []
            for item in items {
                guard case .string(let hex) = item, let c = Color(hex: hex) else { return nil }
                colors.append(c)
            }
            style.colorCycle = colors
            return true
        },
        Key(name: "colormap", expects: "one of \(Colormap.names.joined(separator: ", "))") { style, value in
            guard case .string(let name) = value, Colormap.named(name) != nil else { return nil }
            style.colormap = name
            return true
        },
        Key(name: "figure_size", expects: "[width, height] in inches, each from 0.5 to 100") { style, value in
            guard case .list(let items) = value, items.count == 2 else { return nil }
            let sizes = items.compactMap { item -> Double? in
                if case .number(let n) = item, (0.5...100).contains(n) { return n }
                return nil
            }
            guard sizes.count == 2 else { return nil }
            style.figureSize = (sizes[0], sizes[1])
            return true
        },
        Key(name: "dpi", expects: "a number from 10 to 2400 dots per inch") { style, value in
            guard case .number(let n) = value, (10...2400).contains(n) else { return nil }
            style.dpi = n
            return true
        },
        .number("figure_padding", \.figurePadding, 0...144),
        .number("panel_spacing", \.panelSpacing, 0...144),
        .number("tick_padding", \.tickPadding, 0...72),
        .number("label_padding", \.labelPadding, 0...72),
        .number("title_padding", \.titlePadding, 0...72),
        .number("colorbar_width", \.colorbarWidth, 1...144),
        .number("colorbar_padding", \.colorbarPadding, 0...144),
    ]

    /// The names a style file may use: the keys and `extends`.
    static var keyNames: [String] { ["extends"] + keys.map(\.name) }

    // MARK: - Loading

    /// How deep `extends` may chain.
    public static let maximumExtendsDepth = 32

    /// The default style with the styles `names` applied left to right; each is a path to a
    /// JSON file or the name of one in `styles/` (`paper` finds `styles/paper.json`).
    public static func load(_ names: [String]) throws -> Style {
        var style = Style()
        for name in names { try style.apply(file: try locate(name), chain: []) }
        return style
    }

    /// The file a style name or path refers to: the path itself when it exists, else
    /// `styles/NAME.json` in the working folder or beside the tool (searching the folders
    /// above the executable, as in a SwiftPM build tree).
    public static func locate(_ name: String) throws -> String {
        if FileManager.default.fileExists(atPath: name) { return name }
        guard !name.contains("/"), !name.isEmpty else { throw DneckError.notAFile(file: name) }
        let files = name.hasSuffix(".json") || name.hasSuffix(".mplstyle") ? [name] : [name + ".json", name + ".mplstyle"]
        var folders = [FileManager.default.currentDirectoryPath]
        var executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            folders.append(executable.path)
            executable = executable.deletingLastPathComponent()
        }
        for folder in folders {
            for file in files {
                let candidate = URL(fileURLWithPath: folder).appendingPathComponent("styles").appendingPathComponent(file).path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        throw DneckError.invalidOption(name: "--style \(name)", detail: "no such style file, nor styles/\(files.joined(separator: " or styles/"))")
    }

    private mutating func apply(file path: String, chain: [String]) throws {
        let fail = { (key: String, detail: String) in DneckError.invalidOption(name: "\(path): \(key)", detail: detail) }
        let canonical = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        if let start = chain.firstIndex(of: canonical) {
            let cycle = (chain[start...] + [canonical]).map { URL(fileURLWithPath: $0).lastPathComponent }
            throw fail("extends", "style files extend each other in a cycle (\(cycle.joined(separator: " → ")))")
        }
        guard chain.count < Style.maximumExtendsDepth else {
            throw fail("extends", "more than \(Style.maximumExtendsDepth) style files extend each other")
        }
        // Opened as every input is: a regular file only (a FIFO is never waited on), remembered
        // so that no output replaces it.
        let input = try InputFile.open(path)
        defer { close(input.descriptor) }
        guard input.size <= 1 << 20 else { throw fail("/", "a style file is at most 1 MiB") }
        let data = Data(try input.readAll(path: path))
        if path.hasSuffix(".mplstyle") {
            try applyMatplotlib(String(decoding: data, as: UTF8.self), file: path)
            return
        }
        guard case .object(let object)? = try? JSONDecoder().decode(Value.self, from: data) else {
            throw fail("/", "not a JSON object")
        }
        for key in object.keys.sorted() where !Style.keyNames.contains(key) {
            throw fail(key, "unknown key; did you mean '\(Style.nearestKey(to: key))'?")
        }
        if let parent = object["extends"] {
            guard case .string(let name) = parent, !name.isEmpty else { throw fail("extends", "expected a file name") }
            let base = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
            try apply(file: base, chain: chain + [canonical])
        }
        for key in Style.keys {
            guard let value = object[key.name] else { continue }
            guard key.set(&self, value) != nil else { throw fail(key.name, "expected \(key.expects)") }
        }
    }

    /// Sets key `name` (one of `Style.keys`) to `value`, or returns what the key expects.
    mutating func set(_ name: String, _ value: Value) -> String? {
        guard let key = Style.keys.first(where: { $0.name == name }) else { return "a known key" }
        return key.set(&self, value) == nil ? key.expects : nil
    }

    /// The known key with the smallest edit distance to `key`.
    static func nearestKey(to key: String) -> String { nearest(to: key, in: keyNames) }

    /// The candidate with the smallest edit distance to `word` (the first of equals, in order).
    static func nearest<C: Collection>(to word: String, in candidates: C) -> String where C.Element == String {
        var best = (name: candidates.first ?? "", distance: Int.max)
        for candidate in candidates {
            let d = editDistance(word, candidate, giveUpAt: best.distance)
            if d < best.distance { best = (candidate, d) }
        }
        return best.name
    }

    /// Levenshtein distance of `a` and `b` (their first 200 bytes), or `limit` as soon as it
    /// is certain to be at least that.
    static func editDistance(_ a: String, _ b: String, giveUpAt limit: Int = .max) -> Int {
        let a = Array(a.utf8.prefix(200)), b = Array(b.utf8.prefix(200))
        guard abs(a.count - b.count) < limit else { return limit }
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var row = Array(0...b.count)
                for i in 1...a.count {
                    var previous = row[0]
                    row[0] = i
                    var smallest = row[0]
                    for j in 1...b.count {
                        let current = row[j]
                        row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                        previous = current
                        smallest = Swift.min(smallest, row[j])
                    }
                    if smallest >= limit { return limit }
                }
                return row[b.count]
            }
        }
    }
}
