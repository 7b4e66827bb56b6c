import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import XCTest

final class ChartTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// Bin counts against a count made independently by comparing with the edges, including
    /// values exactly on inner edges (they belong to the bin above) and the maximum (last bin).
    func testHistogramCountsOnEdgesAndMaximum() {
        let bins = HistogramBins(range: -1...2, count: 6)   // edges -1, -0.5, 0, 0.5, 1, 1.5, 2
        let values: [Double] = [-1, -0.5, 0, 0.25, 0.5, 1.0, 1.4999, 1.5, 2, 2, -0.75]
        let counts = ActivationSurvey.histogram(Matrix(rows: values.count, columns: 1, values: values), bins: bins)
        var expected = [Int](repeating: 0, count: 6)
        for v in values {
            let edges = (0...6).map { -1 + 0.5 * Double($0) }
            let i = v == 2 ? 5 : edges.lastIndex { $0 <= v }!
            expected[i] += 1
        }
        XCTAssertEqual(counts, expected)
        XCTAssertEqual(counts, [2, 1, 2, 1, 2, 3])
        XCTAssertEqual(counts.reduce(0, +), values.count)
        // Thirty bins over an awkward range: each value lands between its edges.
        let awkward = HistogramBins(range: -0.9731...0.8817, count: 30)
        for i in 0...30 {
            let e = awkward.edge(i)
            XCTAssertEqual(awkward.index(of: e), min(i, 29), "edge \(i)")
        }
        XCTAssertNil(awkward.index(of: 0.9))
        // A range wider than Double can span does not trap.
        let huge = HistogramBins(range: -1e308...1.7e308, count: 30)
        XCTAssertEqual(huge.index(of: 1.7e308), 29)
        XCTAssertNotNil(huge.index(of: 0))
    }

    /// Many float32 values (runs of equal values included) counted against a plain count.
    func testHistogramOfManyValuesMatchesPlainCount() {
        var generator = SystemRandomNumberGenerator()
        for range in [-1.0...1.0, -0.9731...0.8817, 0.0...6.5] {
            let bins = HistogramBins(range: range, count: 30)
            let (lo, hi) = (Float(range.lowerBound), Float(range.upperBound))
            var values: [Float] = (0..<10_000).map { i in i % 7 == 0 ? hi : Float.random(in: lo...hi, using: &generator) }
            // Every edge as the nearest float32 and its two neighbours (the lookup's hard cases),
            // and values just outside the range.
            for i in 0...30 {
                let e = Float(bins.edge(i))
                values += [e.nextDown, e, e.nextUp]
            }
            values += [lo.nextDown, hi.nextUp, -hi - 1, hi * 2]
            while values.count % 4 != 0 { values.append(lo) }
            var expected = [Int](repeating: 0, count: 30)
            for v in values { if let i = bins.index(of: Double(v)) { expected[i] += 1 } }
            let m = Matrix(rows: values.count / 4, columns: 4, float32: values)
            XCTAssertEqual(ActivationSurvey.histogram(m, bins: bins), expected, "\(range)")
            XCTAssertEqual(ActivationSurvey.columnHistograms(m, bins: [bins]).first, (0..<values.count / 4).reduce(into: [Int](repeating: 0, count: 30)) {
                if let i = bins.index(of: Double(values[$1 * 4])) { $0[i] += 1 }
            })
        }
    }

    func testColumnHistogramsUseEachColumnsBins() {
        let m = Matrix(rows: 3, columns: 2, values: [0, 10, 1, 20, 2, 30])
        let counts = ActivationSurvey.columnHistograms(m, bins: [HistogramBins(range: 0...2, count: 2),
                                                                 HistogramBins(range: 10...30, count: 4)])
        XCTAssertEqual(counts, [[1, 2], [1, 0, 1, 1]])
    }

    func testActivityRatesOfReLUAndTanhLayers() {
        // ReLU: 4 samples × 3 units; unit 2 dead (always 0), unit 1 constant 0.5 (also dead).
        let relu = Matrix(rows: 4, columns: 3, values: [0.0, 0.5, 0, 1.2, 0.5, 0, 0, 0.5, 0, 3.0, 0.5, 0])
        let reluRule = ActivityRule(range: 0...3)
        XCTAssertEqual(reluRule, .nonZero)
        let r = reluRule.rates(relu)
        XCTAssertEqual(r.active, 6.0 / 12.0)
        XCTAssertEqual(r.dead, 2.0 / 3.0)
        // tanh: saturated when |a| ≥ 0.99 · 1.
        let tanh = Matrix(rows: 3, columns: 2, values: [0.995, -0.2, -1.0, 0.3, 0.5, 0.98])
        let tanhRule = ActivityRule(range: -1...1)
        XCTAssertEqual(tanhRule, .unsaturated(threshold: 0.99))
        let t = tanhRule.rates(tanh)
        XCTAssertEqual(t.active, 4.0 / 6.0)
        XCTAssertEqual(t.dead, 0)
    }

    /// SNR keeps epoch 0 (its epoch axis is symmetric-log), leaves values ≤ 0 or undefined out
    /// of its log y axis and counts them in the footer.
    func testSNRDrawsEpochZeroAndCountsWhatItLeavesOut() {
        var records: [EpochRecord] = []
        for (epoch, mean, std, w) in [(0, 1.0, 2.0, 3.0), (1, 0.5, 0.25, 4.0), (10, 0.0, 0.5, 5.0), (100, 0.2, 0.0, -1.0)] {
            var r = EpochRecord(epoch: epoch)
            r.gradientMean = [mean]; r.gradientStd = [std]; r.weightNorm = [w]
            records.append(r)
        }
        let s = SNRChart.series(records)[0]
        XCTAssertEqual(s.mean, [DataPoint(0, 1), DataPoint(1, 0.5), DataPoint(100, 0.2)])
        XCTAssertEqual(s.std, [DataPoint(0, 2), DataPoint(1, 0.25), DataPoint(10, 0.5)])
        XCTAssertEqual(s.snr, [DataPoint(0, 0.5), DataPoint(1, 2)])
        XCTAssertEqual(s.weightNorm, [DataPoint(0, 3), DataPoint(1, 4), DataPoint(10, 5)])
        let run = RunData(file: "r.h5", split: .train, epochs: [0, 1, 10, 100], layerCount: 1, sampleCount: 4, records: records)
        let figure = SNRChart().figure(run, request: FigureRequest()).laidOut()
        XCTAssertNotNil(figure.panels[0].point(DataPoint(0, 1)), "epoch 0 has a place on the epoch axis")
        XCTAssertEqual(figure.panels[0].x.ticks.prefix(3).map(\.label), ["0", "1", "10"])
        XCTAssertTrue(figure.footer.contains("left out (≤ 0 or undefined: no place on the log axis): Mean 1, Std 1, SNR 2, ‖W‖ 1 values"),
                      "\(figure.footer)")
    }

    /// A chart with nothing to draw is an error naming the reason, not an empty figure.
    func testSNRWithNothingAboveZeroIsAnError() throws {
        let path = folder.appendingPathComponent("zero.h5").path
        var run = SyntheticRun.varied(epochs: [0], units: [2])
        run.gradients = [0]
        run.writeDneck(path)
        let result = try runCLI(["snr", path, "-o", folder.appendingPathComponent("snr.png").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("snr: nothing to draw (no gradient statistic or weight norm above 0"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("snr.png").path))
    }

    /// A log epoch axis draws epoch 0, alone or first of many, and ticks it "0".
    func testLogEpochAxesDrawEpochZero() throws {
        let chart = MIEpochsChart(options: try ChartArguments([.init(name: "log-epochs", value: nil)]).options())
        for epochs in [[0], [0, 1, 10, 100]] {
            let path = folder.appendingPathComponent("e\(epochs.count).h5").path
            SyntheticRun.varied(epochs: epochs, units: [3, 2]).writeDneck(path)
            let data = try DataStage.gather(RunReader(path: path), needs: chart.needs)
            let figure = chart.figure(data, request: FigureRequest()).laidOut()
            for panel in figure.panels {
                let points = panel.marks.flatMap { mark -> [DataPoint] in if case .line(let p, _, _, _) = mark { return p }; return [] }
                XCTAssertFalse(points.isEmpty)
                XCTAssertTrue(points.allSatisfy { panel.point($0) != nil }, "\(epochs): every epoch drawn")
                XCTAssertEqual(panel.x.ticks.first?.label, "0", "\(epochs)")
            }
            // A line of one epoch is drawn as a dot per layer and panel.
            let recorder = RecordingRenderer()
            FigureDrawer.draw(figure, on: recorder)
            XCTAssertEqual(recorder.circles.count, epochs.count == 1 ? 2 * 2 : 0, "\(epochs)")
        }
    }

    /// The colorbar of --log-epoch-colors labels each tick with the epoch it stands at.
    func testLogEpochColorbarLabelsRealEpochs() throws {
        let path = folder.appendingPathComponent("run.h5").path
        SyntheticRun.varied(epochs: [0, 1, 10, 100], units: [3, 2]).writeDneck(path)
        let chart = InfoPlaneChart(options: try ChartArguments([.init(name: "log-epoch-colors", value: nil)]).options())
        let data = try DataStage.gather(RunReader(path: path), needs: chart.needs)
        let bar = chart.figure(data, request: FigureRequest()).laidOut().colorbars[0]
        XCTAssertEqual(bar.ticks.map(\.label), ["0", "1", "10", "100"])
        for tick in bar.ticks { XCTAssertEqual(tick.value, Double(tick.label)!, "tick '\(tick.label)'") }
    }

    /// One logged epoch gets the epochs either side of it, ticked at whole numbers, none negative.
    func testSingleEpochAxisIsWholeEpochs() {
        for (epoch, expected) in [(0, ["0", "1"]), (5, ["4", "5", "6"])] {
            var r = EpochRecord(epoch: epoch)
            r.trainingAccuracy = 0.5; r.testAccuracy = 0.4; r.trainingLoss = 1; r.testLoss = 1.2
            let run = RunData(file: "r.h5", split: .train, epochs: [epoch], layerCount: 1, sampleCount: 4, records: [r])
            let figure = AccuracyChart().figure(run, request: FigureRequest()).laidOut()
            for panel in figure.panels {
                XCTAssertEqual(panel.x.ticks.map(\.label), expected, "epoch \(epoch)")
                XCTAssertGreaterThanOrEqual(panel.x.scale.domain.lowerBound, -0.05, "epoch \(epoch)")
            }
        }
    }

    /// Heatmaps of logged epochs say they are not to scale and always label the last epoch.
    func testHeatmapsSayEpochsAreNotToScaleAndLabelTheLast() throws {
        let path = folder.appendingPathComponent("many.h5").path
        let epochs = Array(0..<37) + [50, 80, 121]
        SyntheticRun.varied(epochs: epochs, units: [3, 2]).writeDneck(path)
        let reader = try RunReader(path: path)
        for chart in [ActivationsChart() as any BasePlotter, SingleNeuronChart()] {
            let data = try DataStage.gather(reader, needs: chart.needs)
            let figure = chart.figure(data, request: FigureRequest()).laidOut()
            let texts = [figure.panels.last!.x.label] + figure.footer
            XCTAssertTrue(texts.contains { $0.localizedCaseInsensitiveContains("logged epochs (not to scale)") }, "\(type(of: chart)): \(texts)")
            for panel in figure.panels { XCTAssertEqual(panel.x.ticks.last?.label, "121", "\(type(of: chart))") }
        }
    }

    /// A layer within [0, 1] (sigmoid, softmax) is judged by saturation at both ends, not by
    /// a ≠ 0 (which made it always 100 % active).
    func testUnitRangeLayersAreJudgedBySaturation() {
        let sigmoid = Matrix(rows: 3, columns: 2, values: [0.5, 0.995, 0.001, 0.3, 0.0, 1.0])
        XCTAssertEqual(ActivityRule(range: 0...1).rates(sigmoid).active, 2.0 / 6.0)
        XCTAssertEqual(ActivityRule(range: 0...3), .nonZero)
    }

    /// The activity chart states each layer's rule of active in its legend.
    func testActivityChartStatesEachLayersRule() throws {
        let path = folder.appendingPathComponent("rules.h5").path
        let samples = 6
        func layer(_ f: (Double) -> Double) -> [Double] { (0..<samples * 2).map { f(Double($0) / Double(samples * 2 - 1)) } }
        SyntheticRun(labels: (0..<samples).map { $0 % 2 },
                     epochs: [0, 1].map { ($0, [layer { 2 * $0 - 1 }, layer { $0 }, layer { 3 * $0 }]) }, units: [2, 2, 2]).writeDneck(path)
        let data = try DataStage.gather(RunReader(path: path), needs: ActivityChart.descriptor.needs)
        let figure = ActivityChart().figure(data, request: FigureRequest())
        XCTAssertEqual(figure.legends[0].legend.entries.map(\.label),
                       ["Layer 0 (active: |a| < 0.99·max|a|)", "Layer 1 (active: 0.01 < a < 0.99)", "Layer 2 (active: a ≠ 0)"])
    }

    /// entropy-bias sets each layer beside the functions by the functions' own measure: the
    /// mean over its units of each unit's entropy of a --hist-bins histogram over the unit's
    /// range at the last logged epoch (computed here independently).
    func testEntropyBiasComparesLayersByTheFunctionsMeasure() throws {
        let path = folder.appendingPathComponent("bias.h5").path
        SyntheticRun.varied(epochs: [0, 7], units: [3, 2], samples: 64).writeDneck(path)
        let reader = try RunReader(path: path)
        let chart = EntropyBiasChart(options: try ChartArguments([.init(name: "hist-bins", value: "20")]).options())
        let figure = chart.figure(try DataStage.gather(reader, needs: chart.needs), request: FigureRequest())
        let sorted = try XCTUnwrap(figure.panels.first { $0.title == "Entropy, sorted" })
        guard case .categories(let labels) = sorted.y.rule else { return XCTFail("categories expected") }
        var drawn: [Int: Double] = [:]
        for mark in sorted.marks {
            if case .scatter(let points, _, _, _, _) = mark, let p = points.first, labels[Int(p.y)].hasPrefix("Layer ") {
                drawn[Int(labels[Int(p.y)].dropFirst(6).prefix { $0.isNumber })!] = p.x
            }
        }
        for layer in 0..<2 {
            let m = try reader.activations(epoch: 7, layer: layer, checkFinite: true)
            let values = m.values
            let entropies = (0..<m.columns).map { j -> Double in
                let column = (0..<m.rows).map { values[$0 * m.columns + j] }
                let lo = column.min()!, hi = column.max()!
                var counts = [Int](repeating: 0, count: 20)
                for v in column { counts[min(Int((v - lo) / (hi - lo) * 20), 19)] += 1 }
                return -counts.filter { $0 > 0 }.map { Double($0) / Double(m.rows) }.reduce(0) { $0 + $1 * log2($1) }
            }
            XCTAssertEqual(try XCTUnwrap(drawn[layer]), entropies.reduce(0, +) / Double(m.columns), accuracy: 1e-9, "layer \(layer)")
        }
        XCTAssertTrue(figure.footer.joined().contains("mean over the layer's units of each unit's entropy"), "\(figure.footer)")
    }

    /// single-neuron sizes its grid to the neurons drawn (a wide layer wraps into columns, no
    /// half-empty rows) and labels a neuron's range for the range's size, not "1.14e-09".
    func testSingleNeuronGridFitsTheNeuronsAndTicksFitTheRange() throws {
        let path = folder.appendingPathComponent("wide.h5").path
        let samples = 8
        let softmax = (0..<samples * 2).map { $0 < 2 ? 1.14e-9 : Double($0) / Double(samples * 2) * 0.99 }
        let wide = SyntheticRun.varied(epochs: [0, 1, 2], units: [30], samples: samples).epochs.map { $0.layers[0] }
        SyntheticRun(labels: (0..<samples).map { $0 % 2 }, epochs: (0..<3).map { ($0, [wide[$0], softmax]) }, units: [30, 2]).writeDneck(path)
        let chart = SingleNeuronChart()
        let figure = chart.figure(try DataStage.gather(RunReader(path: path), needs: chart.needs), request: FigureRequest()).laidOut()
        let drawn = figure.panels.map { $0.frame.width * $0.frame.height }.reduce(0, +)
        XCTAssertGreaterThan(drawn / (figure.width * figure.height), 0.3, "\(figure.width / 72) × \(figure.height / 72) in")
        let labels = figure.panels.flatMap { $0.y.ticks.map(\.label) }
        XCTAssertFalse(labels.contains { $0.contains("e") }, "\(labels)")
        XCTAssertTrue(labels.contains("0") && labels.contains("0.928"), "\(labels)")
    }

    /// single-neuron packs a network narrowing layer by layer (harmonics: 10, 7, 5, 4, 3, 2)
    /// into four columns, not one per layer: a layer that fits below the one before it shares
    /// its column, and the neurons still read in order, down each column, then across.
    func testSingleNeuronSmallLayersShareColumnsInOrder() throws {
        let path = folder.appendingPathComponent("narrowing.h5").path
        let units = [10, 7, 5, 4, 3, 2]
        SyntheticRun.varied(epochs: [0, 1], units: units).writeDneck(path)
        let chart = SingleNeuronChart()
        let figure = chart.figure(try DataStage.gather(RunReader(path: path), needs: chart.needs), request: FigureRequest())
        XCTAssertEqual(figure.panels.count, units.reduce(0, +))
        XCTAssertEqual(Set(figure.panels.map(\.cell.column)).count, 4, "\(figure.panels.map(\.cell))")
        XCTAssertEqual(Set(figure.panels.map { [$0.cell.row, $0.cell.column] }).count, figure.panels.count, "two neurons in one cell")
        let reading = figure.panels.sorted { ($0.cell.column, $0.cell.row) < ($1.cell.column, $1.cell.row) }.map(\.title)
        XCTAssertEqual(reading, figure.panels.map(\.title), "neurons out of order")
        XCTAssertEqual(figure.width / 72, 0.6 + 3.55 * 4, accuracy: 0.01)
    }

    /// compare shares every scale by default (activations too: ranges and colour scales) and
    /// frees them with --free-scales.
    func testCompareSharesActivationScalesUnlessFreed() throws {
        let paths = ["a", "b"].map { folder.appendingPathComponent("\($0).h5").path }
        SyntheticRun.varied(epochs: [0, 1], units: [3, 2]).writeDneck(paths[0])
        var scaled = SyntheticRun.varied(epochs: [0, 1, 2], units: [3, 2], samples: 30)
        scaled.epochs = scaled.epochs.map { ($0.epoch, $0.layers.map { $0.map { 3 * $0 } }) }
        scaled.writeDneck(paths[1])
        let chart = ActivationsChart()
        let runs = try paths.map { try DataStage.gather(RunReader(path: $0), needs: chart.needs) }
        let blocks = runs.map { chart.block($0, scaledWith: runs, request: FigureRequest()) }
        for layer in 0..<2 {
            XCTAssertEqual(blocks[0].panels[layer].y.scale, blocks[1].panels[layer].y.scale, "layer \(layer)")
            XCTAssertEqual(blocks[0].colorbars[layer].normalize, blocks[1].colorbars[layer].normalize, "layer \(layer)")
        }
        for free in [false, true] {
            let out = folder.appendingPathComponent("compare.png").path
            let result = try runCLI(["compare", "--chart", "activations", "--dpi", "40", "-o", out] + paths + (free ? ["--free-scales"] : []))
            XCTAssertEqual(result.status, 0, result.stderr)
        }
    }

    /// Every chart end to end on the bundled run: size, colormap pixels, determinism.
    /// The PNG, drawn in two halves at once on transparent black and laid over the background
    /// while encoding, shows the pixels of one plain pass over a white raster (a smoothly scaled
    /// colorbar may round by a level or two).
    func testPNGMatchesOnePassDrawing() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: ActivationsChart.descriptor.needs)
        let figure = ActivationsChart().figure(data, request: FigureRequest(dpi: 150)).laidOut()
        let url = folder.appendingPathComponent("activations.png")
        try FigureWriter.write(figure, to: url)
        let png = try DecodedPNG(path: url.path)
        let raster = try Raster(width: figure.pixelWidth, height: figure.pixelHeight)
        try raster.draw(figure)
        XCTAssertEqual(png.width, raster.width)
        XCTAssertEqual(png.height, raster.height)
        var worst = 0
        raster.withPixels { p in
            for y in 0..<raster.height {
                for x in 0..<raster.width {
                    let q = p + y * raster.stride + 4 * x, c = png.rgb(x, y)
                    worst = max(worst, abs(Int(q[2]) - c.r), abs(Int(q[1]) - c.g), abs(Int(q[0]) - c.b))
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 2)
    }

    /// Drawing and encoding overlapped (`PNGEncoder.drawAndEncode`) give the bytes of drawing
    /// first and encoding after, also on threads that are already busy (as `all`'s jobs are),
    /// where both halves may be drawn one after the other on one thread.
    func testOverlappedDrawingAndEncodingGiveTheSameBytes() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: InfoPlaneChart.descriptor.needs)
        let figure = InfoPlaneChart(options: .init()).figure(data, request: FigureRequest(dpi: 120)).laidOut()
        let layers: FigureDrawer.Layers = [.decorations, .marks]
        let separate = try Raster(width: figure.pixelWidth, height: figure.pixelHeight)
        try separate.drawOnTwoCores(figure, layers: layers)
        let expected = PNGEncoder.encode(separate, over: figure.style.background)
        let rounds = 6
        var same = [Bool](repeating: false, count: rounds)
        same.withUnsafeMutableBufferPointer { same in
            let same = same
            DispatchQueue.concurrentPerform(iterations: rounds) { k in
                guard let raster = try? Raster(width: figure.pixelWidth, height: figure.pixelHeight) else { return }
                same[k] = (try? PNGEncoder.drawAndEncode(figure, layers: layers, on: raster, over: figure.style.background)) == expected
            }
        }
        XCTAssertEqual(same, Array(repeating: true, count: rounds))
    }

    /// Every chart of `charts` through its own subcommand, then `charts` in one pass: the very
    /// same files, under the charts' artifact names.
    func testChartsEndToEnd() throws {
        let plotters = PlotterRegistry.plotters(for: .charts)
        for chart in plotters {
            let out = folder.appendingPathComponent("\(chart.descriptor.artifact).png")
            let result = try runCLI([chart.descriptor.name, Fixtures.exampleRun, "--dpi", "80", "-o", out.path])
            XCTAssertEqual(result.status, 0, "\(chart.descriptor.name): \(result.stderr)")
            let png = try DecodedPNG(path: out.path)
            XCTAssertGreaterThan(png.width, 300)
            XCTAssertGreaterThan(png.height, 200)
        }
        XCTAssertEqual(try runCLI(["accuracy", Fixtures.exampleRun, "-o", folder.appendingPathComponent("a.svg").path]).status, 0)
        let all = folder.appendingPathComponent("all")
        try FileManager.default.createDirectory(at: all, withIntermediateDirectories: true)
        XCTAssertEqual(try runCLI(["charts", Fixtures.exampleRun, "--dpi", "80", "-d", all.path]).status, 0)
        for chart in plotters {
            let name = chart.descriptor.artifact
            XCTAssertEqual(try Data(contentsOf: all.appendingPathComponent(chart.descriptor.fileName(split: .train, format: "png"))),
                           try Data(contentsOf: folder.appendingPathComponent("\(name).png")), name)
        }
    }

    /// The activations heatmap cell of a known (epoch, bin) has the colour its count maps to.
    func testActivationsHeatmapCellColour() throws {
        let out = folder.appendingPathComponent("act.png")
        XCTAssertEqual(try runCLI(["activations", Fixtures.exampleRun, "--dpi", "100", "-o", out.path]).status, 0)
        let png = try DecodedPNG(path: out.path)
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: ActivationsChart.descriptor.needs)
        let survey = data.survey!
        let figure = ActivationsChart().figure(data, request: FigureRequest(dpi: 100)).laidOut()
        XCTAssertEqual(png.width, figure.pixelWidth)
        XCTAssertEqual(png.height, figure.pixelHeight)
        for (layer, epochIndex, bin) in [(2, 3, 10), (5, 10, 29), (0, 0, 0), (4, 6, 15)] {
            let panel = figure.panels[layer]
            let range = survey.layerRanges[layer]
            let y = range.lowerBound + (range.upperBound - range.lowerBound) * (Double(bin) + 0.5) / 30
            let p = figure.pixel(panel.point(DataPoint(Double(epochIndex) + 0.5, y))!)
            let counts = survey.layerHistograms[layer]
            let normalize = Normalize(0, Double(counts.joined().max()!))
            let want = Colormap.viridis.color(at: normalize(Double(counts[epochIndex][bin])))
            let got = png.rgb(Int(p.x), Int(p.y))
            XCTAssertLessThanOrEqual(max(abs(got.r - Int(Color.byte(want.r))), abs(got.g - Int(Color.byte(want.g))),
                                         abs(got.b - Int(Color.byte(want.b)))), 2, "layer \(layer) epoch \(epochIndex) bin \(bin)")
        }
        XCTAssertEqual(survey.units, [10, 7, 5, 4, 3, 2])
        XCTAssertEqual(survey.layerHistograms[3][4].reduce(0, +), 3277 * 4)   // every sample × unit counted once
    }

    /// Weight norms are a field of their own: the snr chart requires them, the information
    /// plane (whose rings need only the gradient statistics) neither reads nor needs them.
    func testWeightNormsAreRequiredBySNRAlone() throws {
        let run = folder.appendingPathComponent("no-weights.h5").path
        var synthetic = SyntheticRun(labels: [0, 1, 0, 1], epochs: [(1, [[0.1, 0.2, 0.3, 0.4]]), (3, [[0.3, 0.4, 0.5, 0.7]])], units: [1])
        synthetic.datasets = ["gradmean": ([1], [0.5]), "gradstd": ([1], [0.25]), "weights_norm": ([1], [2])]
        let logged = folder.appendingPathComponent("weights.h5").path
        synthetic.writeDneck(logged)
        let reader = try RunReader(path: logged)
        XCTAssertEqual(try reader.record(epoch: 1, fields: .gradients).gradientMean, [0.5])
        XCTAssertNil(try reader.record(epoch: 1, fields: .gradients).weightNorm)
        XCTAssertEqual(try reader.record(epoch: 1, fields: .weights).weightNorm, [2])
        XCTAssertEqual(InfoPlaneChart.descriptor.needs.records, .gradients)
        synthetic.datasets["weights_norm"] = nil
        synthetic.writeDneck(run)
        let snr = try runCLI(["snr", run, "-o", folder.appendingPathComponent("s.png").path])
        XCTAssertEqual(snr.status, 1)
        XCTAssertTrue(snr.stderr.contains("no-weights.h5: train/1/weights_norm: missing"), snr.stderr)
        let plane = try runCLI(["infoplane", run, "--dpi", "40", "-o", folder.appendingPathComponent("p.png").path])
        XCTAssertEqual(plane.status, 0, plane.stderr)
    }

    func testMissingStatisticsNameTheDataset() throws {
        let run = folder.appendingPathComponent("plain.h5").path
        SyntheticRun(labels: [0, 1], epochs: [(0, [[0.1, 0.2]]), (3, [[0.3, 0.4]])], units: [1]).writeDneck(run)
        let snr = try runCLI(["snr", run, "-o", folder.appendingPathComponent("s.png").path])
        XCTAssertNotEqual(snr.status, 0)
        XCTAssertTrue(snr.stderr.contains("plain.h5: train/0/gradmean: missing"), snr.stderr)
        let accuracy = try runCLI(["accuracy", run, "-o", folder.appendingPathComponent("a.png").path])
        XCTAssertNotEqual(accuracy.status, 0)
        XCTAssertTrue(accuracy.stderr.contains("train/0/loss/training: missing"), accuracy.stderr)
        // The charts that need only activations still work.
        XCTAssertEqual(try runCLI(["activations", run, "-o", folder.appendingPathComponent("h.png").path]).status, 0)
        XCTAssertEqual(try runCLI(["activity", run, "-o", folder.appendingPathComponent("r.png").path]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("s.png").path))
        // All charts at once: the ones the run can give are written, the others skipped with a note.
        let all = folder.appendingPathComponent("all")
        try FileManager.default.createDirectory(at: all, withIntermediateDirectories: true)
        let result = try runCLI(["charts", run, "-d", all.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("skipped snr"), result.stderr)
        XCTAssertTrue(result.stderr.contains("skipped accuracy"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: all.path).sorted(),
                       ["activations_train.png", "activity_train.png", "health_train.png", "single_neuron_activations_train.png"])
    }

    /// A raster beyond what the tool draws is refused before any drawing, naming the file.
    func testOversizedRasterIsRefused() throws {
        let out = folder.appendingPathComponent("huge.png")
        let result = try runCLI(["infoplane", Fixtures.exampleRun, "--dpi", "2400", "--style", "slides", "-o", out.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("dneck-plot: error: \(out.path): rendering failed (a "), result.stderr)
        XCTAssertTrue(result.stderr.contains(" pixel image is larger than this tool draws (32767 pixels a side"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// `--max-memory` bounds every read: a layer over it is refused naming its shape and the
    /// limit; a size that is not one is refused before any work.
    func testMaxMemoryBoundsReads() throws {
        let run = folder.appendingPathComponent("wide.h5").path
        let (rows, units) = (4, 1_200_000)   // one layer of 19.2 MB as float32
        SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [(0..<rows * units).map { Double($0 % 7) }])], units: [units]).writeDneck(run)
        let out = folder.appendingPathComponent("m.csv")
        let refused = try runCLI(["measures", run, "--max-memory", "16M", "-o", out.path])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("wide.h5: train/0/activations/0"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("[4, 1200000]"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertEqual(try runCLI(["measures", run, "--max-memory", "64M", "-o", out.path]).status, 0)
        for bad in ["1K", "lots", "-5G", "1e300T"] {
            XCTAssertEqual(try runCLI(["measures", run, "--max-memory", bad, "-o", out.path]).status, 64, bad)
        }
    }
}
