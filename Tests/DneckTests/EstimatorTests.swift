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
            let table = try InformationMeasures.compute(RunReader(path: run, split: split), estimator: BinningEstimator(binSize: 0.07)).table
            XCTAssertEqual(table.points.count, reference.count)
            for (got, want) in zip(table.points, reference) {
                XCTAssertEqual(got.epoch, want.epoch)
                XCTAssertEqual(got.layer, want.layer)
                XCTAssertEqual(got.ixm, want.ixm, accuracy: 1e-9, "\(split) epoch \(want.epoch) layer \(want.layer)")
                XCTAssertEqual(got.iym, want.iym, accuracy: 1e-9, "\(split) epoch \(want.epoch) layer \(want.layer)")
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
            XCTAssertEqual(mi.ixm, Double(k), accuracy: 1e-12)
            XCTAssertEqual(mi.iym, 0, accuracy: 1e-12)
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
        XCTAssertEqual(mi.ixm, hy, accuracy: 1e-12)
        XCTAssertEqual(mi.iym, hy, accuracy: 1e-12)
    }

    /// Sparse class ids give the same numbers as dense ones (and no giant count table).
    func testSparseLabelsEqualDenseLabels() {
        let values = (0..<40).map { Double($0 % 7) * 0.1 }
        let dense = (0..<40).map { $0 % 3 }
        let sparse = dense.map { [5, 900_000, 42][$0] }
        let m = Matrix(rows: 40, columns: 1, values: values)
        let a = BinningEstimator().estimate(m, labels: dense), b = BinningEstimator().estimate(m, labels: sparse)
        XCTAssertEqual(a.ixm, b.ixm)
        XCTAssertEqual(a.iym, b.iym, accuracy: 1e-12)
    }

    func testZeroUnitLayerCarriesNothing() {
        let mi = BinningEstimator().estimate(Matrix(rows: 5, columns: 0, values: []), labels: [0, 1, 0, 1, 1])
        XCTAssertEqual(mi.ixm, 0)
        XCTAssertEqual(mi.iym, 0)
    }

    /// floor(a / bin): values on an edge open the next bin, negatives round down, -0 is 0.
    func testBinEdgesAndSigns() {
        let estimator = BinningEstimator(binSize: 0.5)
        // 0.0, -0.0 and 0.49 share bin 0; 0.5 is bin 1; -0.01 is bin -1.
        let values = [0.0, -0.0, 0.49, 0.5, -0.01]
        let mi = estimator.estimate(Matrix(rows: 5, columns: 1, values: values), labels: [0, 0, 0, 0, 0])
        let expected = -(0.6 * log2(0.6) + 2 * 0.2 * log2(0.2))
        XCTAssertEqual(mi.ixm, expected, accuracy: 1e-12)
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
        XCTAssertEqual(mi.ixm, 5, accuracy: 1e-12)
    }
}

/// Numbers of the independent numpy reference (`Tests/reference/mi_reference.py`): rows of
/// `estimator,epoch,layer,MI_XM,MI_YM`.
enum ReferenceNumbers {
    static let folder = Fixtures.packageRoot.appendingPathComponent("Tests/reference")
    static let script = folder.appendingPathComponent("mi_reference.py").path

    struct Row { let estimator: String; let epoch: Int; let layer: Int; let ixm: Double; let iym: Double }

