import Foundation

/// The information-bottleneck curve of a stochastic rule p(y|x): the most I(T;Y) any
/// representation T of X keeps for each I(X;T), in bits, computed by the iterative IB algorithm
/// (Tishby, Pereira & Bialek 1999) on the empirical joint p(x, y) = p(y|x)/n of n inputs.
///
/// Inputs with identical rows are merged first (their weights are their counts): X̃, the row of
/// p(y|x), is a sufficient statistic of X for Y, and the curve of X̃ is that of X up to
/// I(X;T) = H(X̃), level at I(X;Y) beyond. At each β the self-consistent equations
/// p(t|x) ∝ p(t)·exp(−β·KL[p(y|x) ‖ p(y|t)]) are iterated from several starts (seeded random
/// encoders and the solutions of the nearest β already solved), keeping the lowest cost
/// L = I(X;T) − β·I(T;Y). β starts at 1 (below, T = constant is optimal: I(T;Y) ≤ I(X;T)),
/// doubles until I(T;Y) comes within one resolution step of I(X;Y), and is bisected
/// (geometrically) where consecutive points differ by more than a resolution step, the widest
/// gap first.
///
/// Every point an encoder reaches is achievable, and so is every mixture of two (time sharing),
/// so the curve returned is the upper concave envelope of the points found, with (0, 0) and
/// (H(X̃), I(X;Y)) (T = X̃): never above the true curve, and equal to it where the iterations found
/// the global optima (the true curve is concave). Deterministic: sequential sums, seeded starts.
///
/// Bounded work: |T| ≤ `maxClusters`, at most `maxIterations` updates per start and `maxBetas`
/// values of β; more distinct rows than `maxInputs` are grouped first (rows sorted by their most
/// likely class, then by its probability, cut into groups of equal count, each group's rows
/// averaged). An encoder of the groups is an encoder of X with the same I(X;T) and I(T;Y), so the
/// grouped curve is achievable too: below the true one, never above.
public struct IBCurve: Sendable, Equatable {
    /// A point of the curve in bits.
    public struct Point: Sendable, Equatable {
        public let ixt: Double
        public let ity: Double
        public init(_ ixt: Double, _ ity: Double) { self.ixt = ixt; self.ity = ity }
    }

    /// How the curve is searched.
    public struct Settings: Sendable, Equatable {
        /// Seeded random starts at every β (besides the neighbouring solutions).
        public var restarts = 2
        /// The most clusters T may have (|T| = the inputs when fewer).
        public var maxClusters = 12
        /// The most inputs the iterations see: beyond, the distinct rows are grouped (see
        /// `groups`), which gives a curve below the true one, never above.
        public var maxInputs = 128
        /// The most β values solved.
        public var maxBetas = 60
        /// The largest β: beyond it, the top of the curve is the chord to (H(X̃), I(X;Y)).
        public var maxBeta = 0x1p24
        /// An iteration stops when no p(t|x) changes by more than this, or after `maxIterations`.
        public var tolerance = 1e-9
        public var maxIterations = 200
        /// Consecutive points may differ by this fraction of I(X;Y) in I(T;Y), and of the
        /// largest I(X;T) found in I(X;T); farther apart, the β between them is solved.
        public var resolution = 0.03
        public var seed: UInt64 = 0
        public init() {}
    }

    /// The curve from (0, 0), I(X;T) increasing, I(T;Y) non-decreasing; level beyond its last point.
    public let points: [Point]
    /// I(X;Y) in bits: the top of the curve.
    public let mutualInformation: Double
    /// H(X̃) in bits, the entropy of the merged inputs: where the curve reaches I(X;Y) at the latest.
    public let inputEntropy: Double
    /// Inputs after merging identical rows.
    public let distinctInputs: Int
    /// The inputs the iterations saw: the distinct rows, or their groups when there are more
    /// than `maxInputs`.
    public let groups: Int
    /// The clusters T had.
    public let clusters: Int
    /// β values solved.
    public let betaCount: Int
    public let settings: Settings

