import Foundation

/// What `ActivationSurvey.gather` found of a split's epochs and layers, so that a run that grows
/// is surveyed again without reading every earlier epoch twice (`dneck-plot watch`): each
/// epoch's ranges (pass 1) are kept, and its counts (pass 2) are kept with the bins they were
/// counted in, used again only while the run's ranges, and so the bins, stay the same. Held in
/// memory by the caller, one per split and run file. Thread-safe.
public final class SurveyCache: @unchecked Sendable {
    private struct Key: Hashable { let epoch: Int, layer: Int }
    private let lock = NSLock()
    private var sweeps: [Key: (perColumn: Bool, sweep: ActivationSurvey.RangeSweep)] = [:]
    private var tallies: [Key: (setting: ActivationSurvey.TallySetting, tally: ActivationSurvey.LayerTally)] = [:]

    public init() {}

    func sweep(epoch: Int, layer: Int, perColumn: Bool) -> ActivationSurvey.RangeSweep? {
        lock.lock(); defer { lock.unlock() }
        return sweeps[Key(epoch: epoch, layer: layer)].flatMap { $0.perColumn == perColumn ? $0.sweep : nil }
    }

    func keep(_ sweep: ActivationSurvey.RangeSweep, epoch: Int, layer: Int, perColumn: Bool) {
        lock.lock(); sweeps[Key(epoch: epoch, layer: layer)] = (perColumn, sweep); lock.unlock()
    }

    func tally(epoch: Int, layer: Int, setting: ActivationSurvey.TallySetting) -> ActivationSurvey.LayerTally? {
        lock.lock(); defer { lock.unlock() }
        return tallies[Key(epoch: epoch, layer: layer)].flatMap { $0.setting == setting ? $0.tally : nil }
    }

    func keep(_ tally: ActivationSurvey.LayerTally, epoch: Int, layer: Int, setting: ActivationSurvey.TallySetting) {
        lock.lock(); tallies[Key(epoch: epoch, layer: layer)] = (setting, tally); lock.unlock()
    }
}

/// What the data stage made of one split that a later pass over the grown run reuses (`watch`):
/// its measures and its survey.
public struct SplitCache: Sendable {
    public let measures: MeasureCache
    public let survey: SurveyCache

    public init(measures: MeasureCache = MeasureCache(), survey: SurveyCache = SurveyCache()) {
        self.measures = measures; self.survey = survey
    }
}
