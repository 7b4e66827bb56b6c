import DneckCore
import DneckFigure
import DneckMeasures

/// monitorch's view of a run, from the logged activations: per layer and epoch the activation
/// rate and the death rate (see `ActivityRule` for what counts as active and dead), one line
/// per layer, and a warning panel with the lowest activation rate and the highest death rate
/// over the layers.
public struct ActivityPlotter: SurveyChart {
    public static let name = "activity"
    public static let summary = "Activation rate and death rate per layer against epoch (monitorch's view)."
    public static let example = "dneck-plot activity run.h5 --log-epochs -o activity.png"
    public static let defaultSize = (width: 8.5, height: 8.5)

    public let options: ChartOptions
    public init(options: ChartOptions) { self.options = options }

    public static let surveyParts: ActivationSurvey.Parts = .activity

    public func figure(_ survey: ActivationSurvey, request: PlotRequest) -> Figure {
        var figure = blankFigure(request)
        let style = request.style
        let left = 0.85 * 72, right = 1.35 * 72, top = 0.4 * 72, gap = 0.8 * 72, bottom = 0.65 * 72
        let height = (figure.height - top - bottom - 2 * gap) / 3
        let epochs = survey.epochs.filter { !options.logEpochs || $0 > 0 }
        let layers = survey.activationRates.count
        func frame(_ i: Int) -> Rect {
            Rect(x: left, y: top + Double(i) * (height + gap), width: figure.width - left - right, height: height)
        }
        func points(_ values: [Double]) -> [DataPoint] {
            zip(survey.epochs, values).map { DataPoint(Double($0), $1) }
        }
        let unit: ClosedRange<Double> = -0.05...1.05
        let rules = Set(survey.activityRules.map { $0 == .nonZero ? "a ≠ 0" : "|a| < 0.99·max|a|" }).sorted().joined(separator: ", ")
        for (i, (title, rates)) in [("Activation rate (active: \(rules))", survey.activationRates),
                                    ("Death rate (units constant over all samples)", survey.deathRates)].enumerated() {
            let f = frame(i)
            var panel = Panel(frame: f, x: ChartParts.epochAxis(epochs, log: options.logEpochs, length: f.width, style: style),
                              y: ChartParts.valueAxis([], length: f.height, style: style, label: i == 0 ? "Active fraction" : "Dead fraction", fixed: unit),
                              title: title)
            for layer in 0..<layers {
                panel.marks.append(.line(points(rates[layer]), color: style.cycleColor(layer), width: style.lineWidth))
            }
            figure.panels.append(panel)
        }
        // One legend of layers beside the two rate panels, whatever the number of layers.
        let legendArea = Rect(x: figure.width - right + 4, y: top - 6, width: right - 4, height: 2 * height + gap)
        figure.legends.append(FigureLegend(legend: ChartParts.layerLegend(layers, style: style, corner: .topLeft), area: legendArea))
        let f = frame(2)
        var warnings = Panel(frame: f, x: ChartParts.epochAxis(epochs, log: options.logEpochs, length: f.width, style: style),
                             y: ChartParts.valueAxis([], length: f.height, style: style, label: "Fraction", fixed: unit),
                             title: "Warnings: lowest activation rate, highest death rate over layers")
        let minActive = survey.epochs.indices.map { e in survey.activationRates.map { $0[e] }.min() ?? 0 }
        let maxDead = survey.epochs.indices.map { e in survey.deathRates.map { $0[e] }.max() ?? 0 }
        let low = Color(hex: "#1f77b4")!, high = Color(hex: "#d62728")!
        warnings.marks.append(.line(points(minActive), color: low, width: style.lineWidth))
        warnings.marks.append(.line(points(maxDead), color: high, width: style.lineWidth))
        warnings.legend = Legend(entries: [Legend.Entry(label: "Min activation rate", color: low, symbol: .line),
                                           Legend.Entry(label: "Max death rate", color: high, symbol: .line)], corner: .topRight)
        figure.panels.append(warnings)
        return figure
    }
}
