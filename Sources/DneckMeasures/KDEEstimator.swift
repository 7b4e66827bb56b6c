import DneckCore
import Foundation

/// Kolchinsky & Tracey's pairwise-distance bounds on the mutual information of a noisy layer,
/// as Saxe et al.'s code and deep-bottleneck's port compute them, in float64.
///
/// The layer is taken as M = h + N(0, σ²I), σ² = `noiseVariance` (a variance, not a standard
/// deviation). With d units, N samples and D_ij = ‖h_i − h_j‖²:
/// - upper bound: Ĥ(M) = (d/2)·ln(2πeσ²) − (1/N) Σ_i ln[(1/N) Σ_j exp(−D_ij / (2σ²))];
/// - lower bound (Bhattacharyya): the same with 4σ² in place of σ² inside the exponential,
///   (d/2)·ln(2πeσ²) kept outside;
/// - H(M|X) = (d/2)·ln(2πeσ²); H(M|Y) = Σ_c p_c Ĥ(M | Y = c), each class c over its own N_c
///   samples; I(X;M) = Ĥ(M) − H(M|X), I(Y;M) = Ĥ(M) − H(M|Y).
///
/// Natural logarithms inside, bits out. The (d/2)·ln(2πeσ²) terms cancel, so I(X;M) ≤ log2 N
/// and I(Y;M) ≤ H(Y) always (every row's sum holds its own term, exp(0) = 1). The sums of the
/// N² kernel terms are streamed tile by tile over `PairwiseDistances` on every core; because
/// every row's largest term is that 1, the plain sum is already the stable log-sum-exp (no term
/// can overflow). Terms below 2⁻⁵³ (each under half the last bit of a row sum ≥ 1; all of them
/// together under N·2⁻⁵³ of it, 10⁻¹² relative for N = 9,000) are left out: on wide layers a
/// float32 pass with a rigorous error bound proves which pairs those are, and only the others
/// are computed in float64 (`PairwiseDistances`, `Float32Screen`). Per-tile partial sums are
/// added in a fixed order, so the numbers do not depend on scheduling.
public struct KDEEstimator: MIEstimator {
    /// Which bound the estimate reports.
    public enum Bound: String, Sendable, CaseIterable {
        /// The upper bound (KL divergence, `kde-upper`).
        case upper
        /// The lower bound (Bhattacharyya distance, `kde-lower`).
        case lower
        /// Both: the upper bound as the estimate, the lower as `MIEstimate.lowerBound` (`kde`).
        case both
    }

    public let bound: Bound
    /// σ² of the Gaussian noise added to the layer.
    public let noiseVariance: Double

    /// deep-bottleneck's KDE runs and Saxe et al.'s synthetic task use σ² = 1e-3 (their MNIST
    /// runs use 0.1).
    public static let defaultNoiseVariance = 1e-3

    /// Throws `DneckError.invalidOption` for a noise variance that is not a positive finite number.
    public init(bound: Bound = .upper, noiseVariance: Double = KDEEstimator.defaultNoiseVariance) throws {
        guard noiseVariance > 0 && noiseVariance.isFinite else {
            throw DneckError.invalidOption(name: "--noise-variance", detail: "must be a positive number, not \(noiseVariance)")
        }
        self.bound = bound
        self.noiseVariance = noiseVariance
    }

    public var summary: String {
        switch bound {
        case .upper: return "KDE upper bound, σ² = \(noiseVariance)"
        case .lower: return "KDE lower bound, σ² = \(noiseVariance)"
        case .both: return "KDE bounds, σ² = \(noiseVariance)"
        }
    }

    public var descriptor: EstimatorDescriptor {
        switch bound {
        case .upper: return .kdeUpper
        case .lower: return .kdeLower
        case .both: return .kde
        }
    }

