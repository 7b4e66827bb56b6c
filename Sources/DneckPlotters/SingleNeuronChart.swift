import DneckCore
import DneckFigure
import DneckMeasures

/// The activation histogram of single neurons against epoch: one cell per neuron (each with
/// its own range), in columns of at most `neuronsPerColumn` neurons, layers one after another
/// (a layer that fits whole below the one before it shares its column), each column centred
/// vertically, so the grid is as large as the neurons drawn. Layers wider than
/// `maxNeurons` show their first `maxNeurons` neurons, and the figure says so. Each cell has its
/// own colour scale of absolute frequency, shown by a slim colorbar with its 0 and maximum.
public struct SingleNeuronChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "single-neuron", artifact: "single_neuron_activations",
        summary: "Histogram of each neuron's activations against epoch, one cell per neuron.",
        example: "dneck-plot single-neuron run.h5 --max-neurons 30 -o neurons.png",
        needs: ChartNeeds(survey: .neuronHistograms), roles: [.charts, .all])

    public struct Options: PlotterOptions {
        public var histogram = HistogramOptions()
        /// Neurons shown per layer.
        public var maxNeurons = 30
        public init() {}
        public static let arguments: [PlotterOption<Options>] = HistogramOptions.arguments.map { $0.within(\.histogram) } + [
            .integer("max-neurons", \.maxNeurons, in: 1...200, help: "Neurons shown per layer; wider layers show their first ones."),
        ]
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    public var needs: ChartNeeds {
        var needs = options.histogram.needs(Self.descriptor.needs)
        needs.neuronsPerLayer = options.maxNeurons
        return needs
    }

    /// Neurons in one column of a layer: a wider layer wraps into more columns.
    public static let neuronsPerColumn = 10

    /// The cell of each neuron of layers of `neurons` neurons, in columns of `rows` cells: down
    /// a column, then on to the next, each layer after the one before it; a layer starts a new
    /// column unless it fits whole below the layers already there. Each column is centred
    /// vertically.
    static func cells(_ neurons: [Int], rows: Int) -> [[GridCell]] {
        var columns: [[(layer: Int, neuron: Int)]] = []
        for (layer, count) in neurons.enumerated() {
            for neuron in 0..<count {
                let filled = columns.last?.count ?? rows
                if filled == rows || (neuron == 0 && filled + count > rows) { columns.append([]) }
                columns[columns.count - 1].append((layer, neuron))
            }
        }
        var cells = neurons.map { [GridCell](repeating: GridCell(row: 0, column: 0), count: $0) }
        for (column, members) in columns.enumerated() {
            let top = (rows - members.count) / 2
            for (row, member) in members.enumerated() { cells[member.layer][member.neuron] = GridCell(row: top + row, column: column) }
        }
        return cells
    }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        guard let survey = run.survey else { return ChartBlock(rows: 1, columns: 1, size: (4, 3)) }
        let layers = survey.neuronHistograms.count
        let neurons = survey.neuronHistograms.map(\.count)
        let rows = max(min(neurons.max() ?? 1, Self.neuronsPerColumn), 1)
        let cells = Self.cells(neurons, rows: rows)
        let columns = max((cells.joined().map(\.column).max() ?? 0) + 1, 1)
        var block = ChartBlock(rows: rows, columns: columns, size: (0.6 + 3.55 * Double(columns), 0.9 + 1.37 * Double(rows)))
        let colormap = request.colormap(default: .viridis)
        for layer in 0..<layers {
            for neuron in 0..<neurons[layer] {
                let bins = HistogramBins(range: survey.neuronRanges[layer][neuron], count: options.histogram.histBins)
                let span = bins.lower...bins.upper
                let counts = survey.neuronHistograms[layer][neuron]
                let normalize = ChartParts.countNormalize(maximum: counts.joined().max() ?? 0, log: options.histogram.logCounts)
                let cell = cells[layer][neuron]
                let y = Axis(scale: .linear(span), label: "",
                             rule: .fixed([span.lowerBound, span.upperBound].map { Tick(value: $0, label: Ticker.compactLabel($0, range: span)) }))
                // Every cell labels its epochs (a grid row's margins serve every column alike).
                var panel = Panel(cell: cell, x: ChartParts.epochColumnsAxis(survey.epochs, labelled: false),
                                  y: y, title: "\(run.layerName(layer)), neuron \(neuron)", grid: false)
                panel.marks.append(.heatmap(ChartParts.heatmap(counts, range: span, colormap: colormap, normalize: normalize)))
                block.panels.append(panel)
                block.colorbars.append(Colorbar(cell: cell, colormap: colormap, normalize: normalize, label: "",
                                                rule: .fixed([normalize.lower, normalize.upper].map { Tick(value: $0, label: "\(Int($0))") }),
                                                width: request.style.colorbarWidth / 2))
            }
        }
        block.footer = (0..<layers).filter { survey.units[$0] > survey.neuronHistograms[$0].count }.map {
            "\(run.layerName($0)): first \(survey.neuronHistograms[$0].count) of \(survey.units[$0]) neurons"
        } + ["x: \(ChartParts.epochColumnsLabel.lowercased()); y: the neuron's activation; colour: absolute frequency of its activations per epoch (0 to the cell's maximum); "
             + ChartParts.footer(run, estimator: false)]
        return block
    }
}
