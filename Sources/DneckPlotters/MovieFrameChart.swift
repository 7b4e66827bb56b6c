import DneckCore
import DneckFigure
import DneckMeasures

/// One frame of the information-plane movie: the epoch `frame` (an index into the
/// logged epochs). Every scale is trained on the whole run, so the axes stay fixed while the
/// points move.
///
/// Top (about two thirds): the plane with the current epoch's layers in their own colours,
/// joined by a line, over the faint path each layer took through all earlier epochs, and an
/// "Epoch N" label in a strip along the top that no point of any frame enters; from each
/// layer's drift-to-diffusion transition on (`SNRPhases`), a ring on its point there. Bottom: training and test accuracy up to the current epoch, with a marker
/// at it — left out when the run logs no accuracy.
public struct MovieFrameChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "movie", artifact: "infoplane_movie",
        summary: "Information-plane movie: one frame per logged epoch, H.264 in MP4.",
        example: "dneck-plot movie run.h5 --size 1200x1800 --epochs 0:500 --log-epochs -o plane.mp4",
        needs: ChartNeeds(estimates: .any, records: [.accuracy, .gradients]), output: .movie, runs: .aggregated, roles: [.all])

    public let options: EpochAxisOptions
    /// The epoch the frame shows, as an index into the run's logged epochs.
    public var frame = 0
    /// Ranges every axis also covers (a movie that grows: `FrameEnvelope`); nil: the data alone.
    public var envelope: FrameEnvelope?
    public init(options: EpochAxisOptions) { self.options = options }

    /// Whether the run logs accuracy (otherwise the frame has no accuracy panel).
    public static func hasAccuracy(_ run: RunData) -> Bool {
        (run.records ?? []).contains { $0.trainingAccuracy != nil || $0.testAccuracy != nil }
    }

    /// Layer i of L takes the chosen colormap's colour at i / (L − 1) (as deep-bottleneck
    /// colours layers); without a chosen colormap, the style's colour cycle.
    public static func layerColor(_ layer: Int, of layers: Int, request: FigureRequest) -> Color {
        request.chosenColormap.map { $0.color(at: layers > 1 ? Double(layer) / Double(layers - 1) : 0) }
            ?? request.style.cycleColor(layer)
    }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        var block = Self.decorations(run, scaledWith: runs, request: request, options: options, envelope: envelope)
        for (i, marks) in marks(run, request: request).enumerated() { block.panels[i].marks = marks }
        return block
    }

    /// Everything of the frames but their marks: static, so it cannot depend on the frame, and
    /// every frame shares it (what `MovieWriter` draws once).
    static func decorations(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest, options: EpochAxisOptions,
                            envelope: FrameEnvelope?) -> ChartBlock {
        let accuracy = hasAccuracy(run)
        var block = ChartBlock(rows: accuracy ? 2 : 1, columns: 1, size: (6, 9))
        if accuracy { block.rowWeights = [0.64, 0.36] }
        block.panels.append(plane(run, runs: runs, request: request, envelope: envelope))
        if accuracy, let records = run.records {
            block.panels.append(accuracyPanel(records, runs: runs, request: request, options: options, envelope: envelope))
        }
        block.footer = PlaneParts.footer(run, request: request)
        return block
    }

    /// The marks of the frame, panel by panel (the plane's, then the accuracy panel's when the
    /// run logs accuracy): all that changes from frame to frame.
    public func marks(_ run: RunData, request: FigureRequest) -> [[Mark]] {
        marks(run, request: request, plan: FramePlan(run, request: request))
    }

    /// `marks(_:request:)` from what `plan` worked out of the run once for every frame.
    func marks(_ run: RunData, request: FigureRequest, plan: FramePlan) -> [[Mark]] {
        let k = min(max(frame, 0), max(plan.epochs.count - 1, 0))
        let plane = plan.epochs.isEmpty ? [] : planeMarks(run, plan, upTo: k, request: request)
        guard Self.hasAccuracy(run), let records = run.records else { return [plane] }
        return [plane, accuracyMarks(records, plan, upTo: k, request: request)]
    }

    /// What the frames draw, worked out once for all of them (frame k of a long run would
    /// otherwise scan every point of the run again): each layer's point at each epoch, the
    /// ceiling lines, each logged accuracy series.
    struct FramePlan: Sendable {
        let epochs: [Int]
        let layers: Int
        /// [epoch index]: the points of that epoch, in the table's order.
        let current: [[InformationPoint]]
        /// [epoch index][layer]: the layer's point, nil where the table lacks it.
        let byLayer: [[DataPoint?]]
        let ceilingLines: [Mark]
        /// Per logged accuracy series: its colour index and, per record, its point.
        let accuracy: [(colorIndex: Int, points: [DataPoint?])]

        init(_ run: RunData, request: FigureRequest) {
            let table = run.measures ?? MeasureTable(points: [])
            epochs = table.epochs
            layers = table.layerCount
            let byEpoch = Dictionary(grouping: table.points, by: \.epoch)
            current = epochs.map { byEpoch[$0] ?? [] }
            byLayer = current.map { points in
                (0..<table.layerCount).map { layer in points.first { $0.layer == layer }.map { DataPoint($0.ixm, $0.iym) } }
            }
            ceilingLines = PlaneParts.ceilingLines(run, style: request.style)
            let records = run.records ?? []
            accuracy = MovieFrameChart.loggedSeries(records).map { _, key, colorIndex in
                (colorIndex, records.map { r in r[keyPath: key].map { DataPoint(Double(r.epoch), $0) } })
            }
        }
    }

    /// The top fraction of the plane kept free of data for the "Epoch N" label.
    static let labelStrip = 0.14

    private static func plane(_ run: RunData, runs: [RunData], request: FigureRequest, envelope: FrameEnvelope?) -> Panel {
        let style = request.style
        let fitted = Scale.linear(fitting: PlaneParts.values(runs, request: request, x: false) + FrameEnvelope.ends(envelope?.planeY)).domain
        let y = Scale.linear(fitted.lowerBound...(fitted.lowerBound + (fitted.upperBound - fitted.lowerBound) / (1 - labelStrip)))
        let x = Scale.linear(fitting: PlaneParts.values(runs, request: request, x: true) + FrameEnvelope.ends(envelope?.planeX))
        var panel = ChartParts.informationPlane(cell: GridCell(row: 0, column: 0), x: x, y: y,
                                                title: "Information plane", quantity: run.quantity)
        let layers = run.measures?.layerCount ?? 0
        guard !(run.measures?.epochs.isEmpty ?? true) else { return panel }
        let layerEntries = (0..<layers).map { Legend.Entry(label: run.layerName($0), color: layerColor($0, of: layers, request: request), symbol: .marker) }
        panel.legend = Legend(entries: layerEntries + [PlaneParts.bandEntry(run, style: style), PlaneParts.transitionEntry(run, style: style)]
                                .compactMap { $0 }, corner: .bottomRight)
        return panel
    }

    private func planeMarks(_ run: RunData, _ plan: FramePlan, upTo k: Int, request: FigureRequest) -> [Mark] {
        let style = request.style
        let layers = plan.layers, epochs = plan.epochs
        let color = { (layer: Int) in Self.layerColor(layer, of: layers, request: request) }
        var marks: [Mark] = (0..<layers).map { layer in   // each layer's path through the plane up to now
            .line(plan.byLayer[...k].compactMap { $0[layer] }, color: color(layer).withAlpha(0.45), width: style.lineWidth * 0.8)
        }
        let current = plan.current[k]
        marks += plan.ceilingLines
        if let ensemble = run.ensemble {
            marks += PlaneParts.spreads(ensemble.aggregate.points.filter { $0.point.epoch == epochs[k] }, kind: request.spread,
                                        color: { color($0.layer) }, width: style.lineWidth * 0.5)
        }
        marks += PlaneParts.boundBand(current, color: { color($0.layer) })
        let points = current.map { DataPoint($0.ixm, $0.iym) }
        marks.append(.line(points, color: style.foreground.withAlpha(0.7), width: style.lineWidth))
        marks.append(.scatter(points, colors: current.map { color($0.layer) }, diameter: style.markerSize * 1.6,
                              edge: style.foreground.withAlpha(0.6)))
        marks += PlaneParts.transitionRings(run, upTo: epochs[k], diameter: style.markerSize * 2.4, style: style)
        marks.append(.label("Epoch \(epochs[k])", fractionX: 0.02, fractionY: 1 - Self.labelStrip / 2, anchor: TextAnchor(.left, .middle),
                            size: style.titleSize * 1.1, bold: true))
        return marks
    }

    /// The accuracy series: name, value and colour index in the style's cycle.
    private static let accuracySeries: [(String, KeyPath<EpochRecord, Double?>, Int)] = [
        ("Training", \.trainingAccuracy, 0), ("Test", \.testAccuracy, 1),
    ]

    /// Every accuracy `runs` log.
    static func accuracyValues(_ runs: [RunData]) -> [Double] { ChartParts.values(runs, accuracySeries.map(\.1)) }

    /// The accuracy series `records` log.
    static func loggedSeries(_ records: [EpochRecord]) -> [(String, KeyPath<EpochRecord, Double?>, Int)] {
        accuracySeries.filter { series in records.contains { $0[keyPath: series.1] != nil } }
    }

    private static func accuracyPanel(_ records: [EpochRecord], runs: [RunData], request: FigureRequest, options: EpochAxisOptions,
                                      envelope: FrameEnvelope?) -> Panel {
        let style = request.style
        let values = accuracyValues(runs) + FrameEnvelope.ends(envelope?.accuracy)
        let epochs = runs.flatMap(\.epochs) + FrameEnvelope.ends(envelope?.epochs).map { Int($0) }
        var panel = Panel(cell: GridCell(row: 1, column: 0), x: ChartParts.epochAxis(epochs, log: options.logEpochs),
                          y: Axis(scale: Scale.linear(fitting: values), label: "Accuracy"))
        panel.legend = Legend(entries: loggedSeries(records).map { Legend.Entry(label: $0.0, color: style.cycleColor($0.2), symbol: .lineAndMarker) },
                              corner: .bottomRight)
        return panel
    }

    private func accuracyMarks(_ records: [EpochRecord], _ plan: FramePlan, upTo k: Int, request: FigureRequest) -> [Mark] {
        let style = request.style
        var marks: [Mark] = []
        for (colorIndex, series) in plan.accuracy {
            let color = style.cycleColor(colorIndex)
            let points = series[...k].compactMap { $0 }
            marks.append(.line(points, color: color, width: style.lineWidth))
            if let last = points.last, last.x == Double(records[k].epoch) {
                marks.append(.scatter([last], colors: [color], diameter: style.markerSize * 1.2, edge: style.foreground))
            }
        }
        marks.append(.verticalLine(x: Double(records[k].epoch), color: style.foreground.withAlpha(0.4), width: 0.8, dashed: true))
        return marks
    }
}

