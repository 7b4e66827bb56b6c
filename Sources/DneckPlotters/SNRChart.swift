import DneckCore
import DneckFigure
import DneckMeasures

/// Gradient signal-to-noise per layer against epoch (symmetric-log, so epoch 0 is drawn) on a
/// log y axis: the norm of the mean gradient, the norm of its standard deviation, their ratio
/// (SNR) and the weight norm ‖W‖, with one legend for all panels. Values a log axis cannot
/// show (≤ 0, undefined) are left out and the footer counts them; a run with none to show is
/// an error. A dotted line marks SNR = 1, and each layer's drift-to-diffusion transition
/// (`SNRPhases`) is a dashed vertical line at its epoch with a ring on the SNR there.
public struct SNRChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "snr", artifact: "snr",
        summary: "Gradient mean, std, their ratio (SNR) and weight norm per layer, log–log against epoch.",
        example: "dneck-plot snr run.h5 --split train -o snr.pdf",
        needs: ChartNeeds(requiredRecords: [.gradients, .weights]), roles: [.charts, .compare, .all], perRun: true)

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
        /// Logged values left out (≤ 0 or not finite), by series name.
        public var leftOut: [String: Int] = [:]
    }

    /// The series of every layer, with values a log axis cannot show (≤ 0 or not finite)
    /// left out and counted.
    public static func series(_ records: [EpochRecord]) -> [LayerSeries] {
        let layers = records.map { $0.gradientMean?.count ?? 0 }.max() ?? 0
        return (0..<layers).map { layer in
            var s = LayerSeries()
            for r in records {
                func at(_ values: [Double]?) -> Double? { values.flatMap { layer < $0.count ? $0[layer] : nil } }
                let mean = at(r.gradientMean), std = at(r.gradientStd)
                let values = [mean, std, mean.flatMap { m in std.map { m / $0 } }, at(r.weightNorm)]
                for ((name, key, _), value) in zip(lines, values) {
                    guard let value else { continue }
                    if value > 0, value.isFinite { s[keyPath: key].append(DataPoint(Double(r.epoch), value)) }
                    else { s.leftOut[name, default: 0] += 1 }
                }
            }
            return s
        }
    }

    /// Each series with its name and its colour's index in the style's colour cycle.
    private static let lines: [(String, WritableKeyPath<LayerSeries, [DataPoint]>, Int)] = [
        ("Mean", \.mean, 0), ("Std", \.std, 1), ("SNR", \.snr, 3), ("‖W‖", \.weightNorm, 2),
    ]

    public func nothingToDraw(_ run: RunData) -> String? {
        let points = Self.series(run.records ?? []).flatMap { s in Self.lines.flatMap { s[keyPath: $0.1] } }
        return points.isEmpty ? "no gradient statistic or weight norm above 0 in any logged epoch; a log axis shows none" : nil
    }

    /// The footer line counting the values left out, nil when none were.
    static func leftOutNote(_ series: [LayerSeries]) -> String? {
        let counts = series.reduce(into: [String: Int]()) { total, s in total.merge(s.leftOut, uniquingKeysWith: +) }
        let parts = lines.compactMap { name, _, _ in counts[name].map { "\(name) \($0)" } }
        return parts.isEmpty ? nil : "left out (≤ 0 or undefined: no place on the log axis): " + parts.joined(separator: ", ") + " values"
    }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let series = Self.series(run.records ?? [])
        let everything = runs.flatMap { Self.series($0.records ?? []) }
        let allY: [Double] = everything.flatMap { s in Self.lines.flatMap { s[keyPath: $0.1].map(\.y) } } + [1]
        let x = ChartParts.epochAxis(runs.flatMap(\.epochs), log: true), yScale = Scale.log(fitting: allY)
        // At most six layers a row, so a deep network wraps instead of growing ever wider.
        let columns = min(max(series.count, 1), Self.layersPerRow), rows = (max(series.count, 1) + columns - 1) / columns
        var block = ChartBlock(rows: rows, columns: columns, size: (0.9 + 3.0 * Double(columns), 3.6 * Double(rows)))
        for (layer, s) in series.enumerated() {
            let cell = GridCell(row: layer / columns, column: layer % columns)
            var panel = Panel(cell: cell, x: x,
                              y: Axis(scale: yScale, label: cell.column == 0 ? "Norm, ratio" : ""), title: run.layerName(layer))
            panel.marks.append(.horizontalLine(y: 1, color: request.style.foreground.withAlpha(0.5), width: 0.8, dashed: true))
            for (_, key, color) in Self.lines {
                panel.marks.append(.line(s[keyPath: key], color: request.style.cycleColor(color), width: request.style.lineWidth))
            }
            if let epoch = run.snrPhases?.epoch(of: layer) { panel.marks += Self.transitionMarks(epoch, snr: s.snr, style: request.style) }
            block.panels.append(panel)
        }
        let phases = run.snrPhases?.any == true
        let entries = Self.lines.map { Legend.Entry(label: $0.0, color: request.style.cycleColor($0.2), symbol: .line) }
            + (phases ? [Legend.Entry(label: "SNR < 1 from here on", color: request.style.foreground, symbol: .ring)] : [])
        block.legends.append(FigureLegend(legend: Legend(entries: entries), cell: block.all))
        block.footer = ["Mean, Std: norms of the mean and of the standard deviation of each layer's kernel gradient over an epoch's batches; "
                        + ChartParts.footer(run, estimator: false)]
            + ["dashed horizontal line: SNR = 1" + (phases ? "; ring and dashed vertical line: " + SNRPhases.rule : ""),
               Self.leftOutNote(series)].compactMap { $0 }
        return block
    }

    /// A layer's transition at `epoch`: a dashed vertical line, and a ring on its SNR there
    /// when the log axis has a place for it.
    private static func transitionMarks(_ epoch: Int, snr: [DataPoint], style: Style) -> [Mark] {
        let ring = snr.first { $0.x == Double(epoch) }.map { Mark.rings([$0], color: style.foreground, diameter: style.markerSize * 2,
                                                                           width: PlaneParts.ringWidth) }
        return [.verticalLine(x: Double(epoch), color: style.foreground.withAlpha(0.6), width: 0.8, dashed: true)] + [ring].compactMap { $0 }
    }
}
