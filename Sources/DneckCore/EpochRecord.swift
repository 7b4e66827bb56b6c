/// The scalar measures logged for one epoch: accuracy, loss and per-layer gradient and weight
/// statistics. Every field is optional because runs differ in what they log.
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var trainingAccuracy: Double?
    public var testAccuracy: Double?
    public var trainingLoss: Double?
    public var testLoss: Double?
    /// Per layer: norm of the mean kernel gradient over the epoch's batches.
    public var gradientMean: [Double]?
    /// Per layer: norm of the element-wise standard deviation of the kernel gradient.
    public var gradientStd: [Double]?
    /// Per layer: Frobenius norm of the kernel.
    public var weightNorm: [Double]?

    public init(epoch: Int) { self.epoch = epoch }
}
