import DneckCore
import DneckFigure
import DneckIO
@testable import DneckMeasures
import DneckPlotters
import XCTest

final class EDGETests: XCTestCase {
    /// Every layer at both epochs of the committed run's test split against the numbers
    /// deep-bottleneck's own edge.py gave (`Tests/reference/edge_reference.py`, committed).
    func testMatchesDeepBottleneckOnCommittedRun() throws {
        try KernelReference.assertAgree(estimator: EDGEEstimator(), name: "edge", run: KernelReference.committedRun,
                                        split: .test, expected: "edge_expected.csv", tolerance: 1e-12)
    }

    /// Exactly independent variables (every pair of values equally often) sit at the 0.001
    /// floor: each bucket term log2(N_ab N / (N_a M_b)) is 0, clipped up to 0.001. (Sampled
    /// independence lands above it: the negative terms are clipped up, the positive ones are
    /// not; 0.02 bits for 2,000 random binary labels.) A variable with itself: near its entropy.
    func testIndependenceAndSelfInformation() {
        let n = 2000
        let x = Matrix(rows: n, columns: 1, float32: (0..<n).map { Float($0 % 2) })
        let independentLabels = (0..<n).map { ($0 / 2) % 2 }
        XCTAssertEqual(EDGEEstimator().estimate(x, labels: independentLabels).iym, 0.001, accuracy: 1e-12)
        // Four equally likely values, the variable against itself as inputs: H = 2 bits.
        let quarters = (0..<n).map { i in Float(i % 4) }
        let m = Matrix(rows: n, columns: 1, float32: quarters)
        let same = EDGEEstimator().estimate(m, labels: [Int](repeating: 0, count: n), inputs: m)
        XCTAssertEqual(same.ixm, 2, accuracy: 0.05)
        XCTAssertFalse(same.hitCap)
        // Labels that are M itself reach the cap U = 1 of I(Y;M) for four classes.
        let capped = EDGEEstimator().estimate(m, labels: quarters.map { Int($0) })
        XCTAssertEqual(capped.iym, 1, accuracy: 1e-12)
        XCTAssertTrue(capped.hitCap)
    }

    /// numpy's pairwise summation order, linspace and the k-th neighbour distance.
    func testNumpyDetails() {
        let values = (0..<300).map { Float($0) * 0.1 + 1e-3 }
        var sequential: Float = 0
        for v in values { sequential += v }
        XCTAssertNotEqual(NumpySum.pairwise(values), sequential)   // the order matters in float32 …
        XCTAssertEqual(Double(NumpySum.pairwise(values)), values.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-2)
        XCTAssertEqual(EDGE.linspace(1, 1.1, count: 10, endpoint: true).last, 1.1)
        XCTAssertEqual(EDGE.linspace(0, 1, count: 10, endpoint: false)[3], 3 * 0.1)
        XCTAssertEqual(EDGE.kthDistance(from: 2, in: [0, 1, 2, 2.5, 7], k: 1), 0)
        XCTAssertEqual(EDGE.kthDistance(from: 2, in: [0, 1, 2, 2.5, 7], k: 3), 1)
        XCTAssertEqual(EDGE.kthDistance(from: 2, in: [0, 1, 2, 2.5, 7], k: 5), 5)
    }

    /// On a 10-class run (H(Y) = 3.32 bits) EDGE's cap U = 1 bounds I(Y;M): the plane draws the
    /// cap as a dashed ceiling, and the footer names it and says that terms sat at it.
    func testCapOnATenClassRunIsOnThePlane() throws {
        let run = Fixtures.temporaryFolder().appendingPathComponent("ten.h5").path
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        try LayoutRuns.trainPython([trainer, "--out", run, "--dataset", "gaussian_mixture", "--n-classes", "10", "--n-samples", "800",
                                    "--n-features", "20", "--architecture", "64,16", "--activation", "relu", "--epochs", "3", "--inputs"])
        let data = try DataStage.gather(RunReader(path: run), needs: InfoPlaneChart.descriptor.needs, estimator: EDGEEstimator())
        XCTAssertTrue(data.estimateNotes.hitCap)
        XCTAssertGreaterThan(data.measures!.points.compactMap(\.ceilingY).min()!, 3)
        let figure = InfoPlaneChart().figure(data, request: FigureRequest())
        let ceilings = figure.panels[0].marks.compactMap { mark -> Double? in
            if case .horizontalLine(let y, _, _, true) = mark { return y } else { return nil }
        }
        XCTAssertEqual(ceilings, [1], "the cap U = 1 as the only ceiling of I(Y;M) (H(Y) is far above the data)")
        XCTAssertTrue(figure.footer.contains { $0.hasPrefix("dashed: ") && $0.contains("the cap U = 1 bit of I(Y;M)") }, "\(figure.footer)")
        XCTAssertTrue(figure.footer.contains { $0.contains("bucket terms sit at the cap") }, "\(figure.footer)")
    }
}

