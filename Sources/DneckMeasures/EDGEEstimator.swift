import COpenBLAS
import DneckCore
import Foundation

/// The ensemble dependency-graph estimator (EDGE) of Noshad, Zeng & Hero (2019) exactly as
/// deep-bottleneck computes it (`deep_bottleneck/mi_estimator/edge.py`, `NoshadEDGE` with
/// `L_ensemble = 10, gamma = [0.1, 0.1], normalize_epsilon = False, epsilon = [0, 0],
/// ensemble_estimation = 'median'`, p-stable hashing), in bits:
/// - the layer as float32 (deep-bottleneck casts it); I(Y;M) = EDGE(layer, labels as one
///   column, U = 1), I(X;M) = EDGE(layer, inputs in their stored precision, U = 12);
/// - for each of the two variables A (N × d): the projection A·W, W ~ N(0, 1/(std_c √d)) of
///   shape d × d′, d′ = min(d, floor(log2(N / 10))), std_c each column's standard deviation (as
///   numpy computes it in the column's precision; 1 below 10⁻⁴), drawn from numpy's legacy
///   generator seeded 3334 (`NumpyRandom`), first W of the layer then V of the other variable;
/// - per projected coordinate, ε = mean distance from 500 coordinates drawn with
///   `np.random.choice` (reseeded 3334 each time) to their k-th nearest coordinate (the point
///   itself counted), k = floor(0.43 · N^(2/3 + 0.17 d′/(d′ + 1)) · exp(−1 / max(10⁴, d′⁴))),
///   plus 10⁻⁴, times 3d′ and γ = 0.1 · 0.9;
/// - 10 ensemble members j: ε_j = ε · linspace(1, 1.1, 10)[j], shift b_j = (j / 10) · ε_j; buckets
///   floor((a·W + b_j) / ε_j) per coordinate; I_j = (1/N) Σ over joint buckets of
///   N_ab · clip(log2(N_ab N / (N_a M_b)), 0.001, U); the estimate is the median of the I_j.
///
/// deep-bottleneck caps at U silently (mrtnoshad/EDGE#4): `MIEstimate.hitCap` says when a
/// bucket term sat at U. Ceilings are log2 N and H(Y) as for the other estimators (the 0.001
/// floor can put EDGE slightly above 0 for independent variables, the cap U = 1 below H(Y) for
/// more than two classes).
public struct EDGEEstimator: MIEstimator {
    public init() {}

    /// The cap U of the bucket terms, so the most I(X;M) and I(Y;M) can reach: 12 and 1 bits.
    public static let caps = MIEstimate.Bound(ixm: 12, iym: 1)

    public var summary: String { "EDGE (deep-bottleneck), γ = 0.1, 10 ensemble members, median" }

    public var descriptor: EstimatorDescriptor { .edge }
    public var parameters: EstimatorParameters { EstimatorParameters() }

    /// Without the inputs I(X;M) is NaN.
    public func estimate(_ activations: Matrix, labels: [Int]) -> MIEstimate {
        estimate(activations, labels: labels, inputs: nil, output: nil)
    }

    public func estimate(_ activations: Matrix, labels: [Int], inputs: Matrix?, output: Matrix?) -> MIEstimate {
        let classes = ClassCounts(labels)
        let layer: Matrix
        switch activations.storage {
        case .float32: layer = activations
        case .float64(let v): layer = Matrix(rows: activations.rows, columns: activations.columns, float32: v.map { Float($0) })
        }
        let withLabels = EDGE.information(layer, Matrix(rows: labels.count, columns: 1, values: labels.map(Double.init)), cap: Self.caps.iym)
        let withInputs = inputs.map { EDGE.information(layer, $0, cap: Self.caps.ixm) }
        return MIEstimate(ixm: withInputs?.value ?? .nan, iym: withLabels.value, ceilingX: classes.ceilingX,
                          ceilingY: classes.entropy, hitCap: withLabels.hitCap || (withInputs?.hitCap ?? false))
    }
}

/// The steps of deep-bottleneck's `NoshadEDGE`.
enum EDGE {
    static let seed: UInt32 = 3334
    static let ensembleSize = 10
    static let gamma = 0.1 * 0.9
    static let sampledCoordinates = 500

