import DneckCore
import DneckMovie
import Foundation
import DneckReport
import XCTest

/// `dneck-plot all` on the bundled example, made once (twice, concurrently) for every test of
/// the report that needs it.
enum ExampleReport {
    /// The small look the tests use: 60 dpi figures, a 360 × 540 movie.
    static let arguments = ["--dpi", "60"]

    struct Made {
        let folders: [URL]
        let results: [CLIResult]
    }

    static let made: Made = {
        let root = Fixtures.temporaryFolder()
        let folders = [root.appendingPathComponent("a"), root.appendingPathComponent("b")]
        let results = ResultBox<CLIResult>(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            results.set(i, Result { try runCLI(["all", Fixtures.exampleRun, "-o", folders[i].path] + arguments) })
        }
        return Made(folders: folders, results: try! (0..<2).map { try results.get($0) })
    }()

    /// The files of `folder`, sorted.
    static func files(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}

/// The output of a program run for its standard output.
func standardOutput(_ binary: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let timer = DispatchWorkItem { process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    timer.cancel()
    return String(decoding: data, as: UTF8.self)
}

final class AllCommandTests: XCTestCase {
    var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// The artifacts the catalog (the descriptors of the charts in `all`, then the table) names.
    static let artifacts = ArtifactCatalog.all.map(\.name)

    /// Every artifact of both splits is there and decodes, the CSVs parse, the manifest's
    /// hashes and sizes match the files (hashed by coreutils' sha256sum, not the tool's libcrypto).
    func testEveryArtifactIsWrittenAndTheManifestMatches() throws {
        let made = ExampleReport.made, out = made.folders[0]
        XCTAssertEqual(made.results[0].status, 0, made.results[0].stderr)
        var expected = ["index.html", "manifest.json", "summary.md"]
        XCTAssertTrue(Self.artifacts.contains("health"))
        for spec in ArtifactCatalog.all {
            for split in spec.perRun ? [Split.train] : [.train, .test] { expected.append(spec.fileName(split: split, format: "png")) }
        }
        XCTAssertTrue(expected.contains("snr.png") && expected.contains("accuracy.png"), "gradients and accuracy belong to the run")
        XCTAssertEqual(try ExampleReport.files(out), expected.sorted())
        for file in expected {
            let path = out.appendingPathComponent(file).path
            if file.hasSuffix(".png") { XCTAssertGreaterThan(try DecodedPNG(path: path).width, 100, file) }
            if file.hasSuffix(".csv") { XCTAssertEqual(try Fixtures.readMeasures(URL(fileURLWithPath: path)).count, 11 * 6, file) }
            if file.hasSuffix(".mp4") {
                let movie = try DecodedMovie(path: path)
                XCTAssertEqual(movie.frames.count, 11, file)
                XCTAssertEqual(movie.width, 360, file)
            }
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        let entries = manifest["artifacts"] as! [[String: Any]]
        XCTAssertEqual(entries.map { $0["path"] as! String }, expected.filter { $0 != "manifest.json" }.sorted())
        let sums = try standardOutput("/usr/bin/sha256sum", entries.map { out.appendingPathComponent($0["path"] as! String).path })
            .split(separator: "\n").map { String($0.prefix(64)) }
        XCTAssertEqual(entries.map { $0["sha256"] as! String }, sums)
        for entry in entries {
            let size = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(entry["path"] as! String).path)[.size] as! Int
            XCTAssertEqual(entry["size"] as? Int, size)
        }
        let input = (manifest["inputs"] as! [[String: Any]])[0]
        XCTAssertEqual(input["sha256"] as? String,
                       String(try standardOutput("/usr/bin/sha256sum", [Fixtures.exampleRun]).prefix(64)))
        XCTAssertEqual((manifest["tool"] as? [String: String])?["name"], "dneck-plot")
        XCTAssertEqual((manifest["options"] as? [String: String])?["dpi"], "60.0")
        let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("Final accuracy (epoch 980)"), summary)
        XCTAssertTrue(summary.contains("| 5 |"), summary)
        XCTAssertTrue(summary.contains("[infoplane_test.png](infoplane_test.png)"), summary)
        XCTAssertLessThan(summary.utf8.count, 1 << 20)
    }

    /// The same input and options give a byte-identical folder, manifest included.
    func testTwoRunsGiveIdenticalFolders() throws {
        let made = ExampleReport.made
        XCTAssertEqual(made.results[1].status, 0, made.results[1].stderr)
        let files = try ExampleReport.files(made.folders[0])
        XCTAssertEqual(files, try ExampleReport.files(made.folders[1]))
        for file in files {
            XCTAssertEqual(try Data(contentsOf: made.folders[0].appendingPathComponent(file)),
                           try Data(contentsOf: made.folders[1].appendingPathComponent(file)), file)
        }
    }

    /// A run without gradients or losses: snr and accuracy fail, one stderr line each naming the
    /// dataset; every other artifact, the report and the manifest are written; exit 1.
    func testMissingGradientsFailOnlyTheirArtifacts() throws {
        let run = folder.appendingPathComponent("plain.h5").path
        SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [[0.1, 0.2, 0.3, 0.4]]), (3, [[0.3, 0.4, 0.5, 0.7]])], units: [1]).writeDneck(run)
        let out = folder.appendingPathComponent("out")
        let result = try runCLI(["all", run, "-o", out.path, "--dpi", "40", "--skip", "infoplane_movie"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("dneck-plot: error:") }
        XCTAssertEqual(errors.count, 2, result.stderr)   // snr and accuracy, once per run
        XCTAssertTrue(result.stderr.contains("snr.png: \(run): train/0/gradmean: missing"), result.stderr)
        XCTAssertTrue(result.stderr.contains("accuracy.png: \(run): train/0/loss/training: missing"), result.stderr)
        let files = try ExampleReport.files(out)
        XCTAssertFalse(files.contains { $0.hasPrefix("snr") || $0.hasPrefix("accuracy") || $0.hasSuffix(".tmp") }, "\(files)")
        for name in ["infoplane_train.png", "activations_test.png", "mi_epochs_train.png", "information_measures_test.csv",
                     "index.html", "summary.md", "manifest.json"] {
            XCTAssertTrue(files.contains(name), "\(name) missing from \(files)")
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertEqual((manifest["failures"] as! [String: String]).keys.sorted(),
                       ["accuracy.png", "snr.png"])
    }

    /// Gradients and accuracy belong to training, not to a split: a run that logs them under
    /// /train only gets its one SNR and accuracy chart, and `all` succeeds.
    func testGradientsLoggedOnceMakeOneChartPerRun() throws {
        let run = folder.appendingPathComponent("train-only.h5").path
        var synthetic = SyntheticRun(labels: [0, 1, 0, 1], epochs: [(1, [[0.1, 0.2, 0.3, 0.4]]), (3, [[0.3, 0.4, 0.5, 0.7]])], units: [1])
        synthetic.datasets = ["gradmean": ([1], [0.5]), "gradstd": ([1], [0.25]), "weights_norm": ([1], [2]),
                              "loss/training": ([], [0.7]), "loss/test": ([], [0.8])]
        synthetic.datasetSplits = ["train"]
        synthetic.writeDneck(run)
        XCTAssertEqual(try runCLI(["snr", run, "--split", "test", "-o", folder.appendingPathComponent("t.png").path]).status, 1)
        let out = folder.appendingPathComponent("out")
        let result = try runCLI(["all", run, "-o", out.path, "--dpi", "40", "--only", "snr,accuracy,infoplane"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try ExampleReport.files(out).filter { $0.hasSuffix(".png") }.sorted(),
                       ["accuracy.png", "infoplane_test.png", "infoplane_train.png", "snr.png"])
    }

    /// SIGTERM (what Slurm sends before preempting) mid-write: no temporary file and no
    /// manifest stay, the exit status is 128 + 15.
    func testSigtermLeavesNoHalfWrittenFile() throws {
        let run = folder.appendingPathComponent("run.h5").path
        let samples = 400
        SyntheticRun(labels: (0..<samples).map { $0 % 2 },
                     epochs: (0..<40).map { e in (e, (0..<2).map { l in (0..<samples * 6).map { sin(Double($0 * (l + 1) + e)) } }) },
                     units: [6, 6]).writeDneck(run)
        let out = folder.appendingPathComponent("out")
        let writing = { (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.contains { $0.hasSuffix(".tmp") } ?? false }
        let result = try runCLI(["all", run, "-o", out.path, "--dpi", "200"], timeout: 60, signal: (SIGTERM, writing))
        XCTAssertFalse(result.signaled, "died of the signal instead of handling it")
        XCTAssertEqual(result.status, 128 + SIGTERM, result.stderr)
        let files = try ExampleReport.files(out)
        XCTAssertFalse(files.contains { $0.hasSuffix(".tmp") || $0 == "manifest.json" }, "\(files)")
    }

    /// --only and --skip choose by artifact name; an unknown name lists the known ones.
    func testOnlyAndSkipSelect() throws {
        let out = folder.appendingPathComponent("out")
        let result = try runCLI(["all", Fixtures.exampleRun, "-o", out.path, "--dpi", "40", "--only", "infoplane,information_measures",
                                 "--splits", "test", "--format", "png,svg"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try ExampleReport.files(out), ["index.html", "infoplane_test.png", "infoplane_test.svg",
                                                      "information_measures_test.csv", "manifest.json", "summary.md"])
        let bad = try runCLI(["all", Fixtures.exampleRun, "-o", out.path, "--skip", "planes"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown artifact 'planes'; known: infoplane, infoplane_movie"), bad.stderr)
    }

    /// Several runs: one subfolder per run (the same stem twice is made unique) and the
    /// information planes side by side.
    func testSeveralRunsGetSubfoldersAndAComparison() throws {
        let a = folder.appendingPathComponent("x/run.h5").path, b = folder.appendingPathComponent("y/run.h5").path
        for path in [a, b] {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [[0.1, 0.2, 0.3, 0.4]]), (3, [[0.3, 0.4, 0.5, 0.7]])], units: [1]).writeDneck(path)
        }
        let out = folder.appendingPathComponent("out")
        let result = try runCLI(["all", a, b, "-o", out.path, "--dpi", "40", "--only", "infoplane"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try ExampleReport.files(out), ["compare_infoplane_test.png", "compare_infoplane_train.png", "manifest.json",
                                                      "run", "run-2"])
        XCTAssertTrue(try ExampleReport.files(out.appendingPathComponent("run-2")).contains("infoplane_train.png"))
    }
}
