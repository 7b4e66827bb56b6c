import DneckCore
import DneckFigure
import DneckIO

/// Gradient signal-to-noise per layer, log–log against epoch: the norm of the mean gradient,
/// the norm of its standard deviation, their ratio (SNR) and the weight norm ‖W‖, with one
/// legend for all panels. Zeros and missing values are left out of the log axes.
public struct SNRPlotter: ChartPlotter {
    public static let name = "snr"
    public static let summary = "Gradient mean, std, their ratio (SNR) and weight norm per layer, log–log against epoch."
    public static let example = "dneck-plot snr run.h5 --split train -o snr.pdf"
    public static let defaultSize = (width: 0.0, height: 3.4)   // width follows the layer count

    public let options: ChartOptions
    public init(options: ChartOptions) { self.options = options }

    /// One layer's series against epoch.
    public struct LayerSeries: Sendable, Equatable {
        public var mean: [DataPoint] = []
        public var std: [DataPoint] = []
        public var snr: [DataPoint] = []
        public var weightNorm: [DataPoint] = []
    }

    /// The series of every layer, with points a log axis cannot show (epoch ≤ 0, values ≤ 0
    /// or not finite) left out.
    public static func series(_ records: [EpochRecord], layers: Int) -> [LayerSeries] {
        (0..<layers).map { layer in
            var s = LayerSeries()
            for r in records where r.epoch > 0 {
                let x = Double(r.epoch)
                func add(_ value: Double?, to list: inout [DataPoint]) {
                    if let value, value > 0, value.isFinite { list.append(DataPoint(x, value)) }
                }
                let mean = r.gradientMean.flatMap { layer < $0.count ? $0[layer] : nil }
                let std = r.gradientStd.flatMap { layer < $0.count ? $0[layer] : nil }
                add(mean, to: &s.mean)
                add(std, to: &s.std)
                add(mean.flatMap { m in std.flatMap { $0 > 0 ? m / $0 : nil } }, to: &s.snr)
                add(r.weightNorm.flatMap { layer < $0.count ? $0[layer] : nil }, to: &s.weightNorm)
            }
            return s
        }
    }

    public static let recordFields: EpochRecord.Fields = .gradients

    public func figure(_ inputs: ChartInputs, request: PlotRequest) throws -> Figure {
        let reader = inputs.reader, records = inputs.records!
        for (name, key) in [("gradmean", \EpochRecord.gradientMean), ("gradstd", \.gradientStd), ("weights_norm", \.weightNorm)] {
            if let missing = records.first(where: { $0[keyPath: key] == nil }) {
                throw DneckError.missing(file: reader.file, path: reader.datasetPath(epoch: missing.epoch, name),
                                         what: "gradient statistics dataset (the snr chart needs gradmean, gradstd and weights_norm)")
            }
        }
        let layers = records.map { $0.gradientMean!.count }.max() ?? 0
        return figure(Self.series(records, layers: layers), request: request)
    }

    public func figure(_ series: [LayerSeries], request: PlotRequest) -> Figure {
        let style = request.style
        let panelWidth = 2.45 * 72, gap = 0.55 * 72, left = 0.75 * 72, legendWidth = 1.3 * 72
        let width = left + Double(series.count) * panelWidth + Double(max(series.count - 1, 0)) * gap + legendWidth
        let size = style.figureSize ?? (width / 72, Self.defaultSize.height)
        var figure = Figure(widthInches: size.width, heightInches: size.height, dpi: request.dpi, style: style)
        let lines: [(String, KeyPath<LayerSeries, [DataPoint]>, Color)] = [
            ("Mean", \.mean, Color(hex: "#1f77b4")!), ("Std", \.std, Color(hex: "#ff7f0e")!),
            ("SNR", \.snr, Color(hex: "#d62728")!), ("‖W‖", \.weightNorm, Color(hex: "#2ca02c")!),
        ]
        let allX = series.flatMap { s in lines.flatMap { s[keyPath: $0.1].map(\.x) } }
        let allY = series.flatMap { s in lines.flatMap { s[keyPath: $0.1].map(\.y) } }
        let xScale = Scale.log(fitting: allX, margin: 0.03), yScale = Scale.log(fitting: allY)
        let top = 0.4 * 72, bottom = 0.62 * 72
        for (layer, s) in series.enumerated() {
            let frame = Rect(x: left + Double(layer) * (panelWidth + gap), y: top, width: panelWidth,
                             height: figure.height - top - bottom)
            var panel = Panel(frame: frame,
                              x: Axis(scale: xScale, label: "Epoch", length: frame.width, fontSize: style.fontSize, horizontal: true),
                              y: Axis(scale: yScale, label: "", length: frame.height, fontSize: style.fontSize, horizontal: false),
                              title: "Layer \(layer)")
            for (_, key, color) in lines { panel.marks.append(.line(s[keyPath: key], color: color, width: style.lineWidth)) }
            figure.panels.append(panel)
        }
        let legendArea = Rect(x: figure.width - legendWidth, y: top, width: legendWidth, height: figure.height - top - bottom)
        figure.legends.append(FigureLegend(legend: Legend(entries: lines.map { Legend.Entry(label: $0.0, color: $0.2, symbol: .line) },
                                                          corner: .topLeft), area: legendArea))
        return figure
    }
}