    /// EDGE(x, y) with cap U. Integer labels come as float64 (numpy's std of an integer array
    /// runs in float64 too).
    static func information(_ x: Matrix, _ y: Matrix, cap: Double) -> (value: Double, hitCap: Bool) {
        let n = x.rows
        guard n > 1 else { return (0, false) }
        var generator = NumpyRandom(seed: seed)
        let w = projection(x, using: &generator)
        let v = projection(y, using: &generator)
        let (xw, yv) = (project(x, w), project(y, v))
        let epsX = bandwidths(xw), epsY = bandwidths(yv)
        let scales = linspace(1, 1.1, count: ensembleSize, endpoint: true)
        let shifts = linspace(0, 1, count: ensembleSize, endpoint: false)
        var members: [Double] = [], hitCap = false
        for j in 0..<ensembleSize {
            let ex = epsX.map { $0 * scales[j] }, ey = epsY.map { $0 * scales[j] }
            let member = bucketInformation(buckets(xw, eps: ex, shift: shifts[j]), buckets(yv, eps: ey, shift: shifts[j]), cap: cap)
            members.append(member.value)
            hitCap = hitCap || member.hitCap
        }
        members.sort()
        return ((members[ensembleSize / 2 - 1] + members[ensembleSize / 2]) / 2, hitCap)
    }

    /// Rows of values with their projection, d × d′ row-major.
    struct Projected {
        let rows: Int
        let columns: Int
        let values: [Double]
    }

    /// W (d × d′) for `m`: normal draws with mean 0 and scale 1 / (std_c √d), in row order.
    static func projection(_ m: Matrix, using generator: inout NumpyRandom) -> Projected {
        let d = m.columns, n = m.rows
        let shrunk = min(d, Int((log(Double(n) / 10) / log(2.0)).rounded(.down)))   // math.log(N / 10, 2)
        let stds = standardDeviations(m)
        var w = [Double](repeating: 0, count: d * max(shrunk, 0))
        for r in 0..<d {
            let std = stds[r] < 0.0001 ? 1 : stds[r]
            let scale = 1 / (std * Double(d).squareRoot())
            for c in 0..<max(shrunk, 0) { w[r * shrunk + c] = generator.nextNormal(mean: 0, standardDeviation: scale) }
        }
        return Projected(rows: d, columns: max(shrunk, 0), values: w)
    }

    /// Each column's population standard deviation as `np.std` computes it: in float32 for
    /// float32 columns (pairwise sums), in float64 otherwise.
    static func standardDeviations(_ m: Matrix) -> [Double] {
        (0..<m.columns).map { c in
            switch m.storage {
            case .float32(let v):
                let column = stride(from: c, to: v.count, by: m.columns).map { v[$0] }
                let mean = NumpySum.pairwise(column) / Float(m.rows)
                let squares = column.map { ($0 - mean) * ($0 - mean) }
                return Double((NumpySum.pairwise(squares) / Float(m.rows)).squareRoot())
            case .float64(let v):
                let column = stride(from: c, to: v.count, by: m.columns).map { v[$0] }
                let mean = NumpySum.pairwise(column) / Double(m.rows)
                let squares = column.map { ($0 - mean) * ($0 - mean) }
                return (NumpySum.pairwise(squares) / Double(m.rows)).squareRoot()
            }
        }
    }

