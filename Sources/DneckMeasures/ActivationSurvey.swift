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
    /// Range of each neuron's activations over the whole run: [layer][neuron] (empty unless
    /// neuron histograms were asked for).
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

    /// Surveys `epochs` of `reader`'s run (all logged epochs when nil). What `cache` holds of
    /// an epoch and layer is taken from it instead of read again (see `SurveyCache`).
    public static func gather(_ reader: RunReader, parts: Parts, bins: Int = 30, neuronsPerLayer: Int = .max,
                              epochs: [Int]? = nil, progress: ProgressBar? = nil, cache: SurveyCache? = nil) throws -> ActivationSurvey {
        let epochs = epochs ?? reader.epochs
        let layers = reader.layerCount
        let tasks = epochs.indices.flatMap { e in (0..<layers).map { (e, $0) } }
        // Pass 1: ranges per layer, and per neuron when neuron histograms are asked for.
        let perNeuron = parts.contains(.neuronHistograms)
        // The sweep is light: the reads are planned first, on one thread, rather than beside it.
        reader.planActivations(epochs.filter { epoch in
            (0..<layers).contains { cache?.sweep(epoch: epoch, layer: $0, perColumn: perNeuron) == nil }
        })
        let firstPass = try parallelMap(tasks) { (e, layer) -> RangeSweep in
            defer { progress?.advance() }
            if let kept = cache?.sweep(epoch: epochs[e], layer: layer, perColumn: perNeuron) { return kept }
            let m = try reader.activations(epoch: epochs[e], layer: layer, checkFinite: false)   // checked by the sweep
            guard let sweep = RangeSweep(m, perColumn: perNeuron) else { throw reader.nonFinite(m, epoch: epochs[e], layer: layer)! }
            cache?.keep(sweep, epoch: epochs[e], layer: layer, perColumn: perNeuron)
            return sweep
        }
        let sweeps = (0..<layers).map { layer in RangeSweep(merging: epochs.indices.map { firstPass[$0 * layers + layer] }) }
        let units = sweeps.map(\.columns)
        let layerRanges = sweeps.map { $0.all ?? 0...0 }
        let neuronRanges = sweeps.map { $0.perColumn.map { $0 ?? 0...0 } }
        let rules = layerRanges.map(ActivityRule.init(range:))
        // Pass 2: counts, everything asked for from one read of each layer at each epoch.
        let layerBins = parts.contains(.layerHistograms) ? try parallelMap(layerRanges) { BinLookup(HistogramBins(range: $0, count: bins)) } : nil
        let settings = (0..<layers).map { layer in
            TallySetting(parts: parts.rawValue, bins: bins, layerRange: layerRanges[layer],
                         neuronRanges: perNeuron ? Array(neuronRanges[layer].prefix(neuronsPerLayer)) : [], rule: rules[layer])
        }
        let secondPass = try parallelMap(tasks) { (e, layer) -> LayerTally in
            if parts.isDisjoint(with: [.layerHistograms, .neuronHistograms, .activity]) { return LayerTally() }
            defer { progress?.advance() }
            if let kept = cache?.tally(epoch: epochs[e], layer: layer, setting: settings[layer]) { return kept }
            let m = try reader.activations(epoch: epochs[e], layer: layer, checkFinite: false)   // checked in pass 1
            let counted = tally(m, layerBins: layerBins?[layer],
                                neuronBins: settings[layer].neuronRanges.map { HistogramBins(range: $0, count: bins) },
                                rule: parts.contains(.activity) ? rules[layer] : nil)
            cache?.keep(counted, epoch: epochs[e], layer: layer, setting: settings[layer])
            return counted
        }
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

    /// What pass 2's counts of a layer at an epoch depend on besides its activations.
    struct TallySetting: Equatable {
        var parts: Int
        var bins: Int
        var layerRange: ClosedRange<Double>
        var neuronRanges: [ClosedRange<Double>]
        var rule: ActivityRule
    }

    /// What pass 2 counts for one layer at one epoch.
    struct LayerTally {
        var layer: [Int] = []
        var neurons: [[Int]] = []
        var active = 0.0
        var dead = 0.0
    }

    /// The histogram of all values of `m` over `layerBins`, of each of the first
    /// `neuronBins.count` columns over its own bins, and the activation and death rates by
    /// `rule` — each only when asked for. Each is one tight loop over the values in their stored
    /// precision (the matrix stays in cache between them).
    static func tally(_ m: Matrix, layerBins: BinLookup?, neuronBins: [HistogramBins], rule: ActivityRule?) -> LayerTally {
        switch m.storage {
        case .float32(let v):
            return v.withUnsafeBufferPointer { values in
                var result = tally(values, columns: m.columns, layerBins: nil, neuronBins: neuronBins, rule: rule)
                if let layerBins { result.layer = layerBins.counts(of: values) }
                return result
            }
        case .float64(let v):
            return v.withUnsafeBufferPointer { tally($0, columns: m.columns, layerBins: layerBins?.bins, neuronBins: neuronBins, rule: rule) }
        }
    }

    @inline(__always)
    private static func tally<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>, columns: Int, layerBins: HistogramBins?,
                                                      neuronBins: [HistogramBins], rule: ActivityRule?) -> LayerTally {
        let rows = columns > 0 ? values.count / columns : 0
        var result = LayerTally()
        if let layerBins { result.layer = layerBins.counts(of: values, from: 0, step: 1, count: values.count) }
        result.neurons = neuronBins.enumerated().map { j, bins in
            j < columns ? bins.counts(of: values, from: j, step: columns, count: rows) : [Int](repeating: 0, count: bins.count)
        }
        if let rule, rows > 0 {
            var active = 0
            switch rule {
            case .nonZero: for a in values where a != 0 { active += 1 }
            case .unsaturated(let threshold): for a in values where abs(Double(a)) < threshold { active += 1 }
            case .unsaturatedUnit: for a in values where a > 0.01 && a < 0.99 { active += 1 }
            }
            var dead = 0
            for j in 0..<columns {
                let first = values[j]
                var r = 1
                while r < rows && values[r * columns + j] == first { r += 1 }
                if r == rows { dead += 1 }
            }
            result.active = Double(active) / Double(values.count)
            result.dead = Double(dead) / Double(columns)
        }
        return result
    }

    /// The ranges of one layer's activations: of all of them and, when asked for, of each
    /// column (nil where there are no rows).
    struct RangeSweep {
        var columns = 0
        var all: ClosedRange<Double>?
        var perColumn: [ClosedRange<Double>?] = []

        /// The ranges of `m` in one sweep, or nil when `m` holds a NaN or an infinity.
        init?(_ m: Matrix, perColumn: Bool) {
            columns = m.columns
            let found: (all: ClosedRange<Double>?, perColumn: [ClosedRange<Double>?])?
            switch m.storage {
            case .float32(let v): found = v.withUnsafeBufferPointer { RangeSweep.scan($0, columns: m.columns, perColumn: perColumn) }
            case .float64(let v): found = v.withUnsafeBufferPointer { RangeSweep.scan($0, columns: m.columns, perColumn: perColumn) }
            }
            guard let found else { return nil }
            (all, self.perColumn) = found
        }

        /// The ranges of several epochs of one layer, merged.
        init(merging sweeps: [RangeSweep]) {
            columns = sweeps.first?.columns ?? 0
            all = sweeps.reduce(nil) { RangeSweep.union($0, $1.all) }
            perColumn = (0..<(sweeps.first?.perColumn.count ?? 0)).map { j in sweeps.reduce(nil) { RangeSweep.union($0, $1.perColumn[j]) } }
        }

        private static func union(_ a: ClosedRange<Double>?, _ b: ClosedRange<Double>?) -> ClosedRange<Double>? {
            guard let a else { return b }
            guard let b else { return a }
            return min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound)
        }

        /// Whole-matrix range in four independent lanes; NaN and ±Inf are caught by summing
        /// a − a, which is 0 for every finite a.
        @inline(__always)
        private static func scan<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>, columns: Int, perColumn: Bool)
            -> (all: ClosedRange<Double>?, perColumn: [ClosedRange<Double>?])? {
            guard let v = values.baseAddress else { return (nil, [ClosedRange<Double>?](repeating: nil, count: perColumn ? columns : 0)) }
            let n = values.count
            var (l0, l1, l2, l3) = (v[0], v[0], v[0], v[0]), (h0, h1, h2, h3) = (l0, l0, l0, l0)
            var (p0, p1, p2, p3): (T, T, T, T) = (0, 0, 0, 0)
            var i = 0
            while i + 4 <= n {
                let (a0, a1, a2, a3) = (v[i], v[i + 1], v[i + 2], v[i + 3])
                l0 = a0 < l0 ? a0 : l0; l1 = a1 < l1 ? a1 : l1; l2 = a2 < l2 ? a2 : l2; l3 = a3 < l3 ? a3 : l3
                h0 = a0 > h0 ? a0 : h0; h1 = a1 > h1 ? a1 : h1; h2 = a2 > h2 ? a2 : h2; h3 = a3 > h3 ? a3 : h3
                p0 += a0 - a0; p1 += a1 - a1; p2 += a2 - a2; p3 += a3 - a3
                i += 4
            }
            while i < n { let a = v[i]; l0 = Swift.min(l0, a); h0 = Swift.max(h0, a); p0 += a - a; i += 1 }
            guard p0 + p1 + p2 + p3 == 0 else { return nil }
            let low = Swift.min(Swift.min(l0, l1), Swift.min(l2, l3)), high = Swift.max(Swift.max(h0, h1), Swift.max(h2, h3))
            var ranges: [ClosedRange<Double>?] = []
            if perColumn {
                let rows = values.count / columns
                for j in 0..<columns {
                    var (l, h) = (values[j], values[j])
                    for r in 1..<max(rows, 1) { let a = values[r * columns + j]; l = Swift.min(l, a); h = Swift.max(h, a) }
                    ranges.append(Double(l)...Double(h))
                }
            }
            return (Double(low)...Double(high), ranges)
        }
    }
}

