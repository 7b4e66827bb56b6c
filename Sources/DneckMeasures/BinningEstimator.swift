import Foundation
import DneckCore

/// The binning estimator of Shwartz-Ziv & Tishby in float64: every activation becomes a bin
/// index by one of three rules (`Rule`), identical rows of bin indices are one state of M,
/// I(X;M) = H(M) (the network is deterministic, so every input is its own state of X) and
/// I(Y;M) = H(M) − Σ_y p(y) H(M | Y = y), with p(y) the class frequencies. All units of a layer
/// share the bins; the per-epoch rules recompute them for every layer and epoch.
public struct BinningEstimator: MIEstimator {
    /// How activations become bin indices.
    public enum Rule: Sendable, Equatable {
        /// `floor(a / size)`: fixed-width bins anchored at 0 (deep-bottleneck's, `--bin-size`).
        case binSize(Double)
        /// `bins` equal-width bins over the layer's [lo, hi] at that epoch:
        /// index = min(floor((a − lo) / (hi − lo) · bins), bins − 1); a layer with hi = lo is one
        /// state (Saxe et al.; IDNNs' fix for ReLU layers).
        case equalWidth(bins: Int)
        /// Entropy-based adaptive binning after Chelombiev et al. (ICLR 2019): with m the layer's
        /// minimum at that epoch and u its sorted distinct values other than m, in the precision
        /// they are stored in, the edges are e_k = u[floor(k · |u| / bins)] for k = 0..<bins; a
        /// value equal to m is a bin of its own (dead ReLU zeros, saturated tanh), any other
        /// value goes to the largest k with e_k ≤ a, so each bin holds about the same number of
        /// distinct values. Chelombiev et al.'s code also gives the maximum a bin of its own;
        /// this rule does not.
        case adaptive(bins: Int)
    }

    public let rule: Rule

    /// The bin width without `--bin-size`: deep-bottleneck's default.
    public static let defaultBinSize = 0.07

    /// Fixed-width bins of `binSize` (deep-bottleneck's default 0.07).
    public init(binSize: Double = BinningEstimator.defaultBinSize) {
        precondition(binSize > 0 && binSize.isFinite, "bin size must be positive")
        rule = .binSize(binSize)
    }

    /// An estimator binning by `rule`; throws `DneckError.invalidOption` for a bin size that is
    /// not a positive finite number or a bin count below 1.
    public init(rule: Rule) throws {
        switch rule {
        case .binSize(let size) where !(size > 0 && size.isFinite):
            throw DneckError.invalidOption(name: "--bin-size", detail: "must be a positive number, not \(size)")
        case .equalWidth(let bins) where bins < 1, .adaptive(let bins) where bins < 1:
            throw DneckError.invalidOption(name: "--bins", detail: "must be at least 1, not \(bins)")
        default:
            self.rule = rule
        }
    }

    public var summary: String {
        switch rule {
        case .binSize(let size): return "binning, bin size \(size)"
        case .equalWidth(let bins): return "equal-width binning, \(bins) bins"
        case .adaptive(let bins): return "adaptive binning, \(bins) bins"
        }
    }

    public var descriptor: EstimatorDescriptor { .binning }

    public var parameters: EstimatorParameters {
        switch rule {
        case .binSize(let size): return EstimatorParameters(binSize: size)
        case .equalWidth(let bins): return EstimatorParameters(bins: bins)
        case .adaptive(let bins): return EstimatorParameters(bins: bins, adaptive: true)
        }
    }

    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        let states = StateTable.assign(rowsOf: binned(activations))
        let n = activations.rows
        let classes = ClassCounts(labels)
        let classCount = classes.counts.count
        var stateCounts = [Int](repeating: 0, count: states.count)
        var jointCounts = [Int](repeating: 0, count: states.count * classCount)
        for row in 0..<n {
            let state = Int(states.ids[row])
            stateCounts[state] += 1
            jointCounts[state * classCount + classes.labels[row]] += 1
        }
        let cLogC = CountLogTable.upTo(n)   // c · log2 c, looked up instead of computed per state
        let hm = entropy(counts: stateCounts, total: n, cLogC: cLogC)
        // Σ_y p(y) H(M|Y=y) = (1/N) Σ_y [n_y log2 n_y − Σ_s c_sy log2 c_sy]
        var conditional = 0.0
        for y in 0..<classCount where classes.counts[y] > 0 {
            var within = 0.0
            for s in 0..<states.count {
                let c = jointCounts[s * classCount + y]
                if c > 0 { within += cLogC[c] }
            }
            conditional += cLogC[classes.counts[y]] - within
        }
        if n > 0 { conditional /= Double(n) }
        return MIEstimate(ixm: hm, iym: hm - conditional, states: states.count,
                          ceilingX: classes.ceilingX, ceilingY: classes.entropy)
    }

    /// The bin index of every activation, row-major, as `rule` assigns it.
    func binned(_ m: Matrix) -> BinnedRows {
        let count = m.rows * m.columns
        let bins: [UInt64]
        switch rule {
        case .binSize(let binSize):
            // Bit patterns of `floor(a / binSize)` (+0.0 normalises −0.0), so any finite
            // activation has a bin, however large.
            bins = [UInt64](unsafeUninitializedCapacity: count) { dst, initialized in
                m.forEachValue { i, a in dst[i] = (floorExact(a / binSize) + 0.0).bitPattern }
                initialized = count
            }
        case .equalWidth(let binCount):
            bins = equalWidthBins(m, binCount: binCount)
        case .adaptive(let binCount):
            switch m.storage {
            case .float32(let v): bins = AdaptiveEdges(v, binCount: binCount).bins(of: v)
            case .float64(let v): bins = AdaptiveEdges(v, binCount: binCount).bins(of: v)
            }
        }
        return BinnedRows(rows: m.rows, columns: m.columns, bins: bins)
    }

    /// min(floor((a − lo) / (hi − lo) · B), B − 1) over the layer's range; all 0 when hi = lo.
    private func equalWidthBins(_ m: Matrix, binCount: Int) -> [UInt64] {
        var lo = Double.infinity, hi = -Double.infinity
        m.forEachValue { _, a in lo = Swift.min(lo, a); hi = Swift.max(hi, a) }
        let count = m.rows * m.columns
        guard hi > lo else { return [UInt64](repeating: 0, count: count) }
        let (width, b, last) = (hi - lo, Double(binCount), UInt64(binCount - 1))
        return [UInt64](unsafeUninitializedCapacity: count) { dst, initialized in
            m.forEachValue { i, a in
                let q = floorExact((a - lo) / width * b)   // in [0, B] for a in [lo, hi]
                dst[i] = Swift.min(UInt64(Swift.max(q, 0)), last)
            }
            initialized = count
        }
    }
}

