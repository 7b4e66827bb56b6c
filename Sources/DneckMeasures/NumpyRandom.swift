import Foundation

/// numpy's legacy global generator as `np.random.seed(seed)` leaves it (numpy's `RandomState`,
/// numpy/random/mtrand.pyx, src/mt19937, src/distributions, src/legacy), so that EDGE draws
/// deep-bottleneck's projection matrices and sampled coordinates exactly:
/// - MT19937 seeded by `mt19937_seed` (init_genrand: key[0] = seed, key[i] = 1812433253 ·
///   (key[i−1] ^ key[i−1] >> 30) + i), outputs tempered as in Matsumoto & Nishimura;
/// - doubles in [0, 1): (a >> 5 · 2^26 + b >> 6) / 2^53 from two outputs a, b;
/// - Gaussians by `legacy_gauss`: the polar Box–Muller method on 2u − 1 pairs, returning f·x2
///   and caching f·x1 for the next call (reseeding clears the cache);
/// - integers in [0, n) by `random_bounded_uint64_fill` with masked rejection, as `randint` and
///   `choice(a, size)` with replacement use them: for n − 1 < 2^32 one 32-bit output per try,
///   kept when (output & mask) ≤ n − 1, mask = n − 1 with every lower bit set.
public struct NumpyRandom: Sendable {
    private var key = [UInt32](repeating: 0, count: 624)
    private var position = 624
    private var cachedGaussian: Double?

    public init(seed: UInt32) {
        var s = seed
        for i in 0..<624 {
            key[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
    }

    /// The next 32-bit output (genrand_int32).
    public mutating func nextUInt32() -> UInt32 {
        if position == 624 { twist() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        key.withUnsafeMutableBufferPointer { key in
            for i in 0..<624 {
                let y = (key[i] & 0x8000_0000) | (key[i == 623 ? 0 : i + 1] & 0x7FFF_FFFF)
                key[i] = key[i < 227 ? i + 397 : i - 227] ^ (y >> 1) ^ ((y & 1) &* 0x9908_B0DF)
            }
        }
        position = 0
    }

    /// `np.random.random_sample()`: a double in [0, 1).
    public mutating func nextDouble() -> Double {
        let a = nextUInt32() >> 5, b = nextUInt32() >> 6
        return (Double(a) * 67_108_864 + Double(b)) / 9_007_199_254_740_992
    }

    /// `np.random.standard_normal()` (legacy_gauss).
    public mutating func nextGaussian() -> Double {
        if let cached = cachedGaussian {
            cachedGaussian = nil
            return cached
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2 * nextDouble() - 1
            x2 = 2 * nextDouble() - 1
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1 || r2 == 0
        let f = (-2 * log(r2) / r2).squareRoot()
        cachedGaussian = f * x1
        return f * x2
    }

    /// `np.random.normal(loc, scale)` for one value: loc + scale · gauss.
    public mutating func nextNormal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextGaussian()
    }

    /// `np.random.randint(0, bound)` for 1 ≤ bound ≤ 2^32 (`choice(n)` with replacement).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound >= 1 && bound <= 1 << 32, "bound outside the 32-bit path")
        let range = UInt32(bound - 1)
        if range == 0 { return 0 }
        if range == UInt32.max { return Int(nextUInt32()) }
        var mask = range
        for shift in [1, 2, 4, 8, 16] { mask |= mask >> UInt32(shift) }
        while true {
            let value = nextUInt32() & mask
            if value <= range { return Int(value) }
        }
    }
}