    static func read(_ url: URL) throws -> [Row] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return Row(estimator: String(f[0]), epoch: Int(f[1])!, layer: Int(f[2])!, ixm: Double(f[3])!, iym: Double(f[4])!)
        }
    }

    /// How our numbers for a reference estimator are made: the estimator (both KDE bounds come
    /// from one `.both` estimate), which of a point's values are compared, and the tolerance a
    /// value must meet (KDE: 1e-6 relative; binning: 1e-9 bits).
    struct Counterpart {
        let key: String
        let estimator: any MIEstimator
        let values: (InformationPoint) -> (Double?, Double?)
        let tolerance: (Double) -> Double
    }

    static func counterpart(_ name: String) throws -> Counterpart {
        let relative: (Double) -> Double = { 1e-6 * abs($0) + 1e-12 }
        switch name {
        case "kde-upper": return Counterpart(key: "kde", estimator: try KDEEstimator(bound: .both), values: { ($0.ixm, $0.iym) }, tolerance: relative)
        case "kde-lower": return Counterpart(key: "kde", estimator: try KDEEstimator(bound: .both), values: { ($0.ixmLower, $0.iymLower) }, tolerance: relative)
        case "bins-30": return Counterpart(key: name, estimator: try BinningEstimator(rule: .equalWidth(bins: 30)), values: { ($0.ixm, $0.iym) }, tolerance: { _ in 1e-9 })
        case "adaptive-30": return Counterpart(key: name, estimator: try BinningEstimator(rule: .adaptive(bins: 30)), values: { ($0.ixm, $0.iym) }, tolerance: { _ in 1e-9 })
        default: throw DneckError.invalidOption(name: name, detail: "no such reference estimator")
        }
    }

    /// Asserts that our numbers for every reference row of `estimators` (all when nil) at
    /// `epochs` (all when nil) agree.
    static func assertAgree(_ rows: [Row], run: String, split: Split, estimators: Set<String>? = nil, epochs: Set<Int>? = nil,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let reader = try RunReader(path: run, split: split)
        let wanted = rows.filter { (estimators?.contains($0.estimator) ?? true) && (epochs?.contains($0.epoch) ?? true) }
        XCTAssertFalse(wanted.isEmpty, "no reference rows", file: file, line: line)
        let logged = Array(Set(wanted.map(\.epoch))).sorted()
        var tables: [String: MeasureTable] = [:]
        for want in wanted {
            let counterpart = try counterpart(want.estimator)
            if tables[counterpart.key] == nil {
                tables[counterpart.key] = try InformationMeasures.compute(reader, estimator: counterpart.estimator, epochs: logged).table
            }
            let context = "\(want.estimator) \(split) epoch \(want.epoch) layer \(want.layer)"
            guard let point = tables[counterpart.key]!.points.first(where: { $0.epoch == want.epoch && $0.layer == want.layer }) else {
                XCTFail("\(context): no point", file: file, line: line); continue
            }
            let (ixm, iym) = counterpart.values(point)
            XCTAssertEqual(try XCTUnwrap(ixm), want.ixm, accuracy: counterpart.tolerance(want.ixm), context, file: file, line: line)
            XCTAssertEqual(try XCTUnwrap(iym), want.iym, accuracy: counterpart.tolerance(want.iym), context, file: file, line: line)
        }
    }

    /// Asserts agreement with the committed numbers of both splits of the shared run, for
    /// `estimators` at `trainEpochs` of the train split (all when nil) and every test epoch.
    static func assertAgreeOnSharedRun(_ estimators: Set<String>, trainEpochs: Set<Int>? = nil,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let run = Fixtures.sharedRuns.appendingPathComponent("harmonics_tanh_small.h5").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: run), "../shared/data is not beside the package")
        for split in Split.allCases {
            let rows = try read(folder.appendingPathComponent("harmonics_tanh_small.\(split.rawValue).csv"))
            try assertAgree(rows, run: run, split: split, estimators: estimators, epochs: split == .train ? trainEpochs : nil,
                            file: file, line: line)
        }
    }

    /// Runs `python3 arguments…`; skips the test when python3, numpy or h5py are missing.
    static func python(_ arguments: [String]) throws {
        let probe = try run(["-c", "import numpy, h5py"])
        try XCTSkipUnless(probe == 0, "python3 with numpy and h5py is needed to compute reference numbers at test time")
        let status = try run(arguments)
        XCTAssertEqual(status, 0, "python3 \(arguments.joined(separator: " ")) failed")
    }

    private static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Fixtures.python] + arguments
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

final class UnseenRunTests: XCTestCase {
    /// A run no committed number was made from (ReLU, max-norm, 1,500 units, 10 classes),
    /// trained now; the reference script's numbers for it, computed now, must be ours.
    func testEveryEstimatorAgreesWithReferenceOnAFreshRun() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: trainer), "../shared/tools/train_runs.py is not beside the package")
        let run = folder.appendingPathComponent("fresh.h5").path, numbers = folder.appendingPathComponent("fresh.csv")
        try ReferenceNumbers.python([trainer, "--out", run, "--dataset", "gaussian_mixture", "--n-samples", "600",
                                     "--n-features", "16", "--n-classes", "10", "--architecture", "1500,9,5",
                                     "--activation", "relu", "--max-norm", "0.8", "--epochs", "3", "--log-epochs", "0,2",
                                     "--seed", "11"])
        try ReferenceNumbers.python([ReferenceNumbers.script, run, "-o", numbers.path])
        let rows = try ReferenceNumbers.read(numbers)
        XCTAssertEqual(rows.count, 2 * 4 * 4)   // 2 epochs × 4 layers × 4 estimators
        try ReferenceNumbers.assertAgree(rows, run: run, split: .train)
    }
}

final class EntropyBiasTests: XCTestCase {
    /// Counts and entropies of every function's histogram, two settings, against numpy's
    /// (`Tests/reference/entropy_bias_reference.py`, its own SplitMix64).
    func testHistogramsAndEntropiesMatchNumpy() throws {
        let rows = try String(contentsOf: ReferenceNumbers.folder.appendingPathComponent("entropy_bias_expected.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        XCTAssertEqual(rows.count, 2 * 12)
        for (samples, bins, seed) in [(4096, 50, UInt64(0)), (1000, 30, 7)] {
            let bias = EntropyBias(samples: samples, bins: bins, seed: seed)
            let wanted = rows.filter { Int($0[0]) == samples && Int($0[1]) == bins && UInt64($0[2]) == seed }
            for (k, (entry, want)) in zip([bias.input] + bias.entries, wanted).enumerated() {
                XCTAssertEqual(want[3], k == 0 ? "input" : Substring(entry.function.rawValue))
                XCTAssertEqual(entry.counts, want[5].split(separator: " ").map { Int($0)! }, "\(want[3])")
                XCTAssertEqual(entry.entropy, Double(want[4])!, accuracy: 1e-12, "\(want[3])")
            }
        }
    }

    /// The functions that fold or clip the input lose the most; linear loses nothing.
    func testSortedEntropiesAndReductions() {
        let bias = EntropyBias()
        let sorted = bias.sortedByEntropy
        XCTAssertEqual(zip(sorted, sorted.dropFirst()).filter { $0.entropy < $1.entropy }.count, 0)
        XCTAssertEqual(bias.reduction(bias.entries.first { $0.function == .linear }!), 0)
        XCTAssertEqual(Set(sorted.suffix(2).map(\.function)), [.relu, .relu6])
        XCTAssertEqual(ActivationFunction.hardSigmoid(-3), 0)
        XCTAssertEqual(ActivationFunction.leakyRelu(-1), -0.2)
    }
}