    /// The curve of `rows` (n rows of C probabilities each, every row summing to 1 within
    /// rounding; each is divided by its sum).
    public init(rows: [[Double]], settings: Settings = Settings()) {
        let merged = Problem(rows: rows)
        let problem = merged.grouped(into: settings.maxInputs)
        self.settings = settings
        (distinctInputs, groups) = (merged.m, problem.m)
        clusters = min(problem.m, settings.maxClusters)
        mutualInformation = merged.mutualInformation / M_LN2
        inputEntropy = merged.inputEntropy / M_LN2
        var sweep = Sweep(problem: problem, clusters: clusters, settings: settings)
        let found = mutualInformation > 1e-12 ? sweep.run() : []
        betaCount = sweep.solved
        points = IBCurve.envelope(found + [Point(0, 0), Point(inputEntropy, mutualInformation)])
    }

    /// The upper concave envelope of `points`, up to where it reaches its highest I(T;Y).
    static func envelope(_ points: [Point]) -> [Point] {
        let sorted = points.map { Point(max($0.ixt, 0), max($0.ity, 0)) }.sorted { ($0.ixt, $0.ity) < ($1.ixt, $1.ity) }
        var hull: [Point] = []
        for p in sorted {
            if hull.last?.ixt == p.ixt { hull.removeLast() }   // the higher of equal I(X;T)
            while hull.count >= 2 {
                let a = hull[hull.count - 2], b = hull[hull.count - 1]
                // b on or below the chord from a to p: not a vertex.
                guard (b.ixt - a.ixt) * (p.ity - a.ity) - (b.ity - a.ity) * (p.ixt - a.ixt) >= 0 else { break }
                hull.removeLast()
            }
            hull.append(p)
        }
        let top = hull.map(\.ity).max() ?? 0
        return Array(hull.prefix((hull.firstIndex { $0.ity >= top - 1e-12 } ?? hull.count - 1) + 1))
    }
}

/// A joint of inputs and labels: rows of p(y|x) (in order of first appearance) and their weights.
struct Problem {
    let m: Int
    let c: Int
    /// p(y|x), m × c row-major.
    let q: [Double]
    /// p(x).
    let w: [Double]
    /// Σ_y p(y|x) ln p(y|x) per row.
    let negEntropy: [Double]
    /// p(y).
    let py: [Double]
    /// I(X;Y) and H(X) in nats.
    let mutualInformation: Double
    let inputEntropy: Double

    /// The distinct rows of `rows`, each divided by its sum, weighted by their counts.
    init(rows: [[Double]]) {
        var index: [[UInt64]: Int] = [:], q: [Double] = [], counts: [Double] = []
        for row in rows {
            let sum = row.reduce(0, +)
            let normalized = row.map { $0 / sum }
            let key = normalized.map(\.bitPattern)
            if let i = index[key] { counts[i] += 1; continue }
            index[key] = counts.count
            counts.append(1)
            q += normalized
        }
        self.init(q: q, w: counts.map { $0 / Double(rows.count) }, classes: rows.first?.count ?? 0)
    }

    init(q: [Double], w: [Double], classes c: Int) {
        let m = w.count
        var py = [Double](repeating: 0, count: c)
        for i in 0..<m { for y in 0..<c { py[y] += w[i] * q[i * c + y] } }
        var negEntropy = [Double](repeating: 0, count: m), information = 0.0
        for i in 0..<m {
            for y in 0..<c {
                negEntropy[i] += xlogy(q[i * c + y], q[i * c + y])
                information += w[i] * xlogy(q[i * c + y], q[i * c + y] / py[y])
            }
        }
        (self.m, self.c, self.q, self.w, self.py, self.negEntropy) = (m, c, q, w, py, negEntropy)
        mutualInformation = information
        inputEntropy = -w.reduce(0) { $0 + xlogy($1, $1) }
    }

