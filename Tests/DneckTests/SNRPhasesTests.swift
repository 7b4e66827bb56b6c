import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import XCTest

/// The drift-to-diffusion rule on constructed series and against numpy's numbers of the
/// committed run, and its marks on the SNR chart, the plane and the movie.
final class SNRPhasesTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// Records of one layer per (mean, std), at epochs 0, 1, 2, …
    private func records(_ pairs: [(Double?, Double?)]) -> [EpochRecord] {
        pairs.enumerated().map { epoch, pair in
            var r = EpochRecord(epoch: epoch)
            r.gradientMean = [pair.0 ?? .nan]; r.gradientStd = [pair.1 ?? .nan]
            return r
        }
    }

    private func transition(_ snr: [Double?]) -> Int? {
        SNRPhases.transition(snr.enumerated().map { ($0.offset * 10, $0.element) })
    }

    func testTheLastStretchBelowOneToTheEndIsTheTransition() {
        XCTAssertEqual(transition([3, 2, 0.5, 0.4, 0.2]), 20, "drift, then diffusion from epoch 20")
        XCTAssertEqual(transition([3, 0.5, 2, 0.4, 0.2]), 30, "a dip below 1 that comes back is not a transition")
        XCTAssertEqual(transition([3, 0.5, 0.4, 2]), 10, "one epoch back above 1 at the end does not undo the transition")
        XCTAssertNil(transition([3, 0.5, 2, 2]), "back above 1 for longer than below: no transition")
        XCTAssertEqual(transition([3, 0.5, 0.5, 1.1, 0.5, 0.5, 0.5, 2]), 10, "noise near 1 does not move the mark")
        XCTAssertNil(transition([3, 2, 1.5, 1.1]), "never below 1")
        XCTAssertEqual(transition([0.9, 0.5, 0.1]), 0, "below from the start: the first epoch")
        XCTAssertNil(transition([3, 0.5, 1]), "exactly 1 is not below")
        XCTAssertEqual(transition([3, 0.99]), 10, "the last epoch alone, when only it is below")
        XCTAssertNil(transition([]))
        XCTAssertNil(transition([nil, nil]))
        // Undefined epochs neither break a stretch below 1 nor start one.
        XCTAssertEqual(transition([3, 0.5, nil, 0.4]), 10)
        XCTAssertEqual(transition([3, nil, 0.5]), 20)
        XCTAssertNil(transition([0.5, 3, nil]))
    }

    /// What an SNR is: +∞ for a std of 0 under a mean above 0; undefined for 0/0, NaN, a
    /// missing norm or a negative std; 0 for a mean of 0.
    func testRatioOfZeroNaNAndMissingNorms() {
        XCTAssertEqual(SNRPhases.ratio(mean: 1, std: 4), 0.25)
        XCTAssertEqual(SNRPhases.ratio(mean: 0, std: 4), 0)
        XCTAssertEqual(SNRPhases.ratio(mean: 2, std: 0), .infinity)
        XCTAssertNil(SNRPhases.ratio(mean: 0, std: 0))
        XCTAssertNil(SNRPhases.ratio(mean: .nan, std: 1))
        XCTAssertNil(SNRPhases.ratio(mean: 1, std: .nan))
        XCTAssertNil(SNRPhases.ratio(mean: nil, std: 1))
        XCTAssertNil(SNRPhases.ratio(mean: 1, std: -1))
        // Through records: a std of 0 is above 1, 0/0 is skipped, a mean of 0 is below.
        XCTAssertEqual(SNRPhases(records([(1, 2), (1, 0), (0.5, 1)])).transitions, [2])
        XCTAssertEqual(SNRPhases(records([(1, 2), (0, 0), (0.5, 1)])).transitions, [0])
        XCTAssertEqual(SNRPhases(records([(3, 1), (0, 1), (nil, 1)])).transitions, [1])
        XCTAssertEqual(SNRPhases(records([(0.5, 1), (3, 0)])).transitions, [nil])
    }

    /// One transition per layer, as many layers as the longest gradient vector; none without gradients.
    func testLayersOfRecords() {
        var a = EpochRecord(epoch: 5), b = EpochRecord(epoch: 7)
        a.gradientMean = [2, 0.5]; a.gradientStd = [1, 1]
        b.gradientMean = [0.5, 0.2]; b.gradientStd = [1, 1]
        let phases = SNRPhases([a, b])
        XCTAssertEqual(phases.transitions, [7, 5])
        XCTAssertEqual(phases.epoch(of: 1), 5)
        XCTAssertNil(phases.epoch(of: 2))
        XCTAssertTrue(phases.any)
        XCTAssertEqual(SNRPhases([EpochRecord(epoch: 0)]).transitions, [])
        XCTAssertFalse(SNRPhases([EpochRecord(epoch: 0)]).any)
    }

    /// Both splits of the committed run against numpy's brute-force search
    /// (`Tests/reference/snr_phases_reference.py`).
    func testCommittedRunAgainstNumpy() throws {
        let expected = try String(contentsOf: ReferenceNumbers.folder.appendingPathComponent("snr_phases_expected.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for split in [Split.train, .test] {
            let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun, split: split), needs: SNRChart.descriptor.needs)
            let want = expected.filter { $0[0] == split.rawValue }.map { Int($0[2]) }
            XCTAssertEqual(data.snrPhases?.transitions, want, split.rawValue)
        }
    }

    /// The rings of `panel`'s marks.
    private func rings(_ panel: Panel) -> [DataPoint] {
        panel.marks.flatMap { mark -> [DataPoint] in
            if case .rings(let points, _, _, _) = mark { return points }
            return []
        }
    }

    private func verticalLines(_ panel: Panel) -> [Double] {
        panel.marks.compactMap { mark in
            if case .verticalLine(let x, _, _, _) = mark { return x }
            return nil
        }
    }

    /// The SNR chart marks each layer's transition with a dashed line at its epoch and a ring
    /// on its SNR there, names it in the legend and the footer; a layer without one, none.
    func testSNRChartMarksEachTransition() throws {
        var records: [EpochRecord] = []
        for (epoch, means) in [(0, [4.0, 4.0]), (1, [0.5, 4.0]), (10, [2.0, 0.5]), (100, [0.25, 2.0])] {
            var r = EpochRecord(epoch: epoch)
            r.gradientMean = means; r.gradientStd = [1, 1]; r.weightNorm = [1, 1]
            records.append(r)
        }
        let run = RunData(file: "r.h5", split: .train, epochs: [0, 1, 10, 100], layerCount: 2, sampleCount: 4, records: records)
        let figure = SNRChart().figure(run, request: FigureRequest())
        XCTAssertEqual(rings(figure.panels[0]), [DataPoint(100, 0.25)])
        XCTAssertEqual(verticalLines(figure.panels[0]), [100])
        XCTAssertEqual(rings(figure.panels[1]), [], "layer 1 ends above 1")
        XCTAssertEqual(verticalLines(figure.panels[1]), [])
        XCTAssertTrue(figure.legends[0].legend.entries.contains { $0.symbol == .ring }, "\(figure.legends[0].legend.entries.map(\.label))")
        XCTAssertTrue(figure.footer.contains { $0.contains(SNRPhases.rule) }, "\(figure.footer)")
        let (laid, texts) = RecordingRenderer.texts(of: figure)
        XCTAssertEqual(layoutProblems(laid, texts: texts), [])
        // No transition anywhere: no ring in the legend, no rule in the footer.
        let above = RunData(file: "r.h5", split: .train, epochs: [0, 1, 10, 100], layerCount: 2, sampleCount: 4,
                            records: records.map { var r = $0; r.gradientStd = [0.01, 0.01]; return r })
        let plain = SNRChart().figure(above, request: FigureRequest())
        XCTAssertFalse(plain.legends[0].legend.entries.contains { $0.symbol == .ring })
        XCTAssertFalse(plain.footer.contains { $0.contains(SNRPhases.rule) })
        XCTAssertEqual(plain.panels.flatMap(rings), [])
    }

    /// The plane: one ring per layer with a transition, on that layer's point at the
    /// transition's epoch, a legend entry and the rule in the footer.
    func testPlaneRingsEachLayersPointAtItsTransition() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: InfoPlaneChart.descriptor.needs)
        let phases = try XCTUnwrap(data.snrPhases)
        XCTAssertEqual(phases.transitions, [20, 40, 40, 80, 80, 160])
        let figure = InfoPlaneChart().figure(data, request: FigureRequest())
        let table = try XCTUnwrap(data.measures)
        let want = (0..<table.layerCount).map { layer in
            table.points.first { $0.layer == layer && $0.epoch == phases.transitions[layer] }.map { DataPoint($0.ixm, $0.iym) }!
        }
        XCTAssertEqual(rings(figure.panels[0]), want)
        let entries = figure.legends[0].legend.entries
        XCTAssertEqual(entries.filter { $0.symbol == .ring }.count, 1, "\(entries.map(\.label))")
        XCTAssertTrue(figure.footer.contains { $0.contains(SNRPhases.rule) }, "\(figure.footer)")
        let (laid, texts) = RecordingRenderer.texts(of: figure)
        XCTAssertEqual(layoutProblems(laid, texts: texts), [])
    }

    /// A run without gradients, and several runs aggregated into one, get no rings and no
    /// legend entry (on the plane and the movie); the SNR chart still refuses a run without.
    func testNoRingsWithoutGradientsOrForAnAggregate() throws {
        let path = folder.appendingPathComponent("plain.h5").path
        SyntheticRun.varied(epochs: [0, 1, 2], units: [3, 2]).writeDneck(path)
        let plain = try DataStage.gather(RunReader(path: path), needs: MovieFrameChart.descriptor.needs)
        let example = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: InfoPlaneChart.descriptor.needs)
        let aggregate = try DataStage.aggregate([example, example], statistic: .median)
        for (name, run) in [("no gradients", plain), ("aggregate", aggregate)] {
            XCTAssertEqual(run.snrPhases?.any ?? false, false, name)
            let plane = InfoPlaneChart().figure(run, request: FigureRequest())
            XCTAssertEqual(rings(plane.panels[0]), [], name)
            XCTAssertFalse(plane.legends[0].legend.entries.contains { $0.symbol == .ring }, name)
            XCTAssertFalse(plane.footer.contains { $0.contains(SNRPhases.rule) }, name)
            let frames = MovieFrames(run: run, request: FigureRequest(dpi: 40))
            let last = frames.figure(frames.count - 1)
            XCTAssertEqual(rings(last.panels[0]), [], name)
            XCTAssertFalse(last.panels[0].legend!.entries.contains { $0.symbol == .ring }, name)
        }
        let snr = try runCLI(["snr", path, "-o", folder.appendingPathComponent("snr.png").path])
        XCTAssertEqual(snr.status, 1)
        XCTAssertTrue(snr.stderr.contains("gradmean"), snr.stderr)
    }

    /// The movie: a layer's ring appears on the frame of its transition's epoch and stays on
    /// every later frame, at its point of that epoch; frames before have none. The legend
    /// entry is a decoration, the same on every frame.
    func testMovieRingsAppearFromEachTransitionOn() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: MovieFrameChart.descriptor.needs)
        let phases = try XCTUnwrap(data.snrPhases), table = try XCTUnwrap(data.measures)
        let frames = MovieFrames(run: data, request: FigureRequest(dpi: 40))
        let first = frames.figure(0), template = first.laidOut()
        XCTAssertTrue(first.panels[0].legend!.entries.contains { $0.symbol == .ring })
        for k in 0..<frames.count {
            let epoch = table.epochs[k]
            let want = (0..<table.layerCount).compactMap { layer -> DataPoint? in
                guard let t = phases.transitions[layer], t <= epoch else { return nil }
                return table.points.first { $0.layer == layer && $0.epoch == t }.map { DataPoint($0.ixm, $0.iym) }
            }
            let figure = try frames.figure(k, laidOutAs: template)
            XCTAssertEqual(rings(figure.panels[0]).count, want.count, "epoch \(epoch)")
            XCTAssertEqual(Set(rings(figure.panels[0]).map { [$0.x, $0.y] }), Set(want.map { [$0.x, $0.y] }), "epoch \(epoch)")
        }
        XCTAssertEqual(rings(frames.figure(table.epochs.firstIndex(of: 10)!).panels[0]), [], "no layer has reached its transition by epoch 10")
        XCTAssertEqual(rings(frames.figure(frames.count - 1).panels[0]).count, table.layerCount)
    }
}
