import DneckCore
import DneckFigure
import DneckMeasures
import Foundation

/// deep-bottleneck's entropy-bias analysis: how much entropy each activation function removes
/// from uniform input on [−1, 1] before any training. A grid of the output histograms, each
/// titled with its entropy (the uniform input's own in the last cell), and beside it the
/// entropies sorted, each with its reduction from the input's. With a run, each layer joins the
/// sorted list measured like the functions: the mean over its units of each unit's entropy of
/// a histogram in the same bins over the unit's own range, at the last logged epoch — like
/// with like (a layer's joint entropy over all its units would reach log2 N, beyond any
/// function's log2 bins).
///
/// The analysis (uniform samples, histogram bins, seed from the options) and the layers'
/// entropies are made by the data stage (`RunData.entropyBias`, `RunData.layerEntropies`).
public struct EntropyBiasChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "entropy-bias", artifact: "entropy_bias",
        summary: "Entropy an activation function removes from uniform input, beside a run's layers.",
        example: "dneck-plot entropy-bias --uniform-samples 4096 --hist-bins 50 -o bias.png run.h5",
        needs: ChartNeeds(), runs: .optional)

    public struct Options: PlotterOptions {
        public var analysis = EntropyBiasSettings()
        public init() {}
        public static let arguments: [PlotterOption<Options>] = [
            .integer("uniform-samples", \.analysis.samples, in: 1...10_000_000, help: "Uniform samples on [−1, 1] of the analysis."),
            .integer("hist-bins", \.analysis.bins, in: 2...500, help: HistogramOptions.binsHelp),
            .integer("uniform-seed", \.analysis.seed, in: 0...UInt64.max, help: "Seed of the uniform samples."),
        ]
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    public var needs: ChartNeeds {
        var needs = Self.descriptor.needs
        needs.entropyBias = options.analysis
        return needs
    }

    private static let gridColumns = 3

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let style = request.style
        guard let bias = run.entropyBias else { return ChartBlock(rows: 1, columns: 1, size: (13, 2.4)) }
        let histograms = bias.entries + [bias.input]
        let rows = (histograms.count + Self.gridColumns - 1) / Self.gridColumns
        var block = ChartBlock(rows: rows, columns: Self.gridColumns + 1, size: (13, 2.4 * Double(rows)))
        for (i, entry) in histograms.enumerated() {
            let name = i < bias.entries.count ? entry.function.rawValue : "uniform input"
            block.panels.append(histogram(entry, title: "\(name): \(String(format: "%.2f", entry.entropy)) bits",
                                          cell: GridCell(row: i / Self.gridColumns, column: i % Self.gridColumns), style: style))
        }
        block.panels.append(sorted(bias, run: run, cell: GridCell(row: 0, column: Self.gridColumns, rowSpan: rows), style: style))
        let layers = run.layerEntropies != nil
        block.legends.append(FigureLegend(legend: Legend(entries: [
            Legend.Entry(label: "Activation function", color: style.cycleColor(0), symbol: .marker),
        ] + (layers ? [Legend.Entry(label: "Layer: mean unit entropy", color: style.cycleColor(1), symbol: .marker)] : []) + [
            Legend.Entry(label: "Uniform input", color: style.foreground.withAlpha(0.6), symbol: .line),
        ]), cell: GridCell(row: 0, column: Self.gridColumns, rowSpan: rows)))
        var footer = "\(bias.samples) uniform samples on [−1, 1] (seed \(bias.seed)), \(options.analysis.bins)-bin histograms over each output's own range"
        if let layers = run.layerEntropies {
            footer += "; layers: the mean over the layer's units of each unit's entropy, \(options.analysis.bins)-bin histogram over "
                + "the unit's own range at epoch \(layers.epoch) (\(run.sampleCount) samples)"
        }
        block.footer = [footer]
        return block
    }

    /// One output histogram as a step line.
    private func histogram(_ entry: EntropyBias.Entry, title: String, cell: GridCell, style: Style) -> Panel {
        let bins = entry.bins, width = (bins.upper - bins.lower) / Double(max(bins.count, 1))
        let top = Double(entry.counts.max() ?? 1)
        var panel = Panel(cell: cell, x: Axis(scale: Scale.linear(fitting: [bins.lower, bins.upper], margin: 0.02), label: "Output"),
                          y: Axis(scale: .linear(0...(top * 1.08)), label: "Count"), title: title)
        var steps: [DataPoint] = [DataPoint(bins.lower, 0)]
        for (k, count) in entry.counts.enumerated() {
            let left = bins.lower + Double(k) * width
            steps += [DataPoint(left, Double(count)), DataPoint(left + width, Double(count))]
        }
        steps.append(DataPoint(bins.upper, 0))
        panel.marks.append(.line(steps, color: style.cycleColor(0), width: style.lineWidth * 0.8))
        return panel
    }

    /// The entropies, highest at the top, each with a line back to the uniform input's.
    private func sorted(_ bias: EntropyBias, run: RunData, cell: GridCell, style: Style) -> Panel {
        let reference = bias.input.entropy
        var items = bias.entries.map { (label: $0.function.rawValue, entropy: $0.entropy, layer: false) }
        items += (run.layerEntropies?.layers ?? []).enumerated().map { (label: run.layerName($0), entropy: $1, layer: true) }
        items.sort { $0.entropy < $1.entropy }   // ascending: category 0 is the bottom row
        let labels = items.map { "\($0.label) (\(String(format: "%+.2f", $0.entropy - reference)))" }
        let values = items.map(\.entropy) + [reference, 0]
        var panel = Panel(cell: cell, x: Axis(scale: Scale.linear(fitting: values), label: "Entropy (bits), \(options.analysis.bins)-bin histograms"),
                          y: Axis.categories(labels, label: "Sorted; (±): change from uniform input"),
                          title: "Entropy, sorted")
        let line = style.foreground.withAlpha(0.6)
        panel.marks.append(.verticalLine(x: reference, color: line, width: 0.8, dashed: true))
        for (i, item) in items.enumerated() {
            let y = Double(i) + 0.5, color = style.cycleColor(item.layer ? 1 : 0)
            panel.marks.append(.line([DataPoint(reference, y), DataPoint(item.entropy, y)], color: color.withAlpha(0.5),
                                     width: style.lineWidth))
            panel.marks.append(.scatter([DataPoint(item.entropy, y)], colors: [color], diameter: style.markerSize, edge: nil))
        }
        return panel
    }
}
