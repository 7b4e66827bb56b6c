import DneckCore
import DneckFigure
import Foundation

/// Puts the blocks of several runs (or one) into one figure: a grid with one block per run,
/// shared colorbars and legends shown once, each run titled by what sets it apart.
public enum Comparison {
    /// The figure of `blocks` in a grid of `columns` blocks per row.
    /// - Parameter titles: one per block; a block of one panel takes it as its title, a block
    ///   of several puts it before the titles of its top panels. Nil keeps the charts' titles.
    public static func figure(_ blocks: [ChartBlock], titles: [String]?, columns: Int, request: FigureRequest,
                              figureSize: (width: Double, height: Double)? = nil) -> Figure {
        let blockRows = blocks.map(\.rows).max() ?? 1, blockColumns = blocks.map(\.columns).max() ?? 1
        let gridColumns = max(1, min(columns, blocks.count)), gridRows = (blocks.count + gridColumns - 1) / gridColumns
        // A natural size grows with the style's text, less than the text does (so a slide
        // style's text is larger on its figure), and the layout may grow it further to fit.
        let scale = request.style.textScale.squareRoot()
        let natural = (width: (blocks.map(\.size.width).max() ?? 6) * scale, height: (blocks.map(\.size.height).max() ?? 4) * scale)
        let size = figureSize ?? (natural.width * Double(gridColumns), natural.height * Double(gridRows))
        var figure = Figure(widthInches: size.width, heightInches: size.height, dpi: request.dpi, style: request.style,
                            rows: gridRows * blockRows, columns: gridColumns * blockColumns)
        figure.growsToFit = figureSize == nil
        if let weights = blocks.first?.rowWeights, weights.count == blockRows {
            figure.rowWeights = Array(repeating: weights, count: gridRows).flatMap { $0 }
        }
        func shifted(_ cell: GridCell, _ index: Int) -> GridCell {
            GridCell(row: cell.row + index / gridColumns * blockRows, column: cell.column + index % gridColumns * blockColumns,
                     rowSpan: cell.rowSpan, columnSpan: cell.columnSpan)
        }
        let sharedBars = sharedColorbars(blocks), sharedLegends = sharedLegendIndices(blocks)
        for (index, block) in blocks.enumerated() {
            for var panel in block.panels {
                if let title = titles?[index] {
                    if block.panels.count == 1 { panel.title = title }
                    else if panel.cell.row == 0 { panel.title = panel.title.map { "\(title): \($0)" } ?? title }
                }
                panel.cell = shifted(panel.cell, index)
                figure.panels.append(panel)
            }
            // A block's one shared bar spans the whole grid; several (one per layer) cannot span
            // each other's rows, so they stand once per row of blocks, beside its last block.
            let perRow = block.colorbars.count > 1
            let lastInRow = index % gridColumns == gridColumns - 1 || index == blocks.count - 1
            for (j, var bar) in block.colorbars.enumerated() where !sharedBars.contains(j) || (perRow ? lastInRow : index == 0) {
                if sharedBars.contains(j) {
                    bar.cell = GridCell(row: bar.cell.row + (perRow ? index / gridColumns * blockRows : 0), column: figure.columns - 1,
                                        rowSpan: perRow ? bar.cell.rowSpan : (gridRows - 1) * blockRows + bar.cell.rowSpan, columnSpan: 1)
                } else {
                    bar.cell = shifted(bar.cell, index)
                }
                figure.colorbars.append(bar)
            }
            for (j, var legend) in block.legends.enumerated() where !sharedLegends.contains(j) || index == 0 {
                legend.cell = sharedLegends.contains(j)
                    ? GridCell(row: legend.cell.row, column: figure.columns - 1,
                               rowSpan: (gridRows - 1) * blockRows + legend.cell.rowSpan, columnSpan: 1)
                    : shifted(legend.cell, index)
                figure.legends.append(legend)
            }
            for line in block.footer where !figure.footer.contains(line) { figure.footer.append(line) }
        }
        return figure
    }

    /// The information planes of several estimators side by side: `byEstimator[e][r]` is run r
    /// measured by estimator e. One row per run (for one run, `columns` per row or the most
    /// nearly square grid), each panel titled by its estimator and parameters (`RunData.estimator`),
    /// after `runTitles[r]` when given; each estimator's runs share their axes, no two
    /// estimators do (their units differ).
    public static func estimatorGrid(_ byEstimator: [[RunData]], runTitles: [String]?, columns: Int?, options: InfoPlaneChart.Options,
                                     request: FigureRequest) -> Figure {
        let drawn = InfoPlaneChart(options: options), runCount = byEstimator.first?.count ?? 0
        var blocks: [ChartBlock] = [], titles: [String] = []
        for r in 0..<runCount {
            for runs in byEstimator {
                blocks.append(drawn.block(runs[r], scaledWith: runs, request: request))
                titles.append((runTitles.map { "\($0[r]): " } ?? "") + runs[r].estimator)
            }
        }
        let perRow = runCount > 1 ? byEstimator.count : columns ?? Comparison.columns(for: blocks)
        return figure(blocks, titles: titles, columns: perRow, request: request, figureSize: request.style.figureSize)
    }

    /// Indices of the colorbars every block has alike (same label, colours and range): drawn
    /// once for the whole grid.
    private static func sharedColorbars(_ blocks: [ChartBlock]) -> Set<Int> {
        guard let first = blocks.first, blocks.count > 1 else { return [] }
        return Set(first.colorbars.indices.filter { j in
            blocks.allSatisfy { block in
                j < block.colorbars.count && block.colorbars[j].label == first.colorbars[j].label
                    && block.colorbars[j].normalize == first.colorbars[j].normalize
                    && block.colorbars[j].colormap == first.colorbars[j].colormap
            }
        })
    }

    /// Indices of the legends every block has alike (same entries): drawn once.
    private static func sharedLegendIndices(_ blocks: [ChartBlock]) -> Set<Int> {
        guard let first = blocks.first, blocks.count > 1 else { return [] }
        func key(_ legend: Legend) -> [String] { legend.entries.map { "\($0.label)|\($0.color)" } }
        return Set(first.legends.indices.filter { j in
            blocks.allSatisfy { j < $0.legends.count && key($0.legends[j].legend) == key(first.legends[j].legend) }
        })
    }

    /// A title per run: `key=value | key=value` of the configuration keys whose values differ
    /// between the runs, in key order (or of `keys` when given); a run without configuration,
    /// or runs whose configurations do not differ, are titled by file name.
    public static func titles(_ runs: [RunData], keys: [String]? = nil) -> [String] {
        let chosen = keys ?? {
            let all = Set(runs.flatMap { $0.config.keys }).sorted()
            return all.filter { key in Set(runs.map { $0.config[key] ?? "—" }).count > 1 }
        }()
        return runs.map { run in
            guard !run.config.isEmpty, !chosen.isEmpty else { return run.fileName }
            return chosen.map { "\($0)=\(run.config[$0] ?? "—")" }.joined(separator: " | ")
        }
    }

    /// Blocks per row that make the grid most nearly square in inches (2 × 2 for four planes,
    /// one column for wide blocks such as the SNR chart's row of layers).
    public static func columns(for blocks: [ChartBlock]) -> Int {
        guard let widest = blocks.map(\.size.width).max(), let tallest = blocks.map(\.size.height).max() else { return 1 }
        let n = blocks.count
        return (1...max(n, 1)).min { a, b in
            func skew(_ c: Int) -> Double {
                abs(log(Double(c) * widest / (Double((n + c - 1) / c) * tallest)))
            }
            return skew(a) < skew(b)
        }!
    }
}
