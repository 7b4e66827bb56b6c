import Foundation

/// A colormap as matplotlib defines one: a 256-entry table looked up by a fraction in 0...1
/// (index `min(Int(f * 256), 255)`), so `viridis` here is `viridis` there. Normalising a value
/// to a fraction is a separate step (`Normalize`).
public struct Colormap: Sendable, Equatable {
    public let name: String
    public let table: [Color]

    public init(name: String, table: [Color]) {
        precondition(table.count == 256, "a colormap table has 256 entries")
        self.name = name
        self.table = table
    }

    /// The colour at `fraction` (clipped to 0...1; NaN gives the lowest colour).
    public func color(at fraction: Double) -> Color {
        guard fraction.isFinite else { return table[0] }
        let index = Int((min(max(fraction, 0), 1) * 256).rounded(.down))
        return table[min(index, 255)]
    }

    /// Names of the built-in colormaps.
    public static var names: [String] { builtIns.keys.sorted() }

    /// The built-in colormap called `name`, or nil.
    public static func named(_ name: String) -> Colormap? { builtIns[name.lowercased()] }

    /// gnuplot's "traditional pm3d" map (gnuplot's rgbformulae 7, 5, 15): √x, x³, sin 2πx.
    public static let gnuplot = Colormap(name: "gnuplot", function: { x in
        (x.squareRoot(), x * x * x, sin(2 * Double.pi * x))
    })
    public static let viridis = Colormap(name: "viridis", tuples: viridisTable)
    public static let plasma = Colormap(name: "plasma", tuples: plasmaTable)
    public static let inferno = Colormap(name: "inferno", tuples: infernoTable)
    public static let magma = Colormap(name: "magma", tuples: magmaTable)
    public static let cividis = Colormap(name: "cividis", tuples: cividisTable)
    public static let gray = Colormap(name: "gray", function: { x in (x, x, x) })

    private static let builtIns: [String: Colormap] = Dictionary(
        uniqueKeysWithValues: [gnuplot, viridis, plasma, inferno, magma, cividis, gray].map { ($0.name, $0) })

    /// A functional map sampled at i/255 and clipped, as matplotlib's `LinearSegmentedColormap`
    /// samples a callable.
    private init(name: String, function: (Double) -> (Double, Double, Double)) {
        let clip = { (v: Double) in min(max(v, 0), 1) }
        self.init(name: name, table: (0..<256).map { i in
            let (r, g, b) = function(Double(i) / 255)
            return Color(clip(r), clip(g), clip(b))
        })
    }

    private init(name: String, tuples: [(Double, Double, Double)]) {
        self.init(name: name, table: tuples.map { Color($0.0, $0.1, $0.2) })
    }
}

/// Maps data values to a fraction of a colormap, linearly or logarithmically (of
/// `value + offset`, so that a log scale of epochs can start at epoch 0 with offset 1).
public struct Normalize: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var logarithmic: Bool
    public var offset: Double

    public init(_ lower: Double, _ upper: Double, logarithmic: Bool = false, offset: Double = 0) {
        self.lower = lower; self.upper = upper; self.logarithmic = logarithmic; self.offset = offset
    }

    /// The fraction of `value` in lower...upper (0.5 for an empty range; NaN for a non-positive
    /// value + offset on a log scale).
    public func callAsFunction(_ value: Double) -> Double {
        if logarithmic {
            let (v, lo, hi) = (value + offset, lower + offset, upper + offset)
            guard v > 0, lo > 0 else { return .nan }
            guard hi > lo else { return 0.5 }
            return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
        }
        guard upper > lower else { return 0.5 }
        return (value - lower) / (upper - lower)
    }
}
