import DneckCore
import Foundation

/// Kraskov, Stögbauer & Grassberger's k-nearest-neighbour estimator (KSG, 2004) of I(X;M), and
/// Ross's mixed estimator (2014) of I(Y;M) with discrete labels, in bits. X and M are readied
/// by `KSGSpace` (noise, scaling, PCA, seeded jitter), distances are max-norms, and the joint
/// distance is max(d_X, d_M). With ε_i the distance from point i to its k-th nearest other
/// point in the joint space and ψ(n) = −γ + H(n − 1):
/// - variant 1 (eq. 8): I = ψ(k) + ψ(N) − ⟨ψ(n_X + 1) + ψ(n_M + 1)⟩, n_X the other points
///   strictly within ε_i in X (radius nextafter(ε_i, 0), as scikit-learn);
/// - variant 2 (eq. 9): I = ψ(k) − 1/k + ψ(N) − ⟨ψ(n_X) + ψ(n_M)⟩, n_X the other points within
///   ε_X,i (inclusive), the largest X-distance among the k neighbours;
/// - I(Y;M) as scikit-learn's `_compute_mi_cd`: classes of one sample dropped, k_i = min(k,
///   N_c − 1), r_i the distance to the k_i-th nearest point of i's class, m_i the points of any
///   class within nextafter(r_i, 0), i included; I = ψ(N) + ⟨ψ(k_i)⟩ − ⟨ψ(N_c)⟩ − ⟨ψ(m_i)⟩,
///   clipped at 0 (max-norm where scikit-learn's single column needs none).
///
/// KSG itself is not clipped: it can dip below 0 for independent variables. Fewer than k + 1
/// rows give 0. `MIEstimate.tiedFraction` is the larger share, over I(X;M) and I(Y;M), of points
/// whose count the jitter decided: besides the neighbour that sets the radius, another point
/// lies within `KSGSpace.tieBand` of it.
public struct KSGEstimator: MIEstimator {
    /// Which of Kraskov et al.'s estimators.
    public enum Variant: Int, Sendable, CaseIterable {
        case one = 1, two = 2
    }

    /// `--pca D` (`--whiten`): at most D principal components, optionally whitened.
    public struct Projection: Sendable, Equatable {
        public let dimensions: Int
        public let whiten: Bool

        public init(dimensions: Int, whiten: Bool = false) {
            self.dimensions = dimensions
            self.whiten = whiten
        }
    }

    public let k: Int
    public let variant: Variant
    /// S of the Gaussian noise added to M; 0 for none.
    public let noiseStd: Double
    public let projection: Projection?
    /// Seed of the noise and the jitter.
    public let seed: UInt32

    public static let defaultK = 3
    /// Above this share of tied points a warning is given.
    public static let largeTiedFraction = 0.1

    /// Throws `DneckError.invalidOption` for k below 1, a negative or non-finite noise, or fewer
    /// than 1 PCA dimension.
    public init(k: Int = KSGEstimator.defaultK, variant: Variant = .one, noiseStd: Double = 0, projection: Projection? = nil,
                seed: UInt32 = 0) throws {
        guard k >= 1 else { throw DneckError.invalidOption(name: "--k", detail: "must be at least 1, not \(k)") }
        guard noiseStd >= 0, noiseStd.isFinite else {
            throw DneckError.invalidOption(name: "--noise-std", detail: "must be a number of at least 0, not \(noiseStd)")
        }
        if let projection, projection.dimensions < 1 {
            throw DneckError.invalidOption(name: "--pca", detail: "must be at least 1, not \(projection.dimensions)")
        }
        self.k = k
        self.variant = variant
        self.noiseStd = noiseStd
        self.projection = projection
        self.seed = seed
    }

    public var summary: String {
        let noise = noiseStd > 0 ? "noise std \(noiseStd)" : "no noise"
        let pca = projection.map { "PCA to \($0.dimensions) dims\($0.whiten ? " whitened" : "")" } ?? "no PCA"
        return "KSG (variant \(variant.rawValue)), k = \(k), \(noise), \(pca), seed \(seed)"
    }

