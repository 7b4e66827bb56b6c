import DneckCore
@testable import DneckMeasures
import XCTest

final class RenyiTests: XCTestCase {
    /// α = 1.01, σ = 1, layers 0, 2 and 5 at both epochs of the committed run's test split (819
    /// rows, no subset) against the numpy reference's committed numbers (1e-6 relative).
    func testMatchesReferenceOnCommittedRun() throws {
        try KernelReference.assertAgree(estimator: try RenyiEstimator(), name: "renyi", run: KernelReference.committedRun,
                                        split: .test, expected: "kernel_expected.csv", layers: [0, 2, 5])
    }

    /// α = 2 from tiled Frobenius norms on every row against the reference's eigenvalues.
    func testAlphaTwoMatchesReferenceEigenvalues() throws {
        try KernelReference.assertAgree(estimator: try RenyiEstimator(alpha: 2), name: "renyi", run: KernelReference.committedRun,
                                        split: .test, expected: "kernel_alpha2_expected.csv")
    }

    /// σ = median on the same 300-row subset the reference draws.
    func testMedianWidthOnSubsetMatchesReference() throws {
        let estimator = try RenyiEstimator(width: .median, samples: 300)
        try KernelReference.assertAgree(estimator: estimator, name: "renyi", run: KernelReference.committedRun,
                                        split: .train, expected: "kernel_median_expected.csv")
        let m = Matrix(rows: 400, columns: 1, values: (0..<400).map(Double.init))
        XCTAssertEqual(estimator.estimate(m, labels: [Int](repeating: 0, count: 400), inputs: m).subsampledRows, 300)
    }

    func testMatchesReferenceOnFreshRun() throws {
        try KernelReference.assertAgreeOnFreshRun(name: "renyi", estimator: try RenyiEstimator(), options: [])
    }

    /// N identical points: entropy 0; N points far apart: log2 N; I(M; M) = S(M); every α.
    func testConstructedEntropies() throws {
        let n = 16
        let far = Matrix(rows: n, columns: 1, values: (0..<n).map { Double($0) * 100 })
        let same = Matrix(rows: n, columns: 1, values: [Double](repeating: 3, count: n))
        var generator = SplitMix64(seed: 5)
        let spread = Matrix(rows: n, columns: 2, values: (0..<2 * n).map { _ in generator.nextUnit() * 2 })
        for alpha in [1, 1.01, 2, 3] {
            let estimator = try RenyiEstimator(alpha: alpha)
            XCTAssertEqual(estimator.estimate(far, labels: Array(0..<n), inputs: far).ceilingX!, 4, accuracy: 1e-9, "α = \(alpha)")
            XCTAssertEqual(estimator.estimate(same, labels: Array(0..<n), inputs: same).ceilingX!, 0, accuracy: 1e-9, "α = \(alpha)")
            let mi = estimator.estimate(spread, labels: Array(0..<n), inputs: spread)
            // I(M; M) = 2 S(M) − S(M ∘ M); K ∘ K is the kernel at σ/√2, so it is no tautology.
            let halfWidth = try RenyiEstimator(alpha: alpha, width: .fixed(0.5.squareRoot())).estimate(spread, labels: Array(0..<n), inputs: spread)
            XCTAssertEqual(mi.ixm, 2 * mi.ceilingX! - halfWidth.ceilingX!, accuracy: 1e-9, "α = \(alpha)")
            XCTAssertGreaterThan(mi.ixm, 0)
            XCTAssertLessThanOrEqual(mi.ixm, mi.ceilingX! + 1e-9)
        }
    }

    /// S(M, M) = S(M) holds exactly only for a 0/1 kernel: far-apart points, where K ∘ K = K.
    func testInformationOfFarPointsWithThemselvesIsTheirEntropy() throws {
        let far = Matrix(rows: 8, columns: 1, values: (0..<8).map { Double($0) * 100 })
        let mi = try RenyiEstimator().estimate(far, labels: Array(0..<8), inputs: far)
        XCTAssertEqual(mi.ixm, 3, accuracy: 1e-9)
    }

    func testSummaryAndOptions() throws {
        XCTAssertEqual(try RenyiEstimator().summary, "matrix-based Rényi entropy, α = 1.01, σ = 1.0, at most 1000 samples")
        XCTAssertThrowsError(try RenyiEstimator(alpha: 0))
        XCTAssertThrowsError(try RenyiEstimator(width: .fixed(-1)))
        XCTAssertThrowsError(try RenyiEstimator(samples: 1))
        XCTAssertTrue(try RenyiEstimator().estimate(Matrix(rows: 2, columns: 1, values: [0, 1]), labels: [0, 1]).ixm.isNaN)
    }
}
