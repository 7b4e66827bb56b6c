import DneckCore
import DneckIO
@testable import DneckMeasures
import Foundation
import XCTest

/// Kraskov's KSG for I(X;M) and Ross's mixed estimator for I(Y;M): constructed cases, a hand-worked
/// example, the numpy/cKDTree reference (`Tests/reference/ksg_reference.py`) on the same jittered
/// points, ties and the command line.
final class KSGTests: XCTestCase {
    /// The committed run's test split against `ksg_expected.csv` (1e-9 relative): the defaults,
    /// variant 2 with k = 5, and noise with whitened PCA under another seed.
    func testMatchesReferenceOnCommittedRun() throws {
        let configurations: [(String, KSGEstimator)] = [
            ("ksg", try KSGEstimator()),
            ("ksg-v2-k5", try KSGEstimator(k: 5, variant: .two)),
            ("ksg-noise-pca", try KSGEstimator(noiseStd: 0.1, projection: .init(dimensions: 4, whiten: true), seed: 7)),
        ]
        for (name, estimator) in configurations {
            try KernelReference.assertAgree(estimator: estimator, name: name, run: KernelReference.committedRun, split: .test,
                                            expected: "ksg_expected.csv", tolerance: 1e-9)
        }
    }

    /// Six points, k = 1, variant 1, worked by hand. X and M hold the same values (so one scale
    /// for both, and the jitter of 1e-10 moves no count):
    ///
    ///     i   (x, m)    nearest  ε_i   n_x: |x_j − x_i| < ε   n_m: |m_j − m_i| < ε
    ///     0   (0, 7)    1        5     2 (x = 1, 3)           1 (m = 3)
    ///     1   (1, 12)   0        5     2 (x = 0, 3)           0
    ///     2   (3, 18)   1        6     3 (x = 0, 1, 7)        0
    ///     3   (7, 0)    4        5     1 (x = 3)              2 (m = 1, 3)
    ///     4   (12, 1)   3        5     0                      2 (m = 0, 3)
    ///     5   (18, 3)   4        6     0                      3 (m = 0, 1, 7)
    ///
    /// ψ(n) = −γ + H(n − 1): Σ_i [ψ(n_x + 1) + ψ(n_m + 1)] = 4ψ(3) + 2ψ(2) + 4ψ(1) + 2ψ(4)
    /// = 4·3/2 + 2·1 + 2·11/6 − 12γ = 35/3 − 12γ, so
    /// I = ψ(1) + ψ(6) − (35/3 − 12γ)/6 = (−γ) + (137/60 − γ) − 35/18 + 2γ = 61/180 nats.
    func testSixPointsByHand() throws {
        let x = Matrix(rows: 6, columns: 1, values: [0, 1, 3, 7, 12, 18])
        let m = Matrix(rows: 6, columns: 1, values: [7, 12, 18, 0, 1, 3])
        let mi = try KSGEstimator(k: 1).estimate(m, labels: [0, 0, 0, 1, 1, 1], inputs: x)
        XCTAssertEqual(mi.ixm, 61.0 / 180 / M_LN2, accuracy: 1e-12)
        XCTAssertEqual(mi.tiedFraction, 0)
    }

    /// ψ from the table is scipy's digamma at the integers.
    func testDigammaTable() {
        let psi = DigammaTable(upTo: 1000)
        XCTAssertEqual(psi[1], -0.57721566490153286, accuracy: 1e-15)
        XCTAssertEqual(psi[2], 0.42278433509846714, accuracy: 1e-15)
        XCTAssertEqual(psi[1000], 6.9072551956488990, accuracy: 1e-12)
    }

    /// Two 2-D Gaussian blocks, each coordinate pair with correlation 0.8:
    /// I = −2 · ½ ln(1 − 0.8²) = 1.0217 nats. At N = 2000 one sample's estimate scatters by about
    /// 0.03 nats, so the mean over eight samples (seeds 1…8) must be within 0.025 of it, for both
    /// variants (the reference script gives 1.0138 and 1.0141 on the same samples).
    func testGaussianBlocksOfKnownInformation() throws {
        let truth = -log(1 - 0.64)
        XCTAssertEqual(truth, 1.0217, accuracy: 1e-4)
        let samples = (1...8).map { Self.gaussianBlocks(rows: 2000, correlation: 0.8, seed: $0) }
        for variant in KSGEstimator.Variant.allCases {
            let estimates = try samples.map { x, m in
                try KSGEstimator(variant: variant).estimate(m, labels: [Int](repeating: 0, count: 2000), inputs: x)
            }
            let mean = estimates.reduce(0) { $0 + $1.ixm * M_LN2 } / 8
            XCTAssertEqual(mean, truth, accuracy: 0.025, "variant \(variant.rawValue)")
            XCTAssertEqual(estimates.compactMap(\.tiedFraction).max(), 0)
        }
    }