    /// At most `limit` inputs: itself, or its rows sorted by their most likely class and its
    /// probability (ties by position), cut into `limit` runs of equal count, each run one input
    /// of the summed weight and the weighted mean row.
    func grouped(into limit: Int) -> Problem {
        guard m > limit else { return self }
        let key = (0..<m).map { i -> (Int, Double) in
            let row = q[i * c..<(i + 1) * c]
            let y = row.indices.max { row[$0] < row[$1] }! - i * c
            return (y, row[i * c + y])
        }
        let order = (0..<m).sorted { (key[$0].0, key[$0].1, $0) < (key[$1].0, key[$1].1, $1) }
        var gq = [Double](repeating: 0, count: limit * c), gw = [Double](repeating: 0, count: limit)
        for (rank, i) in order.enumerated() {
            let g = rank * limit / m
            gw[g] += w[i]
            for y in 0..<c { gq[g * c + y] += w[i] * q[i * c + y] }
        }
        for g in 0..<limit { for y in 0..<c { gq[g * c + y] /= gw[g] } }
        return Problem(q: gq, w: gw, classes: c)
    }
}

/// x·ln(y), 0 when x = 0.
private func xlogy(_ x: Double, _ y: Double) -> Double { x > 0 ? x * log(y) : 0 }

/// An encoder p(t|x) (m × k row-major) and what it reaches, in nats.
struct Solution {
    var encoder: [Double]
    var ixt = 0.0
    var ity = 0.0
    var cost = 0.0
}

/// The β sweep: solved points in order of β, refined where they are far apart.
struct Sweep {
    typealias Settings = IBCurve.Settings
    let problem: Problem
    let k: Int
    let settings: Settings
    private(set) var solved = 0

    init(problem: Problem, clusters: Int, settings: Settings) {
        self.problem = problem; k = clusters; self.settings = settings
    }

    /// The best point of every β solved, in bits.
    mutating func run() -> [IBCurve.Point] {
        let top = problem.mutualInformation
        // Up from β = 1, doubling, each from the last.
        var ladder: [(beta: Double, solution: Solution)] = []
        var beta = 1.0
        while beta <= settings.maxBeta, solved < settings.maxBetas {
            let s = solve(beta, neighbours: ladder.last.map { [$0.solution] } ?? [])
            ladder.append((beta, s))
            if top - s.ity <= settings.resolution * top { break }
            beta *= 2
        }
        let xSpan = max(ladder.map(\.solution.ixt).max() ?? 0, 1e-12)
        refine(&ladder, xStep: settings.resolution * xSpan, yStep: settings.resolution * top)
        return ladder.map { IBCurve.Point($0.solution.ixt / M_LN2, $0.solution.ity / M_LN2) }
    }

    /// Solves the geometric middle of the β interval whose points lie the most steps apart (the
    /// first of equal ones), breadth first, until all lie within a step (or a β ratio of 1.001, or
    /// `maxBetas`), so that a cap leaves the whole curve equally coarse.
    private mutating func refine(_ points: inout [(beta: Double, solution: Solution)], xStep: Double, yStep: Double) {
        func steps(_ a: (beta: Double, solution: Solution), _ b: (beta: Double, solution: Solution)) -> Double {
            guard b.beta / a.beta > 1.001 else { return 0 }
            return max(abs(b.solution.ixt - a.solution.ixt) / xStep, abs(b.solution.ity - a.solution.ity) / yStep)
        }
        var gaps = zip(points, points.dropFirst()).map(steps)
        while solved < settings.maxBetas, let widest = gaps.max(), widest > 1 {
            let i = gaps.firstIndex(of: widest)!
            let beta = (points[i].beta * points[i + 1].beta).squareRoot()
            points.insert((beta, solve(beta, neighbours: [points[i].solution, points[i + 1].solution])), at: i + 1)
            gaps.replaceSubrange(i...i, with: [steps(points[i], points[i + 1]), steps(points[i + 1], points[i + 2])])
        }
    }

    /// The lowest-cost solution at `beta` from the neighbours' encoders and seeded random ones,
    /// the starts iterated on every core (the first of equal costs wins).
    mutating func solve(_ beta: Double, neighbours: [Solution]) -> Solution {
        solved += 1
        let seed = settings.seed ^ beta.bitPattern
        let starts = neighbours.map(\.encoder) + (0..<settings.restarts).map { r in randomEncoder(seed: seed &+ UInt64(r)) }
        let solutions = (try? parallelMap(starts) { [self] in iterate(beta, from: $0) }) ?? []
        return solutions.enumerated().min { ($0.element.cost, $0.offset) < ($1.element.cost, $1.offset) }!.element
    }

