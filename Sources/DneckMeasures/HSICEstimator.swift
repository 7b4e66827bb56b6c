import DneckCore
import Foundation

/// The Hilbert–Schmidt independence criterion of a layer M with the inputs X and with Y, the
/// quantity PyGlow draws its plane with, in Gretton et al.'s biased form:
/// HSIC(A, B) = tr(K_A H K_B H) / (m − 1)², H = I − 11ᵀ/m, over the m rows used, with the
/// Gaussian kernel k(a, b) = exp(−‖a − b‖² / (2σ²)) and one σ for every variable (`width`).
/// Y is the one-hot labels (squared distance 2 between classes, so their kernel is
/// exp(−1/σ²) off class) or, with `Target.output`, the last layer's output at that epoch.
/// Not in bits: `MIEstimate.ixm` is HSIC(M, X), `iym` is HSIC(M, Y).
///
/// Exact on every row by default: with row sums k_i of K_A and l_i of K_B,
/// tr(K_A H K_B H) = Σ_ij K_A,ij K_B,ij − (2/m) Σ_i k_i l_i + (Σ_i k_i)(Σ_i l_i)/m², so one pass
/// over the tiles of the Gram matrices (`GramTiles`, distances by OpenBLAS GEMM) on every core
/// gives it in memory O(tile²) per core plus the per-tile row sums; the tile sums are added in
/// a fixed order. `samples` takes a fixed-seed subset (`RowSubset`) instead.
///
/// Ceilings: HSIC has no bits ceiling; by Cauchy–Schwarz on the centred Gram matrices
/// HSIC(M, X) ≤ √(HSIC(M, M) · HSIC(X, X)), and that is `ceilingX` (`ceilingY` likewise with Y).
///
/// PyGlow's numbers are other by design: it divides tr(K_A H K_B H) by m − 1, not (m − 1)², on
/// each training mini-batch (m = 64) and averages those per epoch, and its Y is the last
/// layer's output. On a batch of m rows its value is (m − 1) times ours (63× at m = 64).
public struct HSICEstimator: MIEstimator {
    /// What Y is.
    public enum Target: String, Sendable, CaseIterable {
        /// The one-hot labels.
        case labels
        /// The last layer's output at the same epoch (PyGlow's Y).
        case output
    }

    public let width: KernelWidth
    public let target: Target
    /// Rows of the fixed-seed subset; nil for every row.
    public let samples: Int?

    /// PyGlow's notebook uses σ = 5.
    public static let defaultSigma = 5.0

    /// Throws `DneckError.invalidOption` for a σ that is not a positive finite number or a
    /// sample count below 2.
    public init(width: KernelWidth = .fixed(HSICEstimator.defaultSigma), target: Target = .labels, samples: Int? = nil) throws {
        self.width = try KernelWidth.validated(width)
        if let samples, samples < 2 {
            throw DneckError.invalidOption(name: "--samples", detail: "must be at least 2, not \(samples)")
        }
        self.target = target
        self.samples = samples
    }

    public var summary: String {
        var s = "HSIC, \(width)"
        if target == .output { s += ", Y = last layer" }
        if let samples { s += ", \(samples) samples" }
        return s
    }

    public var descriptor: EstimatorDescriptor { .hsic }
    public var parameters: EstimatorParameters { EstimatorParameters(sigma: width, hsicTarget: target, samples: samples) }
    public var needsOutput: Bool { target == .output }

