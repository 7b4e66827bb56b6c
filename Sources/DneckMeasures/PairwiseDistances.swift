import COpenBLAS
import DneckCore
import Foundation

/// Squared Euclidean distances between all pairs of rows of a layer, tile by tile:
/// ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b with the products from OpenBLAS (`cblas_dgemm`, `cblas_dsyrk`
/// on the diagonal tiles), all in float64. Only the tiles with I ≤ J are computed (the matrix is
/// symmetric), one tile of `tile × tile` distances per core at a time, so memory is O(tile²)
/// per core, never O(N²).
///
/// To keep cancellation in ‖a‖² + ‖b‖² − 2 a·b small, the columns are centred first (distances
/// do not move under a shift) and columns with one value for every row are dropped (they add
/// nothing); a distance that still comes out negative is clamped to 0, and a row's distance to
/// itself is exactly 0.
///
/// Callers that only need distances below some limit can have whole tiles skipped: wide layers
/// keep a sketch of their rows, projected on `sketchWidth` orthonormal directions (drawn with
/// `SplitMix64`, fixed seed). A projection never lengthens a difference, so when every projected
/// distance of a tile pair is beyond the limit, so is every true one, and the pair's full GEMM is
/// not done.
struct PairwiseDistances: @unchecked Sendable {
    let rows: Int
    /// Rows per tile.
    let tile: Int
    /// The centred layer, without its constant columns.
    let centred: RowSet
    /// The rows projected on `sketchWidth` orthonormal directions (layers of at least
    /// 4 · `sketchWidth` varying columns only).
    let sketch: RowSet?

    static let sketchWidth = 32

    /// A pair of row tiles, I ≤ J.
    struct TilePair {
        /// Position in `tilePairs`.
        let index: Int
        let i: Int
        let j: Int
    }

    /// Distances of the rows of `m`, in tiles of `tile` rows (by default 256, grown so that a
    /// layer has at most 64 tiles).
    init(_ m: Matrix, tile: Int? = nil) {
        rows = m.rows
        self.tile = max(1, tile ?? max(256, (m.rows + 63) / 64))
        centred = RowSet(centring: m)
        sketch = centred.columns >= 4 * Self.sketchWidth ? centred.projected(width: Self.sketchWidth) : nil
    }

    var tileCount: Int { (rows + tile - 1) / tile }

    /// Rows of tile `t`.
    func tileRows(_ t: Int) -> Range<Int> { t * tile..<min(rows, (t + 1) * tile) }

    /// The tile pairs with I ≤ J, row by row.
    var tilePairs: [TilePair] {
        var pairs: [TilePair] = []
        for i in 0..<tileCount { for j in i..<tileCount { pairs.append(TilePair(index: pairs.count, i: i, j: j)) } }
        return pairs
    }

    /// Calls `body` once for every tile pair, on every core, with the pair's distances: entry
    /// `r * tileRows(pair.j).count + c` is the distance between rows `tileRows(pair.i)[r]` and
    /// `tileRows(pair.j)[c]`; on a diagonal tile (i == j) only the entries with c ≥ r are set.
    /// With `limit`, pairs of distinct tiles whose rows are all farther apart than `limit` may
    /// be left out (diagonal tiles never are). Calls run concurrently; the buffer is the caller's only for the call.
    func forEachTilePair(within limit: Double? = nil, _ body: (TilePair, UnsafePointer<Double>) -> Void) {
        OpenBLASThreads.single
        let pairs = tilePairs
        let lock = NSLock()
        var next = 0
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, pairs.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
            defer { buffer.deallocate() }
            while true {
                lock.lock(); let k = next; next += 1; lock.unlock()
                guard k < pairs.count else { return }
                let (a, b) = (tileRows(pairs[k].i), tileRows(pairs[k].j))
                if let limit, let sketch, a != b, sketch.nearest(a, b, into: buffer) > limit { continue }
                centred.distances(a, b, into: buffer)
                body(pairs[k], buffer)
            }
        }
    }
}

/// Rows of float64 values with their squared norms, row-major.
struct RowSet: @unchecked Sendable {
    let rows: Int
    let columns: Int
    let values: [Double]
    /// ‖row‖² of every row.
    let norms: [Double]

    init(rows: Int, columns: Int, values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
        norms = (0..<rows).map { r in (0..<columns).reduce(0) { $0 + values[r * columns + $1] * values[r * columns + $1] } }
    }

