import Foundation

/// Mutual information of one layer at one epoch, in bits, with what is needed to judge it.
public struct InformationPoint: Sendable, Equatable {
    public var epoch: Int
    public var layer: Int
    /// I(X;M), in bits (for a bounded estimator, the upper bound).
    public var ixm: Double
    /// I(Y;M), in bits (for a bounded estimator, the upper bound).
    public var iym: Double
    /// Lower bound of I(X;M) when the estimator gives a band (KDE, both bounds).
    public var ixmLower: Double?
    /// Lower bound of I(Y;M) when the estimator gives a band.
    public var iymLower: Double?
    /// Distinct states of M (binning estimators).
    public var states: Int?
    /// What I(X;M) can reach, log2 N, when the estimator reported it.
    public var ceilingX: Double?
    /// What I(Y;M) can reach, H(Y), when the estimator reported it.
    public var ceilingY: Double?

    public init(epoch: Int, layer: Int, ixm: Double, iym: Double, ixmLower: Double? = nil, iymLower: Double? = nil,
                states: Int? = nil, ceilingX: Double? = nil, ceilingY: Double? = nil) {
        self.epoch = epoch
        self.layer = layer
        self.ixm = ixm
        self.iym = iym
        self.ixmLower = ixmLower
        self.iymLower = iymLower
        self.states = states
        self.ceilingX = ceilingX
        self.ceilingY = ceilingY
    }

    /// How close to a ceiling counts as reaching it, in bits.
    public static let saturationTolerance = 1e-9

    /// I(X;M) is within `saturationTolerance` of log2 N: every sample is its own state, and
    /// the estimate says nothing about compression.
    public var saturatedX: Bool { ceilingX.map { abs(ixm - $0) <= Self.saturationTolerance } ?? false }
    /// I(Y;M) is within `saturationTolerance` of H(Y).
    public var saturatedY: Bool { ceilingY.map { abs(iym - $0) <= Self.saturationTolerance } ?? false }
}

/// The information measures of a run: one point per (epoch, layer), epochs in numeric order.
public struct MeasureTable: Sendable, Equatable {
    public private(set) var points: [InformationPoint]

    public init(points: [InformationPoint]) {
        self.points = points.sorted { ($0.epoch, $0.layer) < ($1.epoch, $1.layer) }
    }

    /// The logged epochs, ascending.
    public var epochs: [Int] {
        var seen: [Int] = []
        for p in points where seen.last != p.epoch { seen.append(p.epoch) }
        return seen
    }

    /// Number of layers (the largest layer index plus one).
    public var layerCount: Int { (points.map(\.layer).max() ?? -1) + 1 }

    /// The points of one epoch, by layer.
    public func points(epoch: Int) -> [InformationPoint] { points.filter { $0.epoch == epoch } }

    /// Whether the points carry lower bounds (a band between two estimates).
    public var hasLowerBounds: Bool { points.contains { $0.ixmLower != nil } }

    /// The table as CSV, 17 significant digits: `epoch,layer,MI_XM,MI_YM`, then
    /// `MI_XM_lower,MI_YM_lower` when the points carry lower bounds, then with `health`
    /// `states,saturated_X,saturated_Y` (states empty for estimators without states, the
    /// saturation flags `true` or `false`).
    public func csv(health: Bool = false) -> String {
        let bounds = hasLowerBounds
        var out = "epoch,layer,MI_XM,MI_YM" + (bounds ? ",MI_XM_lower,MI_YM_lower" : "")
            + (health ? ",states,saturated_X,saturated_Y" : "") + "\n"
        for p in points {
            out += "\(p.epoch),\(p.layer),\(formatSignificant(p.ixm)),\(formatSignificant(p.iym))"
            if bounds { out += "," + [p.ixmLower, p.iymLower].map { $0.map(formatSignificant) ?? "" }.joined(separator: ",") }
            if health { out += ",\(p.states.map(String.init) ?? ""),\(p.saturatedX),\(p.saturatedY)" }
            out += "\n"
        }
        return out
    }
}

/// `value` with 17 significant digits, as C's `%.17g` prints it.
public func formatSignificant(_ value: Double) -> String {
    String(format: "%.17g", value)
}
