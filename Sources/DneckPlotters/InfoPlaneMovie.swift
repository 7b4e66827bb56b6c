import DneckCore
import DneckFigure
import Foundation

/// The frames of the information-plane movie, one per logged epoch. Every scale is trained
/// on the whole run before the first frame, so the axes stay fixed while the points move.
///
/// Top (about two thirds): the plane with the current epoch's layers in their own colours,
/// joined by a line, over the faint paths of all earlier epochs (coloured by epoch through the
/// colormap) and an "Epoch N" label. Bottom: training and test accuracy up to the current
/// epoch, with a marker at it — left out when the run logs no accuracy.
public struct InfoPlaneMovie: Sendable {
    public let table: MeasureTable
    /// Accuracy per epoch of `table.epochs` (nil where not logged).
    public let records: [EpochRecord]
    public let style: Style
    public let colormap: Colormap
    public let widthInches: Double
    public let heightInches: Double
    public let dpi: Double
    public let logEpochs: Bool

    private let epochs: [Int]
    private let planeX: Scale
    private let planeY: Scale
    private let epochScale: Scale
    private let accuracyScale: Scale
    private let epochNormalize: Normalize

    public init(table: MeasureTable, records: [EpochRecord], style: Style, colormap: Colormap,
                widthInches: Double = 6, heightInches: Double = 9, dpi: Double = 150, logEpochs: Bool = false) {
        self.table = table
        self.records = records
        self.style = style
        self.colormap = colormap
        self.widthInches = widthInches
        self.heightInches = heightInches
        self.dpi = dpi
        self.logEpochs = logEpochs
        epochs = table.epochs
        planeX = Scale.linear(fitting: table.points.map(\.mixm))
        planeY = Scale.linear(fitting: table.points.map(\.miym))
        let epochValues = epochs.map(Double.init)
        epochScale = logEpochs ? Scale.log(fitting: epochValues, margin: 0.02) : Scale.linear(fitting: epochValues, margin: 0.02)
        let accuracies = records.flatMap { [$0.trainingAccuracy, $0.testAccuracy].compactMap { $0 } }
        accuracyScale = Scale.linear(fitting: accuracies)
        epochNormalize = Normalize(Double(epochs.first ?? 0), Double(epochs.last ?? 1))
    }

    /// Whether the run logs accuracy (otherwise the bottom panel is left out).
    public var hasAccuracy: Bool { records.contains { $0.trainingAccuracy != nil || $0.testAccuracy != nil } }

    public var frameCount: Int { epochs.count }

    /// The figure of frame `k` (epoch `table.epochs[k]`).
    public func figure(frame k: Int) -> Figure {
        var figure = Figure(widthInches: widthInches, heightInches: heightInches, dpi: dpi, style: style)
        let left = 64.0, right = 20.0
        let width = figure.width - left - right
        let planeHeight = hasAccuracy ? (figure.height - 40) * 0.62 : figure.height - 90
        let planeFrame = Rect(x: left, y: 34, width: width, height: planeHeight)
        figure.panels.append(plane(frame: planeFrame, upTo: k))
        if hasAccuracy {
            let top = planeFrame.maxY + 62
            let accuracyFrame = Rect(x: left, y: top, width: width, height: figure.height - top - 50)
            figure.panels.append(accuracy(frame: accuracyFrame, upTo: k))
        }
        return figure
    }

    /// Where layer `layer`'s point of frame `k` lands in the figure (for tests).
    public func pointLocation(frame k: Int, layer: Int) -> (figure: Figure, point: Point)? {
        let figure = figure(frame: k)
        guard let p = table.points(epoch: epochs[k]).first(where: { $0.layer == layer }) else { return nil }
        return figure.panels[0].point(DataPoint(p.mixm, p.miym)).map { (figure, $0) }
    }

    /// The colour of layer `i`.
    public func layerColor(_ i: Int) -> Color { style.cycleColor(i) }

    private func plane(frame: Rect, upTo k: Int) -> Panel {
        var panel = Panel(
            frame: frame,
            x: Axis(scale: planeX, label: "I(X;M) (bits)",
                    ticks: Ticker.ticks(for: planeX, axisLength: frame.width, fontSize: style.fontSize, horizontal: true)),
            y: Axis(scale: planeY, label: "I(Y;M) (bits)",
                    ticks: Ticker.ticks(for: planeY, axisLength: frame.height, fontSize: style.fontSize, horizontal: false)),
            title: "Information plane")
        for earlier in epochs[..<k] {
            let points = table.points(epoch: earlier).map { DataPoint($0.mixm, $0.miym) }
            let color = colormap.color(at: epochNormalize(Double(earlier)))
            panel.marks.append(.line(points, color: color.withAlpha(0.35), width: style.lineWidth * 0.5))
            panel.marks.append(.scatter(points, colors: Array(repeating: color.withAlpha(0.35), count: points.count),
                                        diameter: style.markerSize * 0.5, edge: nil))
        }
        let current = table.points(epoch: epochs[k])
        let points = current.map { DataPoint($0.mixm, $0.miym) }
        panel.marks.append(.line(points, color: style.foreground.withAlpha(0.7), width: style.lineWidth))
        panel.marks.append(.scatter(points, colors: current.map { layerColor($0.layer) },
                                    diameter: style.markerSize * 1.6, edge: style.foreground.withAlpha(0.6)))
        panel.marks.append(.label("Epoch \(epochs[k])", fractionX: 0.03, fractionY: 0.97, anchor: TextAnchor(.left, .top),
                                  size: style.titleSize * 1.1, bold: true))
        panel.legend = Legend(entries: (0..<table.layerCount).map {
            Legend.Entry(label: "Layer \($0)", color: layerColor($0), symbol: .marker)
        }, corner: .bottomRight)
        return panel
    }

    private func accuracy(frame: Rect, upTo k: Int) -> Panel {
        var panel = Panel(
            frame: frame,
            x: Axis(scale: epochScale, label: "Epoch",
                    ticks: Ticker.ticks(for: epochScale, axisLength: frame.width, fontSize: style.fontSize, horizontal: true)),
            y: Axis(scale: accuracyScale, label: "Accuracy",
                    ticks: Ticker.ticks(for: accuracyScale, axisLength: frame.height, fontSize: style.fontSize, horizontal: false)))
        let shown = records[...k]
        let series: [(String, KeyPath<EpochRecord, Double?>, Color)] = [
            ("Training", \.trainingAccuracy, style.cycleColor(0)), ("Test", \.testAccuracy, style.cycleColor(1)),
        ]
        var entries: [Legend.Entry] = []
        for (name, key, color) in series where records.contains(where: { $0[keyPath: key] != nil }) {
            let points = shown.compactMap { r in r[keyPath: key].map { DataPoint(Double(r.epoch), $0) } }
            panel.marks.append(.line(points, color: color, width: style.lineWidth))
            if let last = points.last, last.x == Double(epochs[k]) {
                panel.marks.append(.scatter([last], colors: [color], diameter: style.markerSize * 1.2, edge: style.foreground))
            }
            entries.append(Legend.Entry(label: name, color: color, symbol: .lineAndMarker))
        }
        panel.marks.append(.verticalLine(x: Double(epochs[k]), color: style.foreground.withAlpha(0.4), width: 0.8, dashed: true))
        panel.legend = Legend(entries: entries, corner: .bottomRight)
        return panel
    }
}
