import DneckCore
import DneckFigure
import DneckMeasures

/// I(X;M) (top) and I(Y;M) (bottom) against epoch, one line per layer (the second view of
/// PyGlow's notebook). For several runs the lines are their aggregate, with the runs' band as
/// thin lines at its edges (and each run faintly with `showRuns`); a ceiling the data come
/// within 10 % of is a dashed line.
public struct MIEpochsChart: BasePlotter {
    public static let descriptor = PlotterDescriptor(
        name: "mi-epochs", artifact: "mi_epochs",
        summary: "I(X;M) and I(Y;M) against epoch, one line per layer; several runs: their aggregate and band.",
        example: "dneck-plot mi-epochs seed0.h5 seed1.h5 seed2.h5 --spread minmax --log-epochs -o mi.png",
        needs: ChartNeeds(estimates: .any), runs: .aggregated, roles: [.all])

    public let options: EpochAxisOptions
    public init(options: EpochAxisOptions) { self.options = options }

    public func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock {
        let style = request.style, table = run.measures ?? MeasureTable(points: [])
        var block = ChartBlock(rows: 2, columns: 1, size: (7, 6.5))
        let ceilings = PlaneParts.ceilingsShown(run)
        let quantities = [("\(run.quantity.x) per epoch", true), ("\(run.quantity.y) per epoch", false)]
        for (row, (title, isX)) in quantities.enumerated() {
            let value = { (p: InformationPoint) in isX ? p.ixm : p.iym }
            var panel = Panel(cell: GridCell(row: row, column: 0), x: ChartParts.epochAxis(runs.flatMap(\.epochs), log: options.logEpochs),
                              y: Axis(scale: Scale.linear(fitting: PlaneParts.values(runs, request: request, x: isX)),
                                      label: run.quantity.label(x: isX)), title: title)
            for ceiling in ceilings where ceiling.onX == isX {
                panel.marks.append(.horizontalLine(y: ceiling.value, color: style.foreground.withAlpha(0.55), width: 0.8, dashed: true))
            }
            for layer in 0..<table.layerCount {
                let color = style.cycleColor(layer)
                if let ensemble = run.ensemble {
                    if request.showRuns {
                        for own in ensemble.runs {
                            panel.marks.append(.line(series(own.points, layer, value), color: color.withAlpha(0.18), width: 0.7))
                        }
                    }
                    let band = ensemble.aggregate.points.filter { $0.point.layer == layer }.compactMap { p in
                        request.spread.range(isX ? p.spreadX : p.spreadY).map { (Double(p.point.epoch), $0) }
                    }
                    for edge in [\ClosedRange<Double>.lowerBound, \.upperBound] {
                        panel.marks.append(.line(band.map { DataPoint($0.0, $0.1[keyPath: edge]) }, color: color.withAlpha(0.45),
                                                 width: style.lineWidth * 0.5))
                    }
                }
                let lower = table.points.filter { $0.layer == layer }.compactMap { p in
                    (isX ? p.ixmLower : p.iymLower).map { DataPoint(Double(p.epoch), $0) }
                }
                if !lower.isEmpty { panel.marks.append(.line(lower, color: color, width: style.lineWidth * 0.6, dashed: true)) }
                panel.marks.append(.line(series(table.points, layer, value), color: color, width: style.lineWidth))
            }
            block.panels.append(panel)
        }
        block.legends.append(FigureLegend(legend: ChartParts.layerLegend(run, layers: table.layerCount, style: style), cell: block.all))
        block.footer = PlaneParts.footer(run, request: request, bounds: "solid: KDE upper bound; thin dashed: KDE lower bound")
        return block
    }

    private func series(_ points: [InformationPoint], _ layer: Int, _ value: (InformationPoint) -> Double) -> [DataPoint] {
        points.filter { $0.layer == layer }.map { DataPoint(Double($0.epoch), value($0)) }
    }
}
