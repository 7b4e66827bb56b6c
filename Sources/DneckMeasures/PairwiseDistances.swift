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
/// Callers that only need distances below some limit can have pairs left out. Wide layers keep
/// a sketch of their rows, projected on `sketchWidth` orthonormal directions (drawn with
/// `SplitMix64`, fixed seed). A projection never lengthens a difference, so when every projected
/// distance of a tile pair is beyond the limit, so is every true one, and the pair's full GEMM is
/// not done. Wide layers also keep a `Float32Screen`: a float32 GEMM with a rigorous error bound
/// proves which pairs of a tile pair are beyond the limit, and only the others are computed in
/// float64 (one dot product each), unless a sample of the tile pair's distances or the screen
/// finds more than `sparseShare` of its pairs within the limit: then the float64 tile is done
/// whole, as without the screen. Layers of at least 8 · `sketchWidth` varying columns try a
/// `ProjectedScreen` first (the float32 screen of the rows projected on an eighth as many
/// directions, an eighth of its cost; made once the sketch fails to skip a pair of distinct
/// tiles) on pairs of distinct tiles, and the full-width screen only when that one leaves more
/// than `sparseShare` of the pairs. Diagonal tiles always take the full-width screen, so which
/// screen a tile pair gets does not depend on the scheduling.
struct PairwiseDistances: @unchecked Sendable {
    let rows: Int
    /// Rows per tile.
    let tile: Int
    /// The centred layer, without its constant columns.
    let centred: RowSet
    /// The rows projected on `sketchWidth` orthonormal directions (layers of at least
    /// 4 · `sketchWidth` varying columns only).
    let sketch: RowSet?
    /// The float32 screen of the pairs of wide layers (as `sketch`), unless turned off.
    let screen: Float32Screen?
    /// The screen of the projected rows of layers of at least 8 · `sketchWidth` varying
    /// columns, unless turned off.
    let projectedScreen: LazyProjectedScreen?

    static let sketchWidth = 32
    /// The share of a tile pair's pairs within the limit above which its float64 tile is cheaper
    /// done whole than pair by pair.
    static let sparseShare = 0.1

    /// A pair of row tiles, I ≤ J.
    struct TilePair {
        /// Position in `tilePairs`.
        let index: Int
        let i: Int
        let j: Int
    }

    /// Distances of the rows of `m`, in tiles of `tile` rows (by default 256, grown so that a
    /// layer has at most 64 tiles); `screening: false` computes every float64 tile whole.
    init(_ m: Matrix, tile: Int? = nil, screening: Bool = true) {
        rows = m.rows
        self.tile = max(1, tile ?? max(256, (m.rows + 63) / 64))
        centred = RowSet(centring: m)
        let wide = centred.columns >= 4 * Self.sketchWidth
        sketch = wide ? centred.projected(on: RowSet.directions(Self.sketchWidth, in: centred.columns)) : nil
        screen = wide && screening ? Float32Screen(centred) : nil
        let wider = centred.columns >= ProjectedScreen.reduction * Self.sketchWidth
        projectedScreen = wider && screening ? LazyProjectedScreen(centred) : nil
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

    /// A tile pair's distances, as `forEachTilePair` hands them over.
    enum Tile {
        /// Entry `r * tileRows(pair.j).count + c` is the distance between rows
        /// `tileRows(pair.i)[r]` and `tileRows(pair.j)[c]`; on a diagonal tile (i == j) only the
        /// entries with c ≥ r are set.
        case dense(UnsafePointer<Double>)
        /// Some of those distances (c ≥ r on a diagonal tile, each (r, r) there); every pair left
        /// out is proven farther apart than the limit.
        case sparse(UnsafeBufferPointer<TileEntry>)
    }

    /// Calls `body` once for every tile pair, on every core, with the pair's distances. With
    /// `limit`, pairs of rows farther apart than `limit` may be left out, and so may whole pairs
    /// of distinct tiles. Calls run concurrently; the buffers are the caller's only for the call.
    func forEachTilePair(within limit: Double? = nil, _ body: (TilePair, Tile) -> Void) {
        OpenBLASThreads.single
        let pairs = tilePairs
        let lock = NSLock()
        var next = 0
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, pairs.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
            let scratch = ScreenScratch(tile: limit != nil && screen != nil ? tile : 0, columns: centred.columns)
            defer { buffer.deallocate(); scratch.deallocate() }
            while true {
                lock.lock(); let k = next; next += 1; lock.unlock()
                guard k < pairs.count else { return }
                let (a, b) = (tileRows(pairs[k].i), tileRows(pairs[k].j))
                if let limit, let sketch, a != b, sketch.nearest(a, b, into: buffer) > limit { continue }
                if let limit, let screen, let count = screened(screen, within: limit, a, b, scratch) {
                    body(pairs[k], .sparse(UnsafeBufferPointer(start: scratch.entries, count: count)))
                } else {
                    centred.distances(a, b, into: buffer)
                    body(pairs[k], .dense(buffer))
                }
            }
        }
    }

