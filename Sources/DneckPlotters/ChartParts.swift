import DneckCore
import DneckFigure
import DneckMeasures
import Foundation

/// Pieces several charts share: epoch axes, heatmaps, layer legends.
enum ChartParts {
    /// What an axis of logged epochs as columns is: evenly spaced, whatever the epochs.
    static let epochColumnsLabel = "Logged epochs (not to scale)"

    /// An axis over logged epochs as categories (column i spans i...i+1), labelled with the
    /// real epoch numbers as far as they fit (the last always), and `epochColumnsLabel` when
    /// `labelled`.
    static func epochColumnsAxis(_ epochs: [Int], labelled: Bool) -> Axis {
        Axis.categories(epochs.map(String.init), label: labelled ? epochColumnsLabel : "")
    }

    /// The axes of an information plane: I(X;M) against I(Y;M) in bits, or what `quantity` names.
    static func informationPlane(cell: GridCell, x: Scale, y: Scale, title: String?, quantity: PlaneQuantity = .bits) -> Panel {
        Panel(cell: cell, x: Axis(scale: x, label: quantity.label(x: true)), y: Axis(scale: y, label: quantity.label(x: false)), title: title)
    }

    /// An axis over real epoch numbers: linear, or symmetric-log (linear from 0 to 1, so that
    /// epoch 0 is drawn) and saying so. A single epoch gets the epochs either side of it (none
    /// below 0), on a linear axis ticked at those whole epochs.
    static func epochAxis(_ epochs: [Int], log: Bool, label: String = "Epoch") -> Axis {
        let lo = epochs.min() ?? 0, hi = epochs.max() ?? 1
        let ends = (lo < hi ? [lo, hi] : [max(lo - 1, 0), hi + 1]).map(Double.init)
        if log { return Axis(scale: .symlog(fitting: ends, margin: 0.02), label: label + " (log scale, linear from 0 to 1)") }
        guard lo == hi else { return Axis(scale: .linear(fitting: ends, margin: 0.02), label: label) }
        let whole = Array(stride(from: ends[0], through: ends[1], by: 1))
        return Axis(scale: .linear(fitting: ends, margin: 0.02), label: label,
                    rule: .fixed(zip(whole, Ticker.labels(whole)).map { Tick(value: $0, label: $1) }))
    }

    /// Colours of `counts` (epochs × bins) through `colormap`; zero counts on a log scale take
    /// the colormap's lowest colour.
    static func heatmap(_ counts: [[Int]], range: ClosedRange<Double>, colormap: Colormap, normalize: Normalize) -> Heatmap {
        let columns = counts.count, rows = counts.first?.count ?? 0
        var colors = [Color](repeating: colormap.color(at: 0), count: rows * columns)
        for (c, column) in counts.enumerated() {
            for (r, count) in column.enumerated() { colors[r * columns + c] = colormap.color(at: normalize(Double(count))) }
        }
        return Heatmap(columns: columns, rows: rows, colors: colors, x: 0...Double(max(columns, 1)), y: range)
    }

    /// The colour normalisation of counts up to `maximum`.
    static func countNormalize(maximum: Int, log: Bool) -> Normalize {
        log ? Normalize(1, Double(max(maximum, 2)), logarithmic: true) : Normalize(0, Double(max(maximum, 1)))
    }

    /// A legend of one line per layer in the style's colour cycle.
    static func layerLegend(_ run: RunData, layers: Int, style: Style) -> Legend {
        Legend(entries: (0..<layers).map { Legend.Entry(label: run.layerName($0), color: style.cycleColor($0), symbol: .line) })
    }

    /// Every value the key paths `keys` take in any run's records (for scales trained on all runs).
    static func values(_ runs: [RunData], _ keys: [KeyPath<EpochRecord, Double?>]) -> [Double] {
        runs.flatMap { ($0.records ?? []).flatMap { r in keys.compactMap { r[keyPath: $0] } } }
    }

    /// The footer line saying what a figure's numbers are: split, samples, the estimator, and
    /// the epochs left out for data that could not be used.
    static func footer(_ run: RunData, estimator: Bool) -> String {
        let left = run.leftOutEpochs, listed = left.count <= 6 ? left.map(String.init)
            : left.prefix(2).map(String.init) + ["…", String(left.last!)]
        let leftOut = left.isEmpty ? ""
            : "; epoch\(left.count == 1 ? "" : "s") \(listed.joined(separator: ", "))\(left.count > 6 ? " (\(left.count) epochs)" : "") left out (NaN, ±Inf or unreadable data)"
        let samples = "\(run.sampleCount) samples of the \(run.split.rawValue) split" + leftOut
        let error = run.estimateNotes.standardErrorNote.map { " (\($0))" } ?? ""
        return estimator && !run.estimator.isEmpty ? "\(run.quantity.x), \(run.quantity.y): \(run.estimator)\(error); \(samples)" : samples
    }
}