    public var parameters: EstimatorParameters { EstimatorParameters(noiseVariance: noiseVariance) }

    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        let classes = ClassCounts(labels)
        let sums = KernelSums(PairwiseDistances(activations), classes: classes.labels, noiseVariance: noiseVariance)
        let upper = information(sums.upper, sums.upperWithinClass, classes)
        let lower = information(sums.lower, sums.lowerWithinClass, classes)
        let reported = bound == .lower ? lower : upper
        return MIEstimate(ixm: reported.ixm, iym: reported.iym, lowerBound: bound == .both ? lower : nil,
                          ceilingX: classes.ceilingX, ceilingY: classes.entropy)
    }

    /// I(X;M) and I(Y;M) in bits from each row's kernel sum over all rows and over its class.
    private func information(_ all: [Double], _ withinClass: [Double], _ classes: ClassCounts) -> MIEstimate.Bound {
        let n = all.count
        guard n > 0 else { return MIEstimate.Bound(ixm: 0, iym: 0) }
        // Ĥ(M) − H(M|X) = ln N − (1/N) Σ_i ln S_i
        var logSum = 0.0
        for s in all { logSum += log(s) }
        let ixm = log(Double(n)) - logSum / Double(n)
        // Ĥ(M|Y=c) − H(M|X) = ln N_c − (1/N_c) Σ_{i∈c} ln S^c_i, weighted by p_c = N_c / N
        var classLogSums = [Double](repeating: 0, count: classes.counts.count)
        for (i, s) in withinClass.enumerated() { classLogSums[classes.labels[i]] += log(s) }
        var conditional = 0.0
        for (c, count) in classes.counts.enumerated() where count > 0 {
            conditional += Double(count) / Double(n) * (log(Double(count)) - classLogSums[c] / Double(count))
        }
        return MIEstimate.Bound(ixm: ixm / M_LN2, iym: (ixm - conditional) / M_LN2)
    }
}

/// For every row i, the kernel sums Σ_j exp(−D_ij / (2σ²)) (upper bound) and
/// Σ_j exp(−D_ij / (8σ²)) (lower bound), over all rows j and over the rows j of i's class.
struct KernelSums {
    var upper: [Double]
    var lower: [Double]
    var upperWithinClass: [Double]
    var lowerWithinClass: [Double]

    /// Exponents of the lower bound's kernel from which its terms are left out: e^−x < 2⁻⁵³
    /// (see `KDEEstimator`). The upper bound's terms, exp(−4x), are smaller still.
    static let negligibleExponent = 53 * M_LN2

    /// `classes[i]` is the dense class of row i.
    init(_ distances: PairwiseDistances, classes: [Int], noiseVariance: Double) {
        let n = distances.rows, tiles = distances.tileCount, tile = distances.tile
        // partial[(I · tiles + J) · tile + r]: the four sums of row r of tile I over the columns
        // of tile J (upper, lower, upper within class, lower within class).
        let partial = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: max(1, tiles * tiles * tile))
        partial.initialize(repeating: .zero, count: max(1, tiles * tiles * tile))
        defer { partial.deallocate() }
        let scale = 1 / (8 * noiseVariance)   // exponent of the lower bound's (wider) kernel per unit of D
        classes.withUnsafeBufferPointer { labels in
            distances.forEachTilePair(within: Self.negligibleExponent / scale) { pair, distancesOfPair in
                let (a, b) = (distances.tileRows(pair.i), distances.tileRows(pair.j))
                let rowSums = partial + (pair.i * tiles + pair.j) * tile
                let columnSums = partial + (pair.j * tiles + pair.i) * tile
                /// The terms of rows a[r] and b[c] at distance d, or nil when negligible.
                func terms(_ r: Int, _ c: Int, _ d: Double) -> SIMD4<Double>? {
                    let x = d * scale
                    guard x < Self.negligibleExponent else { return nil }
                    let e = exp(-x), e2 = e * e
                    let e4 = e2 * e2   // exp(−D/(2σ²)) = exp(−D/(8σ²))⁴
                    let same: Double = labels[b.lowerBound + c] == labels[a.lowerBound + r] ? 1 : 0
                    return SIMD4(e4, e, same * e4, same * e)
                }
                let diagonal = pair.i == pair.j
                switch distancesOfPair {
                case .dense(let d):
                    for r in 0..<a.count {
                        var sum = SIMD4<Double>.zero
                        let row = d + r * b.count
                        for c in (diagonal ? r : 0)..<b.count {
                            guard let t = terms(r, c, row[c]) else { continue }
                            sum += t
                            if !diagonal || c != r { columnSums[c] += t }   // the symmetric term, for row c
                        }
                        rowSums[r] += sum
                    }
                case .sparse(let entries):
                    for e in entries {
                        let (r, c) = (Int(e.row), Int(e.column))
                        guard let t = terms(r, c, e.distance) else { continue }
                        rowSums[r] += t
                        if !diagonal || c != r { columnSums[c] += t }
                    }
                }
            }
        }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: n), count: 4)
        for t in 0..<tiles {
            for (r, row) in distances.tileRows(t).enumerated() {
                var total = SIMD4<Double>.zero
                for j in 0..<tiles { total += partial[(t * tiles + j) * tile + r] }
                for k in 0..<4 { sums[k][row] = total[k] }
            }
        }
        (upper, lower, upperWithinClass, lowerWithinClass) = (sums[0], sums[1], sums[2], sums[3])
    }
}
