import DneckCore
import DneckIO
@testable import DneckMeasures
import XCTest

final class BinningRulesTests: XCTestCase {
    /// Equal-width and adaptive binning (30 bins), every epoch and layer of both splits of the
    /// shared run, against the numpy reference's committed numbers (1e-9 bits).
    func testRulesMatchReferenceOnSharedRun() throws {
        try ReferenceNumbers.assertAgreeOnSharedRun(["bins-30", "adaptive-30"])
    }

    /// Evenly spread data in B equal-width bins: log2 B bits, B states.
    func testEqualWidthBinsOfUniformDataGiveLog2B() throws {
        let n = 12_000
        let m = Matrix(rows: n, columns: 1, values: (0..<n).map { -3 + 7 * Double($0) / Double(n - 1) })
        for bins in [2, 8, 30] {
            let mi = try BinningEstimator(rule: .equalWidth(bins: bins)).estimate(m, labels: [Int](repeating: 0, count: n))
            XCTAssertEqual(mi.ixm, log2(Double(bins)), accuracy: 1e-3, "\(bins) bins")
            XCTAssertEqual(mi.states, bins)
        }
    }

    /// index = min(floor((a − lo) / (hi − lo) · B), B − 1): the maximum joins the last bin; a
    /// layer with hi = lo is one state.
    func testEqualWidthEdgesAndConstantLayer() throws {
        // lo 0, hi 4, B 4: 0→0, 0.99→0, 1→1, 3.5→3, 4→3 (not a fifth bin)
        let m = Matrix(rows: 5, columns: 1, values: [0, 0.99, 1, 3.5, 4])
        let mi = try BinningEstimator(rule: .equalWidth(bins: 4)).estimate(m, labels: [0, 0, 0, 0, 0])
        XCTAssertEqual(mi.states, 3)
        XCTAssertEqual(mi.ixm, -(2 * 0.4 * log2(0.4) + 0.2 * log2(0.2)), accuracy: 1e-12)
        let flat = try BinningEstimator(rule: .equalWidth(bins: 30)).estimate(Matrix(rows: 3, columns: 2, values: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), labels: [0, 1, 1])
        XCTAssertEqual(flat.states, 1)
        XCTAssertEqual(flat.ixm, 0)
    }

    /// A hand-made layer, worked out on paper. Two units pooled, values 0, 0, 0, 0, 1, 2, 3, 4,
    /// 5, 6, 7, 7: minimum m = 0; u = 1…7 (|u| = 7); with B = 3 the edges are u[⌊0·7/3⌋] = 1,
    /// u[⌊1·7/3⌋] = u[2] = 3, u[⌊2·7/3⌋] = u[4] = 5. Bins: 0 → m, 1–2 → 1, 3–4 → 2, 5–7 → 3
    /// (7, the maximum, shares the last bin: Chelombiev et al.'s code would give it its own).
    func testAdaptiveEdgesOfAHandMadeLayer() throws {
        let values: [Double] = [0, 5,   0, 7,   1, 3,   2, 4,   0, 6,   0, 7]   // rows of (unit 0, unit 1)
        XCTAssertEqual(AdaptiveEdges(values, binCount: 3).edges, [1, 3, 5])
        // Row bins: (0,3) (0,3) (1,2) (1,2) (0,3) (0,3): states {(0,3)×4, (1,2)×2}.
        let mi = try BinningEstimator(rule: .adaptive(bins: 3))
            .estimate(Matrix(rows: 6, columns: 2, values: values), labels: [0, 1, 0, 1, 0, 1])
        XCTAssertEqual(mi.states, 2)
        XCTAssertEqual(mi.ixm, -(4.0 / 6 * log2(4.0 / 6) + 2.0 / 6 * log2(2.0 / 6)), accuracy: 1e-12)
        // More bins than distinct values: edges repeat, each value its own bin.
        XCTAssertEqual(AdaptiveEdges([0, 1, 2, 2, 3], binCount: 5).edges, [1, 1, 2, 2, 3])
        XCTAssertEqual(AdaptiveEdges([0, 1, 2, 2, 3], binCount: 5).bin(of: 1), 2)   // largest k with e_k ≤ 1 is 1
        XCTAssertEqual(AdaptiveEdges([2.0, 2, 2], binCount: 4).edges, [])   // one value: one state
    }

