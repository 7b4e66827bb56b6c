import DneckCore
import DneckFigure

/// Gradient signal-to-noise per layer, log–log against epoch: the norm of the mean gradient,
/// the norm of its standard deviation, their ratio (SNR) and the weight norm ‖W‖, with one
/// legend for all panels. Zeros and missing values are left out of the log axes.
public struct SNRChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "snr", artifact: "snr",
        summary: "Gradient mean, std, their ratio (SNR) and weight norm per layer, log–log against epoch.",
        example: "dneck-plot snr run.h5 --split train -o snr.pdf",
        needs: ChartNeeds(requiredRecords: .gradients), roles: [.charts, .compare, .all], perRun: true)

    public let options: NoOptions
    public init(options: NoOptions) { self.options = options }

    /// Layers in one row of panels.
    public static let layersPerRow = 6

    /// One layer's series against epoch.
    public struct LayerSeries: Sendable, Equatable {
        public var mean: [DataPoint] = []
        public var std: [DataPoint] = []
        public var snr: [DataPoint] = []
        public var weightNorm: [DataPoint] = []
    }

    /// The series of every layer, with points a log axis cannot show (epoch ≤ 0, values ≤ 0
    /// or not finite) left out.
    public static func series(_ records: [EpochRecord]) -> [LayerSeries] {
        let layers = records.map { $0.gradientMean?.count ?? 0 }.max() ?? 0
        return (0..<layers).map { layer in
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

    /// Each series with its name and its colour's index in the style's colour cycle.
    private static let lines: [(String, KeyPath<LayerSeries, [DataPoint]>, Int)] = [
        ("Mean", \.mean, 0), ("Std", \.std, 1), ("SNR", \.snr, 3), ("‖W‖", \.weightNorm, 2),
    ]

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let series = Self.series(run.records ?? [])
        let everything = runs.flatMap { Self.series($0.records ?? []) }
        let allX = everything.flatMap { s in Self.lines.flatMap { s[keyPath: $0.1].map(\.x) } }
        let allY = everything.flatMap { s in Self.lines.flatMap { s[keyPath: $0.1].map(\.y) } }
        let xScale = Scale.log(fitting: allX, margin: 0.03), yScale = Scale.log(fitting: allY)
        // At most six layers a row, so a deep network wraps instead of growing ever wider.
        let columns = min(max(series.count, 1), Self.layersPerRow), rows = (max(series.count, 1) + columns - 1) / columns
        var block = ChartBlock(rows: rows, columns: columns, size: (0.9 + 3.0 * Double(columns), 3.6 * Double(rows)))
        for (layer, s) in series.enumerated() {
            let cell = GridCell(row: layer / columns, column: layer % columns)
            var panel = Panel(cell: cell, x: Axis(scale: xScale, label: "Epoch"),
                              y: Axis(scale: yScale, label: cell.column == 0 ? "Norm, ratio" : ""), title: "Layer \(layer)")
            for (_, key, color) in Self.lines {
                panel.marks.append(.line(s[keyPath: key], color: request.style.cycleColor(color), width: request.style.lineWidth))
            }
            block.panels.append(panel)
        }
        block.legends.append(FigureLegend(legend: Legend(entries: Self.lines.map { Legend.Entry(label: $0.0, color: request.style.cycleColor($0.2), symbol: .line) }),
                                          cell: block.all))
        block.footer = ["Mean, Std: norms of the mean and of the standard deviation of each layer's kernel gradient over an epoch's batches; "
                        + ChartParts.footer(run, estimator: false)]
        return block
    }
}
