@testable import DneckMeasures
import XCTest

/// The information-bottleneck curve against closed forms: the binary symmetric source, and the
/// corners of deterministic and uninformative labels.
final class IBCurveTests: XCTestCase {
    /// Binary entropy in bits.
    private func h(_ p: Double) -> Double { p <= 0 || p >= 1 ? 0 : -p * log2(p) - (1 - p) * log2(1 - p) }

    /// h⁻¹ on [0, 1/2], by bisection to the last bit.
    private func hInverse(_ v: Double) -> Double {
        var (lo, hi) = (0.0, 0.5)
        for _ in 0..<200 { let mid = (lo + hi) / 2; if h(mid) < v { lo = mid } else { hi = mid } }
        return (lo + hi) / 2
    }

    /// X uniform binary, Y = X flipped with probability ε: the curve is
    /// I_Y = 1 − h(ε ∗ h⁻¹(1 − I_X)), a ∗ b = a(1 − b) + b(1 − a). Every point to 1e-6 bits.
    func testBinarySymmetricSourceLiesOnItsClosedForm() {
        for epsilon in [0.1, 0.25] {
            let rows = (0..<10).map { $0 % 2 == 0 ? [1 - epsilon, epsilon] : [epsilon, 1 - epsilon] }
            let curve = IBCurve(rows: rows)
            XCTAssertEqual(curve.mutualInformation, 1 - h(epsilon), accuracy: 1e-12)
            XCTAssertEqual(curve.distinctInputs, 2)
            XCTAssertGreaterThan(curve.points.count, 15, "ε = \(epsilon): \(curve.points)")
            XCTAssertEqual(curve.points.first?.ixt, 0)
            XCTAssertEqual(curve.points.last?.ixt ?? 0, 1, accuracy: 1e-12)
            for p in curve.points {
                let delta = hInverse(1 - p.ixt)
                let closed = 1 - h(epsilon * (1 - delta) + delta * (1 - epsilon))
                XCTAssertEqual(p.ity, closed, accuracy: 1e-6, "ε = \(epsilon) at I_X = \(p.ixt)")
            }
            for (a, b) in zip(curve.points, curve.points.dropFirst()) {
                XCTAssertLessThan(a.ixt, b.ixt)
                XCTAssertLessThanOrEqual(a.ity, b.ity)
            }
        }
    }

    /// One-hot rows (deterministic labels): the curve is min(I_X, H(Y)), the diagonal to H(Y).
    func testOneHotRowsGiveTheDiagonalToTheLabelEntropy() {
        let classes = [0, 1, 2, 2, 1, 2, 0, 2]
        let rows = classes.map { y in (0..<3).map { $0 == y ? 1.0 : 0.0 } }
        let curve = IBCurve(rows: rows)
        let hy = -[2.0, 2, 4].map { $0 / 8 * log2($0 / 8) }.reduce(0, +)
        XCTAssertEqual(curve.mutualInformation, hy, accuracy: 1e-12)
        XCTAssertEqual(curve.points.last?.ixt ?? 0, hy, accuracy: 1e-12)
        for p in curve.points { XCTAssertEqual(p.ity, min(p.ixt, hy), accuracy: 1e-9, "\(p)") }
    }

    /// Every row alike: X says nothing of Y, the curve is level at 0.
    func testEqualRowsGiveAFlatCurveAtZero() {
        let curve = IBCurve(rows: Array(repeating: [0.2, 0.3, 0.5], count: 7))
        XCTAssertEqual(curve.distinctInputs, 1)
        XCTAssertEqual(curve.mutualInformation, 0, accuracy: 1e-15)
        XCTAssertEqual(curve.points, [IBCurve.Point(0, 0)])
    }

    /// The same rows give the same curve, point for point.
    func testCurveIsDeterministic() {
        var generator = SplitMix64(seed: 3)
        let rows = (0..<8).map { _ -> [Double] in
            let v = (0..<3).map { _ in generator.nextUnit() + 0.01 }
            return v.map { $0 / v.reduce(0, +) }
        }
        var settings = IBCurve.Settings()
        (settings.maxBetas, settings.maxIterations) = (12, 200)
        XCTAssertEqual(IBCurve(rows: rows, settings: settings), IBCurve(rows: rows, settings: settings))
    }
}