/// The frames of a movie of one run: frame k is `MovieFrameChart` at epoch index k, in a
/// figure of `size` inches.
public struct MovieFrames: Sendable {
    public let run: RunData
    public let request: FigureRequest
    public let options: EpochAxisOptions
    public let size: (width: Double, height: Double)
    /// Ranges every axis also covers (`FrameEnvelope`); nil: the data alone.
    public let envelope: FrameEnvelope?
    private let plan: MovieFrameChart.FramePlan

    public init(run: RunData, request: FigureRequest, options: EpochAxisOptions = EpochAxisOptions(),
                size: (width: Double, height: Double) = (6, 9), envelope: FrameEnvelope? = nil) {
        self.run = run; self.request = request; self.options = options; self.size = size; self.envelope = envelope
        plan = MovieFrameChart.FramePlan(run, request: request)
    }

    public var count: Int { run.measures?.epochs.count ?? 0 }

    /// The figure of frame `k`, not laid out yet.
    public func figure(_ k: Int) -> Figure {
        Comparison.figure([chart(k).block(run, scaledWith: [run], request: request)],
                          titles: nil, columns: 1, request: request, figureSize: size)
    }

    /// Frame `k` in the layout of `template` (frame 0, laid out): every scale is trained on the
    /// whole run, so the frames share their decorations (`MovieFrameChart.decorations` has no
    /// frame to depend on) and only the marks differ; laying out one frame serves them all, and
    /// a frame makes only its marks.
    public func figure(_ k: Int, laidOutAs template: Figure) -> Figure { template.withMarks(marks(k)) }

    /// The marks of frame `k`, panel by panel.
    public func marks(_ k: Int) -> [[Mark]] { chart(k).marks(run, request: request, plan: plan) }

    private func chart(_ k: Int) -> MovieFrameChart {
        var chart = MovieFrameChart(options: options)
        chart.frame = k
        chart.envelope = envelope
        return chart
    }
}