    /// m · w in float64 (OpenBLAS).
    static func project(_ m: Matrix, _ w: Projected) -> Projected {
        var out = [Double](repeating: 0, count: m.rows * w.columns)
        if w.columns > 0 && m.columns > 0 {
            OpenBLASThreads.single
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m.rows), Int32(w.columns), Int32(m.columns), 1,
                        m.values, Int32(m.columns), w.values, Int32(w.columns), 0, &out, Int32(w.columns))
        }
        return Projected(rows: m.rows, columns: w.columns, values: out)
    }

    /// ε of every projected coordinate: `find_knn` + 10⁻⁴, times 3d′ and γ.
    static func bandwidths(_ p: Projected) -> [Double] {
        let d = p.columns, n = p.rows
        let exponent = 2.0 / 3 + 0.17 * (Double(d) / Double(d + 1))
        let k = Int((0.43 * pow(Double(n), exponent) * exp(-1.0 / Double(max(10_000, d * d * d * d)))).rounded(.down))
        return (0..<d).map { c in
            let column = (0..<n).map { p.values[$0 * d + c] }
            var generator = NumpyRandom(seed: seed)
            let sorted = column.sorted()
            let distances = (0..<sampledCoordinates).map { _ in
                kthDistance(from: column[generator.nextInt(below: n)], in: sorted, k: max(1, min(k, n)))
            }
            return (NumpySum.pairwise(distances) / Double(sampledCoordinates) + 0.0001) * Double(3 * d) * gamma
        }
    }

    /// The k-th smallest |a − t| over the sorted values a (t among them).
    static func kthDistance(from t: Double, in sorted: [Double], k: Int) -> Double {
        // Merge outwards from t's place: the nearest values lie on either side of it.
        var (low, high) = (0, sorted.count)   // first index with sorted[i] ≥ t
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < t { low = mid + 1 } else { high = mid }
        }
        var right = low, left = low - 1
        var distance = 0.0
        for _ in 0..<k {
            let dl = left >= 0 ? t - sorted[left] : .infinity
            let dr = right < sorted.count ? sorted[right] - t : .infinity
            if dl <= dr { distance = dl; left -= 1 } else { distance = dr; right += 1 }
        }
        return distance
    }

    /// Bucket of every row: floor((a·W + shift·ε) / ε) per coordinate, numbered in order of first appearance.
    static func buckets(_ p: Projected, eps: [Double], shift: Double) -> [Int] {
        var ids: [[Double]: Int] = [:]
        return (0..<p.rows).map { r in
            let key = (0..<p.columns).map { c in ((p.values[r * p.columns + c] + shift * eps[c]) / eps[c]).rounded(.down) }
            if let id = ids[key] { return id }
            ids[key] = ids.count
            return ids.count - 1
        }
    }

    /// (1/N) Σ over joint buckets (in order of first appearance) of N_ab · clip(log2(N_ab N / (N_a M_b)), 0.001, U).
    static func bucketInformation(_ a: [Int], _ b: [Int], cap: Double) -> (value: Double, hitCap: Bool) {
        let n = a.count
        var countA = [Int](repeating: 0, count: (a.max() ?? 0) + 1), countB = [Int](repeating: 0, count: (b.max() ?? 0) + 1)
        var joint: [Int: Int] = [:], order: [Int] = []
        let width = countB.count
        for i in 0..<n {
            countA[a[i]] += 1; countB[b[i]] += 1
            let key = a[i] * width + b[i]
            if joint[key] == nil { order.append(key) }
            joint[key, default: 0] += 1
        }
        var total = 0.0, hitCap = false
        for key in order {
            let nab = joint[key]!, na = countA[key / width], mb = countB[key % width]
            let ratio = Double(nab) * Double(n) / Double(na * mb)
            let bits = log(ratio) / log(2.0)   // math.log(x, 2)
            if bits >= cap { hitCap = true }
            total += Double(nab) * max(min(bits, cap), 0.001)
        }
        return (total / Double(n), hitCap)
    }

    /// numpy's linspace: start + i · step, the last value set to `stop` when it is an endpoint.
    static func linspace(_ start: Double, _ stop: Double, count: Int, endpoint: Bool) -> [Double] {
        let step = (stop - start) / Double(endpoint ? count - 1 : count)
        var values = (0..<count).map { Double($0) * step + start }
        if endpoint { values[count - 1] = stop }
        return values
    }
}

/// numpy's pairwise summation (`pairwise_sum` in loops_utils.h): below 8 values a plain loop;
/// up to 128 eight accumulators added as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the
/// rest in order; above, the two halves (the first a multiple of 8) summed recursively.
enum NumpySum {
    static func pairwise<T: BinaryFloatingPoint>(_ values: [T]) -> T {
        values.withUnsafeBufferPointer { pairwise($0[...]) }
    }

    private static func pairwise<T: BinaryFloatingPoint>(_ v: Slice<UnsafeBufferPointer<T>>) -> T {
        let n = v.count, s = v.startIndex
        if n < 8 {
            var total: T = 0   // numpy starts from -0.0; the sign of an empty or all-zero sum is lost here
            for x in v { total += x }
            return total
        }
        if n <= 128 {
            var r = (0..<8).map { v[s + $0] }
            var i = 8
            while i < n - n % 8 {
                for k in 0..<8 { r[k] += v[s + i + k] }
                i += 8
            }
            var total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { total += v[s + i]; i += 1 }
            return total
        }
        var half = n / 2
        half -= half % 8
        return pairwise(v[s..<s + half]) + pairwise(v[(s + half)...])
    }
}
