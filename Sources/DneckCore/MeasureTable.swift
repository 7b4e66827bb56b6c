import Foundation

/// One estimate of I(X;M) and I(Y;M) (or of what the estimator measures instead, HSIC), with
/// what is needed to judge it.
public struct MIEstimate: Sendable, Equatable, Codable {
    /// A pair of values of the estimator's quantity.
    public struct Bound: Sendable, Equatable, Codable {
        public var ixm: Double
        public var iym: Double

        public init(ixm: Double, iym: Double) {
            self.ixm = ixm
            self.iym = iym
        }
    }

    /// I(X;M) in bits (for a bounded estimator, the upper bound).
    public var ixm: Double
    /// I(Y;M) in bits (for a bounded estimator, the upper bound).
    public var iym: Double
    /// The lower bound, when the estimator gives a band (KDE, both bounds); nil otherwise.
    public var lowerBound: Bound?
    /// Distinct states of M (binning estimators); nil for estimators without states.
    public var states: Int?
    /// What I(X;M) can reach (log2 N for N samples); nil when unknown (dropped, aggregated).
    public var ceilingX: Double?
    /// What I(Y;M) can reach (H(Y), the entropy of the labels' class frequencies); nil when unknown.
    public var ceilingY: Double?
    /// Rows the estimate was computed on when it took a random subset of the split (Rényi
    /// above `samples`, `--samples N`); nil when every row was used. Callers print the note.
    public var subsampledRows: Int?
    /// Whether some bucket term sat at the cap U (EDGE: deep-bottleneck caps silently); callers warn.
    public var hitCap: Bool
    /// The share of points whose neighbour counts the tie-breaking jitter decided (KSG); nil
    /// for estimators without neighbours.
    public var tiedFraction: Double?
    /// The Monte-Carlo standard errors of I(X;M) and I(Y;M) in bits (SP); nil for estimators
    /// without random draws.
    public var standardError: Bound?

    public init(ixm: Double, iym: Double, lowerBound: Bound? = nil, states: Int? = nil, ceilingX: Double? = nil,
                ceilingY: Double? = nil, subsampledRows: Int? = nil, hitCap: Bool = false, tiedFraction: Double? = nil,
                standardError: Bound? = nil) {
        self.ixm = ixm
        self.iym = iym
        self.lowerBound = lowerBound
        self.states = states
        self.ceilingX = ceilingX
        self.ceilingY = ceilingY
        self.subsampledRows = subsampledRows
        self.hitCap = hitCap
        self.tiedFraction = tiedFraction
        self.standardError = standardError
    }

    /// Lower bound of I(X;M) when the estimator gives a band.
    public var ixmLower: Double? { lowerBound?.ixm }
    /// Lower bound of I(Y;M) when the estimator gives a band.
    public var iymLower: Double? { lowerBound?.iym }

    /// How close to a ceiling counts as reaching it, in bits.
    public static let saturationTolerance = 1e-9

    /// I(X;M) is within `saturationTolerance` of log2 N: every sample is its own state, and
    /// the estimate says nothing about compression.
    public var saturatedX: Bool { ceilingX.map { abs(ixm - $0) <= Self.saturationTolerance } ?? false }
    /// I(Y;M) is within `saturationTolerance` of H(Y).
    public var saturatedY: Bool { ceilingY.map { abs(iym - $0) <= Self.saturationTolerance } ?? false }
}

/// The estimate of one layer at one epoch: `point.ixm`, `point.states`, … read the estimate's fields.
@dynamicMemberLookup
public struct InformationPoint: Sendable, Equatable, Codable {
    public var epoch: Int
    public var layer: Int
    public var estimate: MIEstimate

    public init(epoch: Int, layer: Int, estimate: MIEstimate) {
        self.epoch = epoch
        self.layer = layer
        self.estimate = estimate
    }

    /// A point from its values; the lower bound when both of its values are given.
    public init(epoch: Int, layer: Int, ixm: Double, iym: Double, ixmLower: Double? = nil, iymLower: Double? = nil,
                states: Int? = nil, ceilingX: Double? = nil, ceilingY: Double? = nil) {
        let lower = ixmLower.flatMap { x in iymLower.map { MIEstimate.Bound(ixm: x, iym: $0) } }
        self.init(epoch: epoch, layer: layer, estimate: MIEstimate(ixm: ixm, iym: iym, lowerBound: lower, states: states,
                                                                   ceilingX: ceilingX, ceilingY: ceilingY))
    }

    public subscript<T>(dynamicMember keyPath: KeyPath<MIEstimate, T>) -> T { estimate[keyPath: keyPath] }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<MIEstimate, T>) -> T {
        get { estimate[keyPath: keyPath] }
        set { estimate[keyPath: keyPath] = newValue }
    }
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
    public var hasLowerBounds: Bool { points.contains { $0.lowerBound != nil } }

    /// Whether the points carry Monte-Carlo standard errors.
    public var hasStandardErrors: Bool { points.contains { $0.standardError != nil } }
}

/// `value` with 17 significant digits, as C's `%.17g` prints it.
public func formatSignificant(_ value: Double) -> String {
    String(format: "%.17g", value)
}
