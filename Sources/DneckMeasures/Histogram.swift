/// Equal-width bins over `lower...upper`, as `numpy.histogram` draws them: every bin is
/// half-open `[e_i, e_i+1)` except the last, which also holds `upper`. Edges are
/// `lower + (upper − lower) · i / count` (the last is `upper` exactly); a value is placed by
/// arithmetic and then checked against the edges, so values on an edge fall in the bin above.
public struct HistogramBins: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let count: Int

    /// Bins over `range`; an empty range is widened by 0.5 on each side, as numpy does.
    public init(range: ClosedRange<Double>, count: Int) {
        precondition(count > 0, "a histogram needs at least one bin")
        let widen = range.lowerBound == range.upperBound
        lower = widen ? range.lowerBound - 0.5 : range.lowerBound
        upper = widen ? range.upperBound + 0.5 : range.upperBound
        self.count = count
    }

    /// Edge `i` of `0...count`.
    public func edge(_ i: Int) -> Double {
        i == count ? upper : lower + (upper - lower) * Double(i) / Double(count)
    }

    /// The bin of `value`, or nil outside `lower...upper`.
    @inline(__always)
    public func index(of value: Double) -> Int? {
        guard value >= lower, value <= upper else { return nil }
        var i = min(Int((value - lower) / (upper - lower) * Double(count)), count - 1)
        if value < edge(i) { i -= 1 } else if i < count - 1 && value >= edge(i + 1) { i += 1 }
        return i
    }
}
