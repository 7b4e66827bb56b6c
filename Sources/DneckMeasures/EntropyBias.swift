import DneckCore
import Foundation

/// The activation functions of deep-bottleneck's entropy-bias analysis, named as run files name
/// them (`activation_fn`), each as Keras defines it except where noted.
public enum ActivationFunction: String, CaseIterable, Sendable {
    case sigmoid, tanh, relu, softsign, softplus
    /// Keras's hard sigmoid: clip(0.2 x + 0.5, 0, 1).
    case hardSigmoid = "hard_sigmoid"
    /// scale · (x > 0 ? x : α (eˣ − 1)), α = 1.6732632423543772, scale = 1.0507009873554805.
    case selu
    /// clip(x, 0, 6).
    case relu6
    /// x > 0 ? x : eˣ − 1 (α = 1).
    case elu
    /// x > 0 ? x : 0.2 x: the slope of tf.nn.leaky_relu and of the trainer that makes the runs
    /// (`train_runs.py`); Keras's LeakyReLU layer defaults to 0.3.
    case leakyRelu = "leaky_relu"
    case linear

    public func callAsFunction(_ x: Double) -> Double {
        switch self {
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .relu: return Swift.max(x, 0)
        case .softsign: return x / (1 + abs(x))
        case .softplus: return log1p(Foundation.exp(x))
        case .hardSigmoid: return Swift.min(Swift.max(0.2 * x + 0.5, 0), 1)
        case .selu: return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * expm1(x))
        case .relu6: return Swift.min(Swift.max(x, 0), 6)
        case .elu: return x > 0 ? x : expm1(x)
        case .leakyRelu: return x > 0 ? x : 0.2 * x
        case .linear: return x
        }
    }
}

/// deep-bottleneck's analysis of how much entropy an activation function removes before any
/// training: `samples` uniform draws on [−1, 1] (x = −1 + 2u, u from `SplitMix64(seed:)`'s
/// `nextUnit()`) through each function, and the entropy in bits of a `bins`-bin histogram of
/// each output over that output's own range (numpy.histogram's bins, `HistogramBins`).
public struct EntropyBias: Sendable {
    /// One function's output histogram and its entropy.
    public struct Entry: Sendable, Equatable {
        public let function: ActivationFunction
        public let bins: HistogramBins
        public let counts: [Int]
        /// Entropy of `counts` in bits.
        public let entropy: Double
    }

    public let samples: Int
    public let seed: UInt64
    /// The uniform input's own histogram, the baseline of every reduction.
    public let input: Entry
    /// One per function, in `ActivationFunction.allCases` order.
    public let entries: [Entry]

    /// The analysis of `samples` draws in `bins` bins; both must be at least 1 (callers check
    /// command-line values first).
    public init(samples: Int = 4096, bins: Int = 50, seed: UInt64 = 0) {
        precondition(samples > 0 && bins > 0, "entropy bias needs samples and bins")
        var generator = SplitMix64(seed: seed)
        let x = (0..<samples).map { _ in -1 + 2 * generator.nextUnit() }
        self.samples = samples
        self.seed = seed
        input = EntropyBias.entry(.linear, x, bins: bins)
        entries = ActivationFunction.allCases.map { f in EntropyBias.entry(f, x.map { f($0) }, bins: bins) }
    }

    /// Entries from the highest entropy to the lowest (ties in `allCases` order).
    public var sortedByEntropy: [Entry] {
        entries.enumerated().sorted { ($0.element.entropy, -$0.offset) > ($1.element.entropy, -$1.offset) }.map(\.element)
    }

    /// How many bits `entry`'s function removes from the uniform input's histogram entropy.
    public func reduction(_ entry: Entry) -> Double { input.entropy - entry.entropy }

    private static func entry(_ function: ActivationFunction, _ y: [Double], bins count: Int) -> Entry {
        let (bins, counts) = histogram(y, bins: count)
        return Entry(function: function, bins: bins, counts: counts, entropy: entropy(counts))
    }

    /// A `count`-bin histogram of the non-empty `values` over their own range.
    private static func histogram(_ values: [Double], bins count: Int) -> (HistogramBins, [Int]) {
        let bins = HistogramBins(range: values.min()!...values.max()!, count: count)
        var counts = [Int](repeating: 0, count: count)
        for v in values { counts[bins.index(of: v)!] += 1 }
        return (bins, counts)
    }

    private static func entropy(_ counts: [Int]) -> Double {
        let total = counts.reduce(0, +)
        return DneckMeasures.entropy(counts: counts, total: total, cLogC: CountLogTable.upTo(total))
    }

    /// The analysis' measure applied to a layer's outputs `m` (samples × units): the mean over
    /// its units of each unit's entropy in bits of a `bins`-bin histogram over the unit's own
    /// range, so that a layer reads against the functions like with like.
    public static func meanUnitEntropy(_ m: Matrix, bins: Int) -> Double {
        guard m.rows > 0, m.columns > 0 else { return 0 }
        let values = m.values
        let entropies = (0..<m.columns).map { j in
            entropy(histogram((0..<m.rows).map { values[$0 * m.columns + j] }, bins: bins).1)
        }
        return entropies.reduce(0, +) / Double(m.columns)
    }
}

/// The layers of a run measured as the entropy-bias analysis measures a function's output
/// (`EntropyBias.meanUnitEntropy`), at one epoch.
public struct LayerEntropies: Sendable, Equatable {
    public let epoch: Int
    /// Per layer, the mean unit entropy in bits.
    public let layers: [Double]
    public init(epoch: Int, layers: [Double]) { self.epoch = epoch; self.layers = layers }
}
