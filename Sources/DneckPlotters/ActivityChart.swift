import DneckCore
import DneckFigure
import DneckMeasures

/// monitorch's view of a run, from the logged activations: per layer and epoch the activation
/// rate and the death rate (see `ActivityRule` for what counts as active and dead), one line
/// per layer, the legend stating each layer's rule, and a warning panel with the lowest activation rate and the highest death rate
/// over the layers.
public struct ActivityChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "activity", artifact: "activity",
        summary: "Activation rate and death rate per layer against epoch (monitorch's view).",
        example: "dneck-plot activity run.h5 --log-epochs -o activity.png",
        needs: ChartNeeds(survey: .activity), roles: [.charts, .compare, .all])

    public let options: EpochAxisOptions
    public init(options: EpochAxisOptions) { self.options = options }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let style = request.style
        var block = ChartBlock(rows: 3, columns: 1, size: (8.5, 8.5))
        guard let survey = run.survey else { return block }
        let epochs = runs.flatMap(\.epochs)
        let layers = survey.activationRates.count
        func points(_ values: [Double]) -> [DataPoint] { zip(survey.epochs, values).map { DataPoint(Double($0), $1) } }
        let unit = Scale.linear(-0.05...1.05)
        for (i, (title, label, rates)) in [("Activation rate (each layer's rule of active in the legend)", "Active fraction", survey.activationRates),
                                           ("Death rate (units constant over all samples)", "Dead fraction", survey.deathRates)].enumerated() {
            var panel = Panel(cell: GridCell(row: i, column: 0), x: ChartParts.epochAxis(epochs, log: options.logEpochs),
                              y: Axis(scale: unit, label: label), title: title)
            for layer in 0..<layers {
                panel.marks.append(.line(points(rates[layer]), color: style.cycleColor(layer), width: style.lineWidth))
            }
            block.panels.append(panel)
        }
        // One legend of layers beside the two rate panels, whatever the number of layers.
        let legend = Legend(entries: survey.activityRules.enumerated().map { layer, rule in
            Legend.Entry(label: "\(run.layerName(layer)) (active: \(rule.label))", color: style.cycleColor(layer), symbol: .line)
        })
        block.legends.append(FigureLegend(legend: legend,
                                          cell: GridCell(row: 0, column: 0, rowSpan: 2)))
        var warnings = Panel(cell: GridCell(row: 2, column: 0), x: ChartParts.epochAxis(epochs, log: options.logEpochs),
                             y: Axis(scale: unit, label: "Fraction"),
                             title: "Warnings: lowest activation rate, highest death rate over layers")
        let minActive = survey.epochs.indices.map { e in survey.activationRates.map { $0[e] }.min() ?? 0 }
        let maxDead = survey.epochs.indices.map { e in survey.deathRates.map { $0[e] }.max() ?? 0 }
        let low = style.cycleColor(0), high = style.cycleColor(3)
        warnings.marks.append(.line(points(minActive), color: low, width: style.lineWidth))
        warnings.marks.append(.line(points(maxDead), color: high, width: style.lineWidth))
        warnings.legend = Legend(entries: [Legend.Entry(label: "Min activation rate", color: low, symbol: .line),
                                           Legend.Entry(label: "Max death rate", color: high, symbol: .line)], corner: .topRight)
        block.panels.append(warnings)
        block.footer = [ChartParts.footer(run, estimator: false)]
        return block
    }
}
