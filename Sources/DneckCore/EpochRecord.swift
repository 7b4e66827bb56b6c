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

    /// Groups of fields, so a reader fetches only what a chart draws.
    public struct Fields: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Training and test accuracy.
        public static let accuracy = Fields(rawValue: 1)
        /// Training and test loss.
        public static let loss = Fields(rawValue: 2)
        /// Gradient mean and standard deviation norms.
        public static let gradients = Fields(rawValue: 4)
        /// Weight norms.
        public static let weights = Fields(rawValue: 8)
        /// Every field on its own, in the order errors name a missing one.
        public static let each: [Fields] = [.accuracy, .loss, .gradients, .weights]
        public static let all = Fields(each)
    }
}
