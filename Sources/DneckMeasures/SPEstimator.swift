import COpenBLAS
import DneckCore
import Foundation

/// Goldfeld et al.'s sample-propagation (SP) estimator (ICML 2019, "Estimating information flow
/// in deep neural networks") of a noisy layer T = h + N(0, β²I), β = `noiseStd` (a standard
/// deviation), in bits, with its Monte-Carlo standard error.
///
/// T's density is the mixture g = (1/N) Σ_j φ_β(· − h_j) of the N samples; its entropy h(T) is
/// estimated by Monte Carlo over `mcSamples` draws t = h_i + βz per sample i (z ~ N(0, I),
/// numpy's legacy `RandomState(seed).standard_normal((N · mcSamples, d))`, draw s of sample i in
/// row i · mcSamples + s), and I(X;T) = h(T) − (d/2)·ln(2πeβ²). Each draw's term is taken with
/// the draw's own log φ_β(βz), whose mean is −(d/2)·ln(2πeβ²) exactly (a control variate that
/// removes the χ²_d spread of ‖z‖², √(d/2) nats a draw):
/// - I(X;T) = ⟨ln N − ln Σ_j exp(e_j)⟩, e_j = −(‖h_i − h_j‖² + 2β z·(h_i − h_j)) / (2β²), the
///   log of φ_β(t − h_j)/φ_β(t − h_i); e_i = 0, so every term is at most ln N;
/// - I(Y;T) = h(T) − Σ_c p_c h(T | Y = c), each class's entropy by the same draws of its own
///   samples (draws of a class's samples are draws of its mixture):
///   ⟨ln Σ_{j∈c} exp(e_j) − ln N_c − ln Σ_j exp(e_j) + ln N⟩, each term at most ln(N / N_c).
///
/// The standard errors are those of a mean stratified by class (each class gets its N_c ·
/// mcSamples draws): √(Σ_c (K_c/K)² s_c² / K_c), K_c the draws of class c and s_c² their terms'
/// sample variance (0 for a class of one draw). Draws also spread evenly over the samples of a
/// class, which varies less than this assumes, so the errors are on the safe side. Sums are
/// log-sum-exps in float64; memory is bounded by GEMM tiles and the near pairs (at most 2 % of N²).
/// Terms below 2⁻⁵³ of the draw's own (e_j < −53·ln 2) are left out: by Cauchy–Schwarz
/// e_j ≤ −D/(2β²) + ‖z‖√D/β, so no draw needs a sample farther than
/// β²(‖z‖ + √(‖z‖² + 2·53·ln 2))², ‖z‖ the longest z of all draws. The pairs within that reach
/// are found once over the symmetric tile pairs of `PairwiseDistances` (its sketch and float32
/// screen prove most pairs of a wide layer beyond it), and only their terms are computed: z·h_j
/// by DDOT where they are few (`NearPairs`), by GEMM over the whole tile where they are many.
public struct SPEstimator: MIEstimator {
    /// β, the standard deviation of the noise added to the layer.
    public let noiseStd: Double
    /// Monte-Carlo draws per sample.
    public let mcSamples: Int
    /// Seed of the draws.
    public let seed: UInt32

    /// Goldfeld et al.'s β = 0.1 (σ² = 0.01).
    public static let defaultNoiseStd = 0.1
    /// Four draws per sample: 32,000 draws for 8,000 samples, a standard error of about
    /// 0.006 bits on a term spread of one bit, at about four times the cost of the distances.
    public static let defaultMCSamples = 4

    /// Throws `DneckError.invalidOption` for a noise that is not a positive finite number, or
    /// fewer than one draw per sample.
    public init(noiseStd: Double = SPEstimator.defaultNoiseStd, mcSamples: Int = SPEstimator.defaultMCSamples, seed: UInt32 = 0) throws {
        guard noiseStd > 0, noiseStd.isFinite else {
            throw DneckError.invalidOption(name: "--noise-std", detail: "must be a positive number for sp, not \(noiseStd)")
        }
        guard mcSamples >= 1 else { throw DneckError.invalidOption(name: "--mc-samples", detail: "must be at least 1, not \(mcSamples)") }
        self.noiseStd = noiseStd
        self.mcSamples = mcSamples
        self.seed = seed
    }

