import DneckCore
import DneckFigure
import DneckIO

/// Training and test accuracy (top) and loss (bottom) against the real epoch numbers, on a
/// linear or logarithmic epoch axis.
public struct AccuracyPlotter: ChartPlotter {
    public static let name = "accuracy"
    public static let summary = "Training and test accuracy and loss against epoch."
    public static let example = "dneck-plot accuracy run.h5 --log-epochs -o accuracy.svg"
    public static let defaultSize = (width: 7.0, height: 6.0)

    public let options: ChartOptions
    public init(options: ChartOptions) { self.options = options }

    public static let recordFields: EpochRecord.Fields = [.accuracy, .loss]

    public func figure(_ inputs: ChartInputs, request: PlotRequest) throws -> Figure {
        let reader = inputs.reader, records = inputs.records!
        let needed: [(String, KeyPath<EpochRecord, Double?>)] = [
            ("accuracy/training", \.trainingAccuracy), ("accuracy/test", \.testAccuracy),
            ("loss/training", \.trainingLoss), ("loss/test", \.testLoss),
        ]
        for (name, key) in needed {
            if let missing = records.first(where: { $0[keyPath: key] == nil }) {
                throw DneckError.missing(file: reader.file, path: reader.datasetPath(epoch: missing.epoch, name),
                                         what: "scalar (the accuracy chart needs accuracy and loss of both splits)")
            }
        }
        return figure(records, request: request)
    }

    public func figure(_ records: [EpochRecord], request: PlotRequest) -> Figure {
        var figure = blankFigure(request)
        let style = request.style
        let left = 0.85 * 72, right = 0.25 * 72, top = 0.4 * 72, gap = 0.85 * 72, bottom = 0.65 * 72
        let height = (figure.height - top - bottom - gap) / 2
        let epochs = records.map(\.epoch).filter { !options.logEpochs || $0 > 0 }
        let panels: [(String, KeyPath<EpochRecord, Double?>, KeyPath<EpochRecord, Double?>, Legend.Corner)] = [
            ("Accuracy", \.trainingAccuracy, \.testAccuracy, .bottomRight), ("Loss", \.trainingLoss, \.testLoss, .topRight),
        ]
        for (i, (name, train, test, corner)) in panels.enumerated() {
            let frame = Rect(x: left, y: top + Double(i) * (height + gap), width: figure.width - left - right, height: height)
            let values = records.flatMap { [$0[keyPath: train], $0[keyPath: test]].compactMap { $0 } }
            var panel = Panel(frame: frame, x: ChartParts.epochAxis(epochs, log: options.logEpochs, length: frame.width, style: style),
                              y: ChartParts.valueAxis(values, length: frame.height, style: style, label: name), title: name)
            for (key, color) in [(train, style.cycleColor(0)), (test, style.cycleColor(1))] {
                let points = records.compactMap { r in r[keyPath: key].map { DataPoint(Double(r.epoch), $0) } }
                panel.marks.append(.line(points, color: color, width: style.lineWidth))
                panel.marks.append(.scatter(points, colors: Array(repeating: color, count: points.count),
                                            diameter: style.markerSize * 0.6, edge: nil))
            }
            panel.legend = Legend(entries: [Legend.Entry(label: "Training", color: style.cycleColor(0), symbol: .lineAndMarker),
                                            Legend.Entry(label: "Test", color: style.cycleColor(1), symbol: .lineAndMarker)],
                                  corner: corner)
            figure.panels.append(panel)
        }
        return figure
    }
}
