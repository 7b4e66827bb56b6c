import Foundation

/// Maps data values on one axis to a fraction of the axis length (0 at the start, 1 at the end).
public enum Scale: Sendable, Equatable {
    case linear(ClosedRange<Double>)
    case log(ClosedRange<Double>)
    /// Symmetric log (matplotlib's `symlog`, base 10, linthresh 1, linscale 1): linear within
    /// ±1, logarithmic beyond, so that 0 has a place (epoch 0 of a log epoch axis).
    case symlog(ClosedRange<Double>)

    /// The visible data range.
    public var domain: ClosedRange<Double> {
        switch self { case .linear(let d), .log(let d), .symlog(let d): return d }
    }

    /// The fraction of the axis at which `value` lies; nil where the value has no place on the
    /// scale (a non-positive value on a log axis, NaN).
    public func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch self {
        case .linear(let d):
            let span = d.upperBound - d.lowerBound
            // A span beyond Double's range (−1e308...1e308) is measured in halves.
            return span.isFinite ? (value - d.lowerBound) / span : (value / 2 - d.lowerBound / 2) / (d.upperBound / 2 - d.lowerBound / 2)
        case .log(let d):
            guard value > 0 else { return nil }
            return (log10(value) - log10(d.lowerBound)) / (log10(d.upperBound) - log10(d.lowerBound))
        case .symlog(let d):
            let lo = Scale.symlog(d.lowerBound)
            return (Scale.symlog(value) - lo) / (Scale.symlog(d.upperBound) - lo)
        }
    }

    /// matplotlib's symlog transform with linthresh 1: x / (1 − 1/10) within ±1, then
    /// ±(1/(1 − 1/10) + log10 |x|).
    static func symlog(_ x: Double) -> Double {
        let linear = 1 / (1 - 0.1)
        return abs(x) <= 1 ? x * linear : (x < 0 ? -1 : 1) * (linear + log10(abs(x)))
    }

    /// The inverse of `symlog(_:)`.
    static func symexp(_ t: Double) -> Double {
        let linear = 1 / (1 - 0.1)
        return abs(t) <= linear ? t / linear : (t < 0 ? -1 : 1) * pow(10, abs(t) - linear)
    }

    /// A linear scale over `values` widened by `margin` of their span on each side (matplotlib's
    /// default margins). Values all equal get a fixed range around them, at least one unit wide
    /// (±5 % beyond ±10), so that plain ticks frame them rather than a scale of their last digits.
    public static func linear(fitting values: [Double], margin: Double = 0.05) -> Scale {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return .linear(0...1) }
        guard hi > lo else {
            let pad = max(0.5, abs(lo) * 0.05)
            return .linear((lo - pad)...(hi + pad))
        }
        let pad = (hi - lo) * margin
        return .linear((lo - pad)...(hi + pad))
    }

    /// A log scale over the positive `values`, widened by `margin` of the decades spanned.
    public static func log(fitting values: [Double], margin: Double = 0.05) -> Scale {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else { return .log(1...10) }
        guard hi > lo else { return .log((lo / 2)...(hi * 2)) }
        let decades = log10(hi) - log10(lo)
        return .log(pow(10, log10(lo) - decades * margin)...pow(10, log10(hi) + decades * margin))
    }

    /// A symmetric-log scale over `values`, widened by `margin` of their transformed span (a
    /// single value: by one unit of the transform on each side).
    public static func symlog(fitting values: [Double], margin: Double = 0.05) -> Scale {
        let finite = values.filter(\.isFinite).map(symlog)
        guard let lo = finite.min(), let hi = finite.max() else { return .symlog(0...10) }
        let pad = hi > lo ? (hi - lo) * margin : 1
        return .symlog(symexp(lo - pad)...symexp(hi + pad))
    }
}