    /// Rows of u¹⁶ (u uniform in [0, 1)) + 10⁻¹², each normalised: most of a row on a few
    /// clusters. Near-uniform rows mostly fell into the same local optimum (on small asymmetric
    /// joints, checked against Tests/reference/ib_curve_reference.py).
    private func randomEncoder(seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        var encoder = (0..<problem.m * k).map { _ in pow(generator.nextUnit(), 16) + 1e-12 }
        for i in 0..<problem.m {
            let sum = encoder[i * k..<(i + 1) * k].reduce(0, +)
            for t in 0..<k { encoder[i * k + t] /= sum }
        }
        return encoder
    }

    /// The self-consistent equations iterated from `start` until no p(t|x) moves by more than
    /// the tolerance (or `maxIterations`).
    private func iterate(_ beta: Double, from start: [Double]) -> Solution {
        let (m, c, k) = (problem.m, problem.c, k)
        var encoder = start, next = start
        var pt = [Double](repeating: 0, count: k), logPyt = [Double](repeating: 0, count: k * c)
        var logits = [Double](repeating: 0, count: k), logPt = [Double](repeating: 0, count: k)
        for _ in 0..<settings.maxIterations {
            marginals(encoder, pt: &pt, logPyt: &logPyt)
            for t in 0..<k { logPt[t] = log(pt[t]) }
            var change = 0.0
            problem.q.withUnsafeBufferPointer { q in
                logPyt.withUnsafeBufferPointer { logPyt in
                    for i in 0..<m {
                        var top = -Double.infinity
                        for t in 0..<k {
                            guard pt[t] > 0 else { logits[t] = -.infinity; continue }
                            var cross = 0.0
                            for y in 0..<c where q[i * c + y] > 0 { cross += q[i * c + y] * logPyt[t * c + y] }
                            logits[t] = logPt[t] - beta * (problem.negEntropy[i] - cross)
                            top = max(top, logits[t])
                        }
                        var sum = 0.0
                        for t in 0..<k { let e = exp(logits[t] - top); next[i * k + t] = e; sum += e }
                        for t in 0..<k {
                            next[i * k + t] /= sum
                            change = max(change, abs(next[i * k + t] - encoder[i * k + t]))
                        }
                    }
                }
            }
            swap(&encoder, &next)
            if change <= settings.tolerance { break }
        }
        marginals(encoder, pt: &pt, logPyt: &logPyt)
        var s = Solution(encoder: encoder)
        for i in 0..<m {
            for t in 0..<k where pt[t] > 0 { s.ixt += problem.w[i] * xlogy(encoder[i * k + t], encoder[i * k + t] / pt[t]) }
        }
        for t in 0..<k where pt[t] > 0 {
            for y in 0..<c where logPyt[t * c + y] > -.infinity {
                s.ity += pt[t] * exp(logPyt[t * c + y]) * (logPyt[t * c + y] - log(problem.py[y]))
            }
        }
        s.cost = s.ixt - beta * s.ity
        return s
    }

    /// p(t) and ln p(y|t) of `encoder`.
    private func marginals(_ encoder: [Double], pt: inout [Double], logPyt: inout [Double]) {
        let (m, c, k) = (problem.m, problem.c, k)
        for t in 0..<k { pt[t] = 0 }
        for t in 0..<k * c { logPyt[t] = 0 }
        for i in 0..<m {
            for t in 0..<k {
                let joint = problem.w[i] * encoder[i * k + t]
                pt[t] += joint
                for y in 0..<c { logPyt[t * c + y] += joint * problem.q[i * c + y] }
            }
        }
        for t in 0..<k {
            for y in 0..<c { logPyt[t * c + y] = pt[t] > 0 ? log(logPyt[t * c + y] / pt[t]) : -.infinity }
        }
    }
}
