import DneckCore

/// Where each layer's gradient passes from drift to diffusion (Shwartz-Ziv & Tishby 2017): the
/// epoch from which the mean of the gradient over an epoch's batches no longer dominates its
/// fluctuations. The rule, exactly: with SNR = ‖mean‖ / ‖std‖ (`gradmean` / `gradstd`) of each
/// logged epoch, the transition is the first logged epoch whose SNR is below 1 and after which
/// every logged SNR stays below 1, to the last logged epoch. A dip below 1 that comes back to 1
/// or above is no transition; a layer below 1 from its first logged epoch has its transition
/// there; a layer whose last SNR is 1 or more has none. Epochs whose SNR is undefined (the
/// mean or std not logged or NaN, a negative std, or both norms 0: no gradient at all) are
/// skipped, neither breaking a stretch below 1 nor starting one; a std of 0 under a mean above
/// 0 is an SNR of +∞, above 1.
///
/// The SNR of an epoch is itself an estimate over its batches, noisy near 1: the rule takes it
/// as logged, without smoothing, so any return to 1 or above moves the mark later, never earlier.
public struct SNRPhases: Sendable, Equatable {
    /// Per layer, the epoch of its transition; nil for a layer without one.
    public let transitions: [Int?]

    /// The transitions of the layers of `records` (in epoch order), as many layers as the
    /// longest `gradientMean`; none when no record has gradients.
    public init(_ records: [EpochRecord]) {
        let layers = records.map { $0.gradientMean?.count ?? 0 }.max() ?? 0
        transitions = (0..<layers).map { layer in
            func at(_ values: [Double]?) -> Double? { values.flatMap { layer < $0.count ? $0[layer] : nil } }
            return Self.transition(records.map { ($0.epoch, Self.ratio(mean: at($0.gradientMean), std: at($0.gradientStd))) })
        }
    }

    /// ‖mean‖ / ‖std‖, nil when undefined (either missing or NaN, std below 0, or both 0).
    public static func ratio(mean: Double?, std: Double?) -> Double? {
        guard let mean, let std, std >= 0 else { return nil }
        let snr = mean / std
        return snr.isNaN ? nil : snr
    }

    /// The first epoch of the last stretch of defined ratios below 1 that reaches the end of
    /// `series` (in epoch order), nil when the last defined ratio is 1 or more, or none is defined.
    public static func transition(_ series: [(epoch: Int, snr: Double?)]) -> Int? {
        var start: Int?
        for (epoch, snr) in series {
            guard let snr else { continue }
            start = snr < 1 ? start ?? epoch : nil
        }
        return start
    }

    /// Whether some layer has a transition.
    public var any: Bool { transitions.contains { $0 != nil } }

    /// The transition of `layer`, nil when it has none.
    public func epoch(of layer: Int) -> Int? { layer < transitions.count ? transitions[layer] : nil }

    /// What the marks are, for figure footers: the rule in one short line (docs/charts.md has
    /// the rest: undefined epochs, noise).
    public static let rule = "drift to diffusion (Shwartz-Ziv & Tishby 2017), the first logged epoch from which gradmean/gradstd stays < 1"
}
