import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures

/// What every chart is given: the run to read and how it should look.
public struct PlotRequest: Sendable {
    public var reader: RunReader
    public var style: Style
    public var dpi: Double
    /// Colormap chosen on the command line, if any.
    public var chosenColormap: Colormap?
    /// The estimator charts of mutual information use.
    public var estimator: any MIEstimator
    /// ProgressBar of the long part of the work (nil: silent).
    public var progress: ProgressBar?

    /// The colormap to use: the one chosen on the command line, else the style's, else the
    /// chart's own default (gnuplot for epochs, viridis for heatmaps).
    public func colormap(default fallback: Colormap) -> Colormap {
        chosenColormap ?? style.colormap.flatMap(Colormap.named) ?? fallback
    }

    public init(reader: RunReader, style: Style = Style(), dpi: Double = 150, colormap: Colormap? = nil,
                estimator: any MIEstimator = BinningEstimator(), progress: ProgressBar? = nil) {
        self.reader = reader
        self.style = style
        self.dpi = dpi
        chosenColormap = colormap
        self.estimator = estimator
        self.progress = progress
    }
}

/// A chart: it reads what it needs from a run and builds a `Figure`, which a renderer draws.
/// A plotter never touches a drawing library. A new chart is one new file conforming to this
/// protocol plus one line in `PlotterRegistry`.
public protocol BasePlotter: Sendable {
    /// The subcommand and default file stem, e.g. `infoplane`.
    static var name: String { get }
    /// One line for help.
    static var summary: String { get }
    /// Figure size in inches when the style does not set one.
    static var defaultSize: (width: Double, height: Double) { get }
    /// Builds the chart of `request`'s run.
    func figure(_ request: PlotRequest) throws -> Figure
}

extension BasePlotter {
    /// An empty figure of this chart's size (or the style's) at the request's dpi.
    public func blankFigure(_ request: PlotRequest) -> Figure {
        let size = request.style.figureSize ?? Self.defaultSize
        return Figure(widthInches: size.width, heightInches: size.height, dpi: request.dpi, style: request.style)
    }
}

/// Options of the charts beyond the information plane; each chart reads those it uses.
public struct ChartOptions: Sendable {
    /// Histogram bins (activations, single-neuron).
    public var bins = 30
    /// Logarithmic colour scale of counts (activations, single-neuron).
    public var logCounts = false
    /// Logarithmic epoch axis (accuracy, activity).
    public var logEpochs = false
    /// Neurons shown per layer (single-neuron).
    public var maxNeurons = 30

    public init() {}
}

/// A chart made from a run with `ChartOptions`: the plotters behind `dneck-plot <name>`.
public protocol ChartPlotter: BasePlotter {
    init(options: ChartOptions)
    /// An example command line for help.
    static var example: String { get }
}

/// The charts the command line offers, one line each.
public enum PlotterRegistry {
    public static let charts: [any ChartPlotter.Type] = [
        ActivationsPlotter.self,
        SingleNeuronPlotter.self,
        SNRPlotter.self,
        AccuracyPlotter.self,
        ActivityPlotter.self,
    ]
}
