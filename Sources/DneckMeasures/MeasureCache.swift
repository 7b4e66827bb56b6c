import DneckCore
import Foundation

/// The measures of a split already made, by epoch, so that a run that grows is measured one new
/// epoch at a time (`dneck-plot watch`). An epoch's measures depend on that epoch's datasets,
/// the labels, the inputs and the estimator's settings only, so the holder keeps one cache per
/// split, run file and estimator setting. Thread-safe.
public final class MeasureCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byEpoch: [Int: [InformationPoint]]

    /// A cache holding `points` (every layer of each of their epochs).
    public init(_ points: [InformationPoint] = []) {
        byEpoch = Dictionary(grouping: points, by: \.epoch).mapValues { $0.sorted { $0.layer < $1.layer } }
    }

    /// Every point held, by epoch, then layer.
    public var points: [InformationPoint] {
        lock.lock(); defer { lock.unlock() }
        return byEpoch.keys.sorted().flatMap { byEpoch[$0]! }
    }

    /// The points held of each of `epochs` that has all of its `layers` layers.
    func points(of epochs: [Int], layers: Int) -> [Int: [InformationPoint]] {
        lock.lock(); defer { lock.unlock() }
        return Dictionary(uniqueKeysWithValues: epochs.compactMap { epoch in
            byEpoch[epoch].flatMap { $0.map(\.layer) == Array(0..<layers) ? (epoch, $0) : nil }
        })
    }

    /// Holds `points`, which are every layer of their epochs.
    func add(_ points: [InformationPoint]) {
        let grouped = Dictionary(grouping: points, by: \.epoch)
        lock.lock(); defer { lock.unlock() }
        for (epoch, layers) in grouped { byEpoch[epoch] = layers.sorted { $0.layer < $1.layer } }
    }
}
