import DneckCore
import DneckFigure

/// Training and test accuracy (top) and loss (bottom) against the real epoch numbers, on a
/// linear or logarithmic epoch axis.
public struct AccuracyChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "accuracy", artifact: "accuracy",
        summary: "Training and test accuracy and loss against epoch.",
        example: "dneck-plot accuracy run.h5 --log-epochs -o accuracy.svg",
        needs: ChartNeeds(requiredRecords: [.accuracy, .loss]), roles: [.charts, .compare, .all], perRun: true)

    public let options: EpochAxisOptions
    public init(options: EpochAxisOptions) { self.options = options }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let style = request.style, records = run.records ?? []
        var block = ChartBlock(rows: 2, columns: 1, size: (7, 6))
        let panels: [(String, KeyPath<EpochRecord, Double?>, KeyPath<EpochRecord, Double?>, Legend.Corner)] = [
            ("Accuracy", \.trainingAccuracy, \.testAccuracy, .bottomRight), ("Loss", \.trainingLoss, \.testLoss, .topRight),
        ]
        for (i, (name, train, test, corner)) in panels.enumerated() {
            var panel = Panel(cell: GridCell(row: i, column: 0),
                              x: ChartParts.epochAxis(runs.flatMap(\.epochs), log: options.logEpochs),
                              y: Axis(scale: Scale.linear(fitting: ChartParts.values(runs, [train, test])), label: name), title: name)
            for (key, color) in [(train, style.cycleColor(0)), (test, style.cycleColor(1))] {
                let points = records.compactMap { r in r[keyPath: key].map { DataPoint(Double(r.epoch), $0) } }
                panel.marks.append(.line(points, color: color, width: style.lineWidth))
                panel.marks.append(.scatter(points, colors: Array(repeating: color, count: points.count),
                                            diameter: style.markerSize * 0.6, edge: nil))
            }
            panel.legend = Legend(entries: [Legend.Entry(label: "Training", color: style.cycleColor(0), symbol: .lineAndMarker),
                                            Legend.Entry(label: "Test", color: style.cycleColor(1), symbol: .lineAndMarker)],
                                  corner: corner)
            block.panels.append(panel)
        }
        block.footer = [ChartParts.footer(run, estimator: false)]
        return block
    }

    public func epochOverlays(_ figure: Figure, run: RunData) -> [Int: EpochOverlay]? { EpochOverlay.markers(figure, run) }
}
