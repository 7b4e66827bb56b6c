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
struct PairwiseDistances: @unchecked Sendable {
    let rows: Int
    /// Columns kept (those that vary over the rows).
    let columns: Int
    /// Centred kept columns, row-major.
    let values: [Double]
    /// ‖row‖² of every centred row.
    let norms: [Double]
    /// Rows per tile.
    let tile: Int

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
        let width = m.columns
        // Per column: the first value, whether all equal it, and the sum (for the mean).
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
        columns = kept.count
        var centred = [Double](repeating: 0, count: m.rows * kept.count)
        var norms = [Double](repeating: 0, count: m.rows)
        m.forEachValue { i, a in
            let k = slot[i % width]
            guard k >= 0 else { return }
            let x = a - means[k]
            centred[i / width * kept.count + k] = x
            norms[i / width] += x * x
        }
        values = centred
        self.norms = norms
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
    /// Calls run concurrently; the buffer is the caller's only for the call.
    func forEachTilePair(_ body: (TilePair, UnsafePointer<Double>) -> Void) {
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
                distances(pairs[k], into: buffer)
                body(pairs[k], buffer)
            }
        }
    }

    /// Fills `d` with the distances of one tile pair (see `forEachTilePair`).
    private func distances(_ pair: TilePair, into d: UnsafeMutablePointer<Double>) {
        let (a, b) = (tileRows(pair.i), tileRows(pair.j))
        let (m, n, k) = (Int32(a.count), Int32(b.count), Int32(columns))
        let ld = Int32(max(columns, 1))
        values.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            if columns == 0 {
                d.initialize(repeating: 0, count: a.count * b.count)
            } else if pair.i == pair.j {   // −2 A Aᵀ, upper triangle
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
                let first = pair.i == pair.j ? r : 0
                for c in first..<b.count { row[c] = Swift.max(0, ni + norms[b.lowerBound + c] + row[c]) }
                if pair.i == pair.j { row[r] = 0 }
            }
        }
    }
}

/// OpenBLAS runs one thread per call: the distance tiles are spread over the cores already.
enum OpenBLASThreads {
    static let single: Void = dneck_blas_set_threads(1)
}
