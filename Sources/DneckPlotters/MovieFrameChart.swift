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
        let accuracy = Self.hasAccuracy(run)
        var block = ChartBlock(rows: accuracy ? 2 : 1, columns: 1, size: (6, 9))
        if accuracy { block.rowWeights = [0.64, 0.36] }
        let table = run.measures ?? MeasureTable(points: [])
        let k = min(max(frame, 0), max(table.epochs.count - 1, 0))
        block.panels.append(plane(run, table, upTo: k, runs: runs, request: request))
        if accuracy, let records = run.records {
            block.panels.append(accuracyPanel(records, upTo: k, runs: runs, request: request))
        }
        block.footer = PlaneParts.footer(run, request: request)
        return block
    }

    /// The top fraction of the plane kept free of data for the "Epoch N" label.
    static let labelStrip = 0.14

    private func plane(_ run: RunData, _ table: MeasureTable, upTo k: Int, runs: [RunData], request: FigureRequest) -> Panel {
        let style = request.style
        let fitted = Scale.linear(fitting: PlaneParts.values(runs, request: request, x: false)).domain
        let y = Scale.linear(fitted.lowerBound...(fitted.lowerBound + (fitted.upperBound - fitted.lowerBound) / (1 - Self.labelStrip)))
        var panel = ChartParts.informationPlane(cell: GridCell(row: 0, column: 0),
                                                x: Scale.linear(fitting: PlaneParts.values(runs, request: request, x: true)), y: y,
                                                title: "Information plane", quantity: run.quantity)
        let layers = table.layerCount, epochs = table.epochs
        guard !epochs.isEmpty else { return panel }
        let color = { (layer: Int) in Self.layerColor(layer, of: layers, request: request) }
        let byEpoch = Dictionary(grouping: table.points, by: \.epoch)
        for layer in 0..<layers {   // each layer's path through the plane up to now
            let path = epochs[...k].compactMap { epoch in
                byEpoch[epoch]?.first { $0.layer == layer }.map { DataPoint($0.ixm, $0.iym) }
            }
            panel.marks.append(.line(path, color: color(layer).withAlpha(0.45), width: style.lineWidth * 0.8))
        }
        let current = byEpoch[epochs[k]] ?? []
        panel.marks += PlaneParts.ceilingLines(run, style: style)
        if let ensemble = run.ensemble {
            panel.marks += PlaneParts.spreads(ensemble.aggregate.points.filter { $0.point.epoch == epochs[k] }, kind: request.spread,
                                              color: { color($0.layer) }, width: style.lineWidth * 0.5)
        }
        panel.marks += PlaneParts.boundBand(current, color: { color($0.layer) })
        let points = current.map { DataPoint($0.ixm, $0.iym) }
        panel.marks.append(.line(points, color: style.foreground.withAlpha(0.7), width: style.lineWidth))
        panel.marks.append(.scatter(points, colors: current.map { color($0.layer) }, diameter: style.markerSize * 1.6,
                                    edge: style.foreground.withAlpha(0.6)))
        panel.marks += PlaneParts.transitionRings(run, upTo: epochs[k], diameter: style.markerSize * 2.4, style: style)
        panel.marks.append(.label("Epoch \(epochs[k])", fractionX: 0.02, fractionY: 1 - Self.labelStrip / 2, anchor: TextAnchor(.left, .middle),
                                  size: style.titleSize * 1.1, bold: true))
        let layerEntries = (0..<layers).map { Legend.Entry(label: run.layerName($0), color: color($0), symbol: .marker) }
        panel.legend = Legend(entries: layerEntries + [PlaneParts.bandEntry(run, style: style), PlaneParts.transitionEntry(run, style: style)]
                                .compactMap { $0 }, corner: .bottomRight)
        return panel
    }

    private func accuracyPanel(_ records: [EpochRecord], upTo k: Int, runs: [RunData], request: FigureRequest) -> Panel {
        let style = request.style
        let values = ChartParts.values(runs, [\.trainingAccuracy, \.testAccuracy])
        var panel = Panel(cell: GridCell(row: 1, column: 0),
                          x: ChartParts.epochAxis(runs.flatMap(\.epochs), log: options.logEpochs),
                          y: Axis(scale: Scale.linear(fitting: values), label: "Accuracy"))
        let series: [(String, KeyPath<EpochRecord, Double?>, Color)] = [
            ("Training", \.trainingAccuracy, style.cycleColor(0)), ("Test", \.testAccuracy, style.cycleColor(1)),
        ]
        let shown = records[...k]
        var entries: [Legend.Entry] = []
        for (name, key, color) in series where records.contains(where: { $0[keyPath: key] != nil }) {
            let points = shown.compactMap { r in r[keyPath: key].map { DataPoint(Double(r.epoch), $0) } }
            panel.marks.append(.line(points, color: color, width: style.lineWidth))
            if let last = points.last, last.x == Double(records[k].epoch) {
                panel.marks.append(.scatter([last], colors: [color], diameter: style.markerSize * 1.2, edge: style.foreground))
            }
            entries.append(Legend.Entry(label: name, color: color, symbol: .lineAndMarker))
        }
        panel.marks.append(.verticalLine(x: Double(records[k].epoch), color: style.foreground.withAlpha(0.4), width: 0.8, dashed: true))
        panel.legend = Legend(entries: entries, corner: .bottomRight)
        return panel
    }
}

/// The frames of a movie of one run: frame k is `MovieFrameChart` at epoch index k, in a
/// figure of `size` inches.
public struct MovieFrames: Sendable {
    public let run: RunData
    public let request: FigureRequest
    public let options: EpochAxisOptions
    public let size: (width: Double, height: Double)

    /// The decorations of frame 0, which every frame must share.
    private var decorations: Decorations?

    public init(run: RunData, request: FigureRequest, options: EpochAxisOptions = EpochAxisOptions(),
                size: (width: Double, height: Double) = (6, 9)) {
        self.run = run; self.request = request; self.options = options; self.size = size
        decorations = Decorations(figure(0))
    }

    public var count: Int { run.measures?.epochs.count ?? 0 }

    /// The figure of frame `k`, not laid out yet.
    public func figure(_ k: Int) -> Figure {
        var chart = MovieFrameChart(options: options)
        chart.frame = k
        return Comparison.figure([chart.block(run, scaledWith: [run], request: request)],
                                 titles: nil, columns: 1, request: request, figureSize: size)
    }

    /// Frame `k` in the layout of `template` (frame 0, laid out): every scale is trained on the
    /// whole run, so the frames share their decorations and only the marks differ; laying out
    /// one frame serves them all. A frame whose decorations differ from frame 0's (something
    /// that depends on the frame declared as a decoration) is an error, not a wrong movie.
    public func figure(_ k: Int, laidOutAs template: Figure) throws -> Figure {
        let own = figure(k)
        guard Decorations(own) == decorations else {
            throw DneckError.render(file: run.file, detail: "movie frame \(k) differs from frame 0 outside its marks; "
                                    + "what depends on the frame must be a mark")
        }
        var laid = template
        for (i, panel) in own.panels.enumerated() { laid.panels[i].marks = panel.marks }
        return laid
    }
}
