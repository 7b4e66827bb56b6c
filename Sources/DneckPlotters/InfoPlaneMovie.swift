import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import Foundation

/// The frames of the information-plane movie, one per logged epoch. Every scale is trained
/// on the whole run before the first frame, so the axes stay fixed while the points move.
///
/// Top (about two thirds): the plane with the current epoch's layers in their own colours,
/// joined by a line, over the faint path each layer took through all earlier epochs, and an
/// "Epoch N" label. Bottom: training and test accuracy up to the current
/// epoch, with a marker at it — left out when the run logs no accuracy.
public struct InfoPlaneMovie: Sendable {
    public let table: MeasureTable
    /// Accuracy per epoch of `table.epochs` (nil where not logged).
    public let records: [EpochRecord]
    public let style: Style
    /// Colour of each layer: the style's colour cycle, or a colormap sampled evenly.
    public let layerColors: [Color]
    public let widthInches: Double
    public let heightInches: Double
    public let dpi: Double
    public let logEpochs: Bool

    private let epochs: [Int]
    /// The table's points grouped by epoch index, then by layer.
    private let byEpoch: [[InformationPoint]]
    private let planeX: Scale
    private let planeY: Scale
    private let epochScale: Scale
    private let accuracyScale: Scale

    /// - Parameter colormap: when given, layer i of L takes the colormap's colour at i / (L − 1)
    ///   (as deep-bottleneck colours layers); otherwise the style's colour cycle.
    public init(table: MeasureTable, records: [EpochRecord], style: Style, colormap: Colormap? = nil,
                widthInches: Double = 6, heightInches: Double = 9, dpi: Double = 150, logEpochs: Bool = false) {
        self.table = table
        self.records = records
        self.style = style
        let layers = table.layerCount
        layerColors = (0..<layers).map { i in
            colormap.map { $0.color(at: layers > 1 ? Double(i) / Double(layers - 1) : 0) } ?? style.cycleColor(i)
        }
        var grouped: [Int: [InformationPoint]] = [:]
        for p in table.points { grouped[p.epoch, default: []].append(p) }
        byEpoch = table.epochs.map { grouped[$0]! }
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
    }

    /// The movie of `epochs` of `reader`'s run: estimates MI of every epoch first (in
    /// parallel, one layer's activations in memory per core), then reads the accuracies.
    public init(reader: RunReader, estimator: any MIEstimator, epochs: [Int], style: Style, colormap: Colormap?,
                widthInches: Double, heightInches: Double, dpi: Double, logEpochs: Bool,
                progress: ProgressBar? = nil) throws {
        let table = try InformationMeasures.compute(reader, estimator: estimator, epochs: epochs, progress: progress)
        let records = try epochs.map { try reader.record(epoch: $0, fields: .accuracy) }
        self.init(table: table, records: records, style: style, colormap: colormap, widthInches: widthInches,
                  heightInches: heightInches, dpi: dpi, logEpochs: logEpochs)
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
        guard let p = byEpoch[k].first(where: { $0.layer == layer }) else { return nil }
        return figure.panels[0].point(DataPoint(p.mixm, p.miym)).map { (figure, $0) }
    }

    /// The colour of layer `i`.
    public func layerColor(_ i: Int) -> Color { layerColors[i] }

    private func plane(frame: Rect, upTo k: Int) -> Panel {
        var panel = ChartParts.informationPlane(frame: frame, x: planeX, y: planeY, title: "Information plane", style: style)
        // Each layer's path through the plane up to now: one faint polyline per layer.
        for layer in 0..<table.layerCount {
            let path = byEpoch[...k].compactMap { points in
                points.first { $0.layer == layer }.map { DataPoint($0.mixm, $0.miym) }
            }
            panel.marks.append(.line(path, color: layerColor(layer).withAlpha(0.45), width: style.lineWidth * 0.8))
        }
        let current = byEpoch[k]
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
            x: Axis(scale: epochScale, label: "Epoch", length: frame.width, fontSize: style.fontSize, horizontal: true),
            y: Axis(scale: accuracyScale, label: "Accuracy", length: frame.height, fontSize: style.fontSize, horizontal: false))
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
