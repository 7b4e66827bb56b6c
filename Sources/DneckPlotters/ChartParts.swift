import DneckCore
import DneckFigure
import DneckIO
import Foundation

/// Pieces several charts share: epoch axes, heatmap panels, layer legends.
enum ChartParts {
    /// An axis over logged epochs as categories (column i spans i...i+1), labelled with the
    /// real epoch numbers of at most `maxLabels` evenly spaced columns.
    static func epochColumnsAxis(_ epochs: [Int], maxLabels: Int, label: String) -> Axis {
        let every = max(1, Int((Double(epochs.count) / Double(max(maxLabels, 1))).rounded(.up)))
        let ticks = stride(from: 0, to: epochs.count, by: every).map { Tick(value: Double($0) + 0.5, label: "\(epochs[$0])") }
        return Axis(scale: .linear(0...Double(max(epochs.count, 1))), label: label, ticks: ticks)
    }

    /// An empty information-plane panel: I(X;M) against I(Y;M), in bits.
    static func informationPlane(frame: Rect, x: Scale, y: Scale, title: String, style: Style) -> Panel {
        Panel(frame: frame,
              x: Axis(scale: x, label: "I(X;M) (bits)", length: frame.width, fontSize: style.fontSize, horizontal: true),
              y: Axis(scale: y, label: "I(Y;M) (bits)", length: frame.height, fontSize: style.fontSize, horizontal: false),
              title: title)
    }

    /// A linear or log axis over real epoch numbers.
    static func epochAxis(_ epochs: [Int], log: Bool, length: Double, style: Style, label: String = "Epoch") -> Axis {
        let values = epochs.map(Double.init)
        let scale = log ? Scale.log(fitting: values, margin: 0.02) : Scale.linear(fitting: values, margin: 0.02)
        return Axis(scale: scale, label: label, length: length, fontSize: style.fontSize, horizontal: true)
    }

    /// A linear value axis fitted to `values`, or over `fixed`.
    static func valueAxis(_ values: [Double], length: Double, style: Style, label: String,
                          fixed: ClosedRange<Double>? = nil) -> Axis {
        let scale = fixed.map { Scale.linear($0) } ?? Scale.linear(fitting: values)
        return Axis(scale: scale, label: label, length: length, fontSize: style.fontSize, horizontal: false)
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

    /// Colorbar ticks for a count normalisation.
    static func countTicks(_ normalize: Normalize, length: Double, style: Style) -> [Tick] {
        let scale: Scale = normalize.logarithmic ? .log(normalize.lower...normalize.upper) : .linear(normalize.lower...normalize.upper)
        return Ticker.ticks(for: scale, axisLength: length, fontSize: style.fontSize, horizontal: false)
    }

    /// A legend of one line per layer in the style's colour cycle.
    static func layerLegend(_ layers: Int, style: Style, corner: Legend.Corner) -> Legend {
        Legend(entries: (0..<layers).map { Legend.Entry(label: "Layer \($0)", color: style.cycleColor($0), symbol: .line) },
               corner: corner)
    }
}