    /// The columns of `m` that vary over its rows, minus their means.
    init(centring m: Matrix) {
        let width = m.columns
        // Per column: the first value, whether another differs from it, and the sum (for the mean).
        var first = [Double](repeating: 0, count: width), varies = [Bool](repeating: false, count: width)
        var sums = [Double](repeating: 0, count: width)
        m.forEachValue { i, a in
            let c = i % width
            if i < width { first[c] = a } else if a != first[c] { varies[c] = true }
            sums[c] += a
        }
        let kept = (0..<width).filter { varies[$0] }
        let means = kept.map { sums[$0] / Double(m.rows) }
        var slot = [Int](repeating: -1, count: width)
        for (k, c) in kept.enumerated() { slot[c] = k }
        var centred = [Double](repeating: 0, count: m.rows * kept.count)
        m.forEachValue { i, a in
            let k = slot[i % width]
            if k >= 0 { centred[i / width * kept.count + k] = a - means[k] }
        }
        self.init(rows: m.rows, columns: kept.count, values: centred)
    }

    /// The rows projected on `width` orthonormal directions: Gaussian directions from a fixed
    /// `SplitMix64` seed, made orthonormal by Gram–Schmidt applied twice.
    func projected(width: Int) -> RowSet {
        var generator = SplitMix64(seed: 0x5EED)
        var basis: [[Double]] = []
        for _ in 0..<width {
            var v = (0..<columns).map { _ in
                sqrt(-2 * log(1 - generator.nextUnit())) * cos(2 * Double.pi * generator.nextUnit())   // Box–Muller
            }
            for _ in 0..<2 {
                for u in basis {
                    let dot = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for c in 0..<columns { v[c] -= dot * u[c] }
                }
            }
            let length = sqrt(v.reduce(0) { $0 + $1 * $1 })
            basis.append(v.map { $0 / length })
        }
        var projected = [Double](repeating: 0, count: rows * width)
        let directions = Array(basis.joined())
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(columns), 1, values,
                    Int32(columns), directions, Int32(columns), 0, &projected, Int32(width))
        return RowSet(rows: rows, columns: width, values: projected)
    }

    /// Fills `d` with the distances between rows `a` and rows `b` (row-major, `b.count` per
    /// row; when a == b only the upper triangle, with 0 on the diagonal).
    func distances(_ a: Range<Int>, _ b: Range<Int>, into d: UnsafeMutablePointer<Double>) {
        let (m, n, k) = (Int32(a.count), Int32(b.count), Int32(columns))
        let ld = Int32(max(columns, 1))
        let diagonal = a == b
        values.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            if columns == 0 {
                d.initialize(repeating: 0, count: a.count * b.count)
            } else if diagonal {   // −2 A Aᵀ, upper triangle
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, k, -2, base + a.lowerBound * columns, ld, 0, d, n)
            } else {   // −2 A Bᵀ
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, -2, base + a.lowerBound * columns, ld,
                            base + b.lowerBound * columns, ld, 0, d, n)
            }
        }
        norms.withUnsafeBufferPointer { norms in
            for r in 0..<a.count {
                let ni = norms[a.lowerBound + r]
                let row = d + r * b.count
                for c in (diagonal ? r : 0)..<b.count { row[c] = Swift.max(0, ni + norms[b.lowerBound + c] + row[c]) }
                if diagonal { row[r] = 0 }
            }
        }
    }

    /// The smallest distance between a row of `a` and a row of `b` (distinct row ranges), less a
    /// margin for rounding, so it never exceeds the exact one; `d` is scratch for
    /// `a.count · b.count`.
    func nearest(_ a: Range<Int>, _ b: Range<Int>, into d: UnsafeMutablePointer<Double>) -> Double {
        distances(a, b, into: d)
        var nearest = Double.infinity, largestNorm = 0.0
        for r in 0..<a.count {
            let row = d + r * b.count
            for c in 0..<b.count { nearest = Swift.min(nearest, row[c]) }
            largestNorm = Swift.max(largestNorm, norms[a.lowerBound + r])
        }
        for c in b { largestNorm = Swift.max(largestNorm, norms[c]) }
        return nearest * (1 - 1e-9) - 1e-12 * largestNorm
    }
}

/// OpenBLAS runs one thread per call: the distance tiles are spread over the cores already.
enum OpenBLASThreads {
    static let single: Void = dneck_blas_set_threads(1)
}
