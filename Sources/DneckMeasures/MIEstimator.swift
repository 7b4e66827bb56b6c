import DneckCore

/// An estimator of the mutual information between a layer's activations M and the input X
/// and label Y, from one epoch's activations of every sample.
public protocol MIEstimator: Sendable {
    /// I(X;M) and I(Y;M) in bits. `labels[i]` is the class of row `i` of `activations`.
    func estimate(_ activations: Matrix, labels: [Int]) -> (mixm: Double, miym: Double)
}
