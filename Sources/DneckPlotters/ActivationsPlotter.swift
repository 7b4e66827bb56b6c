import DneckCore
import DneckFigure
import DneckMeasures

/// Per layer, a heatmap of the histogram of all that layer's activations (every sample, every
/// unit) against epoch: bins span the layer's range over the whole run, epochs are columns
/// labelled with their real numbers, counts are coloured through the colormap (viridis unless
/// one is chosen) with a colorbar "Absolute frequency" per layer.
public struct ActivationsPlotter: SurveyChart {
    public static let name = "activations"
    public static let summary = "Histogram of each layer's activations against epoch, as heatmaps."
    public static let example = "dneck-plot activations run.h5 --bins 30 --log-counts -o activations.png"
    public static let defaultSize = (width: 10.0, height: 0.0)   // height follows the layer count

    public let options: ChartOptions
    public init(options: ChartOptions) { self.options = options }

    public static let surveyParts: ActivationSurvey.Parts = .layerHistograms

    /// The chart of a survey holding layer histograms.
    public func figure(_ survey: ActivationSurvey, request: PlotRequest) -> Figure {
        let style = request.style
        let layers = survey.layerHistograms.count
        let panelHeight = 1.55 * 72, gap = 0.62 * 72, top = 0.45 * 72, bottom = 0.75 * 72
        let size = style.figureSize ?? (Self.defaultSize.width, (top + bottom + Double(layers) * panelHeight + Double(max(layers - 1, 0)) * gap) / 72)
        var figure = Figure(widthInches: size.width, heightInches: size.height, dpi: request.dpi, style: style)
        let colormap = request.colormap(default: .viridis)
        let left = 72.0, right = 118.0
        let height = (figure.height - top - bottom - Double(max(layers - 1, 0)) * gap) / Double(max(layers, 1))
        for layer in 0..<layers {
            let frame = Rect(x: left, y: top + Double(layer) * (height + gap), width: figure.width - left - right, height: height)
            let counts = survey.layerHistograms[layer]
            let normalize = ChartParts.countNormalize(maximum: counts.joined().max() ?? 0, log: options.logCounts)
            let range = HistogramBins(range: survey.layerRanges[layer], count: options.bins)
            var panel = Panel(
                frame: frame,
                x: ChartParts.epochColumnsAxis(survey.epochs, maxLabels: Int(frame.width / (style.fontSize * 4.5)),
                                               label: layer == layers - 1 ? "Epoch" : ""),
                y: ChartParts.valueAxis([], length: frame.height, style: style, label: "Activation",
                                        fixed: range.lower...range.upper),
                title: "Layer \(layer)", grid: false)
            panel.marks.append(.heatmap(ChartParts.heatmap(counts, range: range.lower...range.upper, colormap: colormap,
                                                           normalize: normalize)))
            figure.panels.append(panel)
            let bar = Rect(x: frame.maxX + 12, y: frame.y, width: 11, height: frame.height)
            figure.colorbars.append(Colorbar(frame: bar, colormap: colormap, normalize: normalize, label: "Absolute frequency",
                                             ticks: ChartParts.countTicks(normalize, length: bar.height, style: style)))
        }
        return figure
    }
}
