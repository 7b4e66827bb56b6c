/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014), the seeded generator behind every random
/// sample dneck-plot draws: the state advances by 0x9E3779B97F4A7C15 and each output is the
/// state through the finaliser below. Uniform doubles in [0, 1) are the top 53 bits · 2^−53.
/// Small, fast and easy to reproduce in any language (the numpy references do).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1): the top 53 bits of the next output times 2^−53.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
