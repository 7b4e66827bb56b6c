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
        let withLabels = RossEstimate(m, labels: classes.labels, k: k)
        let withInputs = x.map { KSGEstimate(x: $0, m: m, k: k, variant: variant) }
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

    init(x: KSGSpace, m: KSGSpace, k: Int, variant: KSGEstimator.Variant) {
        let n = m.points.rows
        guard n > k else { nats = 0; tiedFraction = 0; return }
        let (xs, ms) = (x.points, m.points)
        let (jointIndex, xIndex, mIndex) = (MaxNormIndex([xs, ms]), MaxNormIndex(xs), MaxNormIndex(ms))
        let band = max(x.tieBand, m.tieBand)
        let psi = DigammaTable(upTo: n + 1)
        let terms = parallelRows(n) { i -> (psi: Double, tied: Bool) in
            let neighbours = jointIndex.nearest(i, k: k)
            switch variant {
            case .one:
                let r = neighbours[k - 1].distance
                let (cx, cm) = (xIndex.count(i, within: strictly(r), edge: r, band: band),
                                mIndex.count(i, within: strictly(r), edge: r, band: band))
                return (psi[cx.inside + 1] + psi[cm.inside + 1], cx.near + cm.near > 1)
            case .two:
                let ex = neighbours.map { xs.distance(i, $0.row) }.max()!, em = neighbours.map { ms.distance(i, $0.row) }.max()!
                let (cx, cm) = (xIndex.count(i, within: ex, edge: ex, band: band), mIndex.count(i, within: em, edge: em, band: band))
                return (psi[cx.inside] + psi[cm.inside], cx.near + cm.near > 2)
            }
        }
        let mean = terms.reduce(0) { $0 + $1.psi } / Double(n)
        nats = psi[k] + psi[n] - mean - (variant == .two ? 1 / Double(k) : 0)
        tiedFraction = Double(terms.filter { $0.tied }.count) / Double(n)
    }
}

/// Ross's I(Y;M) in nats (scikit-learn's `_compute_mi_cd`) and its share of tied points.
struct RossEstimate {
    let nats: Double
    let tiedFraction: Double

    /// `labels` are dense class ids (`ClassCounts.labels`).
    init(_ m: KSGSpace, labels: [Int], k: Int) {
        let classCount = (labels.max() ?? -1) + 1
        let members = (0..<classCount).map { c in labels.indices.filter { labels[$0] == c } }.filter { $0.count > 1 }
        let kept = members.flatMap { $0 }
        guard !kept.isEmpty else { nats = 0; tiedFraction = 0; return }
        // Per kept point, in the order of `kept`: k_i, N_c and r_i.
        let perClass = members.flatMap { rows -> [(k: Int, size: Int, radius: Double)] in
            let index = MaxNormIndex([m.points], rows: rows), kc = min(k, rows.count - 1)
            return parallelRows(rows.count) { (k: kc, size: rows.count, radius: index.nearest($0, k: kc)[kc - 1].distance) }
        }
        let all = MaxNormIndex([m.points], rows: kept), band = m.tieBand
        let counts = parallelRows(kept.count) { i in
            all.count(i, within: strictly(perClass[i].radius), edge: perClass[i].radius, band: band)
        }
        let n = kept.count, psi = DigammaTable(upTo: n)
        let mean = { (term: (Int) -> Double) in (0..<n).reduce(0) { $0 + term($1) } / Double(n) }
        let value = psi[n] + mean { psi[perClass[$0].k] } - mean { psi[perClass[$0].size] } - mean { psi[counts[$0].inside + 1] }
        nats = max(0, value)
        tiedFraction = Double(counts.filter { $0.near > 1 }.count) / Double(n)
    }
}