    /// The number of entries of rows `a` × `b` written to `scratch.entries` with their float64
    /// distances (`RowSet.distance`): those the projected screen leaves, or when it leaves too
    /// many, the full-width one. nil when the tile pair is better done whole: a sample of its
    /// distances, or the screen, finds more than `sparseShare` of its pairs within `limit`.
    private func screened(_ screen: Float32Screen, within limit: Double, _ a: Range<Int>, _ b: Range<Int>,
                          _ scratch: ScreenScratch) -> Int? {
        guard centred.sampledShare(within: limit, a, b) <= Self.sparseShare else { return nil }
        let capacity = Int(Self.sparseShare * Double(a.count * b.count)) + a.count
        let projected = a != b ? projectedScreen?.screen() : nil
        guard let count = projected?.candidates(within: limit, a, b, scratch, capacity: capacity)
                ?? screen.candidates(within: limit, a, b, scratch, capacity: capacity) else { return nil }
        for e in 0..<count {
            let (i, j) = (a.lowerBound + Int(scratch.entries[e].row), b.lowerBound + Int(scratch.entries[e].column))
            scratch.entries[e].distance = i == j ? 0 : centred.distance(i, j)
        }
        return count
    }
}

/// Rows of float64 values with their squared norms, row-major.
struct RowSet: @unchecked Sendable {
    let rows: Int
    let columns: Int
    let values: [Double]
    /// ‖row‖² of every row.
    let norms: [Double]
    /// The column of the source matrix each column holds (`init(centring:)` drops constant ones).
    let sourceColumns: [Int]

    init(rows: Int, columns: Int, values: [Double], sourceColumns: [Int]? = nil) {
        self.rows = rows
        self.columns = columns
        self.values = values
        self.sourceColumns = sourceColumns ?? Array(0..<columns)
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
        self.init(rows: m.rows, columns: kept.count, values: centred, sourceColumns: kept)
    }

    /// `width` orthonormal directions in `columns` dimensions, one per row (row-major): Gaussian
    /// directions from a fixed `SplitMix64` seed, made orthonormal by Gram–Schmidt applied twice.
    /// The first directions do not depend on `width`.
    static func directions(_ width: Int, in columns: Int) -> [Double] {
        var generator = SplitMix64(seed: 0x5EED)
        var basis = [Double](repeating: 0, count: width * columns)
        var dots = [Double](repeating: 0, count: max(1, width))
        basis.withUnsafeMutableBufferPointer { q in
            let q = q.baseAddress!
            for a in 0..<width {
                let v = q + a * columns
                for c in 0..<columns {
                    v[c] = sqrt(-2 * log(1 - generator.nextUnit())) * cos(2 * Double.pi * generator.nextUnit())   // Box–Muller
                }
                for _ in 0..<2 where a > 0 {   // v −= Qᵀ(Q v) over the directions so far
                    let (n, m) = (Int32(a), Int32(columns))
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, 1, m, 1, q, m, v, 1, 0, &dots, 1)
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, 1, n, -1, q, m, dots, 1, 1, v, 1)
                }
                let length = cblas_ddot(Int32(columns), v, 1, v, 1).squareRoot()
                for c in 0..<columns { v[c] /= length }
            }
        }
        return basis
    }

    /// The rows projected on `directions` (as `directions(_:in:)` gives them).
    func projected(on directions: [Double]) -> RowSet {
        let width = directions.count / max(1, columns)
        var projected = [Double](repeating: 0, count: rows * width)
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

    /// The distance between rows i and j as `distances` computes it, ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j
    /// clamped at 0, with the product from `cblas_ddot`.
    func distance(_ i: Int, _ j: Int) -> Double {
        let dot = values.withUnsafeBufferPointer { v in
            cblas_ddot(Int32(columns), v.baseAddress! + i * columns, 1, v.baseAddress! + j * columns, 1)
        }
        return Swift.max(0, norms[i] + norms[j] + -2 * dot)
    }

    /// About which share of the pairs of rows `a` × `b` are within `limit`: the share of 32 of
    /// them, spread over both ranges.
    func sampledShare(within limit: Double, _ a: Range<Int>, _ b: Range<Int>) -> Double {
        let samples = 32
        let within = (0..<samples).filter { s in
            distance(a.lowerBound + s * a.count / samples, b.lowerBound + (s * b.count / samples + b.count / 2) % b.count) <= limit
        }
        return Double(within.count) / Double(samples)
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