/// How a layer's outputs are judged active (monitorch's activation rate), chosen from the
/// layer's range over the run:
/// - a layer within [0, 1] (sigmoid, softmax, hard sigmoid) is judged by saturation at both
///   ends: active when 0.01 < a < 0.99 (its gradient vanishes at 0 as at 1);
/// - any other layer whose outputs are never negative is ReLU-like: active when a ≠ 0;
/// - any other layer is bounded (tanh-like): active when not saturated, |a| < 0.99 · max |a|
///   over the run.
/// A unit is dead at an epoch when its output is the same for every sample.
public enum ActivityRule: Sendable, Equatable {
    case nonZero
    case unsaturated(threshold: Double)
    case unsaturatedUnit

    public init(range: ClosedRange<Double>) {
        if range.lowerBound >= 0 {
            self = range.upperBound <= 1 ? .unsaturatedUnit : .nonZero
        } else {
            self = .unsaturated(threshold: 0.99 * max(abs(range.lowerBound), abs(range.upperBound)))
        }
    }

    /// The rule as a figure states it.
    public var label: String {
        switch self {
        case .nonZero: return "a ≠ 0"
        case .unsaturated: return "|a| < 0.99·max|a|"
        case .unsaturatedUnit: return "0.01 < a < 0.99"
        }
    }

    /// (activation rate, death rate) of one epoch's layer.
    public func rates(_ m: Matrix) -> (active: Double, dead: Double) {
        let t = ActivationSurvey.tally(m, layerBins: nil, neuronBins: [], rule: self)
        return (t.active, t.dead)
    }
}