    /// Independent X and M give I(X;M) ≈ 0; labels drawn apart from M give I(Y;M) ≈ 0 (clipped
    /// at 0); labels that are M's sign give nearly H(Y) = 1 bit.
    func testIndependenceAndLabels() throws {
        let (x, m) = Self.gaussianBlocks(rows: 2000, correlation: 0, seed: 5)
        var draws = NumpyRandom(seed: 9)
        let random = (0..<2000).map { _ in draws.nextInt(below: 2) }
        let apart = try KSGEstimator().estimate(m, labels: random, inputs: x)
        XCTAssertEqual(apart.ixm, 0, accuracy: 0.03)
        XCTAssertGreaterThanOrEqual(apart.iym, 0)
        XCTAssertLessThan(apart.iym, 0.02)
        let sign = m.values.enumerated().filter { $0.offset % 2 == 0 }.map { $0.element > 0 ? 1 : 0 }
        let told = try KSGEstimator().estimate(m, labels: sign, inputs: x)
        XCTAssertGreaterThan(told.iym, 0.9)
        XCTAssertEqual(told.ixm, apart.ixm)
    }

    /// Binary inputs and a layer of saturated units (values ±1) are tied almost everywhere: the
    /// jitter's seed decides the estimate, and a warning says so. Continuous inputs and noise on
    /// M leave no ties.
    func testTiesAreReported() throws {
        let (x, raw) = Self.gaussianBlocks(rows: 500, correlation: 0.8, seed: 5)
        let binary = Matrix(rows: 500, columns: 2, values: x.values.map { $0 > 0 ? 1 : 0 })
        let saturated = Matrix(rows: 500, columns: 2, values: raw.values.map { $0 > 0 ? 1 : -1 })
        let labels = (0..<500).map { $0 % 2 }
        let tied = try KSGEstimator().estimate(saturated, labels: labels, inputs: binary)
        XCTAssertGreaterThan(try XCTUnwrap(tied.tiedFraction), 0.9)
        XCTAssertNotEqual(try KSGEstimator(seed: 1).estimate(saturated, labels: labels, inputs: binary).ixm, tied.ixm)
        let noisy = try KSGEstimator(noiseStd: 0.5).estimate(saturated, labels: labels, inputs: x)
        XCTAssertEqual(noisy.tiedFraction, 0)
        XCTAssertNotNil(EstimatorDescriptor.ksg.tieWarning(EstimateNotes(tied), summary: "KSG"))
        XCTAssertNil(EstimatorDescriptor.ksg.tieWarning(EstimateNotes(noisy), summary: "KSG"))
    }

    /// The distance rows are exactly the one-by-one distances, and the nearest points and the
    /// counts taken from them are those of brute force, on points with deliberate ties: values on
    /// a grid, duplicate rows, a dead unit in X and in M. 203 rows (a short last block and a short
    /// last group of queries), X of 37 columns (SIMD blocks and a rest) and M of 6; the joint
    /// distance, a within-class search and a count over some of the points, as KSG and Ross use them.
    func testDistanceRowsAgreeWithBruteForce() {
        var draws = NumpyRandom(seed: 3)
        let n = 203
        var xs = (0..<n * 37).map { $0 % 37 == 5 ? 0 : Double(draws.nextInt(below: 6)) }
        var ms = (0..<n * 6).map { $0 % 6 == 2 ? 0 : (2 * draws.nextGaussian()).rounded() / 2 }
        for r in 100..<110 {
            xs.replaceSubrange(r * 37..<(r + 1) * 37, with: xs[(r - 100) * 37..<(r - 99) * 37])
            ms.replaceSubrange(r * 6..<(r + 1) * 6, with: ms[(r - 100) * 6..<(r - 99) * 6])
        }
        let (x, m) = (PointSet(rows: n, columns: 37, values: xs), PointSet(rows: n, columns: 6, values: ms))
        let labels = (0..<n).map { $0 % 3 }
        let problems = MaxNormRows(parts: [x, m]).map { i, rows -> (row: Int, problems: [String]) in
            var problems: [String] = []
            let others = (0..<n).filter { $0 != i }
            let (dx, dm) = ((0..<n).map { x.distance(i, $0) }, (0..<n).map { m.distance(i, $0) })
            if Array(rows[0]) != dx || Array(rows[1]) != dm { problems.append("row \(i): distances") }
            let row = DistanceRow(i: i)
            let byJoint = others.map { (distance: max(dx[$0], dm[$0]), row: $0) }.sorted { ($0.distance, $0.row) < ($1.distance, $1.row) }
            let nearest = row.nearest(4, among: 0..<n) { max(rows[0][$0], rows[1][$0]) }
            if nearest.map(\.distance) != byJoint.prefix(4).map(\.distance) || nearest.map(\.row) != byJoint.prefix(4).map(\.row) {
                problems.append("row \(i): nearest \(nearest) not \(Array(byJoint.prefix(4)))")
            }
            let sameClass = others.filter { labels[$0] == labels[i] }.map { dm[$0] }.sorted()
            if row.nearest(3, among: (0..<n).filter { labels[$0] == labels[i] }) { rows[1][$0] }.map(\.distance) != Array(sameClass.prefix(3)) {
                problems.append("row \(i): nearest of its class")
            }
            let sorted = others.map { dx[$0] }.sorted(), (r, edge) = (sorted[10], sorted[20])
            let counted = row.count(rows[0], among: 0..<n, within: r, edge: edge, band: 0.5)
            if counted.inside != sorted.filter({ $0 <= r }).count || counted.near != sorted.filter({ abs($0 - edge) <= 0.5 }).count {
                problems.append("row \(i): counts \(counted)")
            }
            let some = others.filter { labels[$0] != 2 }.map { dm[$0] }, radius = dm[(i + 1) % n]
            let countedSome = row.count(rows[1], among: (0..<n).filter { labels[$0] != 2 }, within: radius, edge: radius, band: 0.25)
            if countedSome.inside != some.filter({ $0 <= radius }).count || countedSome.near != some.filter({ abs($0 - radius) <= 0.25 }).count {
                problems.append("row \(i): counts among some \(countedSome)")
            }
            return (i, problems)
        }
        XCTAssertEqual(problems.map(\.row), Array(0..<n))
        XCTAssertEqual(problems.flatMap(\.problems), [])
    }

