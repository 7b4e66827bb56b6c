import DneckCore
import DneckFigure
import DneckPlotters
import Foundation

extension EpochOverlay {
    /// `{"c":[[x,y,r],…],"l":[…],"r":[…]}`, coordinates to a tenth of a point.
    var json: String {
        func list(_ shapes: [[Double]]) -> String {
            "[" + shapes.map { "[" + $0.map { jsonNumber(($0 * 10).rounded() / 10) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }
        return "{\"c\":\(list(circles)),\"l\":\(list(segments)),\"r\":\(list(rectangles))}"
    }
}

/// A number as JSON writes it (null when not finite).
func jsonNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

/// The epoch overlays of one figure of the report.
public struct FigureOverlays: Sendable {
    public var width: Double
    public var height: Double
    /// The overlay of each epoch the figure shows.
    public var epochs: [Int: EpochOverlay]

    /// The overlays of `figure` (laid out) drawn by `chart` from `run`; nil for a chart the
    /// slider does not follow.
    public static func make(_ chart: any BasePlotter, figure: Figure, run: RunData) -> FigureOverlays? {
        chart.epochOverlays(figure, run: run).map { FigureOverlays(width: figure.width, height: figure.height, epochs: $0) }
    }

    /// `{"epochs":{"E":overlay,…},"h":height,"w":width}`, epochs in order. Written by hand:
    /// JSONSerialization takes a fifth of a second over the overlays of a 3000-epoch run.
    var json: String {
        let overlays = epochs.keys.sorted().map { "\"\($0)\":\(epochs[$0]!.json)" }.joined(separator: ",")
        return "{\"epochs\":{\(overlays)},\"h\":\(jsonNumber(height)),\"w\":\(jsonNumber(width))}"
    }
}
