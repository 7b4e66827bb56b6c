import DneckCore
import DneckIO
import DneckReport
import XCTest

/// Version 2 run files (docs/run-format-v2.md) written with h5py by
/// Tests/reference/write_v2_run.py, as the dneck Python package writes them: read through the
/// API every command uses, equal to version 1 files of the same arrays, and readable while a
/// writer holds them open in SWMR mode.
final class RunFormatV2Tests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    static let script = Fixtures.packageRoot.appendingPathComponent("Tests/reference/write_v2_run.py").path

    /// Runs write_v2_run.py for `name` in the test's folder with `arguments`; skips when
    /// python3 with numpy and h5py is missing.
    private func writeRun(_ name: String, _ arguments: [String] = []) throws -> String {
        let probe = try runProgram(Fixtures.python, ["-c", "import numpy, h5py"])
        try XCTSkipUnless(probe.status == 0, "python3 with numpy and h5py is needed to write version 2 runs")
        let path = folder.appendingPathComponent(name).path
        let result = try runProgram(Fixtures.python, [Self.script, path] + arguments, timeout: 120)
        guard result.status == 0 else { throw DneckError.unwritable(file: path, detail: result.stderr) }
        return path
    }

    /// Every reader call gives for version 2 what it gives for version 1 of the same arrays:
    /// epochs, labels, layers, activations, records (v2's per-split accuracy and loss and
    /// `/training` statistics in v1's fields) and inputs; layer names only v2 has.
    func testVersion2ReadsAsVersion1OfTheSameArrays() throws {
        let v1 = folder.appendingPathComponent("v1.h5").path
        let v2 = try writeRun("v2.h5", ["--v1", v1, "--inputs", "--names"])
        for split in Split.allCases {
            let old = try RunReader(path: v1, split: split), new = try RunReader(path: v2, split: split)
            XCTAssertEqual(new.layout, .dneckRunV2)
            XCTAssertEqual(new.epochs, [0, 1, 2, 3, 4])
            XCTAssertEqual(new.epochs, old.epochs)
            XCTAssertEqual(new.labels, old.labels)
            XCTAssertEqual(new.layerCount, 3)
            XCTAssertEqual(new.layerNames, ["fc0", "fc1", "fc2"])
            XCTAssertNil(old.layerNames)
            for epoch in new.epochs {
                for layer in 0..<new.layerCount {
                    XCTAssertEqual(try new.activations(epoch: epoch, layer: layer).values, try old.activations(epoch: epoch, layer: layer).values)
                }
                let record = try new.record(epoch: epoch)
                XCTAssertEqual(record, try old.record(epoch: epoch))
                XCTAssertNotNil(record.testAccuracy)
                XCTAssertEqual(record.gradientMean?.count, 3)
            }
            XCTAssertEqual(try new.requiredInputs().values, try old.requiredInputs().values)
        }
    }

    /// `measures` of a version 2 run and of version 1 of the same arrays: the same CSV, byte for byte.
    func testMeasuresEqualVersion1ByteForByte() throws {
        let v1 = folder.appendingPathComponent("v1.h5").path
        let v2 = try writeRun("v2.h5", ["--v1", v1, "--epochs", "0,1,2,5,9,20"])
        for split in ["train", "test"] {
            var csv: [Data] = []
            for run in [v1, v2] {
                let out = folder.appendingPathComponent("\(split)_\(URL(fileURLWithPath: run).lastPathComponent).csv")
                let result = try runCLI(["measures", run, "--split", split, "-o", out.path])
                XCTAssertEqual(result.status, 0, result.stderr)
                csv.append(try Data(contentsOf: out))
            }
            XCTAssertGreaterThan(csv[0].count, 100)
            XCTAssertEqual(csv[0], csv[1], split)
        }
    }

    /// `all` on a version 2 run (first epoch −1, before training) writes every artifact, as on
    /// version 1, with the layers named by `layer_names`.
    func testAllWritesEveryArtifact() throws {
        let run = try writeRun("v2.h5", ["--epochs=-1,0,1,3,7", "--names"])
        let out = folder.appendingPathComponent("out")
        let result = try runCLI(["all", run, "-o", out.path, "--dpi", "40"], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        var expected = ["index.html", "manifest.json", "summary.md"]
        for spec in ArtifactCatalog.all {
            for split in spec.perRun ? [Split.train] : [.train, .test] { expected.append(spec.fileName(split: split, format: "png")) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), expected.sorted())
        let csv = try String(contentsOf: out.appendingPathComponent("information_measures_train.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv[0], "epoch,layer,layer_name,MI_XM,MI_YM", "layer_names name the layers")
        XCTAssertTrue(csv[1].hasPrefix("-1,0,fc0,"), String(csv[1]))
        XCTAssertEqual(Set(csv.dropFirst().map { $0.split(separator: ",")[0] }), ["-1", "0", "1", "3", "7"])
    }

    /// An epoch whose activations hold NaN is named by its row and epoch, so `all` leaves that
    /// epoch out of each split's artifacts, says so and exits 1, as for version 1.
    func testAllLeavesOutAnEpochWithNaN() throws {
        let run = try writeRun("nan.h5", ["--nan-epoch", "2"])
        let out = folder.appendingPathComponent("out")
        let result = try runCLI(["all", run, "-o", out.path, "--dpi", "40"], timeout: 300)
        XCTAssertEqual(result.status, 1, result.stderr)
        for split in ["train", "test"] {
            XCTAssertTrue(result.stderr.contains("epoch 2 of the \(split) split left out of its artifacts: \(run): \(split)/activations/0[2] (epoch 2): contains NaN at row 0, column 0"),
                          result.stderr)
            let rows = try Fixtures.readMeasures(out.appendingPathComponent("information_measures_\(split).csv"))
            XCTAssertEqual(Set(rows.map(\.epoch)), [0, 1, 3, 4])
        }
    }

    /// A writer holding the run open in SWMR mode, with 3 epochs committed and the rows of a
    /// 4th written but not committed: `measures` reads the 3 committed epochs; after the writer
    /// is killed (the file keeps its "open for SWMR writing" flag), it still does.
    func testLiveSWMRRunShowsTheCommittedEpochs() throws {
        let run = folder.appendingPathComponent("live.h5").path
        let writer = try HeldWriter(arguments: [Self.script, run, "--live", "3", "--epochs", "0,1,2,3,4"])
        defer { writer.stop() }
        for pass in ["live", "killed"] {
            let out = folder.appendingPathComponent("\(pass).csv")
            let result = try runCLI(["measures", run, "-o", out.path])
            XCTAssertEqual(result.status, 0, "\(pass): \(result.stderr)")
            XCTAssertEqual(Set(try Fixtures.readMeasures(out).map(\.epoch)), [0, 1, 2], pass)
            if pass == "live" { writer.kill() }
        }
    }

    /// A writer holding the run open without SWMR (libhdf5's lock): one line saying so and
    /// what to do, no libhdf5 stack.
    func testRunLockedByAPlainWriterIsOneLine() throws {
        let run = folder.appendingPathComponent("plain.h5").path
        let writer = try HeldWriter(arguments: [Self.script, run, "--plain"])
        defer { writer.stop() }
        let result = try runCLI(["measures", run, "-o", folder.appendingPathComponent("m.csv").path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "dneck-plot: error: \(DneckError.lockedByWriter(file: run))\n")
        XCTAssertTrue(result.stderr.contains("SWMR") && result.stderr.contains("HDF5_USE_FILE_LOCKING=FALSE"), result.stderr)
    }
}

/// write_v2_run.py holding a run open (`--live`, `--plain`) until its standard input closes.
private final class HeldWriter {
    private let process = Process()
    private let input = Pipe()

    /// Starts the writer and waits for its "ready" line; skips when python3 with numpy and h5py is missing.
    init(arguments: [String]) throws {
        let probe = try runProgram(Fixtures.python, ["-c", "import numpy, h5py"])
        try XCTSkipUnless(probe.status == 0, "python3 with numpy and h5py is needed to write version 2 runs")
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: Fixtures.python)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = output.fileHandleForReading.readData(ofLength: 6)
        XCTAssertEqual(String(decoding: line, as: UTF8.self), "ready\n")
    }

    /// Kills the writer at once, leaving the file as a crash leaves it.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Lets the writer close the file and end.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
