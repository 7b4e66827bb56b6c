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

    /// Its `--estimator` entry: what it measures, needs and takes.
    var descriptor: EstimatorDescriptor { get }

    /// The parameters it was made with: `descriptor.make(parameters)` makes the same estimator.
    var parameters: EstimatorParameters { get }

    /// Whether the estimator needs the last layer's output at the same epoch (HSIC with
    /// `--hsic-target output`); false by default.
    var needsOutput: Bool { get }

    /// I(X;M) and I(Y;M) with the inputs X (`inputs`, rows in the order of `labels`) and the
    /// last layer's output at that epoch (`output`), for the estimators that need them. The
    /// default ignores both and calls `estimate(_:labels:)`.
    func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate
}

extension MIEstimator {
    /// Whether the estimator needs the network's inputs X (`<split>/inputs`).
    public var needsInputs: Bool { descriptor.needsInputs }

    /// What makes it resolve more than every sample as its own state.
    public var saturationRemedy: String { descriptor.remedy(parameters) }

    public var needsOutput: Bool { false }

    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate {
        estimate(activations, labels: labels)
    }

    /// `estimate(_:labels:inputs:output:)` without the last layer's output.
    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?) -> MIEstimate {
        estimate(activations, labels: labels, inputs: inputs, output: nil)
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
