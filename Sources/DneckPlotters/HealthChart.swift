import DneckCore
import DneckFigure
import Foundation

/// The binning estimator's health: per layer, log2 of the distinct states the binning found
/// at each epoch, against log2 N of the N samples (dashed). A layer at the line gives every
/// sample a state of its own: its I(X;M) is log2 N whatever the network does, and says
/// nothing about compression.
public struct HealthChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "health", artifact: "health",
        summary: "Distinct states the binning finds per layer and epoch, against the number of samples (log2 of both).",
        example: "dneck-plot health run.h5 --bins 30 --adaptive -o health.png",
        needs: ChartNeeds(estimates: .countingStates), roles: [.charts, .all])

    public let options: EpochAxisOptions
    public init(options: EpochAxisOptions) { self.options = options }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let style = request.style, table = run.measures ?? MeasureTable(points: [])
        var block = ChartBlock(rows: 1, columns: 1, size: (7, 4.8))
        let ceilings = runs.map { log2(Double(max($0.sampleCount, 1))) }
        let values = runs.flatMap { ($0.measures?.points ?? []).compactMap(\.states).map { log2(Double(max($0, 1))) } } + ceilings + [0]
        var panel = Panel(cell: block.all, x: ChartParts.epochAxis(runs.flatMap(\.epochs), log: options.logEpochs),
                          y: Axis(scale: Scale.linear(fitting: values), label: "log2 distinct states"),
                          title: "Binning states (\(run.split.rawValue))")
        panel.marks.append(.horizontalLine(y: log2(Double(max(run.sampleCount, 1))), color: style.foreground.withAlpha(0.55),
                                           width: 0.8, dashed: true))
        for layer in 0..<table.layerCount {
            let points = table.points.filter { $0.layer == layer }.compactMap { p in
                p.states.map { DataPoint(Double(p.epoch), log2(Double(max($0, 1)))) }
            }
            panel.marks.append(.line(points, color: style.cycleColor(layer), width: style.lineWidth))
        }
        block.panels.append(panel)
        block.legends.append(FigureLegend(legend: Legend(entries: ChartParts.layerLegend(run, layers: table.layerCount, style: style).entries + [
            Legend.Entry(label: "log2 N (every sample its own state)", color: style.foreground.withAlpha(0.55), symbol: .line),
        ]), cell: block.all))
        block.footer = ["states: distinct rows of a layer's binned activations; " + ChartParts.footer(run, estimator: true)]
        return block
    }
}