    public var summary: String { "SP, β = \(noiseStd), \(mcSamples) Monte Carlo draw\(mcSamples == 1 ? "" : "s") per sample, seed \(seed)" }

    public var descriptor: EstimatorDescriptor { .sp }

    public var parameters: EstimatorParameters { EstimatorParameters(noiseStd: noiseStd, seed: seed, mcSamples: mcSamples) }

    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        let classes = ClassCounts(labels)
        let n = activations.rows
        guard n > 0 else { return MIEstimate(ixm: 0, iym: 0, ceilingX: 0, ceilingY: 0) }
        let sums = MixtureLogSums(PairwiseDistances(activations), sourceColumns: activations.columns,
                                  classes: classes.labels, noiseStd: noiseStd, draws: mcSamples, seed: seed)
        let logN = log(Double(n))
        var x = [Double](), y = [Double]()
        x.reserveCapacity(sums.all.count); y.reserveCapacity(sums.all.count)
        for (q, all) in sums.all.enumerated() {
            let count = Double(classes.counts[classes.labels[q / mcSamples]])
            x.append(logN - all)
            y.append(sums.withinClass[q] - log(count) - all + logN)
        }
        let strata = (0..<x.count).map { classes.labels[$0 / mcSamples] }
        let (ixm, ixmError) = meanAndError(x, strata: strata), (iym, iymError) = meanAndError(y, strata: strata)
        return MIEstimate(ixm: ixm / M_LN2, iym: iym / M_LN2, ceilingX: classes.ceilingX, ceilingY: classes.entropy,
                          standardError: MIEstimate.Bound(ixm: ixmError / M_LN2, iym: iymError / M_LN2))
    }

    /// The mean of `terms` and its standard error stratified by `strata` (dense class ids).
    private func meanAndError(_ terms: [Double], strata: [Int]) -> (Double, Double) {
        let count = Double(terms.count)
        let mean = terms.reduce(0, +) / count
        var sums = [Double](repeating: 0, count: (strata.max() ?? -1) + 1), sizes = [Int](repeating: 0, count: sums.count)
        for (term, c) in zip(terms, strata) { sums[c] += term; sizes[c] += 1 }
        var squares = [Double](repeating: 0, count: sums.count)
        for (term, c) in zip(terms, strata) { squares[c] += (term - sums[c] / Double(sizes[c])) * (term - sums[c] / Double(sizes[c])) }
        let variance = sums.indices.filter { sizes[$0] > 1 }.reduce(0.0) { total, c in
            let k = Double(sizes[c])
            return total + (k / count) * (k / count) * squares[c] / (k - 1) / k
        }
        return (mean, variance.squareRoot())
    }
}

/// For every Monte-Carlo draw t = h_i + βz of `SPEstimator`, in draw order, ln Σ_j exp(e_j) over
/// all samples j and over the samples of i's class.
///
/// Three passes: one serial pass over the generator keeps its state at the first draw of every
/// block, each draw's z·h_i and the longest z (`DrawPass`); the pairs of samples within the
/// Cauchy–Schwarz reach of that z are found over the tile pairs I ≤ J, most proven beyond it in
/// float32 (`NearPairs`); then every block draws again only if a sample of it has a pair within
/// reach, and adds those pairs' terms, by GEMM over the whole tile where they are many.
struct MixtureLogSums {
    var all: [Double]
    var withinClass: [Double]

    /// Draw rows per block at most, what bounds a worker's memory (the draws and their products).
    static let blockDraws = 1024

