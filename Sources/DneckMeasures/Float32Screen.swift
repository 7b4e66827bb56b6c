import COpenBLAS
import Foundation

/// Proves, tile pair by tile pair, which pairs of a layer's centred rows are farther apart than
/// a limit, from the rows rounded to float32 (tile by tile, into the caller's scratch) at about
/// half the cost of the float64 products (`cblas_sgemm`, `cblas_ssyrk` on diagonal tiles).
/// Only the other pairs need float64.
///
/// The bound (docs/estimators.md, "Screening"): with x the float64 row, x̃ = fl32(x) and
/// u = 2⁻²⁴, ‖x̃ − x‖ ≤ ρ = u‖x‖ + √k·2⁻¹⁵⁰ (subnormals), so √D ≥ √D′ − ρ_i − ρ_j for
/// D′ = ‖x̃_i − x̃_j‖². The float32 distance D̃ = ñ_i + ñ_j − 2·fl32(x̃_i·x̃_j), norms ñ of the
/// float32 rows and the sum taken in float64, is within E = 2γ_k‖x̃_i‖‖x̃_j‖ +
/// (2k + 8)·2⁻⁵³·(ñ_i + ñ_j) + k·2⁻¹⁴⁸ of D′, γ_k = k·u/(1 − k·u), whatever order the GEMM
/// adds in (the last term for products that underflow). So
/// D ≤ limit implies D̃ ≤ (√limit + ρ_i + ρ_j)² + E: a pair above that ceiling is proven beyond
/// the limit. The ceiling is taken once per tile pair from the tiles' largest ρ and ‖x̃‖, and
/// widened by 10⁻⁶ relative for the rounding of the ceiling itself.
struct Float32Screen: @unchecked Sendable {
    /// The float64 rows x.
    let rows: RowSet
    /// ñ_i = ‖x̃_i‖², summed in float64 (each float32 product is exact there).
    let norms: [Double]
    /// ρ_i ≥ ‖x̃_i − x_i‖.
    let rounding: [Double]
    /// γ_k of float32 for k = `columns`.
    let gamma: Double

    /// Unit roundoff of float32 and float64.
    static let unitRoundoff32 = 0x1p-24, unitRoundoff64 = 0x1p-53

    /// The screen of `rows`; nil when float32 cannot hold them with the bound above (a value or
    /// a dot product that might overflow, or k·u ≥ 1/2).
    init?(_ rows: RowSet) {
        let k = Double(rows.columns), u = Self.unitRoundoff32
        let largest = rows.values.reduce(0) { Swift.max($0, abs($1)) }
        guard k * u < 0.5, k * largest * largest < 0x1p100 else { return nil }
        self.rows = rows
        norms = (0..<rows.rows).map { r in
            rows.values[r * rows.columns..<(r + 1) * rows.columns].reduce(0) { let x = Double(Float($1)); return $0 + x * x }
        }
        rounding = rows.norms.map { (u * $0.squareRoot() + k.squareRoot() * 0x1p-150) * (1 + 1e-6) }
        gamma = k * u / (1 - k * u)
    }

    /// The largest float32 distance D̃ a pair of rows of `a` and `b` can have while its exact
    /// distance is at most `limit`.
    func ceiling(_ limit: Double, _ a: Range<Int>, _ b: Range<Int>) -> Double {
        func largest(_ v: [Double], _ r: Range<Int>) -> Double { r.reduce(0) { Swift.max($0, v[$1]) } }
        let (na, nb) = (largest(norms, a), largest(norms, b))
        let reach = limit.squareRoot() + largest(rounding, a) + largest(rounding, b)
        let k = Double(rows.columns)
        let products = 2 * gamma * (na * nb).squareRoot() + (2 * k + 8) * Self.unitRoundoff64 * (na + nb) + k * 0x1p-148
        return (reach * reach + products) * (1 + 1e-6)
    }

    /// The pairs (r, c) of rows `a` × `b` (c ≥ r when a == b, each (r, r) included) that the
    /// float32 distances cannot prove to be beyond `limit`, in row-major order, written to
    /// `scratch.entries` with distance 0; nil as soon as there are more than `capacity`.
    func candidates(within limit: Double, _ a: Range<Int>, _ b: Range<Int>, _ scratch: ScreenScratch,
                    capacity: Int) -> Int? {
        products(a, b, scratch)
        let ceiling = ceiling(limit, a, b), diagonal = a == b
        var count = 0
        func append(_ r: Int, _ c: Int) -> Bool {
            guard count < capacity else { return false }
            scratch.entries[count] = TileEntry(row: Int32(r), column: Int32(c), distance: 0)
            count += 1
            return true
        }
        for r in 0..<a.count {
            if diagonal { guard append(r, r) else { return nil } }
            let room = ceiling - norms[a.lowerBound + r]
            let row = scratch.products + r * b.count
            for c in (diagonal ? r + 1 : 0)..<b.count where norms[b.lowerBound + c] + Double(row[c]) <= room {
                guard append(r, c) else { return nil }
            }
        }
        return count
    }

    /// −2 x̃_a x̃_bᵀ in float32 into `scratch.products` (upper triangle only when a == b), the
    /// rows rounded to float32 into `scratch.rows` first.
    private func products(_ a: Range<Int>, _ b: Range<Int>, _ scratch: ScreenScratch) {
        let k = rows.columns, (m, n) = (Int32(a.count), Int32(b.count))
        let (x, y) = (scratch.rows, scratch.rows + a.count * k)
        rows.values.withUnsafeBufferPointer { v in
            for i in 0..<a.count * k { x[i] = Float(v[a.lowerBound * k + i]) }
            if a != b { for i in 0..<b.count * k { y[i] = Float(v[b.lowerBound * k + i]) } }
        }
        if a == b {
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, Int32(k), -2, x, Int32(k), 0, scratch.products, n)
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, Int32(k), -2, x, Int32(k), y, Int32(k), 0,
                        scratch.products, n)
        }
    }
}

/// One worker's buffers for screening pairs of tiles of up to `tile` rows: the rows in float32,
/// their products, and the entries left.
struct ScreenScratch {
    let rows: UnsafeMutablePointer<Float>
    let products: UnsafeMutablePointer<Float>
    let entries: UnsafeMutablePointer<TileEntry>

    init(tile: Int, columns: Int) {
        rows = .allocate(capacity: 2 * tile * columns)
        products = .allocate(capacity: tile * tile)
        entries = .allocate(capacity: tile * tile)
    }

    func deallocate() { rows.deallocate(); products.deallocate(); entries.deallocate() }
}

/// One distance of a tile pair: rows `row` of the first tile and `column` of the second.
struct TileEntry {
    var row: Int32
    var column: Int32
    var distance: Double
}
