import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import Foundation

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

/// A chart made from a run with `ChartOptions`: the plotters behind `dneck-plot <name>`. A
/// chart says what it needs from the run (`surveyParts`, `recordFields`) and builds its
/// figure from `ChartInputs`, so that several charts made together share one pass over the run.
public protocol ChartPlotter: BasePlotter {
    init(options: ChartOptions)
    var options: ChartOptions { get }
    /// An example command line for help.
    static var example: String { get }
    /// The activation statistics the chart needs (none: `[]`).
    static var surveyParts: ActivationSurvey.Parts { get }
    /// The per-epoch scalars the chart needs (none: `[]`).
    static var recordFields: EpochRecord.Fields { get }
    /// The chart, from inputs gathered for (at least) this chart's needs.
    func figure(_ inputs: ChartInputs, request: PlotRequest) throws -> Figure
}

extension ChartPlotter {
    public static var surveyParts: ActivationSurvey.Parts { [] }
    public static var recordFields: EpochRecord.Fields { [] }

    public func figure(_ request: PlotRequest) throws -> Figure {
        let inputs = try ChartInputs(request.reader, parts: Self.surveyParts, records: Self.recordFields,
                                     options: options, progress: request.progress)
        return try figure(inputs, request: request)
    }
}

/// A chart drawn from the activation survey alone.
public protocol SurveyChart: ChartPlotter {
    func figure(_ survey: ActivationSurvey, request: PlotRequest) -> Figure
}

extension SurveyChart {
    public func figure(_ inputs: ChartInputs, request: PlotRequest) throws -> Figure {
        figure(inputs.survey!, request: request)
    }
}

/// What a set of charts needs from a run, gathered once: the activation survey (at most two
/// passes) and the per-epoch scalars.
public struct ChartInputs: Sendable {
    public let reader: RunReader
    public let survey: ActivationSurvey?
    public let records: [EpochRecord]?

    public init(_ reader: RunReader, parts: ActivationSurvey.Parts, records: EpochRecord.Fields, options: ChartOptions,
                progress: ProgressBar? = nil) throws {
        self.reader = reader
        survey = parts.isEmpty ? nil : try ActivationSurvey.gather(reader, parts: parts, bins: options.bins,
                                                                    neuronsPerLayer: options.maxNeurons, progress: progress)
        self.records = records.isEmpty ? nil : try reader.epochs.map { try reader.record(epoch: $0, fields: records) }
    }

    /// Inputs for every chart of `plotters`.
    public init(_ reader: RunReader, for plotters: [any ChartPlotter.Type], options: ChartOptions,
                progress: ProgressBar? = nil) throws {
        try self.init(reader, parts: plotters.reduce(into: []) { $0.formUnion($1.surveyParts) },
                      records: plotters.reduce(into: []) { $0.formUnion($1.recordFields) }, options: options, progress: progress)
    }
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

extension PlotterRegistry {
    /// Makes every chart of `plotters` from shared `inputs` and hands each figure to `write`,
    /// two charts at a time (one is drawn while the other is written). Returns, in the order of
    /// `plotters`, the error of each chart that failed (nil for those written).
    public static func makeCharts(_ plotters: [any ChartPlotter.Type], inputs: ChartInputs, request: PlotRequest,
                                  options: ChartOptions, write: @Sendable (String, Figure) throws -> Void) -> [Error?] {
        var outcomes = [Error?](repeating: nil, count: plotters.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: plotters.count) { i in
            let plotter = plotters[i]
            do {
                try write(plotter.name, try plotter.init(options: options).figure(inputs, request: request))
            } catch {
                lock.lock(); outcomes[i] = error; lock.unlock()
            }
        }
        return outcomes
    }
}
