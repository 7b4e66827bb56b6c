import DneckCore
import DneckIO
import Foundation

/// Computes the information plane of a run: I(X;M) and I(Y;M) for every logged epoch and
/// layer. Layers are estimated in parallel on every core; each worker holds one layer's
/// activations at a time, so memory is bounded by the largest layer, not by the run. Each
/// point carries the estimator's ceilings (log2 N, H(Y)) and, for binning, the number of states.
public enum InformationMeasures {
    /// The measures of a run and what the estimator did that its user should hear of.
    public struct Outcome: Sendable, Equatable {
        public var table: MeasureTable
        /// The notes of every estimate, merged.
        public var notes: EstimateNotes
    }

    /// The measures of `epochs` (all logged epochs when nil) of `reader`'s split. `inputs` (the
    /// split's X, rows in the order of the labels) goes to the estimators that need it; for an
    /// estimator that needs the last layer's output, that layer is read at each epoch.
    public static func compute(_ reader: RunReader, estimator: any MIEstimator, inputs: Matrix? = nil,
                               epochs: [Int]? = nil, progress: ProgressBar? = nil) throws -> Outcome {
        let epochs = epochs ?? reader.epochs
        let tasks = epochs.flatMap { epoch in (0..<reader.layerCount).map { (epoch, $0) } }
        let labels = reader.labels
        let points = try reader.planningAhead(epochs) {
            try parallelMap(tasks) { (epoch, layer) -> InformationPoint in
                let activations = try reader.activations(epoch: epoch, layer: layer)
                let output = estimator.needsOutput ? try reader.activations(epoch: epoch, layer: reader.layerCount - 1) : nil
                let mi = estimator.estimate(activations, labels: labels, inputs: inputs, output: output)
                progress?.advance()
                return InformationPoint(epoch: epoch, layer: layer, estimate: mi)
            }
        }
        return Outcome(table: MeasureTable(points: points),
                       notes: points.reduce(EstimateNotes()) { $0.merged(EstimateNotes($1.estimate)) })
    }
}
