import DneckCore
import DneckIO
@testable import DneckMeasures
import XCTest

final class HSICTests: XCTestCase {
    /// Every layer and epoch of the committed run with inputs (test split, σ = 5, every row)
    /// against the numpy reference's committed numbers (1e-6 relative).
    func testMatchesReferenceOnCommittedRun() throws {
        try KernelReference.assertAgree(estimator: try HSICEstimator(), name: "hsic", run: KernelReference.committedRun,
                                        split: .test, expected: "kernel_expected.csv")
    }

    /// σ = median on a 300-row fixed-seed subset of the train split.
    func testMedianWidthOnSubsetMatchesReference() throws {
        try KernelReference.assertAgree(estimator: try HSICEstimator(width: .median, samples: 300), name: "hsic",
                                        run: KernelReference.committedRun, split: .train, expected: "kernel_median_expected.csv")
    }

    /// A run trained now, which no committed number has seen, against the reference run now.
    func testMatchesReferenceOnFreshRun() throws {
        try KernelReference.assertAgreeOnFreshRun(name: "hsic", estimator: try HSICEstimator(), options: [])
    }

    /// The tiny case by hand: K = [[1, a], [a, 1]], L = [[1, b], [b, 1]] (m = 2): H K H and
    /// H L H have entries ±(1 − a)/2 and ±(1 − b)/2, so tr(K H L H) = tr(HKH · HLH) = (1 − a)(1 − b),
    /// and (m − 1)² = 1.
    func testTinyCaseByHand() throws {
        let m = Matrix(rows: 2, columns: 1, values: [0, 1])
        let x = Matrix(rows: 2, columns: 1, values: [0, 2])
        let sigma = 1.5
        let a = exp(-1 / (2 * sigma * sigma)), b = exp(-4 / (2 * sigma * sigma)), c = exp(-2 / (2 * sigma * sigma))
        let mi = try HSICEstimator(width: .fixed(sigma)).estimate(m, labels: [0, 1], inputs: x)
        XCTAssertEqual(mi.ixm, (1 - a) * (1 - b), accuracy: 1e-15)
        XCTAssertEqual(mi.iym, (1 - a) * (1 - c), accuracy: 1e-15)
    }

    /// Tiles of a few rows give the numbers of one tile, and a 3 × 3 case against the explicit
    /// tr(K H L H) / (m − 1)².
    func testTilesAgreeWithExplicitTrace() throws {
        var generator = SplitMix64(seed: 7)
        let n = 37
        let a = Matrix(rows: n, columns: 3, values: (0..<n * 3).map { _ in generator.nextUnit() * 4 })
        let b = Matrix(rows: n, columns: 2, values: (0..<n * 2).map { _ in generator.nextUnit() * 4 })
        let grams = [GaussianGram(a, width: .fixed(1)), GaussianGram(b, width: .fixed(1))]
        let tiled = HSICSums(GramTiles(grams, tile: 5)).hsic(0, 1)
        let whole = HSICSums(GramTiles(grams, tile: n)).hsic(0, 1)
        let (k, l) = (grams[0].full(), grams[1].full())
        let h = (0..<n * n).map { ($0 / n == $0 % n ? 1 : 0) - 1 / Double(n) }
        func product(_ x: [Double], _ y: [Double]) -> [Double] {
            (0..<n * n).map { e in (0..<n).reduce(0) { $0 + x[e / n * n + $1] * y[$1 * n + e % n] } }
        }
        let khlh = product(product(product(k, h), l), h)
        let explicit = (0..<n).reduce(0) { $0 + khlh[$1 * n + $1] } / Double((n - 1) * (n - 1))
        XCTAssertEqual(tiled, explicit, accuracy: 1e-12 * explicit)
        XCTAssertEqual(whole, explicit, accuracy: 1e-12 * explicit)
    }

    /// Independent variables give HSIC near 0, identical ones a clearly positive value, and
    /// shuffling the rows of both jointly changes nothing.
    func testIndependenceIdentityAndJointShuffle() throws {
        var generator = SplitMix64(seed: 11)
        let n = 400
        let m = Matrix(rows: n, columns: 2, values: (0..<n * 2).map { _ in generator.nextUnit() })
        let independent = Matrix(rows: n, columns: 2, values: (0..<n * 2).map { _ in generator.nextUnit() })
        let labels = (0..<n).map { _ in Int(generator.next() % 2) }
        let estimator = try HSICEstimator(width: .fixed(0.5))
        let same = estimator.estimate(m, labels: labels, inputs: m)
        let apart = estimator.estimate(m, labels: labels, inputs: independent)
        XCTAssertGreaterThan(same.ixm, 0.01)
        XCTAssertLessThan(apart.ixm, same.ixm / 50)
        XCTAssertLessThan(same.iym, same.ixm / 50)   // random labels
        XCTAssertEqual(same.ixm, try XCTUnwrap(same.ceilingX), accuracy: 1e-12)   // Cauchy–Schwarz is tight for X = M
        let order = (0..<n).shuffled(using: &generator)
        let shuffled = estimator.estimate(m.selectingRows(order), labels: order.map { labels[$0] },
                                          inputs: independent.selectingRows(order))
        XCTAssertEqual(shuffled.ixm, apart.ixm, accuracy: 1e-9 * apart.ixm)
        XCTAssertEqual(shuffled.iym, apart.iym, accuracy: 1e-9 * apart.iym)
    }

