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
/// class, which varies less than this assumes, so the errors are on the safe side. Sums are log-sum-exps in float64, streamed tile by tile with
/// the distances and dot products from OpenBLAS GEMM (`PairwiseDistances`' centred rows), so
/// memory is bounded by the tiles, not N². Terms below 2⁻⁵³ of the draw's own (e_j < −53·ln 2)
/// are left out: by Cauchy–Schwarz a whole tile of samples is, when its distance to the draws'
/// other samples exceeds β²(‖z‖ + √(‖z‖² + 2·53·ln 2))² for the longest z of the draws, first
/// tried on the sketch (`PairwiseDistances.sketch`), then on the distances themselves, which
/// spares the tile's GEMM with the draws (`mcSamples` times the distances' cost).
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
        let sums = MixtureLogSums(PairwiseDistances(activations, screening: false), sourceColumns: activations.columns,
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
struct MixtureLogSums {
    var all: [Double]
    var withinClass: [Double]

    /// Draw rows per block at most, what bounds a worker's memory (the draws and their products).
    static let blockDraws = 1024

    /// `sourceColumns` is the layer's width (the draws' row length), `classes[i]` the dense class of row i.
    init(_ distances: PairwiseDistances, sourceColumns width: Int, classes: [Int], noiseStd beta: Double, draws: Int, seed: UInt32) {
        OpenBLASThreads.single
        let rows = distances.rows, rowSet = distances.centred, k = rowSet.columns
        let blockRows = max(1, min(distances.tile, Self.blockDraws / draws))
        let blocks = (0..<(rows + blockRows - 1) / blockRows).map { $0 * blockRows..<min(rows, ($0 + 1) * blockRows) }
        // The generator at the first draw of every block, so that blocks draw on any core.
        var generator = NumpyRandom(seed: seed), starts: [NumpyRandom] = []
        for block in blocks {
            starts.append(generator)
            for _ in 0..<block.count * draws * width { _ = generator.nextGaussian() }
        }
        var slot = [Int](repeating: -1, count: width)
        for (kept, column) in rowSet.sourceColumns.enumerated() { slot[column] = kept }
        var sums = [SIMD2<Double>](repeating: .zero, count: rows * draws)
        let lock = NSLock()
        var next = 0
        sums.withUnsafeMutableBufferPointer { output in
            let output = output
            DispatchQueue.concurrentPerform(iterations: min(ProcessInfo.processInfo.activeProcessorCount, blocks.count)) { _ in
                while true {
                    lock.lock(); let b = next; next += 1; lock.unlock()
                    guard b < blocks.count else { return }
                    var draws = DrawBlock(rows: blocks[b], draws: draws, generator: starts[b], slot: slot, rowSet: rowSet)
                    draws.accumulate(distances, classes: classes, noiseStd: beta)
                    for (q, s) in draws.logSums.enumerated() { output[blocks[b].lowerBound * draws.perRow + q] = s }
                }
            }
        }
        all = sums.map { $0[0] }
        withinClass = sums.map { $0[1] }
    }
}

/// The draws of a block of samples and their running log-sum-exps.
private struct DrawBlock {
    let rows: Range<Int>
    /// Draws per sample.
    let perRow: Int
    /// The draws' kept columns (those of `PairwiseDistances.centred`), row-major.
    var z: [Double]
    /// z · h_i of every draw, h_i its own sample's centred row.
    var own: [Double]
    /// The longest z.
    var longest = 0.0
    /// Per draw: (largest exponent, Σ exp(e − largest)) over all samples, then over its class.
    var all: [(max: Double, sum: Double)]
    var withinClass: [(max: Double, sum: Double)]

    init(rows: Range<Int>, draws: Int, generator: NumpyRandom, slot: [Int], rowSet: RowSet) {
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
        own = [Double](repeating: 0, count: count)
        for q in 0..<count {
            let i = rows.lowerBound + q / draws
            var dot = 0.0, square = 0.0
            for c in 0..<k {
                dot += z[q * k + c] * rowSet.values[i * k + c]
                square += z[q * k + c] * z[q * k + c]
            }
            own[q] = dot
            longest = max(longest, square.squareRoot())
        }
        all = Array(repeating: (-.infinity, 0), count: count)
        withinClass = all
    }

    /// ln Σ exp per draw: over all samples, over its class.
    var logSums: [SIMD2<Double>] {
        zip(all, withinClass).map { SIMD2($0.max + log($0.sum), $1.max + log($1.sum)) }
    }

    /// Adds the terms of every sample, tile by tile in order.
    mutating func accumulate(_ distances: PairwiseDistances, classes: [Int], noiseStd beta: Double) {
        let rowSet = distances.centred, k = rowSet.columns, count = rows.count * perRow
        let reach = zLimit(beta)
        let d = UnsafeMutablePointer<Double>.allocate(capacity: rows.count * distances.tile)
        let products = UnsafeMutablePointer<Double>.allocate(capacity: count * distances.tile)
        defer { d.deallocate(); products.deallocate() }
        let scale = 1 / (2 * beta * beta)
        for t in 0..<distances.tileCount {
            let columns = distances.tileRows(t)
            if let sketch = distances.sketch, !columns.overlaps(rows), sketch.nearest(rows, columns, into: d) > reach { continue }
            rowSet.distances(rows, columns, into: d)
            if rows == columns {   // the lower triangle from the upper
                for r in 0..<rows.count { for c in 0..<r { d[r * columns.count + c] = d[c * columns.count + r] } }
            }
            if nearestOther(d, rowSet, columns) > reach {   // only the draws' own terms count
                for q in 0..<count where columns.contains(rows.lowerBound + q / perRow) {
                    Self.add(0, to: &all[q])
                    Self.add(0, to: &withinClass[q])
                }
                continue
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
                let r = q / perRow, i = rows.lowerBound + r, label = classes[i]
                var a = all[q], w = withinClass[q]
                let distanceRow = d + r * columns.count, productRow = products + q * columns.count
                for c in 0..<columns.count {
                    let j = columns.lowerBound + c
                    // −(‖h_i − h_j‖² + 2β z·(h_i − h_j)) / (2β²)
                    let e = j == i ? 0 : -distanceRow[c] * scale - (own[q] - productRow[c]) / beta
                    Self.add(e, to: &a)
                    if classes[j] == label { Self.add(e, to: &w) }
                }
                all[q] = a
                withinClass[q] = w
            }
        }
    }

    /// The smallest distance `d` holds between a sample of the block and another of `columns`,
    /// less a margin for rounding (as `RowSet.nearest`), so it never exceeds the exact one.
    private func nearestOther(_ d: UnsafeMutablePointer<Double>, _ rowSet: RowSet, _ columns: Range<Int>) -> Double {
        var nearest = Double.infinity, largestNorm = 0.0
        for r in 0..<rows.count {
            let i = rows.lowerBound + r
            for c in 0..<columns.count where columns.lowerBound + c != i { nearest = min(nearest, d[r * columns.count + c]) }
            largestNorm = max(largestNorm, rowSet.norms[i])
        }
        for j in columns { largestNorm = max(largestNorm, rowSet.norms[j]) }
        return nearest * (1 - 1e-9) - 1e-12 * largestNorm
    }

    /// The squared distance beyond which a sample's terms are negligible for every draw of the
    /// block: e ≤ −D/(2β²) + ‖z‖√D/β < −53·ln 2 once √D/β > ‖z‖ + √(‖z‖² + 2·53·ln 2).
    private func zLimit(_ beta: Double) -> Double {
        let s = longest + (longest * longest + 2 * KernelSums.negligibleExponent).squareRoot()
        return beta * beta * s * s
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
