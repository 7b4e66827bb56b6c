import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation
import XCTest

/// The estimators that need the inputs X, end to end: `<split>/inputs` and `--inputs FILE.npy`,
/// the numbers the CLI writes against the library's and the committed numpy reference's, the
/// missing-inputs error, the combined CSV of several estimators and the `compare --estimators` grid.
final class InputsCLITests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private let run = KernelReference.committedRun

    /// `dneck-plot <arguments>`, which must succeed.
    private func succeed(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let result = try runCLI(arguments)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return result
    }

    /// The library's numbers for `estimator` on the committed run's test split, read as the CLI reads it.
    private func library(_ estimator: any MIEstimator, layers: Set<Int>? = nil) throws -> [InformationPoint] {
        let reader = try RunReader(path: run, split: .test)
        let x = try XCTUnwrap(try reader.inputs())
        return try reader.epochs.flatMap { epoch in
            try (0..<reader.layerCount).filter { layers?.contains($0) ?? true }.map { layer in
                let mi = estimator.estimate(try reader.activations(epoch: epoch, layer: layer), labels: reader.labels, inputs: x)
                return InformationPoint(epoch: epoch, layer: layer, ixm: mi.ixm, iym: mi.iym)
            }
        }
    }

    /// One `measures --estimator hsic,renyi,edge` run: the estimator column first, the rows of
    /// each estimator in the order given, each number the library's (to the printed 17
    /// digits), and HSIC's and Rényi's the committed numpy reference's to 1e-6 relative.
    func testSeveralEstimatorsInOneCSVMatchLibraryAndReference() throws {
        let out = folder.appendingPathComponent("all.csv")
        let result = try succeed(["measures", run, "--split", "test", "--estimator", "hsic,renyi,edge", "-o", out.path])
        let (header, rows) = try EstimatorCLITests.csv(out)
        XCTAssertEqual(header, ["estimator", "epoch", "layer", "XM", "YM"])
        XCTAssertEqual(rows.map { $0[0] }, Array(repeating: "hsic", count: 12) + Array(repeating: "renyi", count: 12)
                       + Array(repeating: "edge", count: 12))
        XCTAssertFalse(result.stderr.contains("subset"), "819 rows need no Rényi subset: \(result.stderr)")
        let got = try ReferenceNumbers.read(out)
        // The library on a few layers (debug-built tests are slow); the reference below covers every row.
        let expected: [(String, any MIEstimator, Set<Int>?)] = [
            ("hsic", try HSICEstimator(), [0, 5]), ("renyi", try RenyiEstimator(), [0]), ("edge", EDGEEstimator(), nil),
        ]
        for (name, estimator, layers) in expected {
            let mine = got.filter { $0.estimator == name && (layers?.contains($0.layer) ?? true) }
            let theirs = try library(estimator, layers: layers)
            XCTAssertEqual(mine.count, theirs.count, name)
            for (row, point) in zip(mine, theirs) {
                XCTAssertEqual([row.epoch, row.layer], [point.epoch, point.layer], name)
                XCTAssertEqual(row.ixm, point.ixm, "\(name) \(row.epoch)/\(row.layer)")
                XCTAssertEqual(row.iym, point.iym, "\(name) \(row.epoch)/\(row.layer)")
            }
        }
        let reference = try ReferenceNumbers.read(KernelReference.folder.appendingPathComponent("kernel_expected.csv"))
        for name in ["hsic", "renyi"] {
            let want = reference.filter { $0.estimator == name }, mine = got.filter { $0.estimator == name }
            XCTAssertEqual(want.count, 12)
            for (w, g) in zip(want, mine) {
                XCTAssertEqual([g.epoch, g.layer], [w.epoch, w.layer])
                XCTAssertEqual(g.ixm, w.ixm, accuracy: 1e-6 * abs(w.ixm), "\(name) \(w.epoch)/\(w.layer) XM")
                XCTAssertEqual(g.iym, w.iym, accuracy: 1e-6 * abs(w.iym), "\(name) \(w.epoch)/\(w.layer) YM")
            }
        }
    }

    /// One estimator alone: HSIC's own column names, EDGE's bits columns and its cap warning.
    func testSingleEstimatorColumnsAndNotes() throws {
        let hsic = folder.appendingPathComponent("hsic.csv")
        _ = try succeed(["measures", run, "--split", "test", "--estimator", "hsic", "--sigma", "2", "--samples", "300", "-o", hsic.path])
        XCTAssertEqual(try EstimatorCLITests.csv(hsic).header, ["epoch", "layer", "HSIC_XM", "HSIC_YM"])
        let subset = try succeed(["measures", run, "--split", "test", "--estimator", "renyi", "--samples", "100", "--alpha", "2.5",
                                  "-o", folder.appendingPathComponent("r.csv").path])
        let notes = subset.stderr.split(separator: "\n").filter { $0.contains("subset") }
        XCTAssertEqual(notes, ["dneck-plot: note: matrix-based Rényi entropy, α = 2.5, σ = 1.0, at most 100 samples: each estimate on a fixed-seed random subset of 100 of the 819 rows (--samples N sets its size; --alpha 2 runs exactly on every row)"])
        let edge = folder.appendingPathComponent("edge.csv")
        let result = try succeed(["measures", run, "--split", "test", "--estimator", "edge", "-o", edge.path])
        XCTAssertEqual(try EstimatorCLITests.csv(edge).header, ["epoch", "layer", "MI_XM", "MI_YM"])
        XCTAssertTrue(result.stderr.contains("warning: EDGE (deep-bottleneck)") && result.stderr.contains("cap U"), result.stderr)
    }

    /// `all` writes the measures table byte for byte as `measures` does, the columns named for
    /// the estimator's quantity (HSIC_XM, not MI_XM).
    func testAllWritesTheCSVOfMeasures() throws {
        let out = folder.appendingPathComponent("all"), measures = folder.appendingPathComponent("hsic.csv")
        let estimator = ["--estimator", "hsic", "--samples", "200"]
        _ = try succeed(["all", run, "--only", "information_measures", "--splits", "train", "-o", out.path] + estimator)
        _ = try succeed(["measures", run, "-o", measures.path] + estimator)
        let written = try String(contentsOf: out.appendingPathComponent("information_measures_train.csv"), encoding: .utf8)
        XCTAssertEqual(written, try String(contentsOf: measures, encoding: .utf8))
        XCTAssertTrue(written.hasPrefix("epoch,layer,HSIC_XM,HSIC_YM\n"), written)
        let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("| layer | HSIC(M, X) | HSIC(M, Y) |"), summary)
        XCTAssertFalse(summary.contains("(bits)"), summary)
    }

    /// A run without inputs asked for an estimator that needs them: one line naming the file
    /// and `<split>/inputs`, exit 1, no output.
    func testMissingInputsIsOneLineNamingTheDataset() throws {
        for name in ["hsic", "renyi", "edge"] {
            let out = folder.appendingPathComponent("\(name).csv")
            let result = try runCLI(["measures", Fixtures.exampleRun, "--estimator", name, "-o", out.path])
            XCTAssertEqual(result.status, 1, name)
            XCTAssertEqual(result.stderr, "dneck-plot: error: \(Fixtures.exampleRun): train/inputs: missing dataset of the network's inputs X (float [samples, features]), which the estimator needs\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
        let plane = try runCLI(["infoplane", Fixtures.exampleRun, "--split", "test", "--estimator", "hsic", "-o", folder.appendingPathComponent("p.png").path])
        XCTAssertEqual(plane.status, 1)
        XCTAssertTrue(plane.stderr.hasSuffix("test/inputs: missing dataset of the network's inputs X (float [samples, features]), which the estimator needs\n"), plane.stderr)
    }

    /// Bad option values and combinations are refused before any work.
    func testBadOptionsAreRefused() throws {
        let cases: [([String], String)] = [
            (["--estimator", "hsic", "--sigma", "0"], "--sigma takes a number above 0"),
            (["--estimator", "hsic", "--sigma", "wide"], "--sigma takes a number above 0"),
            (["--estimator", "renyi", "--alpha", "0"], "--alpha must be a number above 0"),
            (["--estimator", "hsic", "--alpha", "2"], "--alpha belongs to --estimator renyi"),
            (["--estimator", "edge", "--sigma", "1"], "--sigma belongs to --estimator hsic or renyi"),
            (["--estimator", "renyi", "--hsic-target", "output"], "--hsic-target belongs to --estimator hsic"),
            (["--estimator", "hsic", "--hsic-target", "x"], "--hsic-target takes labels or output"),
            (["--estimator", "edge", "--samples", "10"], "--samples belongs to --estimator hsic or renyi"),
            (["--estimator", "hsic", "--samples", "1"], "--samples must be between 2"),
            (["--estimator", "hsic,hsic"], "names an estimator twice"),
            (["--estimator", "hsic,mine"], "unknown --estimator 'mine'"),
        ]
        for (arguments, fragment) in cases {
            let result = try runCLI(["measures", run, "-o", folder.appendingPathComponent("x.csv").path] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
        let plane = try runCLI(["infoplane", run, "--estimator", "hsic,renyi", "-o", folder.appendingPathComponent("p.png").path])
        XCTAssertTrue(plane.stderr.contains("infoplane takes one --estimator"), plane.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.csv").path))
    }

    /// A deep-bottleneck dump of the committed run's test split (epoch groups at the root,
    /// labels and inputs as `.npy` files written here): `--inputs FILE.npy` gives the numbers of
    /// the run file's own `test/inputs`; without it, one line asks for it; a wrong `.npy` is named.
    func testDeepBottleneckDumpTakesInputsFromNPY() throws {
        let reader = try RunReader(path: run, split: .test)
        let dump = folder.appendingPathComponent("dump_test.h5").path
        let writer = H5Writer(path: dump)
        for epoch in reader.epochs {
            for layer in 0..<reader.layerCount {
                let m = try reader.activations(epoch: epoch, layer: layer)
                writer.dataset("/\(epoch)/activations/\(layer)", shape: [m.rows, m.columns], doubles: m.values)
            }
        }
        writer.close()
        try NPYFile.write(int64: reader.labels.map(Int64.init), to: folder.appendingPathComponent("dump_test_labels.npy"))
        let x = try XCTUnwrap(try reader.inputs())
        let inputs = folder.appendingPathComponent("x_test.npy")
        try NPYFile.write(float32: x.values.map(Float.init), shape: [x.rows, x.columns], to: inputs)

        let fromDump = folder.appendingPathComponent("dump.csv"), fromRun = folder.appendingPathComponent("run.csv")
        _ = try succeed(["measures", dump, "--estimator", "edge", "--inputs", inputs.path, "-o", fromDump.path])
        _ = try succeed(["measures", run, "--split", "test", "--estimator", "edge", "-o", fromRun.path])
        XCTAssertEqual(try String(contentsOf: fromDump, encoding: .utf8), try String(contentsOf: fromRun, encoding: .utf8))

        let missing = try runCLI(["measures", dump, "--estimator", "hsic", "-o", folder.appendingPathComponent("m.csv").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "dneck-plot: error: \(dump): (inputs): missing inputs X: a deep-bottleneck dump holds none, pass --inputs FILE.npy (a 2-D float array, one row per label)\n")

        let short = folder.appendingPathComponent("short.npy")
        try NPYFile.write(float32: Array(x.values.prefix(12 * 5).map(Float.init)), shape: [5, 12], to: short)
        let wrong = try runCLI(["measures", dump, "--estimator", "hsic", "--inputs", short.path, "-o", folder.appendingPathComponent("w.csv").path])
        XCTAssertEqual(wrong.stderr, "dneck-plot: error: \(short.path): (npy): has 5 rows but there are 819 labels\n")
        let labels = folder.appendingPathComponent("dump_test_labels.npy")
        let integers = try runCLI(["measures", dump, "--estimator", "hsic", "--inputs", labels.path, "-o", folder.appendingPathComponent("w.csv").path])
        XCTAssertEqual(integers.stderr, "dneck-plot: error: \(labels.path): (npy): inputs must be a 2-D array, found shape (819,)\n")
    }

    /// `compare RUN --estimators …`: exit 0, and the same grid built in-process has one panel
    /// per estimator titled by its summary, HSIC's axes labelled as HSIC, one shared epoch
    /// colorbar, and a clean layout.
    func testCompareEstimatorsGrid() throws {
        let names = ["binning", "kde-upper", "hsic", "renyi", "edge"]
        let png = folder.appendingPathComponent("grid.png")
        _ = try succeed(["compare", run, "--split", "test", "--estimators", names.joined(separator: ","), "--samples", "200",
                         "--dpi", "40", "-o", png.path])
        XCTAssertTrue(FileManager.default.fileExists(atPath: png.path))

        let reader = try RunReader(path: run, split: .test)
        let estimators: [any MIEstimator] = [BinningEstimator(), try KDEEstimator(bound: .upper), try HSICEstimator(samples: 200),
                                             try RenyiEstimator(samples: 200), EDGEEstimator()]
        let byEstimator = try estimators.map { [try DataStage.gather(reader, needs: InfoPlaneChart.descriptor.needs, estimator: $0)] }
        for style in ["default", "paper", "slides"] {
            let request = FigureRequest(style: try Style.load([style]), dpi: 72)
            let figure = Comparison.estimatorGrid(byEstimator, runTitles: nil, columns: nil, options: InfoPlaneChart.Options(), request: request)
            let (laid, texts) = RecordingRenderer.texts(of: figure)
            XCTAssertEqual(layoutProblems(laid, texts: texts), [], style)
            XCTAssertEqual(laid.panels.map(\.title), estimators.map(\.summary))
            XCTAssertEqual(laid.panels[2].x.label, "HSIC(M, X)")
            XCTAssertEqual(laid.panels[2].y.label, "HSIC(M, Y)")
            XCTAssertEqual(laid.panels[3].x.label, "I(X;M) (bits)")
            XCTAssertEqual(laid.colorbars.count, 1)
        }
        // Two runs: one row each, titled by run and estimator.
        let two = [byEstimator[0] + byEstimator[0], byEstimator[2] + byEstimator[2]]
        let figure = Comparison.estimatorGrid(two, runTitles: ["a", "b"], columns: nil, options: InfoPlaneChart.Options(),
                                              request: FigureRequest(style: try Style.load([]), dpi: 72))
        XCTAssertEqual(figure.panels.map(\.title), ["a: binning, bin size 0.07", "a: HSIC, σ = 5.0, 200 samples",
                                                    "b: binning, bin size 0.07", "b: HSIC, σ = 5.0, 200 samples"])
        XCTAssertEqual(figure.panels.map(\.cell.row), [0, 0, 1, 1])
    }
}

/// `RunReader.inputs()`: float32 and float64 read in their precision; integers, a wrong row
/// count, another rank and NaN each refused with one line naming the file and `<split>/inputs`.
final class InputsReaderTests: XCTestCase {
    func testInputsAreCheckedLikeActivations() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("run.h5").path
        /// A run of 3 samples, one layer, `train/inputs` as given (none when `shape` is nil).
        func reader(_ shape: [Int]?, _ values: [Double] = [], _ storage: H5Writer.Storage = .float32, split: Split = .train) throws -> RunReader {
            let w = H5Writer(path: path)
            w.stringAttribute("format", "dneck-run")
            w.intAttribute("format_version", 1)
            for name in ["train", "test"] {
                w.dataset("/\(name)/labels", shape: [3], doubles: [0, 1, 1], storage: .int64)
                w.dataset("/\(name)/0/activations/0", shape: [3, 1], doubles: [0.1, 0.2, 0.3])
            }
            if let shape { w.dataset("/train/inputs", shape: shape, doubles: values, storage: storage) }
            w.close()
            return try RunReader(path: path, split: split)
        }
        let six = [1.0, 2, 3, 4, 5, 6]
        let single = try XCTUnwrap(try reader([3, 2], six, .float32).inputs())
        guard case .float32(let floats) = single.storage else { return XCTFail("float32 inputs widened") }
        XCTAssertEqual(floats, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try reader([3, 2], six, .float64).inputs()?.values, six)
        let bad: [([Int], [Double], H5Writer.Storage, String)] = [
            ([3, 2], six, .int64, "\(path): train/inputs: inputs must be float32 or float64, found integer values"),
            ([2, 3], six, .float32, "\(path): train/inputs: has 2 rows but there are 3 labels"),
            ([6], six, .float32, "\(path): train/inputs: inputs must be 2-D (samples × features), found shape [6]"),
            ([3, 2], [1, 2, 3, .nan, 5, 6], .float64, "\(path): train/inputs: contains NaN at row 1, column 1"),
        ]
        for (shape, values, storage, message) in bad {
            XCTAssertThrowsError(try reader(shape, values, storage).inputs()) { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertNil(try reader(nil).inputs())
        XCTAssertThrowsError(try reader([3, 2], six, split: .test).requiredInputs()) {
            XCTAssertEqual("\($0)", "\(path): test/inputs: missing dataset of the network's inputs X (float [samples, features]), which the estimator needs")
        }
    }
}

/// Writes NumPy `.npy` files (version 1.0, little-endian) for the tests.
enum NPYFile {
    static func write(int64 values: [Int64], to url: URL) throws {
        try write(descr: "<i8", shape: [values.count], body: values.withUnsafeBytes { Array($0) }, to: url)
    }

    static func write(float32 values: [Float], shape: [Int], to url: URL) throws {
        try write(descr: "<f4", shape: shape, body: values.withUnsafeBytes { Array($0) }, to: url)
    }

    private static func write(descr: String, shape: [Int], body: [UInt8], to url: URL) throws {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + Array(header.utf8) + body
        try Data(bytes).write(to: url)
    }
}
