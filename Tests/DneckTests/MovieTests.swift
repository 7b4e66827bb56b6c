import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckMovie
import DneckPlotters
import XCTest

/// The movie, decoded back through libavformat/libavcodec.
final class MovieTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testStreamPropertiesPixelsAndDeterminism() throws {
        let out = folder.appendingPathComponent("plane.mp4")
        let result = try runCLI(["movie", Fixtures.exampleRun, "--size", "600x900", "--fps", "5", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let movie = try DecodedMovie(path: out.path)
        XCTAssertEqual(movie.codecName, "h264")
        XCTAssertEqual(movie.pixelFormat, "yuv420p")
        XCTAssertEqual(movie.width, 600)
        XCTAssertEqual(movie.height, 900)
        XCTAssertEqual(movie.frames.count, 11)   // logged epochs of the example
        XCTAssertEqual(movie.frameRate, 5, accuracy: 1e-9)
        XCTAssertEqual(movie.duration, 11.0 / 5, accuracy: 0.01)
        XCTAssertTrue(movie.indexFirst, "moov should precede mdat (faststart)")

        // The last layer's point of a known epoch lands at its mapped pixel, in its colour.
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: MovieFrameChart.descriptor.needs)
        let table = data.measures!
        let frames = MovieFrames(run: data, request: FigureRequest(dpi: 100))
        for (k, layer) in [(6, 5), (10, 5), (3, 3)] {
            let figure = frames.figure(k).laidOut()
            let point = table.points(epoch: table.epochs[k]).first { $0.layer == layer }!
            let p = figure.pixel(figure.panels[0].point(DataPoint(point.ixm, point.iym))!)
            // The marker's middle 5 × 5 pixels (it is 13 across), averaged: H.264 at crf 20
            // moves single pixels of a small disc by more than its colour is worth testing.
            let block = (-2...2).flatMap { dy in (-2...2).map { dx in movie.rgb(frame: k, x: Int(p.x) + dx, y: Int(p.y) + dy) } }
            let mean = { (c: KeyPath<(r: Int, g: Int, b: Int), Int>) in Int((Double(block.map { $0[keyPath: c] }.reduce(0, +)) / 25).rounded()) }
            let got = (r: mean(\.r), g: mean(\.g), b: mean(\.b))
            let want = MovieFrameChart.layerColor(layer, of: table.layerCount, request: frames.request)
            let w = (Int(Color.byte(want.r)), Int(Color.byte(want.g)), Int(Color.byte(want.b)))
            XCTAssertLessThanOrEqual(max(abs(got.r - w.0), abs(got.g - w.1), abs(got.b - w.2)), 12,
                                     "frame \(k) layer \(layer): got \(got), want \(w)")
        }

        let again = folder.appendingPathComponent("again.mp4")
        XCTAssertEqual(try runCLI(["movie", Fixtures.exampleRun, "--size", "600x900", "--fps", "5", "-o", again.path]).status, 0)
        XCTAssertEqual(try DecodedMovie(path: again.path).frameChecksums, movie.frameChecksums)
        XCTAssertEqual(try Data(contentsOf: again), try Data(contentsOf: out), "the same input should give the same bytes")
    }

