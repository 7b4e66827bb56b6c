import DneckCore
import DneckFigure
import DneckMeasures

/// Per layer, a heatmap of the histogram of all that layer's activations (every sample, every
/// unit) against epoch: bins span the layer's range over the whole run, logged epochs are
/// evenly spaced columns labelled with their real numbers (and said not to be to scale),
/// counts are coloured through the colormap (viridis unless one is chosen) with a colorbar
/// "Absolute frequency" per layer. Beside other runs (`compare`), each layer's activation axis
/// and colour scale are shared with the same layer of every run.
public struct ActivationsChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "activations", artifact: "activations",
        summary: "Histogram of each layer's activations against epoch, as heatmaps.",
        example: "dneck-plot activations run.h5 --hist-bins 30 --log-counts -o activations.png",
        needs: ChartNeeds(survey: .layerHistograms), roles: [.charts, .compare, .all])

    public let options: HistogramOptions
    public init(options: HistogramOptions) { self.options = options }

    public var needs: ChartNeeds { options.needs(Self.descriptor.needs) }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        guard let survey = run.survey else { return ChartBlock(rows: 1, columns: 1, size: (10, 3)) }
        let layers = survey.layerHistograms.count
        var block = ChartBlock(rows: max(layers, 1), columns: 1, size: (10, 0.6 + Double(layers) * 2.1))
        let colormap = request.colormap(default: .viridis)
        for layer in 0..<layers {
            let counts = survey.layerHistograms[layer]
            // Colours and activation axis shared with the same layer of every run of the grid.
            let others = runs.compactMap(\.survey).filter { layer < $0.layerHistograms.count }
            let normalize = ChartParts.countNormalize(maximum: others.compactMap { $0.layerHistograms[layer].joined().max() }.max() ?? 0,
                                                      log: options.logCounts)
            let range = HistogramBins(range: survey.layerRanges[layer], count: options.histBins)
            let shared = others.map { HistogramBins(range: $0.layerRanges[layer], count: options.histBins) }
            let cell = GridCell(row: layer, column: 0)
            var panel = Panel(cell: cell, x: ChartParts.epochColumnsAxis(survey.epochs, labelled: layer == layers - 1),
                              y: Axis(scale: .linear((shared.map(\.lower).min() ?? range.lower)...(shared.map(\.upper).max() ?? range.upper)),
                                      label: "Activation"),
                              title: run.layerName(layer), grid: false)
            panel.marks.append(.heatmap(ChartParts.heatmap(counts, range: range.lower...range.upper, colormap: colormap,
                                                           normalize: normalize)))
            block.panels.append(panel)
            block.colorbars.append(Colorbar(cell: cell, colormap: colormap, normalize: normalize, label: "Absolute frequency"))
        }
        block.footer = ["Histogram of all units' activations per epoch, \(options.histBins) bins over each layer's range; "
                        + ChartParts.footer(run, estimator: false)]
        return block
    }

    public func epochOverlays(_ figure: Figure, run: RunData) -> [Int: EpochOverlay]? { EpochOverlay.columns(figure, run) }
}