    public var descriptor: EstimatorDescriptor { .ksg }
    public var parameters: EstimatorParameters {
        EstimatorParameters(k: k, ksgVariant: variant.rawValue, noiseStd: noiseStd, pca: projection?.dimensions,
                            whiten: projection?.whiten ?? false, seed: seed)
    }

    /// Without the inputs I(X;M) is NaN.
    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        estimate(activations, labels: labels, inputs: nil, output: nil)
    }

    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate {
        let classes = ClassCounts(labels)
        let (x, m) = spaces(activations, inputs: inputs)
        let n = m.points.rows
        let ross = RossEstimate.Classes(classes.labels, k: k)
        let joint = x.flatMap { x in n > k ? KSGEstimate.Terms(k: k, variant: variant, rows: n, band: max(x.tieBand, m.tieBand)) : nil }
        // One pass over the distance rows serves both: X's and M's for KSG, M's for Ross.
        let terms = MaxNormRows(parts: (x.map { [$0.points] } ?? []) + [m.points]).map { i, distances in
            let row = DistanceRow(i: i)
            return (joint: joint?.term(row, x: distances[0], m: distances[1]), ross: ross.term(row, distances.last!, band: m.tieBand))
        }
        let withLabels = RossEstimate(terms.map(\.ross), classes: ross)
        let withInputs = x.map { _ in KSGEstimate(terms.compactMap(\.joint), rows: n, k: k, variant: variant) }
        return MIEstimate(ixm: withInputs.map { $0.nats / M_LN2 } ?? .nan, iym: withLabels.nats / M_LN2,
                          ceilingX: classes.ceilingX, ceilingY: classes.entropy,
                          tiedFraction: max(withInputs?.tiedFraction ?? 0, withLabels.tiedFraction))
    }

    /// X (when given) and M readied for the search, the draws in `KSGSpace`'s order.
    func spaces(_ activations: Matrix, inputs: Matrix?) -> (x: KSGSpace?, m: KSGSpace) {
        var draws = NumpyRandom(seed: seed)
        let m = KSGSpace.noisy(PointSet(activations), std: noiseStd, draws: &draws)
        let x = inputs.map { KSGSpace(PointSet($0), pca: projection, draws: &draws) }
        return (x, KSGSpace(m, pca: projection, draws: &draws))
    }
}

extension PointSet {
    /// The rows of `matrix` in float64.
    init(_ matrix: Matrix) { self.init(rows: matrix.rows, columns: matrix.columns, values: matrix.values) }
}

/// ψ(n) = −γ + H(n − 1) for the integers 1…`upTo`, H the harmonic numbers summed in order.
struct DigammaTable {
    static let eulerGamma = 0.577_215_664_901_532_860_61
    private let values: [Double]

    init(upTo n: Int) {
        var values = [Double.nan], harmonic = 0.0
        for i in 0..<max(n, 0) {
            values.append(harmonic - Self.eulerGamma)
            harmonic += 1 / Double(i + 1)
        }
        self.values = values
    }

    subscript(n: Int) -> Double { values[n] }
}

/// The strict radius below r: nextafter(r, 0).
private func strictly(_ r: Double) -> Double { r > 0 ? r.nextDown : 0 }

/// KSG's I(X;M) in nats and its share of tied points.
struct KSGEstimate {
    let nats: Double
    let tiedFraction: Double

    /// What one point contributes: ψ(n_X + 1) + ψ(n_M + 1) (variant 1) or ψ(n_X) + ψ(n_M)
    /// (variant 2), and whether the jitter decided a count.
    struct Term {
        let psi: Double
        let tied: Bool
    }

    /// The terms of the points of N > k rows from their distance rows.
    struct Terms {
        let k: Int
        let variant: KSGEstimator.Variant
        let band: Double
        let psi: DigammaTable

        init(k: Int, variant: KSGEstimator.Variant, rows: Int, band: Double) {
            (self.k, self.variant, self.band, psi) = (k, variant, band, DigammaTable(upTo: rows + 1))
        }