    /// The edges are data values in the precision they were stored in: float32 values that are
    /// not doubles' neighbours stay themselves.
    func testAdaptiveEdgesKeepStoredPrecision() throws {
        let stored: [Float] = [0.1, 0.2, 0.3, 0.7, 0.1]
        XCTAssertEqual(AdaptiveEdges(stored, binCount: 2).edges, [Float(0.2), Float(0.3)])
        let a = try BinningEstimator(rule: .adaptive(bins: 2)).estimate(Matrix(rows: 5, columns: 1, float32: stored), labels: [0, 0, 0, 0, 0])
        let b = try BinningEstimator(rule: .adaptive(bins: 2)).estimate(Matrix(rows: 5, columns: 1, values: stored.map(Double.init)), labels: [0, 0, 0, 0, 0])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.states, 3)   // 0.1 (minimum) | 0.2 | 0.3, 0.7
    }

    /// Dead-ReLU zeros keep a bin of their own, however close the smallest live output; on an
    /// equal-width grid they share it.
    func testDeadReLUZerosKeepTheirOwnBin() throws {
        let values: [Double] = [0, 0, 0, 1e-6, 0.5, 1]
        let m = Matrix(rows: 6, columns: 1, values: values)
        let labels = [Int](repeating: 0, count: 6)
        let adaptive = try BinningEstimator(rule: .adaptive(bins: 2)).estimate(m, labels: labels)   // edges 1e-6, 0.5
        XCTAssertEqual(adaptive.states, 3)
        XCTAssertEqual(adaptive.ixm, -(0.5 * log2(0.5) + 1.0 / 6 * log2(1.0 / 6) + 2.0 / 6 * log2(2.0 / 6)), accuracy: 1e-12)
        let equalWidth = try BinningEstimator(rule: .equalWidth(bins: 2)).estimate(m, labels: labels)
        XCTAssertEqual(equalWidth.states, 2)   // 0 and 1e-6 together
    }

    func testSummariesHealthAndInvalidRules() throws {
        XCTAssertEqual(BinningEstimator().summary, "binning, bin size 0.07")
        XCTAssertEqual(try BinningEstimator(rule: .equalWidth(bins: 30)).summary, "equal-width binning, 30 bins")
        XCTAssertEqual(try BinningEstimator(rule: .adaptive(bins: 30)).summary, "adaptive binning, 30 bins")
        XCTAssertThrowsError(try BinningEstimator(rule: .adaptive(bins: 0)))
        XCTAssertThrowsError(try BinningEstimator(rule: .equalWidth(bins: -3)))
        XCTAssertThrowsError(try BinningEstimator(rule: .binSize(0)))
        XCTAssertThrowsError(try BinningEstimator(rule: .binSize(.nan)))
        // Every row its own state: saturated at log2 N; labels 3:1 give H(Y) = 0.811 bits.
        let mi = BinningEstimator().estimate(Matrix(rows: 4, columns: 1, values: [0, 1, 2, 3]), labels: [0, 0, 0, 1])
        XCTAssertEqual(mi.states, 4)
        XCTAssertEqual(mi.ceilingX, 2)
        XCTAssertEqual(try XCTUnwrap(mi.ceilingY), -(0.75 * log2(0.75) + 0.25 * log2(0.25)), accuracy: 1e-15)
        let point = InformationPoint(epoch: 0, layer: 0, estimate: mi)
        XCTAssertTrue(point.saturatedX)
        XCTAssertTrue(point.saturatedY)
        XCTAssertFalse(InformationPoint(epoch: 0, layer: 0, ixm: 1.9, iym: 0.1, ceilingX: 2, ceilingY: 1).saturatedX)
    }

    /// The measures carry each point's ceilings and states; `--health` columns follow from them.
    func testMeasuresCarryHealthAndWriteItAsCSV() throws {
        let run = Fixtures.sharedRuns.appendingPathComponent("harmonics_tanh_small.h5").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: run), "../shared/data is not beside the package")
        let reader = try RunReader(path: run, split: .test)
        let table = try InformationMeasures.compute(reader, estimator: BinningEstimator(), epochs: [0]).table
        let first = try XCTUnwrap(table.points.first)
        XCTAssertEqual(first.ceilingX, log2(819))
        XCTAssertEqual(try XCTUnwrap(first.states), 819)   // 12 inputs → 10 tanh units: every sample its own state
        XCTAssertTrue(first.saturatedX)
        XCTAssertEqual(table.points.last?.saturatedX, false)   // the 2-unit softmax layer
        let lines = table.csv(quantity: .bits, health: true).split(separator: "\n")
        XCTAssertEqual(lines[0], "epoch,layer,MI_XM,MI_YM,states,saturated_X,saturated_Y")
        XCTAssertTrue(lines[1].hasSuffix(",819,true,\(first.saturatedY)"), String(lines[1]))
        XCTAssertEqual(table.csv(quantity: .bits).split(separator: "\n")[0], "epoch,layer,MI_XM,MI_YM")
        let band = MeasureTable(points: [InformationPoint(epoch: 3, layer: 1, ixm: 2, iym: 0.5, ixmLower: 1.5, iymLower: 0.25,
                                                          ceilingX: 2, ceilingY: 1)])
        XCTAssertEqual(band.csv(quantity: .bits, health: true), "epoch,layer,MI_XM,MI_YM,MI_XM_lower,MI_YM_lower,states,saturated_X,saturated_Y\n3,1,2,0.5,1.5,0.25,,true,false\n")
    }
}
