import DneckCore
import DneckFigure
import DneckMeasures

/// The information plane: I(Y;M) against I(X;M), one point per layer per logged epoch,
/// coloured by epoch through a colormap and shaped by layer (a legend beside the plane names
/// each layer's shape), the layers of each epoch joined by a faint line, with a colorbar
/// labelled "Epoch". The axes name what the estimator measures (`run.quantity`):
/// I(X;M) and I(Y;M) in bits, or HSIC(M, X) and HSIC(M, Y). A run that logs gradients gets a
/// ring on each layer's point at its drift-to-diffusion transition (`SNRPhases`).
public struct InfoPlaneChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "infoplane", artifact: "infoplane",
        summary: "Information plane: I(Y;M) against I(X;M) per layer, coloured by epoch.",
        example: "dneck-plot infoplane run.h5 --split test --colormap viridis -o plane.pdf",
        needs: ChartNeeds(estimates: .any, records: .gradients), runs: .aggregated, roles: [.compare, .all])

    public struct Options: PlotterOptions {
        /// Fixed plane limits; nil fits the data.
        public var xlim: ClosedRange<Double>?
        public var ylim: ClosedRange<Double>?
        /// Colour epochs by log(epoch + 1).
        public var logEpochColors = false
        /// Draw the information-bottleneck bound.
        public var ibBound = false
        public init() {}
        public static let arguments: [PlotterOption<Options>] = [
            .limits("xlim", \.xlim, help: "Fixed information-plane x limits in the estimator's unit (default: fitted to the data)."),
            .limits("ylim", \.ylim, help: "Fixed information-plane y limits in the estimator's unit (default: fitted to the data)."),
            .flag("log-epoch-colors", \.logEpochColors, help: "Colour epochs by log(epoch + 1), so early epochs of long runs stand apart."),
            .flag("ib-bound", \.ibBound, help: "Draw the bound no representation crosses for deterministic labels: I(Y;M) ≤ min(I(X;M), H(Y)) (Kolchinsky et al., ICLR 2019); for a run with <split>/label_probs, the IB curve of that p(y|x)."),
        ]
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// With `--ib-bound`, the IB curve of the run's stochastic labels too.
    public var needs: ChartNeeds {
        var needs = Self.descriptor.needs
        needs.ibCurve = options.ibBound
        return needs
    }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let style = request.style
        let tables = runs.compactMap(\.measures), table = run.measures ?? MeasureTable(points: [])
        var block = ChartBlock(rows: 1, columns: 1, size: (6.4, 4.8))
        let xScale = options.xlim.map(Scale.linear) ?? Scale.linear(fitting: PlaneParts.values(runs, request: request, x: true))
        let yScale = options.ylim.map(Scale.linear) ?? Scale.linear(fitting: PlaneParts.values(runs, request: request, x: false))
        var panel = ChartParts.informationPlane(cell: block.all, x: xScale, y: yScale,
                                                title: "Information plane (\(run.split.rawValue))", quantity: run.quantity)
        let normalize = epochNormalize(tables.flatMap(\.epochs))
        let colormap = request.colormap(default: .gnuplot)
        let colorOf = { (epoch: Int) in colormap.color(at: normalize(Double(epoch))) }
        panel.marks += PlaneParts.ceilingLines(run, style: style)
        // The IB curve of stochastic labels when the run has them, else the deterministic bound.
        let curve = options.ibBound ? PlaneParts.ibCurve(run, right: xScale) : nil
        let bound = options.ibBound && curve == nil ? PlaneParts.ibBound(run, right: xScale) : nil
        if let line = curve?.line { panel.marks.append(.line(line, color: style.foreground.withAlpha(0.7), width: style.lineWidth)) }
        if let line = bound?.line { panel.marks.append(.line(line, color: style.foreground.withAlpha(0.7), width: 1, dashed: true)) }
        if let ensemble = run.ensemble, request.showRuns {
            panel.marks += PlaneParts.runTrajectories(ensemble, epochs: Set(table.epochs), style: style)
        }
        if let ensemble = run.ensemble {
            panel.marks += PlaneParts.spreads(ensemble.aggregate.points, kind: request.spread, color: { colorOf($0.epoch) }, width: 0.6)
        }
        panel.marks += PlaneParts.boundBand(table.points, color: { colorOf($0.epoch) })
        let byEpoch = table.epochs.map { epoch in table.points(epoch: epoch) }
        for points in byEpoch {
            guard let epoch = points.first?.epoch else { continue }
            panel.marks.append(.line(points.map { DataPoint($0.ixm, $0.iym) }, color: colorOf(epoch).withAlpha(0.3), width: 0.8))
        }
        // Colour tells the epoch, the marker's shape the layer.
        for points in byEpoch {
            guard let epoch = points.first?.epoch else { continue }
            panel.marks.append(.scatter(points.map { DataPoint($0.ixm, $0.iym) }, colors: Array(repeating: colorOf(epoch), count: points.count),
                                        diameter: style.markerSize, edge: Color(0, 0, 0, 0.35), shapes: points.map { MarkerShape.cycled($0.layer) }))
        }
        panel.marks += PlaneParts.transitionRings(run, diameter: style.markerSize * 2, style: style)
        block.panels.append(panel)
        var bar = Colorbar(cell: block.all, colormap: colormap, normalize: normalize,
                           label: options.logEpochColors ? "Epoch (log scale)" : "Epoch")
        if options.logEpochColors {   // the first epoch, then decades
            let decades = Ticker.logTicks(max(normalize.lower, 1), max(normalize.upper, 2)).filter { $0 > normalize.lower }
            bar.rule = .fixed(([normalize.lower] + decades).map { Tick(value: $0, label: Ticker.labels([$0])[0]) })
        }
        block.colorbars.append(bar)
        // Beside the plane (in it, they would cover points), on more paper.
        let layers = (0..<table.layerCount).map { Legend.Entry(label: run.layerName($0), color: style.foreground.withAlpha(0.7),
                                                               symbol: .shape(MarkerShape.cycled($0))) }
        block.legends.append(FigureLegend(legend: Legend(entries: layers + [PlaneParts.bandEntry(run, style: style),
                                                                          PlaneParts.transitionEntry(run, style: style)].compactMap { $0 }),
                                          cell: block.all))
        block.size.width += run.measures?.hasLowerBounds == true ? 1.8 : 1.2
        block.footer = PlaneParts.footer(run, request: request) + [curve?.note ?? bound?.note].compactMap { $0 }
        return block
    }

    public func epochOverlays(_ figure: Figure, run: RunData) -> [Int: EpochOverlay]? { EpochOverlay.plane(figure, run) }

    /// Epoch colours over `epochs`, linear or by log(epoch + 1).
    private func epochNormalize(_ epochs: [Int]) -> Normalize {
        let lo = Double(epochs.min() ?? 0), hi = Double(max(epochs.max() ?? 1, (epochs.min() ?? 0) + 1))
        return Normalize(lo, hi, logarithmic: options.logEpochColors, offset: options.logEpochColors ? 1 : 0)
    }
}