/// The edges of adaptive binning (`BinningEstimator.Rule.adaptive`) for one layer at one epoch,
/// in the values' own precision.
struct AdaptiveEdges<T: BinaryFloatingPoint> {
    /// The layer's minimum, a bin of its own (nil for an empty layer).
    let minimum: T?
    /// e_0 ≤ e_1 ≤ … ≤ e_{B−1} (empty when every value equals the minimum).
    let edges: [T]

    init(_ values: [T], binCount: Int) {
        var distinct = values.sorted()
        var kept = 0
        for v in distinct where kept == 0 || v != distinct[kept - 1] { distinct[kept] = v; kept += 1 }
        minimum = kept > 0 ? distinct[0] : nil
        let u = distinct[min(1, kept)..<kept]   // the distinct values without the minimum
        edges = u.isEmpty ? [] : (0..<binCount).map { k in u[u.startIndex + k * u.count / binCount] }
    }

    /// Bin of `a`: 0 for the minimum, otherwise 1 + the largest k with e_k ≤ a.
    @inline(__always)
    func bin(of a: T) -> UInt64 {
        guard a != minimum else { return 0 }
        var (low, high) = (0, edges.count)   // edges[low] ≤ a < edges[high] (virtual edge at count)
        while high - low > 1 {
            let mid = (low + high) / 2
            if edges[mid] <= a { low = mid } else { high = mid }
        }
        return UInt64(low + 1)
    }

    func bins(of values: [T]) -> [UInt64] { values.map(bin(of:)) }
}

/// `floor(q)` exactly, inline (Swift's `rounded(.down)` calls libm's floor on baseline x86-64):
/// truncate, then step down for negative non-integers. Magnitudes from 2^52 are integers already.
@inline(__always)
func floorExact(_ q: Double) -> Double {
    guard q.magnitude < 0x1p52 else { return q }
    let t = Double(Int64(q))
    return t - Double(UInt8(t > q ? 1 : 0))
}

/// `labels` renumbered 0..<k in the order of their values when they are sparse (class ids
/// like 7 and 900000), so that count tables stay as small as the number of classes.
func denseClasses(_ labels: [Int]) -> (labels: [Int], count: Int) {
    let top = (labels.max() ?? -1) + 1
    guard top > labels.count else { return (labels, top) }
    let classes = Array(Set(labels)).sorted()
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    return (labels.map { index[$0]! }, classes.count)
}

/// Shannon entropy in bits of the distribution `counts / total`, with `cLogC[c]` = c · log2 c.
func entropy(counts: [Int], total: Int, cLogC: [Double]) -> Double {
    guard total > 0 else { return 0 }
    var sum = 0.0
    for c in counts where c > 0 { sum += cLogC[c] }
    return log2(Double(total)) - sum / Double(total)
}

/// c · log2 c for c = 0…n (0 for c = 0), computed once and shared: every layer and epoch of a
/// run has the same number of samples. The values are exactly those computed in place.
enum CountLogTable {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var table: [Double] = [0]

    static func upTo(_ n: Int) -> [Double] {
        lock.lock(); defer { lock.unlock() }
        if table.count <= n { table = (0...n).map { $0 == 0 ? 0 : Double($0) * log2(Double($0)) } }
        return table
    }
}
