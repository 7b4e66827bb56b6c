import COpenBLAS
import DneckCore
import Foundation

/// The matrix-based Rényi α-entropy of Sanchez Giraldo, Rao & Príncipe, as Yu, Wickstrøm,
/// Jenssen & Príncipe use it for information planes, in bits.
///
/// With the Gaussian kernel k(a, b) = exp(−‖a − b‖² / (2σ²)) (one σ for M, X and Y, `width`)
/// and A = K / tr K: S_α(A) = log2(Σ_i λ_i(A)^α) / (1 − α), with α = 1 the limit −Σ λ log2 λ; the
/// joint entropy S_α(A, B) is S_α of K_A ∘ K_B (Hadamard product) renormalised by its trace;
/// I(M; X) = S(M) + S(X) − S(M, X) with X the inputs, I(M; Y) likewise with the one-hot labels
/// (squared distance 2 between classes). Eigenvalues by LAPACK `dsyevd` (OpenBLAS), clipped at 0.
///
/// Eigendecomposition is O(N³), so at most `samples` rows are used (a fixed-seed subset,
/// `RowSubset`, flagged in `MIEstimate.subsampledRows`). α = 2 needs no eigenvalues:
/// Σ λ² = ‖A‖²_F = Σ_ij K_ij² / (tr K)², summed tile by tile over every row, exactly.
///
/// Ceilings: S(A, B) ≥ max(S(A), S(B)) for these matrices, so I(M; X) ≤ S(X) (`ceilingX`) and
/// I(M; Y) ≤ S(Y) (`ceilingY`); each is at most log2 of the rows used.
///
/// Other code gives other numbers on the same data: Wickstrøm's uses exp(−d²/σ²), which is
/// this kernel at σ/√2 (our σ = √2 · theirs gives the same matrix), and code that takes natural
/// logarithms reports nats (ours × ln 2).
public struct RenyiEstimator: MIEstimator {
    public let alpha: Double
    public let width: KernelWidth
    /// Rows at most (for α ≠ 2).
    public let samples: Int

    /// Yu et al. use α = 1.01.
    public static let defaultAlpha = 1.01
    public static let defaultSigma = 1.0
    public static let defaultSamples = 1000

    /// Throws `DneckError.invalidOption` for α that is not positive and finite, σ that is not
    /// positive and finite, or fewer than 2 samples.
    public init(alpha: Double = RenyiEstimator.defaultAlpha, width: KernelWidth = .fixed(RenyiEstimator.defaultSigma),
                samples: Int = RenyiEstimator.defaultSamples) throws {
        guard alpha > 0 && alpha.isFinite else {
            throw DneckError.invalidOption(name: "--alpha", detail: "must be a positive number, not \(alpha)")
        }
        guard samples >= 2 else { throw DneckError.invalidOption(name: "--samples", detail: "must be at least 2, not \(samples)") }
        self.alpha = alpha
        self.width = try KernelWidth.validated(width)
        self.samples = samples
    }

    public var summary: String {
        "matrix-based Rényi entropy, α = \(alpha), \(width)" + (alpha == 2 ? "" : ", at most \(samples) samples")
    }

    public var descriptor: EstimatorDescriptor { .renyi }
    public var parameters: EstimatorParameters { EstimatorParameters(sigma: width, samples: samples, alpha: alpha) }