    /// Without the inputs HSIC(M, X) is NaN.
    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        estimate(activations, labels: labels, inputs: nil, output: nil)
    }

    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate {
        let chosen = samples.map { RowSubset.indices(of: activations.rows, keeping: $0) }
        func rows(_ m: Matrix) -> Matrix { chosen.map { m.selectingRows($0) } ?? m }
        let y = target == .output && output != nil
            ? GaussianGram(rows(output!), width: width)
            : GaussianGram(oneHot: chosen.map { $0.map { labels[$0] } } ?? labels, width: width)
        var grams = [GaussianGram(rows(activations), width: width), y]
        if let inputs { grams.append(GaussianGram(rows(inputs), width: width)) }
        let sums = HSICSums(GramTiles(grams))
        let hsicM = sums.hsic(0, 0)
        let (hsicY, hsicYY) = (sums.hsic(0, 1), sums.hsic(1, 1))
        let (hsicX, hsicXX) = inputs == nil ? (Double.nan, Double.nan) : (sums.hsic(0, 2), sums.hsic(2, 2))
        let used = chosen?.count ?? activations.rows
        return MIEstimate(ixm: hsicX, iym: hsicY, ceilingX: (hsicM * hsicXX).squareRoot(),
                          ceilingY: (hsicM * hsicYY).squareRoot(),
                          subsampledRows: used < activations.rows ? used : nil)
    }
}

/// Row sums and entrywise product sums of a few Gram matrices over the same m rows, from one
/// pass over their tiles: enough for HSIC of every pair of them.
struct HSICSums {
    let m: Int
    /// Row sums k_i of each Gram matrix.
    let rowSums: [[Double]]
    /// Σ_ij K_p,ij K_q,ij for p ≤ q, at `products[p][q]`.
    let products: [[Double]]

    init(_ tiles: GramTiles) {
        let g = tiles.grams.count
        m = tiles.rows
        struct Partial {
            var a: Range<Int>, b: Range<Int>
            /// Per gram: row sums of rows a (over columns b), then of rows b (over rows a).
            var sums: [[Double]]
            var products: [Double]
        }
        let partials = tiles.map { a, b, k -> Partial in
            var sums = [[Double]](repeating: [Double](repeating: 0, count: a.count + b.count), count: g)
            let diagonal = a == b
            for p in 0..<g {
                let kp = k[p]
                for r in 0..<a.count {
                    for c in (diagonal ? r : 0)..<b.count {
                        let v = kp[r * b.count + c]
                        sums[p][r] += v
                        if !diagonal { sums[p][a.count + c] += v } else if c != r { sums[p][c] += v }
                    }
                }
            }
            var products: [Double] = []
            for p in 0..<g { for q in p..<g { products.append(SymmetricTile.sum(a, b) { k[p][$0] * k[q][$0] }) } }
            return Partial(a: a, b: b, sums: sums, products: products)
        }
        var rowSums = [[Double]](repeating: [Double](repeating: 0, count: m), count: g)
        var totals = [Double](repeating: 0, count: g * (g + 1) / 2)
        for partial in partials {
            for p in 0..<g {
                for (r, row) in partial.a.enumerated() { rowSums[p][row] += partial.sums[p][r] }
                if partial.a != partial.b {
                    for (c, row) in partial.b.enumerated() { rowSums[p][row] += partial.sums[p][partial.a.count + c] }
                }
            }
            for t in 0..<totals.count { totals[t] += partial.products[t] }
        }
        var products = [[Double]](repeating: [Double](repeating: 0, count: g), count: g)
        var t = 0
        for p in 0..<g { for q in p..<g { products[p][q] = totals[t]; products[q][p] = totals[t]; t += 1 } }
        self.rowSums = rowSums
        self.products = products
    }

    /// HSIC(p, q) = tr(K_p H K_q H) / (m − 1)²; 0 for fewer than 2 rows.
    func hsic(_ p: Int, _ q: Int) -> Double {
        guard m > 1 else { return 0 }
        let n = Double(m)
        var cross = 0.0, sumP = 0.0, sumQ = 0.0
        for i in 0..<m {
            cross += rowSums[p][i] * rowSums[q][i]
            sumP += rowSums[p][i]
            sumQ += rowSums[q][i]
        }
        let trace = products[p][q] - 2 / n * cross + sumP * sumQ / (n * n)
        return trace / ((n - 1) * (n - 1))
    }
}
