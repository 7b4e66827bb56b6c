import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckMovie
@testable import DneckPlotters
import XCTest

/// The growing movie of `watch` (`LiveMovie`) and the sticky axes of its frames (`FrameEnvelope`).
final class LiveMovieTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// A lossless live movie grown in steps decodes, after every step, to each of its frames drawn
    /// whole; each step encodes only the new frames, from a changed frame on, or all of them
    /// when the decorations changed.
    func testGrowingMovieHoldsEveryFrameAndEncodesOnlyWhatChanged() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: MovieFrameChart.descriptor.needs)
        let frames = MovieFrames(run: data, request: FigureRequest(dpi: 40))
        let template = frames.figure(0).laidOut()
        let movie = LiveMovie(settings: MovieSettings(crf: 0))
        let out = folder.appendingPathComponent("live.mp4")
        let steps: [(count: Int, marks: (Int) -> [[Mark]], template: Figure, encoded: Int)] = [
            (3, frames.marks, template, 3),
            (4, frames.marks, template, 1),
            (8, frames.marks, template, 4),
            (8, frames.marks, template, 0),
            (8, { frames.marks($0 == 5 ? 9 : $0) }, template, 3),            // frame 5 changed: 5, 6, 7 again
            (9, { frames.marks($0 == 5 ? 9 : $0) }, template, 1),
            (9, frames.marks, MovieFrames(run: data, request: FigureRequest(dpi: 40), envelope: FrameEnvelope(planeX: 0...20))
                .figure(0).laidOut(), 9),                                     // a wider axis: every frame again
        ]
        for (step, (count, marks, template, encoded)) in steps.enumerated() {
            try movie.update(count: count, template: template, marks: marks, to: out)
            XCTAssertEqual(movie.lastEncoded, encoded, "step \(step)")
            try assertFrames(of: out, are: (0..<count).map { template.withMarks(marks($0)) }, step: step)
        }
    }

    /// Decodes `movie` and compares each frame with `figures[k]` drawn whole, plane by plane.
    private func assertFrames(of movie: URL, are figures: [Figure], step: Int) throws {
        let decoded = try DecodedMovie(path: movie.path)
        XCTAssertEqual(decoded.frames.count, figures.count, "step \(step)")
        let raster = try Raster(width: decoded.width, height: decoded.height)
        let whole = try VideoFrame(pictureWidth: decoded.width, height: decoded.height)
        for (k, frame) in decoded.frames.enumerated() {
            try raster.draw(figures[k], forVideo: true)
            try whole.fill(from: raster)
            let w = decoded.width / 2
            var planes = frame.y
            for row in 0..<decoded.height / 2 {
                let line: Range<Int> = row * w..<(row + 1) * w
                planes += frame.u[line]
                planes += frame.v[line]
            }
            XCTAssertTrue(whole.planes == planes, "step \(step): frame \(k) is not the frame drawn whole")
        }
    }

    /// An axis range holds the data with headroom in round steps and stays put while the data
    /// stay inside it; epochs reach a round number a quarter beyond the last.
    func testEnvelopeWidensInRoundStepsOnlyWhenTheDataLeaveIt() {
        let first = FrameEnvelope.widened(nil, [0.4, 3.1])!
        XCTAssertEqual(first, 0...4)                  // span 2.7: step 1, a tenth of the span beyond each end, not below 0
        XCTAssertEqual(FrameEnvelope.widened(first, [0.5, 3.2]), first)
        XCTAssertEqual(FrameEnvelope.widened(first, [0.5, 7.9]), 0...10)   // span 7.4: step 2
        let negative = FrameEnvelope.widened(nil, [-2, -1])!                // span 1: step 0.2
        XCTAssertEqual(negative.lowerBound, -2.2, accuracy: 1e-12)
        XCTAssertEqual(negative.upperBound, -0.8, accuracy: 1e-12)
        XCTAssertEqual(FrameEnvelope.widenedEpochs(nil, [0, 1, 80]), 0...100)
        XCTAssertEqual(FrameEnvelope.widenedEpochs(0...100, [0, 99, 100]), 0...100)
        XCTAssertEqual(FrameEnvelope.widenedEpochs(0...100, [0, 101]), 0...200)
        XCTAssertEqual([0.07, 0.1, 0.3, 3, 7, 45].map(FrameEnvelope.roundStep), [0.1, 0.1, 0.5, 5, 10, 50])
    }
}
