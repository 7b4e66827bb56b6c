import DneckCore
import DneckFigure
import Foundation

/// Ranges the axes of a growing movie's frames cover besides the data (`watch`): each holds the
/// data so far with headroom and moves only when the data leave it, then in round steps, so
/// that a new epoch seldom moves an axis and the frames already encoded stay as they are
/// (`LiveMovie` encodes again from the first frame that changed). Nil ranges add nothing.
public struct FrameEnvelope: Sendable, Equatable {
    public var planeX: ClosedRange<Double>?
    public var planeY: ClosedRange<Double>?
    /// The epoch axis of the accuracy panel.
    public var epochs: ClosedRange<Double>?
    public var accuracy: ClosedRange<Double>?

    /// The envelope of `run`'s frames: `previous`, widened where the data leave it.
    public static func covering(_ run: RunData, request: FigureRequest, previous: FrameEnvelope?) -> FrameEnvelope {
        FrameEnvelope(planeX: widened(previous?.planeX, PlaneParts.values([run], request: request, x: true)),
                      planeY: widened(previous?.planeY, PlaneParts.values([run], request: request, x: false)),
                      epochs: widenedEpochs(previous?.epochs, run.epochs.map(Double.init)),
                      accuracy: widened(previous?.accuracy, MovieFrameChart.accuracyValues([run])))
    }

    /// The two ends of `range`, to add to the values an axis fits.
    static func ends(_ range: ClosedRange<Double>?) -> [Double] { range.map { [$0.lowerBound, $0.upperBound] } ?? [] }

    /// `range` if it holds `values`, else their range with a tenth of its span on each side
    /// (not below 0 for values that are not), rounded out to a step of 1, 2 or 5 times a power
    /// of ten near a fifth of the span, joined with `range`.
    static func widened(_ range: ClosedRange<Double>?, _ values: [Double]) -> ClosedRange<Double>? {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return range }
        if let range, range.contains(lo), range.contains(hi) { return range }
        let span = max(hi - lo, abs(hi) * 0.1, 1e-6)
        let step = roundStep(atLeast: span / 5)
        var low = ((lo - span / 10) / step).rounded(.down) * step
        if lo >= 0 { low = max(low, 0) }
        let high = ((hi + span / 10) / step).rounded(.up) * step
        return min(low, range?.lowerBound ?? low)...max(high, range?.upperBound ?? high)
    }

    /// Epochs: from the first one to a round number (1, 2 or 5 times a power of ten) at least
    /// a quarter beyond the last, kept until an epoch passes it.
    static func widenedEpochs(_ range: ClosedRange<Double>?, _ epochs: [Double]) -> ClosedRange<Double>? {
        guard let first = epochs.min(), let last = epochs.max() else { return range }
        if let range, range.contains(first), range.contains(last) { return range }
        return min(first, range?.lowerBound ?? first)...roundStep(atLeast: max(last * 1.25, 1))
    }

    /// The least of 1, 2, 5 × 10ⁿ that is at least `value` (> 0).
    static func roundStep(atLeast value: Double) -> Double {
        let power = pow(10, (log10(value)).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value * (1 - 1e-12) }!
    }
}