    /// `sourceColumns` is the layer's width (the draws' row length), `classes[i]` the dense class of row i.
    init(_ distances: PairwiseDistances, sourceColumns width: Int, classes: [Int], noiseStd beta: Double, draws: Int, seed: UInt32) {
        OpenBLASThreads.single
        let rowSet = distances.centred
        let blockRows = max(1, min(distances.tile, Self.blockDraws / draws))
        let blocks = (0..<distances.tileCount).flatMap { t in
            let tile = distances.tileRows(t)
            return stride(from: tile.lowerBound, to: tile.upperBound, by: blockRows).map { (rows: $0..<min(tile.upperBound, $0 + blockRows), tile: t) }
        }
        var slot = [Int](repeating: -1, count: width)
        for (kept, column) in rowSet.sourceColumns.enumerated() { slot[column] = kept }
        let pass = DrawPass(rowSet, blocks: blocks.map(\.rows), slot: slot, draws: draws, seed: seed)
        let near = NearPairs(distances, within: Self.reach(longest: pass.longest, beta))
        var sums = [SIMD2<Double>](repeating: .zero, count: distances.rows * draws)
        let lock = NSLock()
        var next = 0
        sums.withUnsafeMutableBufferPointer { output in
            let output = output
            DispatchQueue.concurrentPerform(iterations: min(ProcessInfo.processInfo.activeProcessorCount, blocks.count)) { _ in
                while true {
                    lock.lock(); let b = next; next += 1; lock.unlock()
                    guard b < blocks.count else { return }
                    let (rows, tile) = blocks[b]
                    let denseTiles = (0..<distances.tileCount).filter { near.isDense(tile, $0) }
                    guard !denseTiles.isEmpty || rows.contains(where: { !near.neighbours($0).isEmpty }) else { continue }
                    var block = DrawBlock(rows: rows, draws: draws, generator: pass.starts[b], slot: slot, rowSet: rowSet,
                                          own: Array(pass.own[rows.lowerBound * draws..<rows.upperBound * draws]))
                    for t in denseTiles { block.addWhole(distances.tileRows(t), rowSet, classes: classes, noiseStd: beta) }
                    block.addNeighbours(near, rowSet, classes: classes, noiseStd: beta)
                    for (q, s) in block.logSums.enumerated() { output[rows.lowerBound * draws + q] = s }
                }
            }
        }
        all = sums.map { $0[0] }
        withinClass = sums.map { $0[1] }
    }

    /// The squared distance beyond which a sample's terms are negligible for every draw whose z is
    /// at most `longest` long: e ≤ −D/(2β²) + ‖z‖√D/β < −53·ln 2 once
    /// √D/β > ‖z‖ + √(‖z‖² + 2·53·ln 2).
    static func reach(longest: Double, _ beta: Double) -> Double {
        let s = longest + (longest * longest + 2 * KernelSums.negligibleExponent).squareRoot()
        return beta * beta * s * s * (1 + 1e-9)
    }
}

/// One serial pass over the draws, in draw order: the generator at the first draw of every
/// block (so that blocks can draw again on any core), z·h_i of every draw (h_i its own sample's
/// centred row, z its kept columns) and the longest z.
private struct DrawPass {
    var starts: [NumpyRandom] = []
    var own: [Double] = []
    var longest = 0.0

    init(_ rowSet: RowSet, blocks: [Range<Int>], slot: [Int], draws: Int, seed: UInt32) {
        var generator = NumpyRandom(seed: seed)
        own.reserveCapacity(rowSet.rows * draws)
        var longestSquare = 0.0
        rowSet.values.withUnsafeBufferPointer { h in
            for block in blocks {
                starts.append(generator)
                for i in block {
                    let row = h.baseAddress! + i * rowSet.columns
                    for _ in 0..<draws {
                        var dot = 0.0, square = 0.0
                        for s in slot {
                            let value = generator.nextGaussian()
                            if s >= 0 { dot += value * row[s]; square += value * value }
                        }
                        own.append(dot)
                        longestSquare = max(longestSquare, square)
                    }
                }
            }
        }
        longest = longestSquare.squareRoot()
    }
}

/// The pairs of distinct samples within a squared distance `limit` of each other, found over the
/// tile pairs I ≤ J of `PairwiseDistances` (its sketch and float32 screen leave most out): per
/// sample its neighbours in column order with their float64 distances, except in the tile pairs
/// where more than `sparseShare` of the pairs are within, which are marked dense instead.
struct NearPairs {
    /// Neighbours of sample i: `columns[start[i]..<start[i + 1]]`, at `distances[…]`.
    private let start: [Int]
    private let columns: [Int32]
    private let distances: [Double]
    /// Per tile pair (I · tiles + J, both orders): whether it is dense.
    private let dense: [Bool]
    private let tiles: Int

    /// The share of a tile pair's pairs within the limit above which its draws' products are
    /// cheaper by one GEMM over the whole tile than pair by pair; it also bounds the lists'
    /// memory (2 % of N² entries at most).
    static let sparseShare = 0.02

