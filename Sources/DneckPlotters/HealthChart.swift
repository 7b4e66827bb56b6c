import DneckCore
import DneckFigure
import DneckMeasures
import Foundation

/// The estimator's health per layer over epochs, as the estimator reports it. Binning: log2 of
/// the distinct states found at each epoch, against log2 N of the N samples (dashed); a layer
/// at the line gives every sample a state of its own: its I(X;M) is log2 N whatever the
/// network does, and says nothing about compression. KSG: the share of tied points, whose
/// neighbour counts the seeded jitter decided, against the 10 % above which a warning says the
/// estimate depends on `--seed` (dashed).
public struct HealthChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "health", artifact: "health",
        summary: "Estimator health per layer and epoch: distinct binning states against the samples (log2 of both), or KSG's tied points.",
        example: "dneck-plot health run.h5 --bins 30 --adaptive -o health.png",
        needs: ChartNeeds(estimates: .reportingHealth), roles: [.charts, .all])

    public let options: EpochAxisOptions
    public init(options: EpochAxisOptions) { self.options = options }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let ties = run.measures?.points.contains { $0.tiedFraction != nil } == true
        var block = ChartBlock(rows: 1, columns: 1, size: (7, 4.8))
        let kind = ties ? Self.ties : Self.states
        let values: [Double] = runs.flatMap { ($0.measures?.points ?? []).compactMap(kind.value) + [kind.line($0)] } + [0]
        var panel = Panel(cell: block.all, x: ChartParts.epochAxis(runs.flatMap(\.epochs), log: options.logEpochs),
                          y: Axis(scale: Scale.linear(fitting: values), label: kind.axis), title: "\(kind.title) (\(run.split.rawValue))")
        panel.marks.append(.horizontalLine(y: kind.line(run), color: request.style.foreground.withAlpha(0.55), width: 0.8, dashed: true))
        let table = run.measures ?? MeasureTable(points: [])
        for layer in 0..<table.layerCount {
            let points = table.points.filter { $0.layer == layer }.compactMap { p in kind.value(p).map { DataPoint(Double(p.epoch), $0) } }
            panel.marks.append(.line(points, color: request.style.cycleColor(layer), width: request.style.lineWidth))
        }
        block.panels.append(panel)
        block.legends.append(FigureLegend(legend: Legend(entries: ChartParts.layerLegend(run, layers: table.layerCount, style: request.style).entries + [
            Legend.Entry(label: kind.lineLabel, color: request.style.foreground.withAlpha(0.55), symbol: .line),
        ]), cell: block.all))
        block.footer = [kind.footer + ChartParts.footer(run, estimator: true)]
        return block
    }

    /// What a health panel draws: each point's value, the dashed line and the words for both.
    private struct Kind {
        let value: @Sendable (InformationPoint) -> Double?
        let line: @Sendable (RunData) -> Double
        let axis: String, title: String, lineLabel: String, footer: String
    }

    private static let states = Kind(
        value: { $0.states.map { log2(Double(max($0, 1))) } }, line: { log2(Double(max($0.sampleCount, 1))) },
        axis: "log2 distinct states", title: "Binning states", lineLabel: "log2 N (every sample its own state)",
        footer: "states: distinct rows of a layer's binned activations; ")

    private static let ties = Kind(
        value: { $0.tiedFraction.map { 100 * $0 } }, line: { _ in 100 * KSGEstimator.largeTiedFraction },
        axis: "Tied points (%)", title: "KSG tied points",
        lineLabel: "\(Int(100 * KSGEstimator.largeTiedFraction)) % (above: the estimate depends on --seed)",
        footer: "tied: points whose neighbour count the seeded jitter decided (besides the neighbour that sets the radius, another point "
            + "within 100 times the jitter of it in X or M; the larger share of I(X;M)'s and I(Y;M)'s), with scikit-learn's convention: "
            + "strict radii (nextafter toward 0), jitter 1e-10·max(1, mean|z|)·N(0, 1) per column; ")
}
