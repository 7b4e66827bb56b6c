import DneckCore
import DneckIO
import Foundation

/// What the activation charts need from a run, gathered in at most two passes over it (first
/// ranges, then counts), epochs and layers in parallel, one layer's activations per core.
public struct ActivationSurvey: Sendable {
    /// Which statistics to gather.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Histogram of all a layer's activations per epoch.
        public static let layerHistograms = Parts(rawValue: 1)
        /// Histogram of each neuron's activations per epoch.
        public static let neuronHistograms = Parts(rawValue: 2)
        /// Activation and death rates per layer and epoch.
        public static let activity = Parts(rawValue: 4)
    }

    public let epochs: [Int]
    /// Units per layer.
    public let units: [Int]
    /// Range of each layer's activations over the whole run.
    public let layerRanges: [ClosedRange<Double>]
    /// Range of each neuron's activations over the whole run: [layer][neuron].
    public let neuronRanges: [[ClosedRange<Double>]]
    /// Counts [layer][epoch index][bin] (empty unless asked for).
    public let layerHistograms: [[[Int]]]
    /// Counts [layer][neuron][epoch index][bin] for the first `neuronsPerLayer` neurons.
    public let neuronHistograms: [[[[Int]]]]
    /// Fraction of active outputs [layer][epoch index] (see `ActivityRule`).
    public let activationRates: [[Double]]
    /// Fraction of units with one output value for every sample [layer][epoch index].
    public let deathRates: [[Double]]
    /// The rule each layer's activity was judged by.
    public let activityRules: [ActivityRule]
    public let bins: Int

    /// Surveys `reader`'s run.
    public static func gather(_ reader: RunReader, parts: Parts, bins: Int = 30, neuronsPerLayer: Int = .max,
                              progress: ProgressBar? = nil) throws -> ActivationSurvey {
        let epochs = reader.epochs
        let layers = reader.layerCount
        let tasks = epochs.indices.flatMap { e in (0..<layers).map { (e, $0) } }
        // Pass 1: ranges per layer and neuron (merged over epochs).
        let firstPass = try parallelMap(tasks) { (e, layer) -> [ClosedRange<Double>?] in
            let m = try reader.activations(epoch: epochs[e], layer: layer)
            progress?.advance()
            return columnRanges(m)
        }
        var neuronRanges = [[ClosedRange<Double>]](repeating: [], count: layers)
        for layer in 0..<layers {
            let perEpoch = epochs.indices.map { firstPass[$0 * layers + layer] }
            let width = perEpoch.first?.count ?? 0
            neuronRanges[layer] = (0..<width).map { j in
                let ranges = perEpoch.compactMap { $0[j] }
                guard let lo = ranges.map(\.lowerBound).min(), let hi = ranges.map(\.upperBound).max() else { return 0...0 }
                return lo...hi
            }
        }
        let units = neuronRanges.map(\.count)
        let layerRanges = neuronRanges.map { r -> ClosedRange<Double> in
            guard let lo = r.map(\.lowerBound).min(), let hi = r.map(\.upperBound).max() else { return 0...0 }
            return lo...hi
        }
        let rules = layerRanges.map(ActivityRule.init(range:))
        // Pass 2: counts, everything asked for in one sweep over each layer's rows.
        let secondPass = try parallelMap(tasks) { (e, layer) -> LayerTally in
            if parts.isDisjoint(with: [.layerHistograms, .neuronHistograms, .activity]) { return LayerTally() }
            let m = try reader.activations(epoch: epochs[e], layer: layer, checkFinite: false)   // checked in pass 1
            progress?.advance()
            return tally(m, layerBins: parts.contains(.layerHistograms) ? HistogramBins(range: layerRanges[layer], count: bins) : nil,
                         neuronBins: parts.contains(.neuronHistograms)
                             ? neuronRanges[layer].prefix(neuronsPerLayer).map { HistogramBins(range: $0, count: bins) } : [],
                         rule: parts.contains(.activity) ? rules[layer] : nil)
        }
        progress?.finish()
        func byLayer<T>(_ pick: (LayerTally) -> T) -> [[T]] {
            (0..<layers).map { layer in epochs.indices.map { pick(secondPass[$0 * layers + layer]) } }
        }
        let neuronHistograms: [[[[Int]]]] = parts.contains(.neuronHistograms)
            ? (0..<layers).map { layer in
                (0..<min(units[layer], neuronsPerLayer)).map { j in epochs.indices.map { secondPass[$0 * layers + layer].neurons[j] } }
            }
            : []
        return ActivationSurvey(
            epochs: epochs, units: units, layerRanges: layerRanges, neuronRanges: neuronRanges,
            layerHistograms: parts.contains(.layerHistograms) ? byLayer(\.layer) : [],
            neuronHistograms: neuronHistograms,
            activationRates: parts.contains(.activity) ? byLayer(\.active) : [],
            deathRates: parts.contains(.activity) ? byLayer(\.dead) : [],
            activityRules: rules, bins: bins)
    }

    /// Counts of all the values of `m` over `bins`.
    public static func histogram(_ m: Matrix, bins: HistogramBins) -> [Int] {
        tally(m, layerBins: bins, neuronBins: [], rule: nil).layer
    }

    /// Counts of each of the first `bins.count` columns of `m`, column j over `bins[j]`.
    public static func columnHistograms(_ m: Matrix, bins: [HistogramBins]) -> [[Int]] {
        tally(m, layerBins: nil, neuronBins: bins, rule: nil).neurons
    }

    /// What pass 2 counts for one layer at one epoch.
    struct LayerTally {
        var layer: [Int] = []
        var neurons: [[Int]] = []
        var active = 0.0
        var dead = 0.0
    }

    /// One sweep over `m`'s rows: the histogram of all values over `layerBins`, of each of the
    /// first `neuronBins.count` columns over its own bins, and the activation and death rates
    /// by `rule` — each only when asked for.
    static func tally(_ m: Matrix, layerBins: HistogramBins?, neuronBins: [HistogramBins], rule: ActivityRule?) -> LayerTally {
        let width = m.columns, shown = min(neuronBins.count, width)
        // Flat tables of every histogram's parts, so the hot loop touches no array of structs.
        let all = (layerBins.map { [$0] } ?? []) + neuronBins.prefix(shown)
        let stride = (all.map(\.count).max() ?? 0) + 1
        var edges = [Double](repeating: 0, count: all.count * stride)
        for (h, bins) in all.enumerated() { for i in 0...bins.count { edges[h * stride + i] = bins.edges[i] } }
        let lowers = all.map(\.lower), uppers = all.map(\.upper), scales = all.map(\.scale), sizes = all.map(\.count)
        var counts = [Int](repeating: 0, count: all.count * stride)
        var active = 0
        var first = [Double](repeating: 0, count: width)
        var constant = [Bool](repeating: true, count: width)
        let layerTable = layerBins == nil ? -1 : 0, neuronBase = layerBins == nil ? 0 : 1
        counts.withUnsafeMutableBufferPointer { table in
            edges.withUnsafeBufferPointer { e in
                lowers.withUnsafeBufferPointer { lo in uppers.withUnsafeBufferPointer { hi in
                    scales.withUnsafeBufferPointer { sc in sizes.withUnsafeBufferPointer { n in
                        func count(_ a: Double, in h: Int) {
                            if let b = HistogramBins.index(of: a, lower: lo[h], upper: hi[h], scale: sc[h], count: n[h],
                                                           edges: e.baseAddress! + h * stride) { table[h * stride + b] += 1 }
                        }
                        m.forEachRow { r, row in
                            for j in 0..<width {
                                let a = row[j]
                                if layerTable == 0 { count(a, in: 0) }
                                if j < shown { count(a, in: neuronBase + j) }
                                if let rule {
                                    switch rule {
                                    case .nonZero: if a != 0 { active += 1 }
                                    case .unsaturated(let threshold): if abs(a) < threshold { active += 1 }
                                    }
                                    if r == 0 { first[j] = a } else if a != first[j] { constant[j] = false }
                                }
                            }
                        }
                    } }
                } }
            }
        }
        var result = LayerTally()
        if let layerBins { result.layer = Array(counts[0..<layerBins.count]) }
        result.neurons = neuronBins.indices.map { j in
            j < shown ? Array(counts[(neuronBase + j) * stride..<(neuronBase + j) * stride + neuronBins[j].count])
                      : [Int](repeating: 0, count: neuronBins[j].count)
        }
        if rule != nil, m.rows > 0, width > 0 {
            result.active = Double(active) / Double(m.rows * width)
            result.dead = Double(constant.filter { $0 }.count) / Double(width)
        }
        return result
    }

    /// The range of each column of `m` (nil for a matrix without rows).
    static func columnRanges(_ m: Matrix) -> [ClosedRange<Double>?] {
        guard m.rows > 0 else { return [ClosedRange<Double>?](repeating: nil, count: m.columns) }
        var lo = [Double](repeating: .infinity, count: m.columns), hi = [Double](repeating: -.infinity, count: m.columns)
        let width = m.columns
        m.forEachRow { _, row in
            for j in 0..<width {
                let a = row[j]
                if a < lo[j] { lo[j] = a }
                if a > hi[j] { hi[j] = a }
            }
        }
        return (0..<width).map { lo[$0]...hi[$0] }
    }
}

/// How a layer's outputs are judged active (monitorch's activation rate), chosen from the
/// layer's range over the run:
/// - a layer whose outputs are never negative is ReLU-like: an output is active when it is
///   non-zero;
/// - any other layer is bounded (tanh-like): an output is active when it is not saturated,
///   |a| < 0.99 · max |a| over the run.
/// A unit is dead at an epoch when its output is the same for every sample.
public enum ActivityRule: Sendable, Equatable {
    case nonZero
    case unsaturated(threshold: Double)

    public init(range: ClosedRange<Double>) {
        if range.lowerBound >= 0 {
            self = .nonZero
        } else {
            self = .unsaturated(threshold: 0.99 * max(abs(range.lowerBound), abs(range.upperBound)))
        }
    }

    /// (activation rate, death rate) of one epoch's layer.
    public func rates(_ m: Matrix) -> (active: Double, dead: Double) {
        let t = ActivationSurvey.tally(m, layerBins: nil, neuronBins: [], rule: self)
        return (t.active, t.dead)
    }
}
