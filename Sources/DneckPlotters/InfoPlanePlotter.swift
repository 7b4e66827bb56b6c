import DneckCore
import DneckFigure
import DneckMeasures

/// The information plane: I(Y;M) against I(X;M), one point per layer per logged epoch,
/// coloured by epoch through a colormap, the layers of each epoch joined by a faint line, with
/// a colorbar labelled "Epoch".
public struct InfoPlanePlotter: BasePlotter {
    public static let name = "infoplane"
    public static let summary = "Information plane: I(Y;M) against I(X;M) per layer, coloured by epoch."
    public static let defaultSize = (width: 6.4, height: 4.8)

    /// Fixed axis limits; nil fits the data with a 5 % margin.
    public var xlim: ClosedRange<Double>?
    public var ylim: ClosedRange<Double>?
    /// Colour epochs by log(epoch + 1) rather than linearly, so the early epochs of a long run,
    /// where most of the movement is, get distinct colours.
    public var logEpochColors: Bool

    public init(xlim: ClosedRange<Double>? = nil, ylim: ClosedRange<Double>? = nil, logEpochColors: Bool = false) {
        self.xlim = xlim
        self.ylim = ylim
        self.logEpochColors = logEpochColors
    }

    public func figure(_ request: PlotRequest) throws -> Figure {
        let table = try InformationMeasures.compute(request.reader, estimator: request.estimator, progress: request.progress)
        return figure(table, request: request, title: "Information plane (\(request.reader.split.rawValue))")
    }

    /// The chart of an already computed table.
    public func figure(_ table: MeasureTable, request: PlotRequest, title: String) -> Figure {
        var figure = blankFigure(request)
        let style = request.style
        let colormap = request.colormap(default: .gnuplot)
        let colorbarWidth = 12.0
        let right = colorbarWidth + 18 + FigureDrawer.estimatedWidth("0000", size: style.fontSize) + style.labelSize + 12
        let frame = Rect(x: 62, y: 30, width: figure.width - 62 - right, height: figure.height - 30 - 48)
        let xScale = xlim.map(Scale.linear) ?? Scale.linear(fitting: table.points.map(\.mixm))
        let yScale = ylim.map(Scale.linear) ?? Scale.linear(fitting: table.points.map(\.miym))
        var panel = ChartParts.informationPlane(frame: frame, x: xScale, y: yScale, title: title, style: style)
        let epochs = table.epochs
        let normalize = Normalize(Double(epochs.first ?? 0), Double(epochs.last ?? 1), logarithmic: logEpochColors,
                                  offset: logEpochColors ? 1 : 0)
        let colorOf = { (epoch: Int) in colormap.color(at: normalize(Double(epoch))) }
        for epoch in epochs {
            let points = table.points(epoch: epoch).map { DataPoint($0.mixm, $0.miym) }
            panel.marks.append(.line(points, color: colorOf(epoch).withAlpha(0.3), width: 0.8))
        }
        for epoch in epochs {
            let points = table.points(epoch: epoch).map { DataPoint($0.mixm, $0.miym) }
            panel.marks.append(.scatter(points, colors: Array(repeating: colorOf(epoch), count: points.count),
                                        diameter: style.markerSize, edge: Color(0, 0, 0, 0.35)))
        }
        figure.panels.append(panel)
        let barFrame = Rect(x: frame.maxX + 14, y: frame.y, width: colorbarWidth, height: frame.height)
        let barTicks: [Tick]
        if logEpochColors {   // the first epoch, then decades
            let decades = Ticker.logTicks(max(normalize.lower, 1), max(normalize.upper, 2)).filter { $0 > normalize.lower }
            barTicks = ([normalize.lower] + decades).map { Tick(value: $0, label: Ticker.labels([$0])[0]) }
        } else {
            let barScale = Scale.linear(normalize.lower...max(normalize.upper, normalize.lower + 1))
            barTicks = Ticker.ticks(for: barScale, axisLength: barFrame.height, fontSize: style.fontSize, horizontal: false)
        }
        figure.colorbars.append(Colorbar(frame: barFrame, colormap: colormap, normalize: normalize,
                                         label: logEpochColors ? "Epoch (log scale)" : "Epoch", ticks: barTicks))
        return figure
    }
}
