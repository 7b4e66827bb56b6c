import DneckCore
import DneckFigure
import Foundation

/// Where one epoch lies in a laid-out figure, for the report's epoch slider to draw over the
/// image: circles around the epoch's points, outlines of its columns, lines at its position.
/// Coordinates are figure points (the figure is `width` × `height` points). A chart says where
/// its epochs lie in `BasePlotter.epochOverlays`, with the helpers here.
public struct EpochOverlay: Sendable {
    /// Circles (x, y, radius).
    public var circles: [[Double]] = []
    /// Rectangles (x, y, width, height).
    public var rectangles: [[Double]] = []
    /// Segments (x1, y1, x2, y2).
    public var segments: [[Double]] = []

    public init() {}
}

extension EpochOverlay {
    /// A ring around each layer's point of the epoch, and the line through them.
    static func plane(_ figure: Figure, _ run: RunData) -> [Int: EpochOverlay] {
        guard let panel = figure.panels.first, let table = run.measures else { return [:] }
        let radius = figure.style.markerSize * 0.9
        var overlays: [Int: EpochOverlay] = [:]
        for epoch in table.epochs {
            let points = table.points(epoch: epoch).sorted { $0.layer < $1.layer }.compactMap { panel.point(DataPoint($0.ixm, $0.iym)) }
            var overlay = EpochOverlay()
            overlay.circles = points.map { [$0.x, $0.y, radius] }
            overlay.segments = zip(points, points.dropFirst()).map { [$0.x, $0.y, $1.x, $1.y] }
            overlays[epoch] = overlay
        }
        return overlays
    }

    /// The outline of the epoch's column in every layer's heatmap (column i spans i...i+1).
    static func columns(_ figure: Figure, _ run: RunData) -> [Int: EpochOverlay] {
        guard let survey = run.survey else { return [:] }
        var overlays: [Int: EpochOverlay] = [:]
        for (i, epoch) in survey.epochs.enumerated() {
            var overlay = EpochOverlay()
            for panel in figure.panels {
                guard let left = panel.x.scale.fraction(Double(i)), let right = panel.x.scale.fraction(Double(i + 1)) else { continue }
                let frame = panel.frame
                overlay.rectangles.append([frame.x + left * frame.width, frame.y, (right - left) * frame.width, frame.height])
            }
            overlays[epoch] = overlay
        }
        return overlays
    }

    /// A vertical line at the epoch in the accuracy and loss panels, and rings at its values.
    static func markers(_ figure: Figure, _ run: RunData) -> [Int: EpochOverlay] {
        let keys: [[KeyPath<EpochRecord, Double?>]] = [[\.trainingAccuracy, \.testAccuracy], [\.trainingLoss, \.testLoss]]
        var overlays: [Int: EpochOverlay] = [:]
        for record in run.records ?? [] {
            var overlay = EpochOverlay()
            for (panel, keys) in zip(figure.panels, keys) {
                guard let f = panel.x.scale.fraction(Double(record.epoch)) else { continue }
                let x = panel.frame.x + f * panel.frame.width
                overlay.segments.append([x, panel.frame.y, x, panel.frame.maxY])
                for key in keys {
                    if let value = record[keyPath: key], let p = panel.point(DataPoint(Double(record.epoch), value)) {
                        overlay.circles.append([p.x, p.y, figure.style.markerSize * 0.8])
                    }
                }
            }
            overlays[record.epoch] = overlay
        }
        return overlays
    }
}
