import DneckCore
import DneckIO
import Foundation

/// Computes the information plane of a run: I(X;M) and I(Y;M) for every logged epoch and
/// layer. Layers are estimated in parallel on every core; each worker holds one layer's
/// activations at a time, so memory is bounded by the largest layer, not by the run. Each
/// point carries the estimator's ceilings (log2 N, H(Y)) and, for binning, the number of states.
/// Information in bits is clamped here, and only here, at 0 and at its ceilings within
/// `MIEstimate.saturationTolerance`: what passes them by less is rounding, not information.
public enum InformationMeasures {
    /// The measures of a run and what the estimator did that its user should hear of.
    public struct Outcome: Sendable, Equatable {
        public var table: MeasureTable
        /// The notes of every estimate, merged.
        public var notes: EstimateNotes
    }

    /// The measures of `epochs` (all logged epochs when nil) of `reader`'s split. `inputs` (the
    /// split's X, rows in the order of the labels) goes to the estimators that need it; for an
    /// estimator that needs the last layer's output, that layer is read at each epoch. Epochs
    /// `cache` holds are taken from it, not measured again; those measured are added to it.
    public static func compute(_ reader: RunReader, estimator: any MIEstimator, inputs: Matrix? = nil,
                               epochs: [Int]? = nil, progress: ProgressBar? = nil, cache: MeasureCache? = nil) throws -> Outcome {
        let epochs = epochs ?? reader.epochs
        let known = cache?.points(of: epochs, layers: reader.layerCount) ?? [:]
        let measured = epochs.filter { known[$0] == nil }
        let tasks = measured.flatMap { epoch in (0..<reader.layerCount).map { (epoch, $0) } }
        let labels = reader.labels, clamps = estimator.descriptor.quantity.isInformation
        progress?.advance(known.count * reader.layerCount)
        let new = try reader.planningAhead(measured) {
            try parallelMap(tasks) { (epoch, layer) -> InformationPoint in
                let activations = try reader.activations(epoch: epoch, layer: layer)
                let output = estimator.needsOutput ? try reader.activations(epoch: epoch, layer: reader.layerCount - 1) : nil
                let mi = estimator.estimate(activations, labels: labels, inputs: inputs, output: output)
                progress?.advance()
                return InformationPoint(epoch: epoch, layer: layer, estimate: clamps ? mi.clamped() : mi)
            }
        }
        cache?.add(new)
        let byEpoch = known.merging(Dictionary(grouping: new, by: \.epoch)) { old, _ in old }
        let points = epochs.flatMap { byEpoch[$0]! }
        var notes = points.reduce(EstimateNotes()) { $0.merged(EstimateNotes($1.estimate)) }
        notes.oneClass = Set(labels).count == 1
        return Outcome(table: MeasureTable(points: points), notes: notes)
    }
}

extension MIEstimate {
    /// Every value within `saturationTolerance` below 0 or above its ceiling set to 0 or the ceiling.
    func clamped() -> MIEstimate {
        func clamp(_ value: Double, _ ceiling: Double?) -> Double {
            if value < 0, value >= -Self.saturationTolerance { return 0 }
            if let ceiling, value > ceiling, value <= ceiling + Self.saturationTolerance { return ceiling }
            return value
        }
        var clamped = self
        clamped.ixm = clamp(ixm, ceilingX)
        clamped.iym = clamp(iym, ceilingY)
        clamped.lowerBound = lowerBound.map { Bound(ixm: clamp($0.ixm, ceilingX), iym: clamp($0.iym, ceilingY)) }
        return clamped
    }
}
