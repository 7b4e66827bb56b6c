@testable import DneckMeasures
import XCTest

/// The IB curve against the independent numpy reference (`Tests/reference/ib_curve_reference.py`,
/// its numbers committed in `ib_curve_expected.json`) on small asymmetric joints, where not every
/// encoder lies on the curve: the envelopes coincide, each β's solution is the reference's, and
/// no random encoder reaches above the curve.
final class IBCurveReferenceTests: XCTestCase {
    struct Reference: Decodable {
        struct Problem: Decodable {
            let name: String
            let counts: [Int]
            let rows: [[Double]]
            let mutualInformation: Double
            let inputEntropy: Double
            /// Vertices [I(X;T), I(T;Y)] of the reference's upper concave envelope, in bits.
            let envelope: [[Double]]
            /// [β, L]: every encoder has I(T;Y) ≤ (I(X;T) − L)/β, in bits.
            let tangents: [[Double]]
            /// [β, I(X;T), I(T;Y)] of a unique optimum, in bits.
            let betaChecks: [[Double]]

            /// Each row repeated its count of times.
            var samples: [[Double]] { zip(rows, counts).flatMap { Array(repeating: $0, count: $1) } }
        }
        let problems: [Problem]

        static let committed: Reference = {
            let url = Fixtures.packageRoot.appendingPathComponent("Tests/reference/ib_curve_expected.json")
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try! decoder.decode(Reference.self, from: Data(contentsOf: url))
        }()
    }

    /// Resolution 0.2 % instead of 3 %: chords short enough to compare with the reference's vertices.
    static let fine: IBCurve.Settings = {
        var settings = IBCurve.Settings()
        (settings.resolution, settings.maxBetas) = (0.002, 5000)
        return settings
    }()

    /// Our curve of each reference problem, computed once.
    static let curves = Reference.committed.problems.map { IBCurve(rows: $0.samples, settings: fine) }

    /// The height of the piecewise linear curve through `points` at `x`: level beyond its ends.
    private func height(_ points: [IBCurve.Point], at x: Double) -> Double {
        guard let j = points.firstIndex(where: { $0.ixt >= x }) else { return points.last!.ity }
        guard j > 0 else { return points[0].ity }
        let (a, b) = (points[j - 1], points[j])
        return a.ity + (b.ity - a.ity) * (x - a.ixt) / (b.ixt - a.ixt)
    }

    /// Ours is achievable (under every reference tangent and its envelope, within 1e-6 bits) and
    /// as high as the reference's envelope within 5e-5 bits: the two coincide. Measured: 3.5e-5
    /// below near I_X = 1.70 of six-with-zeros (a local optimum the 2 restarts per β did not
    /// leave, unchanged by 20,000 updates at 1e-13) and 1.1e-5 near the top of eight (the chord
    /// from the last β solved to (H(X), I(X;Y))).
    func testEnvelopeCoincidesWithTheReference() {
        for (problem, curve) in zip(Reference.committed.problems, Self.curves) {
            XCTAssertEqual(curve.mutualInformation, problem.mutualInformation, accuracy: 1e-12, problem.name)
            XCTAssertEqual(curve.inputEntropy, problem.inputEntropy, accuracy: 1e-12, problem.name)
            XCTAssertEqual(curve.distinctInputs, problem.rows.count)
            let reference = problem.envelope.map { IBCurve.Point($0[0], $0[1]) }
            // Ours achievable: under every tangent of the reference, and not above its envelope.
            for p in curve.points {
                for t in problem.tangents {
                    XCTAssertLessThanOrEqual(p.ity, (p.ixt - t[1]) / t[0] + 1e-6, "\(problem.name): \(p) above the tangent at β = \(t[0])")
                }
                XCTAssertLessThanOrEqual(p.ity, height(reference, at: p.ixt) + 1e-6, "\(problem.name): \(p) above the reference")
            }
            // As high as the reference's envelope at each of its vertices.
            for v in reference {
                XCTAssertLessThanOrEqual(v.ity, height(curve.points, at: v.ixt) + 5e-5, "\(problem.name): reference \(v) above ours")
            }
        }
    }

    /// The update equations themselves: at each β the reference solved to a unique optimum, our
    /// iterations (from random starts alone) reach the same I(X;T) and I(T;Y). Every β-scaled
    /// variant lies on the curve too, so only this pins β to the point.
    func testEachBetaReachesTheReferenceOptimum() {
        var settings = IBCurve.Settings()
        (settings.restarts, settings.maxIterations, settings.tolerance) = (24, 20_000, 1e-13)
        for problem in Reference.committed.problems {
            XCTAssertFalse(problem.betaChecks.isEmpty, problem.name)
            let merged = Problem(rows: problem.samples)
            var sweep = Sweep(problem: merged, clusters: merged.m, settings: settings)
            for check in problem.betaChecks {
                let s = sweep.solve(check[0], neighbours: [])
                XCTAssertEqual(s.ixt / M_LN2, check[1], accuracy: 1e-6, "\(problem.name) at β = \(check[0])")
                XCTAssertEqual(s.ity / M_LN2, check[2], accuracy: 1e-6, "\(problem.name) at β = \(check[0])")
            }
        }
    }

    /// The curve is the supremum: seeded random encoders p(t|x), from diffuse to nearly
    /// deterministic, of 2 to |X| + 1 clusters, never reach above it.
    func testRandomEncodersNeverReachAboveTheCurve() {
        var generator = SplitMix64(seed: 20)
        for (problem, curve) in zip(Reference.committed.problems, Self.curves) {
            let counts = problem.counts.map(Double.init), total = counts.reduce(0, +)
            let px = counts.map { $0 / total }
            let rows = problem.rows.map { row in row.map { $0 / row.reduce(0, +) } }
            for draw in 0..<600 {
                let k = 2 + draw % rows.count, sharpness = [1.0, 4, 16][draw % 3]
                let encoder = rows.indices.map { _ -> [Double] in
                    let u = (0..<k).map { _ in pow(generator.nextUnit(), sharpness) + 1e-300 }
                    return u.map { $0 / u.reduce(0, +) }
                }
                let p = Self.information(px: px, rows: rows, encoder: encoder)
                XCTAssertLessThanOrEqual(p.ity, height(curve.points, at: p.ixt) + 1e-9, "\(problem.name): \(p) above the curve")
            }
        }
    }

    /// I(X;T) and I(T;Y) in bits of `encoder` (p(t|x) per row) on the joint p(x)·p(y|x).
    static func information(px: [Double], rows: [[Double]], encoder: [[Double]]) -> IBCurve.Point {
        let (k, c) = (encoder[0].count, rows[0].count)
        var pt = [Double](repeating: 0, count: k), pty = [[Double]](repeating: [Double](repeating: 0, count: c), count: k)
        var py = [Double](repeating: 0, count: c)
        for x in px.indices {
            for y in 0..<c { py[y] += px[x] * rows[x][y] }
            for t in 0..<k {
                pt[t] += px[x] * encoder[x][t]
                for y in 0..<c { pty[t][y] += px[x] * encoder[x][t] * rows[x][y] }
            }
        }
        var ixt = 0.0, ity = 0.0
        for x in px.indices { for t in 0..<k where encoder[x][t] > 0 { ixt += px[x] * encoder[x][t] * log2(encoder[x][t] / pt[t]) } }
        for t in 0..<k { for y in 0..<c where pty[t][y] > 0 { ity += pty[t][y] * log2(pty[t][y] / (pt[t] * py[y])) } }
        return IBCurve.Point(ixt, ity)
    }
}
