import Foundation
import DneckCore

/// The binning estimator of Shwartz-Ziv & Tishby, as deep-bottleneck computes it but in
/// float64: every activation `a` becomes the bin `floor(a / binSize)`, identical rows of bins
/// are one state of M, I(X;M) = H(M) (the network is deterministic, so every input is its own
/// state of X) and I(Y;M) = H(M) − Σ_y p(y) H(M | Y = y), with p(y) the class frequencies.
public struct BinningEstimator: MIEstimator {
    /// Width of a bin in activation units.
    public var binSize: Double

    public init(binSize: Double = 0.07) {
        precondition(binSize > 0 && binSize.isFinite, "bin size must be positive")
        self.binSize = binSize
    }

    public func estimate(_ activations: Matrix, labels: [Int]) -> (mixm: Double, miym: Double) {
        let states = StateTable.assign(rowsOf: binned(activations))
        let n = activations.rows
        let (labels, classCount) = denseClasses(labels)
        var stateCounts = [Int](repeating: 0, count: states.count)
        var jointCounts = [Int](repeating: 0, count: states.count * classCount)
        var classCounts = [Int](repeating: 0, count: classCount)
        for row in 0..<n {
            let state = Int(states.ids[row])
            stateCounts[state] += 1
            jointCounts[state * classCount + labels[row]] += 1
            classCounts[labels[row]] += 1
        }
        let cLogC = CountLogTable.upTo(n)   // c · log2 c, looked up instead of computed per state
        let hm = entropy(counts: stateCounts, total: n, cLogC: cLogC)
        // Σ_y p(y) H(M|Y=y) = (1/N) Σ_y [n_y log2 n_y − Σ_s c_sy log2 c_sy]
        var conditional = 0.0
        for y in 0..<classCount where classCounts[y] > 0 {
            var within = 0.0
            for s in 0..<states.count {
                let c = jointCounts[s * classCount + y]
                if c > 0 { within += cLogC[c] }
            }
            conditional += cLogC[classCounts[y]] - within
        }
        conditional /= Double(n)
        return (hm, hm - conditional)
    }

    /// Bin indices as the bit patterns of `floor(a / binSize)` (+0.0 normalises −0.0), so any
    /// finite activation has a bin, however large.
    func binned(_ m: Matrix) -> BinnedRows {
        let count = m.rows * m.columns
        let bins = [UInt64](unsafeUninitializedCapacity: count) { dst, initialized in
            m.forEachValue { i, a in dst[i] = (floorExact(a / binSize) + 0.0).bitPattern }
            initialized = count
        }
        return BinnedRows(rows: m.rows, columns: m.columns, bins: bins)
    }
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