    init(_ pairwise: PairwiseDistances, within limit: Double) {
        let pairs = pairwise.tilePairs
        var found = [[TileEntry]?](repeating: [], count: pairs.count)
        let lock = NSLock()
        pairwise.forEachTilePair(within: limit) { pair, tile in
            let (a, b) = (pairwise.tileRows(pair.i), pairwise.tileRows(pair.j))
            let most = Int(Self.sparseShare * Double(a.count * b.count))
            var entries: [TileEntry]? = []
            func add(_ r: Int, _ c: Int, _ d: Double) {
                guard d <= limit, pair.i != pair.j || r != c, entries != nil else { return }
                if entries!.count == most { entries = nil } else { entries!.append(TileEntry(row: Int32(r), column: Int32(c), distance: d)) }
            }
            switch tile {
            case .dense(let d):
                for r in 0..<a.count { for c in (pair.i == pair.j ? r : 0)..<b.count { add(r, c, d[r * b.count + c]) } }
            case .sparse(let list):
                for e in list { add(Int(e.row), Int(e.column), e.distance) }
            }
            lock.lock(); found[pair.index] = entries; lock.unlock()
        }
        tiles = pairwise.tileCount
        var dense = [Bool](repeating: false, count: tiles * tiles)
        var counts = [Int](repeating: 0, count: pairwise.rows + 1)
        for pair in pairs {
            guard let entries = found[pair.index] else { dense[pair.i * tiles + pair.j] = true; dense[pair.j * tiles + pair.i] = true; continue }
            let (a, b) = (pairwise.tileRows(pair.i).lowerBound, pairwise.tileRows(pair.j).lowerBound)
            for e in entries { counts[a + Int(e.row) + 1] += 1; counts[b + Int(e.column) + 1] += 1 }
        }
        for i in 0..<pairwise.rows { counts[i + 1] += counts[i] }
        var fill = counts
        var columns = [Int32](repeating: 0, count: counts.last!), distances = [Double](repeating: 0, count: counts.last!)
        for pair in pairs {
            guard let entries = found[pair.index] else { continue }
            let (a, b) = (pairwise.tileRows(pair.i).lowerBound, pairwise.tileRows(pair.j).lowerBound)
            for e in entries {
                let (i, j) = (a + Int(e.row), b + Int(e.column))
                (columns[fill[i]], distances[fill[i]]) = (Int32(j), e.distance)
                (columns[fill[j]], distances[fill[j]]) = (Int32(i), e.distance)
                fill[i] += 1; fill[j] += 1
            }
        }
        for i in 0..<pairwise.rows where counts[i + 1] - counts[i] > 1 {   // in column order
            let order = (counts[i]..<counts[i + 1]).sorted { columns[$0] < columns[$1] }
            let (c, d) = (order.map { columns[$0] }, order.map { distances[$0] })
            columns.replaceSubrange(counts[i]..<counts[i + 1], with: c)
            distances.replaceSubrange(counts[i]..<counts[i + 1], with: d)
        }
        (start, self.columns, self.distances, self.dense) = (counts, columns, distances, dense)
    }

    /// Whether the pairs of tiles I and J are done whole.
    func isDense(_ i: Int, _ j: Int) -> Bool { dense[i * tiles + j] }

    /// The neighbours of sample i outside the dense tile pairs: (sample, squared distance).
    func neighbours(_ i: Int) -> [(row: Int, distance: Double)] {
        (start[i]..<start[i + 1]).map { (Int(columns[$0]), distances[$0]) }
    }
}

/// The draws of a block of samples and their running log-sum-exps, each begun with the draw's
/// own term exp(0) = 1.
private struct DrawBlock {
    let rows: Range<Int>
    /// Draws per sample.
    let perRow: Int
    /// The draws' kept columns (those of `PairwiseDistances.centred`), row-major.
    var z: [Double]
    /// z · h_i of every draw, h_i its own sample's centred row.
    let own: [Double]
    /// Per draw: (largest exponent, Σ exp(e − largest)) over all samples, then over its class.
    var all: [(max: Double, sum: Double)]
    var withinClass: [(max: Double, sum: Double)]