        /// Point i's term from its distances in X and M; the joint distance is their max.
        func term(_ row: DistanceRow, x: UnsafeBufferPointer<Double>, m: UnsafeBufferPointer<Double>) -> Term {
            let all = 0..<x.count, neighbours = row.nearest(k, among: all) { max(x[$0], m[$0]) }
            switch variant {
            case .one:
                let r = neighbours[k - 1].distance
                let (cx, cm) = (row.count(x, among: all, within: strictly(r), edge: r, band: band),
                                row.count(m, among: all, within: strictly(r), edge: r, band: band))
                return Term(psi: psi[cx.inside + 1] + psi[cm.inside + 1], tied: cx.near + cm.near > 1)
            case .two:
                let ex = neighbours.map { x[$0.row] }.max()!, em = neighbours.map { m[$0.row] }.max()!
                let (cx, cm) = (row.count(x, among: all, within: ex, edge: ex, band: band), row.count(m, among: all, within: em, edge: em, band: band))
                return Term(psi: psi[cx.inside] + psi[cm.inside], tied: cx.near + cm.near > 2)
            }
        }
    }

    /// From the terms of every point in order (none for `rows` ≤ k: then 0).
    init(_ terms: [Term], rows n: Int, k: Int, variant: KSGEstimator.Variant) {
        guard n > k else { nats = 0; tiedFraction = 0; return }
        let psi = DigammaTable(upTo: n + 1)
        let mean = terms.reduce(0) { $0 + $1.psi } / Double(n)
        nats = psi[k] + psi[n] - mean - (variant == .two ? 1 / Double(k) : 0)
        tiedFraction = Double(terms.filter { $0.tied }.count) / Double(n)
    }
}

/// Ross's I(Y;M) in nats (scikit-learn's `_compute_mi_cd`) and its share of tied points.
struct RossEstimate {
    let nats: Double
    let tiedFraction: Double

    /// What one kept point contributes: k_i, N_c, and of the other kept points those within
    /// nextafter(r_i, 0) and those within the tie band of r_i.
    struct Term {
        let k: Int
        let size: Int
        let counts: (inside: Int, near: Int)
    }

    /// The classes of the points, and the terms of their points.
    struct Classes {
        let k: Int
        /// Dense class ids (`ClassCounts.labels`).
        let labels: [Int]
        /// Class → its points, in increasing order.
        let members: [[Int]]
        /// The points of the classes of more than one sample, class by class.
        let kept: [Int]

        init(_ labels: [Int], k: Int) {
            let members = labels.indices.reduce(into: [[Int]](repeating: [], count: (labels.max() ?? -1) + 1)) { $0[labels[$1]].append($1) }
            (self.k, self.labels, self.members) = (k, labels, members)
            kept = members.filter { $0.count > 1 }.flatMap { $0 }
        }

        /// Point i's term from its distances in M; nil when its class has one sample.
        func term(_ row: DistanceRow, _ m: UnsafeBufferPointer<Double>, band: Double) -> Term? {
            let own = members[labels[row.i]]
            guard own.count > 1 else { return nil }
            let kc = min(k, own.count - 1)
            let radius = row.nearest(kc, among: own) { m[$0] }[kc - 1].distance
            return Term(k: kc, size: own.count, counts: row.count(m, among: kept, within: strictly(radius), edge: radius, band: band))
        }
    }

    /// From the terms of every point in order (nil for those dropped).
    init(_ terms: [Term?], classes: Classes) {
        let kept = classes.kept.map { terms[$0]! }
        guard !kept.isEmpty else { nats = 0; tiedFraction = 0; return }
        let n = kept.count, psi = DigammaTable(upTo: n)
        let mean = { (term: (Term) -> Double) in kept.reduce(0) { $0 + term($1) } / Double(n) }
        let value = psi[n] + mean { psi[$0.k] } - mean { psi[$0.size] } - mean { psi[$0.counts.inside + 1] }
        nats = max(0, value)
        tiedFraction = Double(kept.filter { $0.counts.near > 1 }.count) / Double(n)
    }
}