    /// The summary states every default and every choice.
    func testSummary() throws {
        XCTAssertEqual(try KSGEstimator().summary, "KSG (variant 1), k = 3, no noise, no PCA, seed 0")
        XCTAssertEqual(try KSGEstimator(k: 5, variant: .two, noiseStd: 0.1, projection: .init(dimensions: 10, whiten: true), seed: 4).summary,
                       "KSG (variant 2), k = 5, noise std 0.1, PCA to 10 dims whitened, seed 4")
    }

    /// `measures --estimator ksg,binning` writes both, `compare --estimators ksg,binning` draws both;
    /// bad ksg options are refused with one line.
    func testCommandLine() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("m.csv")
        let run = KernelReference.committedRun
        let result = try runCLI(["measures", run, "--split", "test", "--epochs", "29", "--estimator", "ksg,binning", "--k", "5",
                                 "--ksg-variant", "2", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        XCTAssertEqual(rows.filter { $0[0] == "ksg" }.count, 6)
        XCTAssertEqual(rows.filter { $0[0] == "binning" }.count, 6)
        let reference = try ReferenceNumbers.read(KernelReference.folder.appendingPathComponent("ksg_expected.csv"))
            .first { $0.estimator == "ksg-v2-k5" && $0.layer == 0 }!
        XCTAssertEqual(Double(rows.first { $0[0] == "ksg" && $0[2] == "0" }![3])!, reference.ixm, accuracy: 1e-9 * reference.ixm)
        XCTAssertTrue(result.stderr.contains("points are tied"), result.stderr)
        let figure = folder.appendingPathComponent("compare.png")
        let compare = try runCLI(["compare", run, "--split", "test", "--epochs", "29", "--estimators", "ksg,binning", "--noise-std", "0.1",
                                  "-o", figure.path])
        XCTAssertEqual(compare.status, 0, compare.stderr)   // --noise-std is checked against --estimators, not --estimator
        XCTAssertTrue(FileManager.default.fileExists(atPath: figure.path))
        let cases: [([String], String)] = [
            (["--estimator", "ksg", "--k", "0"], "--k must be between 1 and 100"),
            (["--estimator", "ksg", "--ksg-variant", "3"], "--ksg-variant takes 1 or 2"),
            (["--estimator", "ksg", "--noise-std=-1"], "--noise-std must be a number of at least 0"),
            (["--estimator", "ksg", "--pca", "0"], "--pca must be between 1 and 10000"),
            (["--estimator", "ksg", "--whiten"], "--whiten needs --pca D"),
            (["--estimator", "ksg", "--seed", "-1"], "--seed must be between 0 and 4294967295"),
            (["--k", "3"], "--k belongs to --estimator ksg, not binning"),
            (["--estimator", "kde", "--noise-std", "0.1"], "--noise-std belongs to --estimator ksg or sp, not kde"),
        ]
        for (arguments, fragment) in cases {
            let bad = try runCLI(["measures", run, "-o", folder.appendingPathComponent("bad.csv").path] + arguments)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.split(separator: "\n").first?.contains(fragment) == true, "\(arguments): \(bad.stderr)")
        }
    }

    /// X (N × 2) and M = ρX + √(1 − ρ²)E (N × 2), numpy's legacy draws from `seed` (X, then E).
    static func gaussianBlocks(rows: Int, correlation rho: Double, seed: UInt32) -> (x: Matrix, m: Matrix) {
        var draws = NumpyRandom(seed: seed)
        let x = (0..<rows * 2).map { _ in draws.nextGaussian() }
        let e = (0..<rows * 2).map { _ in draws.nextGaussian() }
        let m = zip(x, e).map { rho * $0 + (1 - rho * rho).squareRoot() * $1 }
        return (Matrix(rows: rows, columns: 2, values: x), Matrix(rows: rows, columns: 2, values: m))
    }
}

extension PointSet {
    /// max_c |a_c − b_c| of rows `a` and `b`, one pair at a time: the brute force to check against.
    func distance(_ a: Int, _ b: Int) -> Double {
        var d = 0.0
        for c in 0..<columns { d = max(d, abs(values[a * columns + c] - values[b * columns + c])) }
        return d
    }
}
