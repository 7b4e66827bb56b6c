import DneckCore
import DneckIO
import Foundation

/// Computes the information plane of a run: I(X;M) and I(Y;M) for every logged epoch and
/// layer. Layers are estimated in parallel on every core; each worker holds one layer's
/// activations at a time, so memory is bounded by the largest layer, not by the run.
public enum InformationMeasures {
    /// The measures of `epochs` (all logged epochs when nil) of `reader`'s split.
    public static func compute(_ reader: RunReader, estimator: any MIEstimator,
                               epochs: [Int]? = nil, progress: ProgressBar? = nil) throws -> MeasureTable {
        let epochs = epochs ?? reader.epochs
        let tasks = epochs.flatMap { epoch in (0..<reader.layerCount).map { (epoch, $0) } }
        var results = [Result<InformationPoint, Error>?](repeating: nil, count: tasks.count)
        let lock = NSLock()
        let labels = reader.labels
        results.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            DispatchQueue.concurrentPerform(iterations: tasks.count) { index in
                let (epoch, layer) = tasks[index]
                let result = Result<InformationPoint, Error> {
                    let activations = try reader.activations(epoch: epoch, layer: layer)
                    let mi = estimator.estimate(activations, labels: labels)
                    return InformationPoint(epoch: epoch, layer: layer, mixm: mi.mixm, miym: mi.miym)
                }
                lock.lock()
                slots[index] = result
                lock.unlock()
                progress?.advance()
            }
        }
        progress?.finish()
        // The first failure in epoch/layer order, so the message does not depend on scheduling.
        return MeasureTable(points: try results.map { try $0!.get() })
    }
}