    /// Decorations drawn once plus a frame's marks give the very pixels of the whole frame, also
    /// when only the marks region is restored over the previous frame.
    func testLayeredDrawingEqualsFullDrawing() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: MovieFrameChart.descriptor.needs)
        let movie = MovieFrames(run: data, request: FigureRequest(dpi: 60))
        let first = movie.figure(0).laidOut()
        let decorations = try Raster(width: first.pixelWidth, height: first.pixelHeight)
        try decorations.draw(first, layers: [.background, .decorations], forVideo: true)
        let region = PixelRegion(covering: FigureDrawer.marksRegion(first), of: first, width: first.pixelWidth,
                                 height: first.pixelHeight)
        let layered = try Raster(width: first.pixelWidth, height: first.pixelHeight)
        layered.copyPixels(from: decorations)
        for k in [0, 5, 10] {
            let whole = try Raster(width: first.pixelWidth, height: first.pixelHeight)
            try whole.draw(movie.figure(k).laidOut(), forVideo: true)
            layered.copyPixels(from: decorations, regions: [region])
            try layered.draw(movie.figure(k).laidOut(), layers: .marks, forVideo: true)
            // A frame in frame 0's layout is the frame laid out on its own.
            let own = movie.figure(k).laidOut(), shared = try movie.figure(k, laidOutAs: first)
            XCTAssertEqual(own.panels.map(\.frame), shared.panels.map(\.frame))
            XCTAssertEqual(own.texts.map(\.text), shared.texts.map(\.text))
            XCTAssertEqual(own.texts.map(\.at), shared.texts.map(\.at))
            let count = whole.stride * whole.height
            let same = whole.withPixels { a in layered.withPixels { b in memcmp(a, b, count) == 0 } }
            XCTAssertTrue(same, "frame \(k) differs when drawn in layers")
        }
    }

    /// A lossless movie (crf 0) decodes to each frame drawn whole and converted whole: the
    /// slots' restoring and tile-by-tile converting leave nothing stale and miss nothing. The
    /// example's 11 frames forwards, backwards and by threes, so that marks come and go in
    /// every raster of the slots several times.
    func testLosslessMovieHoldsEachFrameDrawnWhole() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: MovieFrameChart.descriptor.needs)
        let frames = MovieFrames(run: data, request: FigureRequest(dpi: 50))
        let order = Array(0..<frames.count) + (0..<frames.count).reversed() + (0..<3 * frames.count).map { 3 * $0 % frames.count }
        let first = frames.figure(0).laidOut()
        let out = folder.appendingPathComponent("lossless.mp4")
        try MovieWriter.write(to: out, count: order.count, width: first.pixelWidth, height: first.pixelHeight,
                              settings: MovieSettings(crf: 0)) { try frames.figure(order[$0], laidOutAs: first) }
        let movie = try DecodedMovie(path: out.path)
        XCTAssertEqual(movie.frames.count, order.count)
        let raster = try Raster(width: movie.width, height: movie.height)
        let whole = try VideoFrame(pictureWidth: movie.width, height: movie.height)
        for (k, decoded) in movie.frames.enumerated() {
            try raster.draw(try frames.figure(order[k], laidOutAs: first), forVideo: true)
            try whole.fill(from: raster)
            let (w, h) = (movie.width / 2, movie.height / 2)
            var planes = decoded.y
            for row in 0..<h {
                let line: Range<Int> = row * w..<(row + 1) * w
                planes += decoded.u[line]
                planes += decoded.v[line]
            }
            XCTAssertTrue(whole.planes == planes, "frame \(k) is not the frame drawn whole")
        }
    }

    func testOddSizeIsPaddedAndEpochRangeSelectsFrames() throws {
        let out = folder.appendingPathComponent("odd.mp4")
        let result = try runCLI(["movie", Fixtures.exampleRun, "--size", "301x451", "--epochs", "5:160", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let movie = try DecodedMovie(path: out.path)
        XCTAssertEqual(movie.width, 302)
        XCTAssertEqual(movie.height, 452)
        XCTAssertEqual(movie.frames.count, 6)   // logged epochs 5, 10, 20, 40, 80 and 160
    }

    /// The "Epoch N" label covers no point of any frame, on a run whose points reach every
    /// corner of the plane (top left: one state per class, I(X;M) = I(Y;M) = 1 bit; top right:
    /// every sample its own state; bottom: states that ignore the labels).
    func testEpochLabelCoversNoPoint() throws {
        let n = 32, labels = (0..<n).map { $0 % 2 }
        let perClass = labels.map(Double.init), perSample = (0..<n).map { Double($0) / Double(n) }
        let blind = (0..<n).map { Double($0 / 2 % 2) }, few = (0..<n).map { Double($0 / 4 % 4) }
        let run = folder.appendingPathComponent("corners.h5").path
        SyntheticRun(labels: labels, epochs: [(0, [blind, few]), (1, [perClass, perSample]), (2, [perSample, perClass])], units: [1, 1])
            .writeDneck(run)
        let data = try DataStage.gather(RunReader(path: run), needs: MovieFrameChart.descriptor.needs)
        let frames = MovieFrames(run: data, request: FigureRequest(dpi: 40))
        let table = data.measures!
        for k in 0..<frames.count {
            let (laid, texts) = RecordingRenderer.texts(of: frames.figure(k))
            let label = try XCTUnwrap(texts.first { $0.item.role == .mark && $0.item.text.hasPrefix("Epoch") })
            XCTAssertEqual(label.item.text, "Epoch \(table.epochs[k])")
            let plane = laid.panels[0], radius = laid.style.markerSize * 1.6 / 2
            for p in table.points {
                let c = try XCTUnwrap(plane.point(DataPoint(p.ixm, p.iym)))
                let dot = Rect(x: c.x - radius, y: c.y - radius, width: 2 * radius, height: 2 * radius)
                XCTAssertFalse(dot.overlaps(label.box), "frame \(k): '\(label.item.text)' covers epoch \(p.epoch), layer \(p.layer)")
            }
            XCTAssertEqual(layoutProblems(laid, texts: texts), [], "frame \(k)")
        }
    }

    func testRunWithoutAccuracyStillGivesAMovie() throws {
        let run = folder.appendingPathComponent("noacc.h5").path
        var synthetic = SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [[0.1, 0.5, 0.2, 0.9]]), (4, [[0.3, 0.5, 0.2, 0.1]])],
                                     units: [1])
        synthetic.accuracy = false
        synthetic.writeDneck(run)
        let out = folder.appendingPathComponent("noacc.mp4")
        let result = try runCLI(["movie", run, "--size", "200x300", "-o", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("no accuracy"), result.stderr)
        XCTAssertEqual(try DecodedMovie(path: out.path).frames.count, 2)
    }

    /// Bad input found while FFmpeg's libraries are still loading on another thread: the exit
    /// waits for them (an exit during a library's initialisation can abort in libgomp or GLib).
    /// The race is rare, so many short runs, four at a time.
    func testNaNRunExitsCleanlyWhileFFmpegLoads() throws {
        let run = folder.appendingPathComponent("nan.h5").path
        SyntheticRun(labels: [0, 1, 0], epochs: [(3, [[0.1, 0.2, Double.nan, 0.4, 0.5, 0.6]])], units: [2]).writeDneck(run)
        var results = [CLIResult?](repeating: nil, count: 32)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for k in stride(from: worker, to: results.count, by: 4) {
                let result = try? runCLI(["movie", run, "-o", folder.appendingPathComponent("nan\(k).mp4").path])
                lock.lock(); results[k] = result; lock.unlock()
            }
        }
        for result in results {
            guard let result else { XCTFail("the CLI did not run"); continue }
            XCTAssertEqual(result.status, 1, result.stderr)   // a signal (abort) gives its number instead
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("nan.h5: train/3/activations/0: contains NaN"), result.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["nan.h5"])
    }

    func testUnwritableAndInterruptedLeaveNoFile() throws {
        let result = try runCLI(["movie", Fixtures.exampleRun, "-o", "/proc/nope/plane.mp4"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cannot write output"), result.stderr)

        // A big slow movie, interrupted with SIGINT part way: no .mp4 and no temporary file.
        let process = Process()
        process.executableURL = productsFolder().appendingPathComponent("dneck-plot")
        process.arguments = ["movie", Fixtures.exampleRun, "--size", "2400x3600", "--preset", "veryslow", "-o",
                             folder.appendingPathComponent("big.mp4").path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the encoder has opened its temporary file, then interrupt.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try FileManager.default.contentsOfDirectory(atPath: folder.path)).isEmpty {
            usleep(20_000)
        }
        usleep(300_000)
        XCTAssertTrue(process.isRunning, "the encode finished before it could be interrupted")
        process.interrupt()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
