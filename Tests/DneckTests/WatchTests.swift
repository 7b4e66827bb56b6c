import DneckCore
import DneckIO
import DneckMeasures
import DneckReport
import Foundation
import XCTest

/// `dneck-plot watch`: the measure cache, the live report, the run's state, and the command on
/// runs that are finished, still running and interrupted. (python/tests/test_watch.py follows a
/// real PyTorch training in headless Chromium.)
final class WatchTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// The example run as format version 2, written by the Python package (status finished).
    private func versionTwo() throws -> String {
        let run = folder.appendingPathComponent("run.h5").path
        let result = try runProgram(Fixtures.python, ["-m", "dneck", "convert", Fixtures.exampleRun, "-o", run],
                                    environment: ["PYTHONPATH": Fixtures.packageRoot.appendingPathComponent("python").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return run
    }

    /// Sets the run's `status` dataset (0 running, 1 finished).
    private func setStatus(_ run: String, _ code: Int) throws {
        let result = try runProgram(Fixtures.python, ["-c", "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); f['status'][0]=int(sys.argv[2]); f.close()", run, "\(code)"])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// Every file of `a` equals the same file of `b`, and they hold the same names (hidden ones too).
    private func assertSameFolders(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        XCTAssertEqual(names, try FileManager.default.contentsOfDirectory(atPath: b.path).sorted(), file: file, line: line)
        for name in names {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)),
                           "\(name) differs", file: file, line: line)
        }
    }

    func testCachedEpochsAreTakenAndNewOnesMeasuredAndKept() throws {
        let reader = try RunReader(path: Fixtures.exampleRun, split: .train)
        let epochs = Array(reader.epochs.prefix(3))
        let fresh = try InformationMeasures.compute(reader, estimator: BinningEstimator(), epochs: epochs).table
        // A cache holding made-up values of the first epoch: they must come out as they are.
        let planted = (0..<reader.layerCount).map { InformationPoint(epoch: epochs[0], layer: $0, estimate: MIEstimate(ixm: 100 + Double($0), iym: 0.5)) }
        let cache = MeasureCache(planted)
        let cached = try InformationMeasures.compute(reader, estimator: BinningEstimator(), epochs: epochs, cache: cache).table
        XCTAssertEqual(cached.points.filter { $0.epoch == epochs[0] }.map(\.ixm), (0..<reader.layerCount).map { 100 + Double($0) })
        XCTAssertEqual(cached.points.filter { $0.epoch != epochs[0] }, fresh.points.filter { $0.epoch != epochs[0] })
        XCTAssertEqual(cache.points.count, epochs.count * reader.layerCount)
        // An empty cache changes nothing, and is filled in the table's order.
        let filled = MeasureCache()
        XCTAssertEqual(try InformationMeasures.compute(reader, estimator: BinningEstimator(), epochs: epochs, cache: filled).table, fresh)
        XCTAssertEqual(filled.points, fresh.points)
        // An epoch the cache holds only some layers of is measured again.
        let partial = MeasureCache(Array(planted.prefix(1)))
        XCTAssertEqual(try InformationMeasures.compute(reader, estimator: BinningEstimator(), epochs: epochs, cache: partial).table, fresh)
    }

    func testSurveyOfAGrownRunWithItsCacheEqualsAFreshOne() throws {
        let reader = try RunReader(path: Fixtures.exampleRun, split: .train)
        let parts: ActivationSurvey.Parts = [.layerHistograms, .neuronHistograms, .activity]
        func survey(_ epochs: ArraySlice<Int>, _ cache: SurveyCache?, from reader: RunReader) throws -> [String] {
            let s = try ActivationSurvey.gather(reader, parts: parts, bins: 20, neuronsPerLayer: 4, epochs: Array(epochs), cache: cache)
            return ["\(s.layerRanges)", "\(s.neuronRanges)", "\(s.layerHistograms)", "\(s.neuronHistograms)", "\(s.activationRates)", "\(s.deathRates)"]
        }
        // The run grows epoch by epoch (later epochs widen the ranges, so counts are made again).
        let cache = SurveyCache()
        for end in [2, 5, reader.epochs.count] {
            XCTAssertEqual(try survey(reader.epochs.prefix(end), cache, from: reader), try survey(reader.epochs.prefix(end), nil, from: reader))
        }
        // What the cache holds is used: surveyed from the other split's file (other activations),
        // the same epochs come out as the cache's split has them.
        let other = try RunReader(path: Fixtures.exampleRun, split: .test)
        XCTAssertNotEqual(try survey(other.epochs[...], nil, from: other), try survey(reader.epochs[...], nil, from: reader))
        XCTAssertEqual(try survey(other.epochs[...], cache, from: other), try survey(reader.epochs[...], nil, from: reader))
    }

    func testLiveReportReloadsAndSaysHowFarTheRunHasCome() {
        var page = ReportPage(title: "run", config: [:], epochs: [.train: [0, 1, 5]], items: [], failures: [:], overlays: [:])
        let finished = page.html()
        XCTAssertFalse(finished.contains("refresh"))
        XCTAssertFalse(finished.contains("Watching"))
        page.live = LiveStatus(file: "run.h5", lastEpoch: 5, committed: Date(timeIntervalSince1970: 1_800_000_000), refreshSeconds: 3)
        let live = page.html()
        XCTAssertTrue(live.contains("<meta http-equiv=\"refresh\" content=\"3\">"))
        XCTAssertTrue(live.contains("last committed epoch 5"))
        XCTAssertTrue(live.contains("data-committed=\"1800000000.0\""))
        XCTAssertTrue(live.contains("sessionStorage"))
    }

    func testRunStateOfVersionOneAndTwoRuns() throws {
        XCTAssertEqual(try RunState.probe(Fixtures.exampleRun).status, .complete)
        let run = try versionTwo()
        let state = try RunState.probe(run)
        XCTAssertEqual(state.status, .finished)
        XCTAssertEqual(state.epochs["train"], try RunReader(path: Fixtures.exampleRun, split: .train).epochs)
        try setStatus(run, 0)
        XCTAssertEqual(try RunState.probe(run).status, .running)
        try setStatus(run, 7)
        XCTAssertThrowsError(try RunState.probe(run)) { error in
            XCTAssertEqual("\(error)", "\(run): status: is 7; expected 0 (running), 1 (finished) or 2 (stopped)")
        }
    }

    func testWatchOfAFinishedRunEqualsAll() throws {
        let run = try versionTwo()
        let watched = folder.appendingPathComponent("watched"), made = folder.appendingPathComponent("all")
        let options = ["--only", "infoplane,information_measures,accuracy", "--format", "png,svg"]
        let watch = try runCLI(["watch", run, "-o", watched.path] + options)
        let all = try runCLI(["all", run, "-o", made.path] + options)
        XCTAssertEqual(watch.status, all.status, watch.stderr)
        XCTAssertEqual(watch.stderr, all.stderr)
        try assertSameFolders(watched, made)
        // A version 1 run (complete when read) too.
        let v1 = folder.appendingPathComponent("v1")
        XCTAssertEqual(try runCLI(["watch", Fixtures.exampleRun, "-o", v1.path] + options).status, all.status)
        XCTAssertEqual(try Data(contentsOf: v1.appendingPathComponent("information_measures_train.csv")),
                       try Data(contentsOf: made.appendingPathComponent("information_measures_train.csv")))
    }

    func testInterruptedWatchLeavesWholeFilesAndResumesToAll() throws {
        let run = try versionTwo()
        try setStatus(run, 0)   // as a writer that is still training, or was killed
        let watched = folder.appendingPathComponent("watched"), made = folder.appendingPathComponent("all")
        let options = ["--only", "infoplane,information_measures", "--interval", "0.1"]
        let index = watched.appendingPathComponent("index.html")
        let cacheFile = watched.appendingPathComponent(".dneck-watch/measures.json")
        let interrupted = try runCLI(["watch", run, "-o", watched.path] + options, timeout: 300,
                                     signal: (SIGINT, { FileManager.default.fileExists(atPath: cacheFile.path) }))
        XCTAssertEqual(interrupted.status, 128 + SIGINT, interrupted.stderr)
        let page = try String(contentsOf: index, encoding: .utf8)
        XCTAssertTrue(page.contains("http-equiv=\"refresh\""))
        XCTAssertTrue(page.contains("last committed epoch 980"), page)
        let names = try FileManager.default.contentsOfDirectory(atPath: watched.path)
        XCTAssertFalse(names.contains { $0.hasSuffix(".tmp") }, "\(names)")
        // The writer closes the run: a restarted watch takes the cache, ends, and leaves what all leaves.
        try setStatus(run, 1)
        let resumed = try runCLI(["watch", run, "-o", watched.path] + options, timeout: 300)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try runCLI(["all", run, "-o", made.path, "--only", "infoplane,information_measures"]).status, 0)
        try assertSameFolders(watched, made)
    }

    /// While the run is written, each movie holds every committed epoch (`LiveMovie`); once it
    /// is closed, the movies are `all`'s, byte for byte.
    func testLiveMoviesHoldEveryCommittedEpochAndEndAsAll() throws {
        let run = try versionTwo()
        try setStatus(run, 0)
        let watched = folder.appendingPathComponent("watched"), made = folder.appendingPathComponent("all")
        let options = ["--only", "infoplane_movie", "--interval", "0.1"]
        let cacheFile = watched.appendingPathComponent(".dneck-watch/measures.json")
        let interrupted = try runCLI(["watch", run, "-o", watched.path] + options, timeout: 300,
                                     signal: (SIGINT, { FileManager.default.fileExists(atPath: cacheFile.path) }))
        XCTAssertEqual(interrupted.status, 128 + SIGINT, interrupted.stderr)
        for split in ["train", "test"] {
            let movie = try DecodedMovie(path: watched.appendingPathComponent("infoplane_movie_\(split).mp4").path)
            XCTAssertEqual(movie.frames.count, 11, split)   // the example's logged epochs
            XCTAssertTrue(movie.indexFirst, split)
        }
        try setStatus(run, 1)
        XCTAssertEqual(try runCLI(["watch", run, "-o", watched.path] + options, timeout: 300).status, 0)
        XCTAssertEqual(try runCLI(["all", run, "-o", made.path, "--only", "infoplane_movie"]).status, 0)
        try assertSameFolders(watched, made)
    }

    func testBadWatchOptionsAreOneLine() throws {
        for (option, value) in [("--interval", "0"), ("--interval", "nan"), ("--refresh", "0"), ("--refresh", "99999")] {
            let result = try runCLI(["watch", Fixtures.exampleRun, "-o", folder.appendingPathComponent("w").path, option, value])
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.stderr.contains(option), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("w").path))
        }
    }
}