    init(rows: Range<Int>, draws: Int, generator: NumpyRandom, slot: [Int], rowSet: RowSet, own: [Double]) {
        self.rows = rows
        perRow = draws
        let count = rows.count * draws, k = rowSet.columns
        var generator = generator
        z = [Double](repeating: 0, count: count * k)
        for q in 0..<count {
            for s in slot {
                let value = generator.nextGaussian()
                if s >= 0 { z[q * k + s] = value }
            }
        }
        self.own = own
        all = Array(repeating: (0, 1), count: count)
        withinClass = all
    }

    /// ln Σ exp per draw: over all samples, over its class.
    var logSums: [SIMD2<Double>] {
        zip(all, withinClass).map { SIMD2($0.max + log($0.sum), $1.max + log($1.sum)) }
    }

    /// Adds the terms of every sample of `columns` but the draws' own: their distances and
    /// products by GEMM.
    mutating func addWhole(_ columns: Range<Int>, _ rowSet: RowSet, classes: [Int], noiseStd beta: Double) {
        let k = rowSet.columns, count = rows.count * perRow
        let d = UnsafeMutablePointer<Double>.allocate(capacity: rows.count * columns.count)
        let products = UnsafeMutablePointer<Double>.allocate(capacity: count * columns.count)
        defer { d.deallocate(); products.deallocate() }
        rowSet.distances(rows, columns, into: d)
        if rows == columns {   // the lower triangle from the upper
            for r in 0..<rows.count { for c in 0..<r { d[r * columns.count + c] = d[c * columns.count + r] } }
        }
        if k == 0 {
            products.initialize(repeating: 0, count: count * columns.count)
        } else {
            z.withUnsafeBufferPointer { z in
                rowSet.values.withUnsafeBufferPointer { h in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(columns.count), Int32(k), 1,
                                z.baseAddress!, Int32(k), h.baseAddress! + columns.lowerBound * k, Int32(k), 0, products,
                                Int32(columns.count))
                }
            }
        }
        for q in 0..<count {
            let r = q / perRow, i = rows.lowerBound + r
            let distanceRow = d + r * columns.count, productRow = products + q * columns.count
            for c in 0..<columns.count where columns.lowerBound + c != i {
                add(q, sample: i, columns.lowerBound + c, distance: distanceRow[c], product: productRow[c], classes, beta)
            }
        }
    }

    /// Adds the terms of the block's samples' neighbours outside the dense tile pairs, each
    /// product by DDOT.
    mutating func addNeighbours(_ near: NearPairs, _ rowSet: RowSet, classes: [Int], noiseStd beta: Double) {
        let k = Int32(rowSet.columns)
        for (r, i) in rows.enumerated() {
            for (j, distance) in near.neighbours(i) {
                for s in 0..<perRow {
                    let q = r * perRow + s
                    let product = z.withUnsafeBufferPointer { z in
                        rowSet.values.withUnsafeBufferPointer { h in
                            cblas_ddot(k, z.baseAddress! + q * Int(k), 1, h.baseAddress! + j * Int(k), 1)
                        }
                    }
                    add(q, sample: i, j, distance: distance, product: product, classes, beta)
                }
            }
        }
    }

    /// Adds to draw q of sample i the term of sample j at squared distance `distance` with
    /// z·h_j = `product`: e = −(‖h_i − h_j‖² + 2β z·(h_i − h_j)) / (2β²), left out below −53·ln 2.
    @inline(__always)
    private mutating func add(_ q: Int, sample i: Int, _ j: Int, distance: Double, product: Double, _ classes: [Int], _ beta: Double) {
        let e = -distance / (2 * beta * beta) - (own[q] - product) / beta
        guard e >= -KernelSums.negligibleExponent else { return }
        Self.add(e, to: &all[q])
        if classes[j] == classes[i] { Self.add(e, to: &withinClass[q]) }
    }

    /// Adds exp(e) to a running log-sum-exp.
    @inline(__always)
    private static func add(_ e: Double, to running: inout (max: Double, sum: Double)) {
        if e > running.max {
            running.sum = running.sum * exp(running.max - e) + 1
            running.max = e
        } else {
            running.sum += exp(e - running.max)
        }
    }
}
