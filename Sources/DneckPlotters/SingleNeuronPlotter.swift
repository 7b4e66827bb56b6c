import DneckCore
import DneckFigure
import DneckMeasures

/// The activation histogram of single neurons against epoch: one column per layer, one cell
/// per neuron (each with its own range), smaller layers centred vertically. Layers wider than
/// `maxNeurons` show their first `maxNeurons` neurons, and the figure says so. Each cell has
/// its own colour scale of absolute frequency, shown by a slim colorbar with its 0 and maximum.
public struct SingleNeuronPlotter: SurveyChart {
    public static let name = "single-neuron"
    public static let summary = "Histogram of each neuron's activations against epoch, one cell per neuron."
    public static let example = "dneck-plot single-neuron run.h5 --max-neurons 30 -o neurons.png"
    public static let defaultSize = (width: 0.0, height: 0.0)   // follows layers and neurons

    public let options: ChartOptions
    public init(options: ChartOptions) { self.options = options }

    public static let surveyParts: ActivationSurvey.Parts = .neuronHistograms

    public func figure(_ survey: ActivationSurvey, request: PlotRequest) -> Figure {
        let style = request.style
        let layers = survey.neuronHistograms.count
        let rows = survey.neuronHistograms.map(\.count).max() ?? 1
        let cellWidth = 2.4 * 72, cellHeight = 0.95 * 72, columnGap = 1.2 * 72, rowGap = 0.42 * 72
        let left = 0.7 * 72, top = 0.75 * 72, bottom = 0.8 * 72, right = 0.75 * 72
        let width = left + right + Double(layers) * cellWidth + Double(layers - 1) * columnGap
        let height = top + bottom + Double(rows) * cellHeight + Double(rows - 1) * rowGap
        var figure = Figure(widthInches: style.figureSize?.width ?? width / 72, heightInches: style.figureSize?.height ?? height / 72,
                            dpi: request.dpi, style: style)
        let colormap = request.colormap(default: .viridis)
        for layer in 0..<layers {
            let neurons = survey.neuronHistograms[layer].count
            let offset = Double(rows - neurons) / 2
            for neuron in 0..<neurons {
                let frame = Rect(x: left + Double(layer) * (cellWidth + columnGap),
                                 y: top + (Double(neuron) + offset) * (cellHeight + rowGap), width: cellWidth, height: cellHeight)
                let range = HistogramBins(range: survey.neuronRanges[layer][neuron], count: options.bins)
                let counts = survey.neuronHistograms[layer][neuron]
                let normalize = ChartParts.countNormalize(maximum: counts.joined().max() ?? 0, log: options.logCounts)
                let lastInColumn = neuron == neurons - 1
                var x = ChartParts.epochColumnsAxis(survey.epochs, maxLabels: 5, label: lastInColumn ? "Epoch" : "")
                if !lastInColumn { x.ticks = x.ticks.map { Tick(value: $0.value, label: "") } }
                var panel = Panel(frame: frame, x: x,
                                  y: Axis(scale: .linear(range.lower...range.upper), label: "",
                                          ticks: [range.lower, range.upper].map { Tick(value: $0, label: Ticker.compactLabel($0)) }),
                                  title: "Layer \(layer), neuron \(neuron)", grid: false)
                panel.marks.append(.heatmap(ChartParts.heatmap(counts, range: range.lower...range.upper,
                                                               colormap: colormap, normalize: normalize)))
                figure.panels.append(panel)
                let bar = Rect(x: frame.maxX + 5, y: frame.y, width: 6, height: frame.height)
                figure.colorbars.append(Colorbar(frame: bar, colormap: colormap, normalize: normalize, label: "",
                                                 ticks: [normalize.lower, normalize.upper].map { Tick(value: $0, label: "\(Int($0))") }))
            }
            if survey.units[layer] > neurons {
                figure.texts.append(TextItem("Layer \(layer): first \(neurons) of \(survey.units[layer]) neurons",
                                             at: Point(left + Double(layer) * (cellWidth + columnGap) + cellWidth / 2, 16),
                                             anchor: TextAnchor(.center, .top), size: style.fontSize, color: style.foreground))
            }
        }
        figure.texts.append(TextItem("Colour: absolute frequency of each neuron's activations per epoch (0 to the cell's maximum)",
                                     at: Point(left, figure.height - 14), anchor: TextAnchor(.left, .bottom),
                                     size: style.fontSize, color: style.foreground))
        return figure
    }
}
