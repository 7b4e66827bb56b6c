/// Equal-width bins over `lower...upper`, as `numpy.histogram` draws them: every bin is
/// half-open `[e_i, e_i+1)` except the last, which also holds `upper`. Edges are
/// `lower + (upper − lower) · i / count` (the last is `upper` exactly); a value is placed by
/// arithmetic and then checked against the edges, so values on an edge fall in the bin above.
public struct HistogramBins: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let count: Int
    /// Edges 0...count, computed once.
    let edges: [Double]
    /// Bins per unit of value.
    let scale: Double

    /// Bins over `range`; an empty range is widened by 0.5 on each side, as numpy does.
    public init(range: ClosedRange<Double>, count: Int) {
        precondition(count > 0, "a histogram needs at least one bin")
        let widen = range.lowerBound == range.upperBound
        lower = widen ? range.lowerBound - 0.5 : range.lowerBound
        upper = widen ? range.upperBound + 0.5 : range.upperBound
        self.count = count
        let (lo, hi) = (lower, upper)
        let n = Double(count)
        if (hi - lo).isFinite {
            edges = (0...count).map { i in i == count ? hi : lo + (hi - lo) * Double(i) / n }
            scale = n / (hi - lo)
        } else {   // a range wider than Double spans: step by parts that do not overflow
            edges = (0...count).map { i in i == count ? hi : lo * (1 - Double(i) / n) + hi * (Double(i) / n) }
            scale = 1 / (hi / n - lo / n)
        }
    }

    /// Edge `i` of `0...count`.
    public func edge(_ i: Int) -> Double { edges[i] }

    /// The bin of `value`, or nil outside `lower...upper`.
    public func index(of value: Double) -> Int? {
        edges.withUnsafeBufferPointer {
            HistogramBins.index(of: value, lower: lower, upper: upper, scale: scale, count: count, edges: $0.baseAddress!)
        }
    }

    /// The bin of `value` given a histogram's parts (for hot loops over many histograms).
    @inline(__always)
    static func index(of value: Double, lower: Double, upper: Double, scale: Double, count: Int,
                      edges: UnsafePointer<Double>) -> Int? {
        guard value >= lower, value <= upper else { return nil }
        let offset = value - lower   // overflows only for ranges wider than Double spans
        let f = offset.isFinite ? offset * scale : value * scale - lower * scale
        var i = f.isFinite ? min(max(Int(f), 0), count - 1) : count - 1
        if value < edges[i] { i -= 1 } else if i < count - 1 && value >= edges[i + 1] { i += 1 }
        return i
    }

    /// Counts of `count` values of `values`, starting at `from`, every `step`-th (one column of
    /// a row-major matrix, or all of it). Values outside the bins are not counted.
    @inline(__always)
    func counts<T: BinaryFloatingPoint>(of values: UnsafeBufferPointer<T>, from: Int, step: Int, count n: Int) -> [Int] {
        guard (upper - lower).isFinite else {   // ranges wider than Double spans take the careful path
            var counts = [Int](repeating: 0, count: count)
            var i = from
            for _ in 0..<n { if let b = index(of: Double(values[i])) { counts[b] += 1 }; i += step }
            return counts
        }
        var tables = [Int](repeating: 0, count: 4 * count)   // see `sumOfLanes`
        edges.withUnsafeBufferPointer { e in
            tables.withUnsafeMutableBufferPointer { t in
                let (lower, upper, scale, last, edges, t) = (lower, upper, scale, count - 1, e.baseAddress!, t.baseAddress!)
                let count = count
                var i = from
                for k in 0..<n {
                    let x = Double(values[i])
                    i &+= step
                    guard x >= lower && x <= upper else { continue }
                    // The nearest bin by arithmetic (adding 2^52 rounds into the low mantissa
                    // bits, without Int()'s range check), then one step either way by the edges.
                    var b = Int(truncatingIfNeeded: ((x - lower) * scale + 0x1p52).bitPattern & 0xF_FFFF_FFFF_FFFF)
                    b = b > last ? last : b
                    b &-= x < edges[b] ? 1 : 0
                    b &+= x >= edges[b &+ 1] && b < last ? 1 : 0
                    t[(k & 3) &* count &+ b] &+= 1
                }
            }
        }
        return sumOfLanes(tables, bins: count)
    }
}

/// Per-bin sums of four interleaved count tables, laid end to end: counting into four lanes in
/// turn keeps runs of equal values from waiting on one counter.
private func sumOfLanes(_ tables: [Int], bins: Int) -> [Int] {
    (0..<bins).map { tables[$0] + tables[bins + $0] + tables[2 * bins + $0] + tables[3 * bins + $0] }
}

/// Bins with a table of the bin of every float32 by its top 16 bits (sign, exponent and 7 bits
/// of mantissa, a slice 1/128 of an octave wide): one load per value instead of arithmetic and
/// two edge checks. Values in the few slices that straddle an edge take the exact path, so the
/// counts are those of `HistogramBins`. Worth its 65,536 entries for bins that count millions
/// of values (a layer over a run), not for one neuron.
struct BinLookup: Sendable {
    let bins: HistogramBins
    /// Bin of each slice; −1: the slice straddles an edge or a bound; −2: outside the bins.
    private let table: [Int16]

    init(_ bins: HistogramBins) {
        self.bins = bins
        table = (0..<65_536).map { key in
            let a = Float(bitPattern: UInt32(key) << 16), b = Float(bitPattern: UInt32(key) << 16 | 0xFFFF)
            guard a.isFinite, b.isFinite else { return -1 }
            let (x, y) = (Double(a), Double(b))
            switch (bins.index(of: x), bins.index(of: y)) {
            case let (i?, j?) where i == j: return Int16(i)
            case (nil, nil) where (x < bins.lower) == (y < bins.lower) && (x > bins.upper) == (y > bins.upper): return -2
            default: return -1
            }
        }
    }

    /// Counts of all `values`.
    func counts(of values: UnsafeBufferPointer<Float>) -> [Int] {
        let count = bins.count
        var tables = [Int](repeating: 0, count: 4 * count)   // see `sumOfLanes`
        table.withUnsafeBufferPointer { lookup in
            tables.withUnsafeMutableBufferPointer { t in
                let lookup = lookup.baseAddress!, t = t.baseAddress!
                func add(_ v: Float, _ lane: UnsafeMutablePointer<Int>) {
                    let b = Int(lookup[Int(v.bitPattern >> 16)])
                    if b >= 0 {
                        lane[b] &+= 1
                    } else if b == -1, let exact = bins.index(of: Double(v)) {
                        lane[exact] &+= 1
                    }
                }
                let (t0, t1, t2, t3) = (t, t + count, t + 2 * count, t + 3 * count)
                var i = 0
                while i &+ 4 <= values.count {
                    add(values[i], t0); add(values[i &+ 1], t1); add(values[i &+ 2], t2); add(values[i &+ 3], t3)
                    i &+= 4
                }
                while i < values.count { add(values[i], t0); i &+= 1 }
            }
        }
        return sumOfLanes(tables, bins: count)
    }
}
