import DneckCore
import Foundation

/// The width σ of the Gaussian kernel k(a, b) = exp(−‖a − b‖² / (2σ²)) of HSIC and of the
/// matrix-based Rényi entropy: one σ for every variable (M, X and Y alike).
public enum KernelWidth: Sendable, Equatable, CustomStringConvertible {
    /// The same σ for every variable at every epoch.
    case fixed(Double)
    /// Each variable's own median pairwise distance ‖a − b‖ over its distinct pairs i < j at
    /// that epoch (numpy's median: the mean of the two middle values for an even count), over
    /// at most `medianRows` rows (a fixed-seed subset beyond that). A median of 0 (more than
    /// half the pairs coincide) falls back to σ = 1.
    case median

    /// Rows the median is taken over, at most.
    public static let medianRows = 2000

    /// Throws `DneckError.invalidOption` for a σ that is not a positive finite number.
    public static func validated(_ width: KernelWidth) throws -> KernelWidth {
        if case .fixed(let sigma) = width, !(sigma > 0 && sigma.isFinite) {
            throw DneckError.invalidOption(name: "--sigma", detail: "must be a positive number or `median`, not \(sigma)")
        }
        return width
    }

    public var description: String {
        switch self {
        case .fixed(let sigma): return "σ = \(sigma)"
        case .median: return "σ = median distance"
        }
    }
}

/// The Gaussian Gram matrix of one variable, filled tile by tile: either rows of values (a
/// layer, the inputs, the last layer's output) with distances from `PairwiseDistances`, or
/// one-hot labels, whose squared distance is 0 within a class and 2 between classes.
struct GaussianGram: @unchecked Sendable {
    private enum Source {
        case rows(RowSet)
        case classes([Int])
    }

    private let source: Source
    /// 1 / (2σ²).
    let scale: Double
    /// The σ used.
    let sigma: Double

    /// The Gram matrix of the rows of `m` (float64).
    init(_ m: Matrix, width: KernelWidth) {
        let rows = RowSet(centring: m)
        source = .rows(rows)
        sigma = Self.sigma(width) { Self.medianDistance(rows) }
        scale = 1 / (2 * sigma * sigma)
    }

    /// The Gram matrix of one-hot labels (`labels` dense or not; only equality matters).
    init(oneHot labels: [Int], width: KernelWidth) {
        source = .classes(labels)
        sigma = Self.sigma(width) { Self.medianLabelDistance(labels) }
        scale = 1 / (2 * sigma * sigma)
    }

    private static func sigma(_ width: KernelWidth, median: () -> Double) -> Double {
        switch width {
        case .fixed(let sigma): return sigma
        case .median:
            let m = median()
            return m > 0 ? m : 1
        }
    }

    var rows: Int {
        switch source {
        case .rows(let r): return r.rows
        case .classes(let labels): return labels.count
        }
    }

    /// Fills `k` with the kernel values between rows `a` and rows `b` (row-major, `b.count` per
    /// row; when a == b only the entries on and above the diagonal, with 1 on it).
    func fill(_ a: Range<Int>, _ b: Range<Int>, into k: UnsafeMutablePointer<Double>) {
        let diagonal = a == b
        switch source {
        case .rows(let set):
            set.distances(a, b, into: k)
            for r in 0..<a.count {
                let row = k + r * b.count
                for c in (diagonal ? r : 0)..<b.count { row[c] = exp(-row[c] * scale) }
            }
        case .classes(let labels):
            let between = exp(-2 * scale)
            for r in 0..<a.count {
                let row = k + r * b.count, label = labels[a.lowerBound + r]
                for c in (diagonal ? r : 0)..<b.count { row[c] = labels[b.lowerBound + c] == label ? 1 : between }
            }
        }
    }

    /// The full symmetric n × n Gram matrix (both triangles), row-major.
    func full() -> [Double] {
        let n = rows
        var k = [Double](repeating: 0, count: n * n)
        k.withUnsafeMutableBufferPointer { buffer in
            fill(0..<n, 0..<n, into: buffer.baseAddress!)
            for r in 0..<n { for c in 0..<r { buffer[r * n + c] = buffer[c * n + r] } }
        }
        return k
    }

    /// The median of ‖a − b‖ over the pairs i < j of (a fixed-seed subset of) the rows.
    private static func medianDistance(_ set: RowSet) -> Double {
        let chosen = RowSubset.indices(of: set.rows, keeping: KernelWidth.medianRows)
        let subset = chosen.count == set.rows ? set : set.selecting(chosen)
        let n = subset.rows
        guard n > 1 else { return 0 }
        var buffer = [Double](repeating: 0, count: n * n)
        var values: [Double] = []
        values.reserveCapacity(n * (n - 1) / 2)
        buffer.withUnsafeMutableBufferPointer { d in
            subset.distances(0..<n, 0..<n, into: d.baseAddress!)
            for r in 0..<n { for c in (r + 1)..<n { values.append(d[r * n + c].squareRoot()) } }
        }
        return median(&values)
    }