    /// InformationMeasures.compute passes the inputs through and, for `--hsic-target output`,
    /// reads the last layer as Y: there Y = M, so HSIC(M, Y) meets its Cauchy–Schwarz ceiling.
    func testComputePassesInputsAndOutput() throws {
        let reader = try RunReader(path: KernelReference.committedRun, split: .test)
        let x = try KernelReference.inputs(KernelReference.committedRun, split: .test)
        let table = try InformationMeasures.compute(reader, estimator: try HSICEstimator(target: .output, samples: 200), inputs: x, epochs: [29]).table
        let last = try XCTUnwrap(table.points.first { $0.layer == reader.layerCount - 1 })
        XCTAssertEqual(last.iym, try XCTUnwrap(last.ceilingY), accuracy: 1e-12 * last.iym)
        let direct = try HSICEstimator(target: .output, samples: 200).estimate(try reader.activations(epoch: 29, layer: 0), labels: reader.labels,
                                                                              inputs: x, output: try reader.activations(epoch: 29, layer: reader.layerCount - 1))
        let first = try XCTUnwrap(table.points.first { $0.layer == 0 })
        XCTAssertEqual(first.ixm, direct.ixm)
        XCTAssertEqual(first.iym, direct.iym)
    }

    /// Y as the last layer's output instead of the labels; summary and bad options.
    func testOutputTargetSummaryAndOptions() throws {
        let m = Matrix(rows: 3, columns: 1, values: [0, 1, 3])
        let estimator = try HSICEstimator(target: .output)
        XCTAssertTrue(estimator.needsOutput && estimator.needsInputs)
        let mi = estimator.estimate(m, labels: [0, 0, 1], inputs: m, output: m)
        XCTAssertEqual(mi.iym, mi.ixm, accuracy: 1e-15)
        XCTAssertTrue(estimator.estimate(m, labels: [0, 0, 1]).ixm.isNaN)
        XCTAssertEqual(try HSICEstimator(width: .median, samples: 50).summary, "HSIC, σ = median distance, 50 samples")
        XCTAssertThrowsError(try HSICEstimator(width: .fixed(0)))
        XCTAssertThrowsError(try HSICEstimator(samples: 1))
    }
}

/// The numpy kernel reference (`Tests/reference/kernel_reference.py`) and its committed numbers.
enum KernelReference {
    static let folder = Fixtures.packageRoot.appendingPathComponent("Tests/reference")
    static let committedRun = folder.appendingPathComponent("harmonics_inputs.h5").path

    /// `<split>/inputs` of a run, read with the generic HDF5 reader.
    static func inputs(_ run: String, split: Split) throws -> Matrix {
        let (shape, storage) = try HDF5File(path: run).readMatrixValues("\(split.rawValue)/inputs")
        switch storage {
        case .float32(let v): return Matrix(rows: shape[0], columns: shape[1], float32: v)
        case .float64(let v): return Matrix(rows: shape[0], columns: shape[1], values: v)
        }
    }

    /// Our numbers for every row of `expected` (reference CSV) whose estimator is `name`, 1e-6 relative.
    /// `layers` limits the rows compared (to keep debug-built tests short).
    static func assertAgree(estimator: any MIEstimator, name: String, run: String, split: Split, expected: String,
                            layers: Set<Int>? = nil, tolerance: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try ReferenceNumbers.read(folder.appendingPathComponent(expected)).filter { layers?.contains($0.layer) ?? true }
        try assertAgree(estimator: estimator, name: name, run: run, split: split, rows: rows, tolerance: tolerance, file: file, line: line)
    }

    /// `tolerance` is relative.
    static func assertAgree(estimator: any MIEstimator, name: String, run: String, split: Split, rows: [ReferenceNumbers.Row],
                            tolerance: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line) throws {
        let reader = try RunReader(path: run, split: split)
        let x = try inputs(run, split: split)
        let mine = rows.filter { $0.estimator == name }
        XCTAssertFalse(mine.isEmpty, file: file, line: line)
        for row in mine {
            let mi = estimator.estimate(try reader.activations(epoch: row.epoch, layer: row.layer), labels: reader.labels, inputs: x)
            XCTAssertEqual(mi.ixm, row.ixm, accuracy: tolerance * abs(row.ixm) + 1e-13, "\(name) epoch \(row.epoch) layer \(row.layer) XM", file: file, line: line)
            XCTAssertEqual(mi.iym, row.iym, accuracy: tolerance * abs(row.iym) + 1e-13, "\(name) epoch \(row.epoch) layer \(row.layer) YM", file: file, line: line)
        }
    }

    /// Trains a small Gaussian-mixture run with inputs now and compares with the reference run now;
    /// skips only when python3, numpy, scipy or h5py are missing.
    static func assertAgreeOnFreshRun(name: String, estimator: any MIEstimator, options: [String],
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("fresh.h5").path, csv = folder.appendingPathComponent("fresh.csv")
        let trainer = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/train_runs.py").path
        guard python(["-c", "import numpy, scipy, h5py"]) == 0, FileManager.default.fileExists(atPath: trainer) else {
            throw XCTSkip("python3 with numpy, scipy and h5py (and ../shared/tools/train_runs.py) are needed for the fresh-run reference")
        }
        XCTAssertEqual(python([trainer, "--out", run, "--inputs", "--dataset", "gaussian_mixture", "--n-samples", "500",
                               "--n-features", "6", "--n-classes", "3", "--epochs", "5", "--log-epochs", "0,4",
                               "--seed", "11", "--architecture", "8,4"]), 0, file: file, line: line)
        XCTAssertEqual(python([self.folder.appendingPathComponent("kernel_reference.py").path, run, "--estimators", name,
                               "-o", csv.path] + options), 0, file: file, line: line)
        try assertAgree(estimator: estimator, name: name, run: run, split: .test, rows: ReferenceNumbers.read(csv), file: file, line: line)
    }

    /// Exit status of python3 with `arguments` (output discarded); −1 when python3 cannot start.
    static func python(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Fixtures.python] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
