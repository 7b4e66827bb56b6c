import DneckCore
import DneckIO
import XCTest

/// What the reader says about a run is what the run holds (issue #18): a dump's split comes
/// from its name, per-layer vectors have one entry per layer, messages name what is wrong and
/// nothing else, the element types are those docs/run-format.md admits.
final class ReaderTruthTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private let labels = [0, 1, 0, 1, 1, 0]

    /// A run of one epoch with `layers` layers of 2 units over `labels`.
    private func synthetic(layers: Int = 1) -> SyntheticRun {
        SyntheticRun(labels: labels, epochs: [(0, (0..<layers).map { l in (0..<12).map { Double(($0 + l) % 5) * 0.1 } })],
                     units: Array(repeating: 2, count: layers))
    }

    /// A deep-bottleneck dump named `name`, its labels beside it.
    private func dump(_ name: String) -> String {
        let path = folder.appendingPathComponent(name + ".h5").path
        synthetic().writeFlat(path)
        writeNPY(labels.map(Int64.init), to: folder.appendingPathComponent(name + "_labels.npy").path)
        return path
    }

    /// The text of `pdf` as pdftotext reads it; a skip when pdftotext is missing.
    private func text(of pdf: URL) throws -> String {
        guard let pdftotext = onPath(["pdftotext"]) else { throw XCTSkip("no pdftotext on PATH (Debian's poppler-utils)") }
        let out = pdf.deletingPathExtension().appendingPathExtension("txt")
        XCTAssertEqual(try runProgram(pdftotext, [pdf.path, out.path]).status, 0)
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// A dump is the split its name says: without --split, the title, the footer and the
    /// default output names say that split; a --split that contradicts the name is refused in
    /// one line; runs of different splits are refused; a dump whose name says no split, and a
    /// dneck run file whatever its name, read --split (default train).
    func testDumpSplitComesFromItsName() throws {
        let test = dump("dump_test"), train = dump("dump_train")
        let pdf = folder.appendingPathComponent("plane.pdf")
        let plane = try runCLI(["infoplane", test, "-o", pdf.path], in: folder)
        XCTAssertEqual(plane.status, 0, plane.stderr)
        XCTAssertEqual(try runCLI(["measures", test], in: folder).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("information_measures_test.csv").path))

        let refused = try runCLI(["measures", train, "--split", "test", "-o", "m.csv"], in: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "dneck-plot: error: \(train): the dump holds the train split (its name says so); --split test contradicts it\n")
        let mixed = try runCLI(["measures", train, test, "-o", "m.csv"], in: folder)
        XCTAssertEqual(mixed.status, 1)
        XCTAssertEqual(mixed.stderr, "dneck-plot: error: \(test): reads the test split but \(train) the train split: give runs of one split (a dump is the split its name says)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.csv").path))

        XCTAssertEqual(try RunReader(path: test).split, .test)
        XCTAssertEqual(try RunReader(path: test, split: .test).split, .test)
        let plain = dump("dump")
        XCTAssertEqual(try RunReader(path: plain).split, .train)
        XCTAssertEqual(try RunReader(path: plain, split: .test).split, .test)
        let runFile = folder.appendingPathComponent("run_test.h5").path
        synthetic().writeDneck(runFile)
        XCTAssertEqual(try RunReader(path: runFile).split, .train)

        let words = try text(of: pdf)
        XCTAssertTrue(words.contains("Information plane (test)"), words)
        XCTAssertTrue(words.contains("samples of the test split"), words)
        XCTAssertFalse(words.contains("train"), words)
    }

    /// Each per-layer vector has one entry per layer: a gradmean of 2 entries for 4 layers, a
    /// gradstd of 100,000 and a weights_norm of 5 are refused in one line naming the file, the
    /// dataset, its length and the layer count, and no chart is drawn.
    func testPerLayerVectorsHaveOneEntryPerLayer() throws {
        for (name, count) in [("gradmean", 2), ("gradstd", 100_000), ("weights_norm", 5)] {
            var made = synthetic(layers: 4)
            for vector in ["gradmean", "gradstd", "weights_norm"] {
                let length = vector == name ? count : 4
                made.datasets[vector] = ([length], (0..<length).map { 1 + Double($0 % 7) })
            }
            let path = folder.appendingPathComponent("\(name).h5").path
            made.writeDneck(path)
            let png = folder.appendingPathComponent("\(name).png")
            let result = try runCLI(["snr", path, "-o", png.path])
            XCTAssertEqual(result.status, 1, name)
            XCTAssertEqual(result.stderr, "dneck-plot: error: \(path): train/0/\(name): has \(count) values but the run has 4 layers (one value per layer)\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: png.path), name)
        }
    }

    /// A NaN in a scalar dataset is named by the dataset alone, without a row and a column.
    func testNonFiniteScalarNamesTheDataset() throws {
        var nan = synthetic()
        nan.datasets["loss/training"] = ([], [.nan])
        let path = folder.appendingPathComponent("nan.h5").path
        nan.writeDneck(path)
        XCTAssertThrowsError(try RunReader(path: path).record(epoch: 0)) { error in
            XCTAssertEqual("\(error)", "\(path): train/0/loss/training: contains NaN")
        }
    }

    /// Activations as docs/run-format.md says: float16 is read exactly (every finite half,
    /// subnormals and -0 included, widened to float32); integers are refused in one line naming
    /// the file and the dataset; a layer of zero units is refused in one line.
    func testActivationElementTypes() throws {
        let halves = (0...UInt16.max).map { Float16(bitPattern: $0) }.filter(\.isFinite)
        let columns = 16, rows = halves.count / columns
        var half = SyntheticRun(labels: (0..<rows).map { $0 % 2 }, epochs: [(0, [halves.map(Double.init)])], units: [columns])
        half.storage = .float16
        let halfPath = folder.appendingPathComponent("half.h5").path
        half.writeDneck(halfPath)
        let read = try RunReader(path: halfPath).activations(epoch: 0, layer: 0)
        XCTAssertEqual(read.values.map(\.bitPattern), halves.map { Double($0).bitPattern })
        if case .float64 = try HDF5File(path: halfPath).readMatrixValues("train/0/activations/0").values {
            XCTFail("float16 is widened to float64, not float32")
        }

        var integers = synthetic()
        integers.storage = .int32
        let intPath = folder.appendingPathComponent("int32.h5").path
        integers.writeDneck(intPath)
        XCTAssertThrowsError(try RunReader(path: intPath).activations(epoch: 0, layer: 0)) { error in
            XCTAssertEqual("\(error)", "\(intPath): train/0/activations/0: holds integer values, expected floating-point ones (float16, float32 or float64)")
        }

        var empty = synthetic()
        empty.units = [0]
        empty.epochs = [(0, [[]])]
        let emptyPath = folder.appendingPathComponent("empty.h5").path
        empty.writeDneck(emptyPath)
        XCTAssertThrowsError(try RunReader(path: emptyPath)) { error in
            XCTAssertEqual("\(error)", "\(emptyPath): train/0/activations/0: layer has no units (shape [6, 0])")
        }
    }

    /// A `config` that is not a JSON object (plain text, an integer) describes nothing: the run
    /// is drawn, titled by its file name, with one warning.
    func testConfigThatIsNotAJSONObjectWarnsOnce() throws {
        for (name, config) in [("text", SyntheticRun.Config.text("plain text")), ("integer", .integer(7))] {
            var described = synthetic()
            described.config = config
            let path = folder.appendingPathComponent("\(name).h5").path
            described.writeDneck(path)
            let result = try runCLI(["infoplane", path, "-o", folder.appendingPathComponent("\(name).png").path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stderr, "dneck-plot: warning: \(path): /config is not a JSON object: the run is titled by its file name\n")
        }
    }

    /// `all` given a deep-bottleneck dump writes both splits of its run (the sibling dump found
    /// beside it, or given too), one run, not two; a dump without its sibling gives its own
    /// split with a note.
    func testAllReadsBothDumpsOfARun() throws {
        let train = dump("exp_run_1_train"), test = dump("exp_run_1_test"), alone = dump("lone_run_train")
        let expected = ["index.html", "information_measures_test.csv", "information_measures_train.csv", "manifest.json", "summary.md"]
        for (k, given) in [[train], [train, test], [test]].enumerated() {
            let out = folder.appendingPathComponent("all\(k)")
            let result = try runCLI(["all"] + given + ["--only", "information_measures", "-o", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), expected, "\(given)")
            let manifest = try String(contentsOf: out.appendingPathComponent("manifest.json"), encoding: .utf8)
            XCTAssertTrue(manifest.contains("exp_run_1_train.h5") && manifest.contains("exp_run_1_test.h5"), manifest)
            XCTAssertTrue(try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8).contains("<title>exp_run_1"))
        }
        let out = folder.appendingPathComponent("lone")
        let result = try runCLI(["all", alone, "--only", "information_measures", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("lone_run: no test split (no lone_run_test dump beside it): train only"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("information_measures_train.csv").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("information_measures_test.csv").path))
    }
}
