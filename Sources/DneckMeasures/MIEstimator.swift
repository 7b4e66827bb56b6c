import DneckCore
import Foundation

/// An estimator of the mutual information between a layer's activations M and the input X
/// and label Y, from one epoch's activations of every sample.
///
/// Conventions shared by every estimator: all arithmetic in float64, natural logarithms inside,
/// every reported number in bits.
public protocol MIEstimator: Sendable {
    /// The estimator and its parameters in a few words, for figure footers and messages:
    /// `binning, bin size 0.07`, `adaptive binning, 30 bins`, `KDE upper bound, σ² = 0.001`.
    var summary: String { get }

    /// I(X;M) and I(Y;M) of one layer at one epoch, with the ceilings the data allow.
    /// `labels[i]` is the class of row `i` of `activations`.
    func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate

    /// Whether the estimator needs the network's inputs X (`<split>/inputs`); false by default.
    var needsInputs: Bool { get }

    /// Whether the estimator needs the last layer's output at the same epoch (HSIC with
    /// `--hsic-target output`); false by default.
    var needsOutput: Bool { get }

    /// I(X;M) and I(Y;M) with the inputs X (`inputs`, rows in the order of `labels`) and the
    /// last layer's output at that epoch (`output`), for the estimators that need them. The
    /// default ignores both and calls `estimate(_:labels:)`.
    func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate
}

extension MIEstimator {
    public var needsInputs: Bool { false }
    public var needsOutput: Bool { false }

    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate {
        estimate(activations, labels: labels)
    }

    /// `estimate(_:labels:inputs:output:)` without the last layer's output.
    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?) -> MIEstimate {
        estimate(activations, labels: labels, inputs: inputs, output: nil)
    }
}

/// One estimate of I(X;M) and I(Y;M), in bits, with what is needed to judge it.
public struct MIEstimate: Sendable, Equatable {
    /// A pair of information values, in bits.
    public struct Bound: Sendable, Equatable {
        public var ixm: Double
        public var iym: Double

        public init(ixm: Double, iym: Double) {
            self.ixm = ixm
            self.iym = iym
        }
    }

    /// I(X;M) in bits (for a bounded estimator, the upper bound).
    public var ixm: Double
    /// I(Y;M) in bits (for a bounded estimator, the upper bound).
    public var iym: Double
    /// The lower bound, when the estimator gives a band (KDE, both bounds); nil otherwise.
    public var lowerBound: Bound?
    /// Distinct states of M (binning estimators); nil for estimators without states.
    public var states: Int?
    /// What I(X;M) can reach: log2 N for N samples.
    public var ceilingX: Double
    /// What I(Y;M) can reach: H(Y), the entropy of the labels' class frequencies.
    public var ceilingY: Double
    /// Rows the estimate was computed on when it took a random subset of the split (Rényi
    /// above `samples`, `--samples N`); nil when every row was used. Callers print the note.
    public var subsampledRows: Int?
    /// Whether some bucket term sat at the cap U (EDGE: deep-bottleneck caps silently); callers warn.
    public var hitCap: Bool

    public init(ixm: Double, iym: Double, lowerBound: Bound? = nil, states: Int? = nil, ceilingX: Double, ceilingY: Double,
                subsampledRows: Int? = nil, hitCap: Bool = false) {
        self.subsampledRows = subsampledRows
        self.hitCap = hitCap
        self.ixm = ixm
        self.iym = iym
        self.lowerBound = lowerBound
        self.states = states
        self.ceilingX = ceilingX
        self.ceilingY = ceilingY
    }
}

/// The class structure of a layer's labels: dense class ids, their counts and H(Y).
struct ClassCounts {
    /// Class of every row, renumbered 0..<count.
    let labels: [Int]
    /// Rows per class.
    let counts: [Int]
    /// H(Y) in bits.
    let entropy: Double

    init(_ labels: [Int]) {
        let (dense, classCount) = denseClasses(labels)
        var counts = [Int](repeating: 0, count: classCount)
        for y in dense { counts[y] += 1 }
        self.labels = dense
        self.counts = counts
        entropy = DneckMeasures.entropy(counts: counts, total: dense.count, cLogC: CountLogTable.upTo(dense.count))
    }

    /// log2 N for N rows (0 without rows).
    var ceilingX: Double { labels.isEmpty ? 0 : log2(Double(labels.count)) }
}