    /// Without the inputs I(M; X) is NaN.
    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        estimate(activations, labels: labels, inputs: nil, output: nil)
    }

    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate {
        alpha == 2 ? estimateFromFrobenius(activations, labels: labels, inputs: inputs)
            : estimateFromSpectra(activations, labels: labels, inputs: inputs)
    }

    private func estimateFromSpectra(_ activations: Matrix, labels: [Int], inputs: Matrix?) -> MIEstimate {
        let matrices = densityMatrices(activations, labels: labels, inputs: inputs)
        let s = matrices.matrices.map { entropy(SymmetricEigenvalues.of($0, order: matrices.order)) }
        // s: S(M), S(Y), S(M, Y), then S(X), S(M, X) with inputs.
        let iym = s[0] + s[1] - s[2]
        let (ixm, sx) = inputs == nil ? (Double.nan, Double.nan) : (s[0] + s[3] - s[4], s[3])
        return MIEstimate(ixm: ixm, iym: iym, ceilingX: sx, ceilingY: s[1], subsampledRows: matrices.subsampledRows)
    }

    /// The matrices whose spectra give the estimate, each Gram matrix divided by its trace,
    /// row-major, `order` × `order`: A_M, A_Y, A_(M,Y), then with inputs A_X, A_(M,X); on the
    /// fixed-seed subset of at most `samples` rows (`subsampledRows` when it is one).
    public func densityMatrices(_ activations: Matrix, labels: [Int], inputs: Matrix?)
        -> (matrices: [[Double]], order: Int, subsampledRows: Int?) {
        let chosen = RowSubset.indices(of: activations.rows, keeping: samples)
        let subsampled = chosen.count < activations.rows
        func rows(_ m: Matrix) -> Matrix { subsampled ? m.selectingRows(chosen) : m }
        let m = GaussianGram(rows(activations), width: width).full()
        let y = GaussianGram(oneHot: chosen.map { labels[$0] }, width: width).full()
        var grams = [m, y, zip(m, y).map(*)]
        if let inputs {
            let x = GaussianGram(rows(inputs), width: width).full()
            grams += [x, zip(m, x).map(*)]
        }
        let n = chosen.count
        let matrices = grams.map { k in
            let trace = (0..<n).reduce(0.0) { $0 + k[$1 * n + $1] }
            return k.map { $0 / trace }
        }
        return (matrices, n, subsampled ? n : nil)
    }

    /// S_α from the eigenvalues of a unit-trace matrix, clipped at 0.
    func entropy(_ eigenvalues: [Double]) -> Double {
        let spectrum = eigenvalues.map { max(0, $0) }
        if alpha == 1 { return -spectrum.reduce(0) { $1 > 0 ? $0 + $1 * log2($1) : $0 } }
        return log2(spectrum.reduce(0) { $0 + pow($1, alpha) }) / (1 - alpha)
    }

    /// α = 2 on every row: S_2 = −log2(Σ_ij K_ij² / (tr K)²), tr K = N (the diagonal is 1), and
    /// tr(K_A ∘ K_B) = N too.
    private func estimateFromFrobenius(_ activations: Matrix, labels: [Int], inputs: Matrix?) -> MIEstimate {
        var grams = [GaussianGram(activations, width: width), GaussianGram(oneHot: labels, width: width)]
        if let inputs { grams.append(GaussianGram(inputs, width: width)) }
        let g = grams.count
        // Per tile pair: Σ K_p² for every gram, then Σ (K_0 K_p)² for p ≥ 1.
        let partials = GramTiles(grams).map { a, b, k -> [Double] in
            (0..<g).map { p in SymmetricTile.sum(a, b) { k[p][$0] * k[p][$0] } }
                + (1..<g).map { p in SymmetricTile.sum(a, b) { let v = k[0][$0] * k[p][$0]; return v * v } }
        }
        var totals = [Double](repeating: 0, count: 2 * g - 1)
        for partial in partials { for t in totals.indices { totals[t] += partial[t] } }
        let n = Double(activations.rows)
        func s2(_ squares: Double) -> Double { -log2(squares / (n * n)) }
        let (sm, sy) = (s2(totals[0]), s2(totals[1]))
        let iym = sm + sy - s2(totals[g])
        let sx = inputs == nil ? Double.nan : s2(totals[2])
        let ixm = inputs == nil ? Double.nan : sm + sx - s2(totals[g + 1])
        return MIEstimate(ixm: ixm, iym: iym, ceilingX: sx, ceilingY: sy)
    }
}

/// Eigenvalues (and eigenvectors) of a real symmetric matrix by LAPACK `dsyevd` (divide and
/// conquer), ascending.
public enum SymmetricEigenvalues {
    /// `matrix` is n × n (symmetric, so row- and column-major agree). NaN values if LAPACK fails.
    public static func of(_ matrix: [Double], order n: Int) -> [Double] {
        solve(matrix, order: n, vectors: false).values
    }

    /// The eigenvalues and, row j of `vectors` (n × n, row-major), the unit eigenvector of
    /// eigenvalue j. NaN values if LAPACK fails.
    public static func decomposition(_ matrix: [Double], order n: Int) -> (values: [Double], vectors: [Double]) {
        solve(matrix, order: n, vectors: true)
    }

    /// `dsyevd` with jobz V or N: LAPACK leaves the eigenvectors as the columns of the
    /// column-major matrix, which are the rows of the row-major one.
    private static func solve(_ matrix: [Double], order n: Int, vectors: Bool) -> (values: [Double], vectors: [Double]) {
        OpenBLASThreads.single
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var (jobz, uplo) = (CChar(UInt8(ascii: vectors ? "V" : "N")), CChar(UInt8(ascii: "U")))
        var (order, lda, info) = (Int32(n), Int32(max(1, n)), Int32(0))
        var (lwork, liwork) = (Int32(-1), Int32(-1))
        var workSize = 0.0, iworkSize = Int32(0)
        dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &workSize, &lwork, &iworkSize, &liwork, &info)
        lwork = Int32(workSize); liwork = max(1, iworkSize)
        var work = [Double](repeating: 0, count: Int(max(1, lwork)))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { return ([Double](repeating: .nan, count: n), [Double](repeating: .nan, count: n * n)) }
        return (w, a)
    }
}
