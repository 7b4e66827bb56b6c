import DneckCore

/// Where each layer's gradient passes from drift to diffusion (Shwartz-Ziv & Tishby 2017): the
/// epoch from which the mean of the gradient over an epoch's batches no longer dominates its
/// fluctuations. With SNR = ‖mean‖ / ‖std‖ (`gradmean` / `gradstd`) of each logged epoch, the
/// transition is where the logged epochs split best into a drift phase (SNR ≥ 1) and a
/// diffusion phase (SNR < 1) that lasts to the end: of every split (before the first epoch,
/// between two, after the last), the one that leaves the fewest epochs on the wrong side
/// (SNR < 1 before it, SNR ≥ 1 after it), the later one on a tie; the split after the last
/// epoch means no transition. So a layer below 1 throughout has its transition at its first
/// epoch, one never below 1 has none, and a single noisy epoch does not move the mark: the
/// first rule we tried, "the first epoch from which the SNR stays below 1", put one layer of a
/// 3000-epoch tanh run at epoch 2600 though it was below 1 at every logged epoch from 78 to 2400
/// but one (1.008 at epoch 2500). Epochs whose SNR is undefined (the mean or std not logged or
/// NaN, a negative std, or both norms 0: no gradient at all) are left out; a std of 0 under a
/// mean above 0 is an SNR of +∞, above 1.
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

    /// The epoch after the best split of `series` (in epoch order) into SNR ≥ 1 before and
    /// SNR < 1 after, by the fewest epochs on the wrong side, the later split on a tie; nil when
    /// that split is after the last defined ratio, or none is defined.
    public static func transition(_ series: [(epoch: Int, snr: Double?)]) -> Int? {
        let defined = series.compactMap { point in point.snr.map { (epoch: point.epoch, below: $0 < 1) } }
        var wrong = defined.filter { !$0.below }.count   // the split before the first epoch
        var best = (wrong: wrong, index: 0)
        for (i, point) in defined.enumerated() {
            wrong += point.below ? 1 : -1                  // the split after epoch i
            if wrong <= best.wrong { best = (wrong, i + 1) }
        }
        return best.index < defined.count ? defined[best.index].epoch : nil
    }

    /// Whether some layer has a transition.
    public var any: Bool { transitions.contains { $0 != nil } }

    /// The transition of `layer`, nil when it has none.
    public func epoch(of layer: Int) -> Int? { layer < transitions.count ? transitions[layer] : nil }

    /// What the marks are, for figure footers: the rule in one short line (docs/charts.md has
    /// the rest: undefined epochs, noise).
    public static let rule = "drift to diffusion (Shwartz-Ziv & Tishby 2017): best split into gradmean/gradstd ≥ 1, then < 1"
}
