import DneckCore
import Foundation

/// How the runs' values at one (epoch, layer) become one (deep-bottleneck's `n_runs`).
public enum AggregateStatistic: String, Sendable, CaseIterable {
    case mean
    case median
}

/// How far a set of values spreads: the interquartile range, as numpy's default (linear)
/// percentile computes it, and the full range.
public struct Spread: Sendable, Equatable {
    /// 25th percentile.
    public var q1: Double
    /// 75th percentile.
    public var q3: Double
    public var min: Double
    public var max: Double

    /// The spread of `values` (not empty).
    public init(_ values: [Double]) {
        let sorted = values.sorted()
        q1 = percentile(sorted, 25)
        q3 = percentile(sorted, 75)
        min = sorted.first!
        max = sorted.last!
    }

    public init(q1: Double, q3: Double, min: Double, max: Double) {
        (self.q1, self.q3, self.min, self.max) = (q1, q3, min, max)
    }
}

/// One (epoch, layer) aggregated over several runs.
public struct AggregatedPoint: Sendable, Equatable {
    /// The statistic of the runs' I(X;M) and I(Y;M) (and of their lower bounds, when every run
    /// has them), in bits.
    public var point: InformationPoint
    /// How the runs' I(X;M) spread.
    public var spreadX: Spread
    /// How the runs' I(Y;M) spread.
    public var spreadY: Spread
}

/// Several runs' measures aggregated per (epoch, layer) over the epochs every run logged.
public struct RunAggregate: Sendable, Equatable {
    public let statistic: AggregateStatistic
    public let runCount: Int
    /// By epoch, then layer.
    public let points: [AggregatedPoint]
    /// Epochs some runs logged and others did not (left out of `points`), ascending: callers
    /// warn about them once.
    public let missingEpochs: [Int]

    /// Aggregates `tables` (one per run, `files[k]` naming run k in errors) with `statistic`.
    /// Throws `DneckError.badShape` naming both files when two runs have different layer counts,
    /// and `DneckError.invalidOption` when there are no runs.
    public init(_ tables: [MeasureTable], files: [String], statistic: AggregateStatistic) throws {
        precondition(files.count == tables.count, "one file name per table")
        guard let first = tables.first else { throw DneckError.invalidOption(name: "runs", detail: "no runs to aggregate") }
        for (k, table) in tables.enumerated() where table.layerCount != first.layerCount {
            throw DneckError.badShape(file: files[k], path: "/", detail:
                "\(table.layerCount) layers, but \(files[0]) has \(first.layerCount): runs aggregated on one plane need the same layers")
        }
        let epochSets = tables.map { Set($0.epochs) }
        let shared = epochSets.dropFirst().reduce(epochSets[0]) { $0.intersection($1) }
        missingEpochs = epochSets.reduce(Set<Int>()) { $0.union($1) }.subtracting(shared).sorted()
        let lookups = tables.map { table in
            Dictionary(table.points.map { (PointKey(epoch: $0.epoch, layer: $0.layer), $0) }, uniquingKeysWith: { a, _ in a })
        }
        var points: [AggregatedPoint] = []
        for epoch in shared.sorted() {
            for layer in 0..<first.layerCount {
                let runs = lookups.compactMap { $0[PointKey(epoch: epoch, layer: layer)] }
                guard runs.count == tables.count else { continue }   // a layer some run lacks at this epoch
                let lowerX = runs.compactMap(\.ixmLower), lowerY = runs.compactMap(\.iymLower)
                let complete = lowerX.count == runs.count && lowerY.count == runs.count
                let point = InformationPoint(epoch: epoch, layer: layer,
                                             ixm: statistic.of(runs.map(\.ixm)), iym: statistic.of(runs.map(\.iym)),
                                             ixmLower: complete ? statistic.of(lowerX) : nil, iymLower: complete ? statistic.of(lowerY) : nil)
                points.append(AggregatedPoint(point: point, spreadX: Spread(runs.map(\.ixm)), spreadY: Spread(runs.map(\.iym))))
            }
        }
        self.statistic = statistic
        runCount = tables.count
        self.points = points
    }

    /// The aggregate as a measure table (the statistic as each point's value), for drawing.
    public var table: MeasureTable { MeasureTable(points: points.map(\.point)) }

    private struct PointKey: Hashable { let epoch: Int; let layer: Int }
}

extension AggregateStatistic {
    /// The statistic of `values` (not empty), as numpy's `mean` and `median` compute it.
    func of(_ values: [Double]) -> Double {
        switch self {
        case .mean: return values.reduce(0, +) / Double(values.count)
        case .median:   // the middle value, or the mean of the two middle values
            let sorted = values.sorted(), half = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2
        }
    }
}

/// The `p`-th percentile of ascending `sorted` values by numpy's default (linear) method: the
/// value at position (n − 1) · p / 100, interpolated between its neighbours as numpy's `_lerp`
/// does (from the nearer end).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    let position = Double(sorted.count - 1) * p / 100
    let below = Int(position.rounded(.down))
    let t = position - Double(below)
    guard below + 1 < sorted.count else { return sorted[below] }
    let (a, b) = (sorted[below], sorted[below + 1])
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
}
