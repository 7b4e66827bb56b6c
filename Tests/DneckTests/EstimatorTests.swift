import DneckCore
import DneckIO
@testable import DneckMeasures
import XCTest

final class EstimatorTests: XCTestCase {
    /// Every row of the independent reference numbers, both splits, to 1e-9 bits.
    func testMatchesSharedReferenceCSVs() throws {
        let run = Fixtures.sharedRuns.appendingPathComponent("harmonics_tanh_small.h5").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: run), "../shared/data is not beside the package")
        for split in Split.allCases {
            let reference = try Fixtures.readMeasures(
                Fixtures.sharedRuns.appendingPathComponent("harmonics_tanh_small.\(split.rawValue).binning_0.07.csv"))
            let table = try InformationMeasures.compute(RunReader(path: run, split: split), estimator: BinningEstimator(binSize: 0.07))
            XCTAssertEqual(table.points.count, reference.count)
            for (got, want) in zip(table.points, reference) {
                XCTAssertEqual(got.epoch, want.epoch)
                XCTAssertEqual(got.layer, want.layer)
                XCTAssertEqual(got.mixm, want.mixm, accuracy: 1e-9, "\(split) epoch \(want.epoch) layer \(want.layer)")
                XCTAssertEqual(got.miym, want.miym, accuracy: 1e-9, "\(split) epoch \(want.epoch) layer \(want.layer)")
            }
        }
    }

    /// 2^k equiprobable states carry k bits; labels independent of M carry none.
    func testEquiprobableStatesGiveKBitsAndIndependentLabelsGiveZero() {
        for k in 1...6 {
            let states = 1 << k
            let repeats = 4
            // Row r is state r % states, one unit per bit, values 0 or 1 (bins 0 and 14 at 0.07).
            var values: [Double] = []
            var labels: [Int] = []
            for r in 0..<states * repeats {
                let s = r % states
                values += (0..<k).map { Double(s >> $0 & 1) }
                labels.append(r / states % 2)   // each state appears equally in both classes
            }
            let mi = BinningEstimator().estimate(Matrix(rows: states * repeats, columns: k, values: values), labels: labels)
            XCTAssertEqual(mi.mixm, Double(k), accuracy: 1e-12)
            XCTAssertEqual(mi.miym, 0, accuracy: 1e-12)
        }
    }

    /// M equal to the label carries H(Y) about Y, also for unbalanced and ten classes.
    func testLayerEqualToLabelGivesEntropyOfLabels() {
        let labels = (0..<1000).map { i in i < 700 ? i % 10 : 3 }
        var counts = [Int](repeating: 0, count: 10)
        for y in labels { counts[y] += 1 }
        let hy = -counts.map { Double($0) / 1000 }.filter { $0 > 0 }.map { $0 * log2($0) }.reduce(0, +)
        let values = labels.map { Double($0) * 0.5 }
        let mi = BinningEstimator().estimate(Matrix(rows: 1000, columns: 1, values: values), labels: labels)
        XCTAssertEqual(mi.mixm, hy, accuracy: 1e-12)
        XCTAssertEqual(mi.miym, hy, accuracy: 1e-12)
    }

    /// Sparse class ids give the same numbers as dense ones (and no giant count table).
    func testSparseLabelsEqualDenseLabels() {
        let values = (0..<40).map { Double($0 % 7) * 0.1 }
        let dense = (0..<40).map { $0 % 3 }
        let sparse = dense.map { [5, 900_000, 42][$0] }
        let m = Matrix(rows: 40, columns: 1, values: values)
        let a = BinningEstimator().estimate(m, labels: dense), b = BinningEstimator().estimate(m, labels: sparse)
        XCTAssertEqual(a.mixm, b.mixm)
        XCTAssertEqual(a.miym, b.miym, accuracy: 1e-12)
    }

    func testZeroUnitLayerCarriesNothing() {
        let mi = BinningEstimator().estimate(Matrix(rows: 5, columns: 0, values: []), labels: [0, 1, 0, 1, 1])
        XCTAssertEqual(mi.mixm, 0)
        XCTAssertEqual(mi.miym, 0)
    }

    /// floor(a / bin): values on an edge open the next bin, negatives round down, -0 is 0.
    func testBinEdgesAndSigns() {
        let estimator = BinningEstimator(binSize: 0.5)
        // 0.0, -0.0 and 0.49 share bin 0; 0.5 is bin 1; -0.01 is bin -1.
        let values = [0.0, -0.0, 0.49, 0.5, -0.01]
        let mi = estimator.estimate(Matrix(rows: 5, columns: 1, values: values), labels: [0, 0, 0, 0, 0])
        let expected = -(0.6 * log2(0.6) + 2 * 0.2 * log2(0.2))
        XCTAssertEqual(mi.mixm, expected, accuracy: 1e-12)
    }

    /// The inline floor gives libm's floor bit for bit (zero's sign aside, which binning folds).
    func testInlineFloorMatchesLibm() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 1, -1, 0.5, -0.5, 1e-300, -1e-300, 0x1p52, -0x1p52, 0x1p52 + 1, -(0x1p52 + 1),
                                0x1p52 - 0.5, -(0x1p52 - 0.5), 1e300, -1e300, .infinity, -.infinity, .ulpOfOne, -.ulpOfOne,
                                Double(Int64.max), -Double(Int64.max), 3 - .ulpOfOne * 2, -(3 - .ulpOfOne * 2)]
        values += (0..<10_000).map { _ in Double.random(in: -50...50, using: &generator) }
        values += (0..<1_000).map { _ in Double(sign: .plus, exponent: Int.random(in: -60...70, using: &generator),
                                                significand: Double.random(in: 1..<2, using: &generator)) * (Bool.random() ? 1 : -1) }
        for v in values {
            XCTAssertEqual((floorExact(v) + 0.0).bitPattern, (v.rounded(.down) + 0.0).bitPattern, "\(v)")
        }
        XCTAssertTrue(floorExact(.nan).isNaN)
    }

    /// Many distinct wide rows (thousands of units) are all told apart, and equal rows merged.
    func testWideRowsHashExactly() {
        let columns = 2000
        var values: [Double] = []
        for r in 0..<64 {
            var row = [Double](repeating: 0.3, count: columns)
            row[r % 32 * 50] = 5   // rows r and r+32 are equal
            values += row
        }
        let mi = BinningEstimator().estimate(Matrix(rows: 64, columns: columns, values: values), labels: (0..<64).map { $0 % 2 })
        XCTAssertEqual(mi.mixm, 5, accuracy: 1e-12)
    }
}