    /// The median distance between one-hot labels: 0 or √2.
    private static func medianLabelDistance(_ labels: [Int]) -> Double {
        let chosen = RowSubset.indices(of: labels.count, keeping: KernelWidth.medianRows).map { labels[$0] }
        let n = chosen.count
        guard n > 1 else { return 0 }
        var counts: [Int: Int] = [:]
        for y in chosen { counts[y, default: 0] += 1 }
        let pairs = n * (n - 1) / 2
        let samePairs = counts.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        // Sorted, the pairs are samePairs zeros then the √2s; numpy's median of an even count
        // averages the two middle values.
        func value(_ position: Int) -> Double { position < samePairs ? 0 : 2.0.squareRoot() }
        return pairs % 2 == 1 ? value(pairs / 2) : (value(pairs / 2 - 1) + value(pairs / 2)) / 2
    }

    /// numpy's median (sorts `values`).
    private static func median(_ values: inout [Double]) -> Double {
        values.sort()
        let n = values.count
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }
}

extension RowSet {
    /// The rows at `indices`, in that order.
    func selecting(_ indices: [Int]) -> RowSet {
        var picked = [Double](repeating: 0, count: indices.count * columns)
        for (k, i) in indices.enumerated() {
            for c in 0..<columns { picked[k * columns + c] = values[i * columns + c] }
        }
        return RowSet(rows: indices.count, columns: columns, values: picked)
    }
}

extension Matrix {
    /// The rows at `indices`, in that order, in the stored precision.
    func selectingRows(_ indices: [Int]) -> Matrix {
        switch storage {
        case .float32(let v):
            return Matrix(rows: indices.count, columns: columns,
                          float32: indices.flatMap { v[$0 * columns..<($0 + 1) * columns] })
        case .float64(let v):
            return Matrix(rows: indices.count, columns: columns,
                          values: indices.flatMap { v[$0 * columns..<($0 + 1) * columns] })
        }
    }
}

/// The fixed-seed random subset of rows that `--samples N` and the Rényi estimator's cap take:
/// each row i gets the i-th output of `SplitMix64(seed: seed)`, and the `keeping` rows with the
/// smallest outputs are kept (ties cannot occur in practice; broken by row), in row order.
/// The numpy references draw the same subset.
enum RowSubset {
    static let seed: UInt64 = 0x5AB5E7

    static func indices(of rows: Int, keeping: Int) -> [Int] {
        guard keeping < rows else { return Array(0..<rows) }
        var generator = SplitMix64(seed: seed)
        let keys = (0..<rows).map { _ in generator.next() }
        let order = (0..<rows).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        return order[..<keeping].sorted()
    }
}

/// Gram matrices of several variables over the same rows, visited together tile pair by tile
/// pair (I ≤ J) on every core, so that sums over all N² entries need memory O(tile²) per core.
struct GramTiles {
    let grams: [GaussianGram]
    let rows: Int
    /// Rows per tile.
    let tile: Int

    /// `grams` must all have the same rows; tiles of `tile` rows (by default 256).
    init(_ grams: [GaussianGram], tile: Int = 256) {
        self.grams = grams
        rows = grams.first?.rows ?? 0
        self.tile = max(1, tile)
    }

    var tileCount: Int { (rows + tile - 1) / tile }

    /// Rows of tile `t`.
    func tileRows(_ t: Int) -> Range<Int> { t * tile..<min(rows, (t + 1) * tile) }

    /// `body` of every tile pair (I ≤ J), results in pair order (row of tiles by row), so that
    /// callers add them in a fixed order. `body` gets the rows of both tiles and one kernel
    /// tile per gram, filled as `GaussianGram.fill` does; calls run concurrently.
    func map<R>(_ body: (Range<Int>, Range<Int>, [UnsafeMutablePointer<Double>]) -> R) -> [R] {
        OpenBLASThreads.single
        var pairs: [(Int, Int)] = []
        for i in 0..<tileCount { for j in i..<tileCount { pairs.append((i, j)) } }
        var results = [R?](repeating: nil, count: pairs.count)
        let lock = NSLock()
        var next = 0
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, pairs.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let buffers = grams.map { _ in UnsafeMutablePointer<Double>.allocate(capacity: tile * tile) }
                defer { for b in buffers { b.deallocate() } }
                while true {
                    lock.lock(); let k = next; next += 1; lock.unlock()
                    guard k < pairs.count else { return }
                    let (a, b) = (tileRows(pairs[k].0), tileRows(pairs[k].1))
                    for (gram, buffer) in zip(grams, buffers) { gram.fill(a, b, into: buffer) }
                    let r = body(a, b, buffers)
                    lock.lock(); slots[k] = r; lock.unlock()
                }
            }
        }
        return results.map { $0! }
    }
}

/// Symmetric-matrix sums over the upper triangle a tile holds: each entry off the diagonal
/// stands for two (i, j and j, i), each on it for one.
enum SymmetricTile {
    /// Σ over every (i, j) the tile stands for of `term(entry index)`.
    @inline(__always)
    static func sum(_ a: Range<Int>, _ b: Range<Int>, _ term: (Int) -> Double) -> Double {
        let diagonal = a == b
        var total = 0.0
        for r in 0..<a.count {
            let start = diagonal ? r : 0
            for c in start..<b.count {
                let t = term(r * b.count + c)
                total += diagonal && c == r ? t : 2 * t
            }
        }
        return total
    }
}
