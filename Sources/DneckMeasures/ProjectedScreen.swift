import COpenBLAS
import Foundation

/// A `Float32Screen` of a wide layer's rows projected on an eighth as many orthonormal
/// directions, at an eighth of the full-width screen's cost: where every pair of rows is far
/// apart in many directions (a 1,024-unit layer at σ² = 0.1), it proves nearly every pair
/// beyond the limit, and only the few it leaves need float64.
///
/// The bound (docs/estimators.md, "Screening"): Q is the m × k matrix of the computed
/// directions and y = fl(Qᵀx) the computed projection of a row x. ‖Qᵀz‖ ≤ ‖Q‖₂‖z‖ with
/// ‖Q‖₂² ≤ s = 1 + ‖QᵀQ − I‖_F (Weyl), and ‖y − Qᵀx‖ ≤ δ = γ_m‖Q‖_F‖x‖ (a float64 dot product of
/// m terms, plus √k·m·2⁻¹⁰⁷⁴ for products that underflow). So √D ≥ (‖y_i − y_j‖ − δ_i − δ_j)/√s,
/// and D ≤ limit implies ‖y_i − y_j‖² ≤ (√(s·limit) + 2δ)², δ the largest over the rows: the
/// float32 screen of the y proves which pairs are beyond that.
struct ProjectedScreen: @unchecked Sendable {
    /// The float32 screen of the projected rows.
    let screen: Float32Screen
    /// s ≥ ‖Q‖₂².
    let stretch: Double
    /// δ ≥ ‖y − Qᵀx‖ for every row.
    let projectionError: Double

    /// Directions per column of the layer.
    static let reduction = 8

    /// The screen of `rows` projected on `rows.columns / reduction` directions; nil when the
    /// float32 screen cannot hold the projected rows.
    init?(_ rows: RowSet) {
        let (m, k) = (rows.columns, rows.columns / Self.reduction)
        let directions = RowSet.directions(k, in: m)
        guard let screen = Float32Screen(rows.projected(on: directions)) else { return nil }
        self.screen = screen
        // ‖QᵀQ − I‖_F from the computed Gram matrix, whose entries are within γ_m of the exact ones.
        var gram = [Double](repeating: 0, count: k * k)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(k), Int32(m), 1, directions, Int32(m), 0, &gram, Int32(k))
        var squares = 0.0
        for a in 0..<k { for b in a..<k { let e = gram[a * k + b] - (a == b ? 1 : 0); squares += (a == b ? 1 : 2) * e * e } }
        let gamma = Double(m) * Float32Screen.unitRoundoff64 / (1 - Double(m) * Float32Screen.unitRoundoff64)
        stretch = (1 + squares.squareRoot() + 2 * Double(k) * gamma * 1.01) * (1 + 1e-6)
        let largestNorm = rows.norms.max() ?? 0
        let frobenius = (Double(k) * stretch).squareRoot()   // ‖Q‖_F² = trace(QᵀQ) ≤ k·s
        projectionError = (gamma * frobenius * largestNorm.squareRoot()
                           + Double(k).squareRoot() * Double(m) * 0x1p-1074) * (1 + 1e-6)
    }

    /// The limit on projected distances that every pair within `limit` meets.
    func projectedLimit(_ limit: Double) -> Double {
        let reach = (stretch * limit).squareRoot() + 2 * projectionError
        return reach * reach * (1 + 1e-6)
    }

    /// The pairs (r, c) of rows `a` × `b` that the projected rows cannot prove to be beyond
    /// `limit`, as `Float32Screen.candidates` writes them; nil beyond `capacity`.
    func candidates(within limit: Double, _ a: Range<Int>, _ b: Range<Int>, _ scratch: ScreenScratch,
                    capacity: Int) -> Int? {
        screen.candidates(within: projectedLimit(limit), a, b, scratch, capacity: capacity)
    }
}

/// A layer's `ProjectedScreen`, made the first time a pair of distinct tiles needs screening:
/// where the sketch skips every such pair (small σ²), the projection is never paid for.
final class LazyProjectedScreen: @unchecked Sendable {
    private let rows: RowSet
    private let lock = NSLock()
    private var tried = false
    private var made: ProjectedScreen?

    init(_ rows: RowSet) { self.rows = rows }

    /// The screen, made on the first call; nil when float32 cannot hold the projected rows.
    func screen() -> ProjectedScreen? {
        lock.lock(); defer { lock.unlock() }
        if !tried { (made, tried) = (ProjectedScreen(rows), true) }
        return made
    }
}
