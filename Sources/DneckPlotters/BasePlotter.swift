import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import Foundation

/// How a figure should look, whatever it shows.
public struct FigureRequest: Sendable {
    public var style: Style
    public var dpi: Double
    /// Colormap chosen on the command line, if any.
    public var chosenColormap: Colormap?
    /// The band drawn around points aggregated over several runs.
    public var spread = SpreadKind.iqr
    /// Draw each run's own trajectory faintly behind an aggregate.
    public var showRuns = false

    public init(style: Style = Style(), dpi: Double = 150, colormap: Colormap? = nil) {
        self.style = style; self.dpi = dpi; chosenColormap = colormap
    }

    /// The colormap to use: the one chosen on the command line, else the style's, else the
    /// chart's own default (gnuplot for epochs, viridis for heatmaps).
    public func colormap(default fallback: Colormap) -> Colormap {
        chosenColormap ?? style.colormap.flatMap(Colormap.named) ?? fallback
    }
}

/// Which information estimates a chart draws.
public enum EstimatorNeed: Sendable, Comparable {
    /// None: estimator options are an error for this chart.
    case none
    /// I(X;M) and I(Y;M) from any estimator.
    case any
    /// An estimator that says how far each estimate can be trusted: by the distinct states of
    /// M it counts (the binning estimators) or by its share of tied points (KSG).
    case reportingHealth

    /// Why `estimator` cannot serve, nil when it can.
    public func refusal(_ estimator: any MIEstimator) -> String? {
        switch self {
        case .reportingHealth where !estimator.descriptor.countsStates && !estimator.descriptor.measuresTies:
            return "this chart draws the states a binning estimator counts or the tied points of KSG; \(estimator.summary) has neither "
                + "(use --estimator binning or ksg)"
        default:
            return nil
        }
    }
}

/// What a chart needs from a run, resolved by `DataStage` before anything is drawn.
public struct ChartNeeds: Sendable {
    /// I(X;M) and I(Y;M) of every epoch and layer, and from which estimators.
    public var estimates: EstimatorNeed = .none
    /// Parts of the activation survey.
    public var survey: ActivationSurvey.Parts = []
    /// Histogram bins of the survey.
    public var histogramBins = 30
    /// Neurons per layer the survey's neuron histograms take.
    public var neuronsPerLayer = Int.max
    /// Per-epoch scalars the chart draws when the run logs them.
    public var records: EpochRecord.Fields = []
    /// Per-epoch scalars without which the chart cannot be drawn: a run lacking one is an error
    /// naming the dataset.
    public var requiredRecords: EpochRecord.Fields = []
    /// The entropy-bias analysis of activation functions, with its settings.
    public var entropyBias: EntropyBiasSettings?
    /// The information-bottleneck curve of the run's `<split>/label_probs`, when it has them.
    public var ibCurve = false

    public init(estimates: EstimatorNeed = .none, survey: ActivationSurvey.Parts = [], records: EpochRecord.Fields = [],
                requiredRecords: EpochRecord.Fields = []) {
        self.estimates = estimates; self.survey = survey; self.records = records.union(requiredRecords)
        self.requiredRecords = requiredRecords
    }

    /// Whether the measures are needed.
    public var measures: Bool { estimates != .none }

    /// What all of `needs` need together: the histograms in the bins of the first that draws
    /// histograms (charts share `--hist-bins`), the most neurons any asks for.
    public static func union(_ needs: [ChartNeeds]) -> ChartNeeds {
        let histograms: ActivationSurvey.Parts = [.layerHistograms, .neuronHistograms]
        var all = ChartNeeds()
        all.histogramBins = needs.first { !$0.survey.isDisjoint(with: histograms) }?.histogramBins ?? all.histogramBins
        all.neuronsPerLayer = needs.filter { $0.survey.contains(.neuronHistograms) }.map(\.neuronsPerLayer).max() ?? all.neuronsPerLayer
        for need in needs {
            all.estimates = max(all.estimates, need.estimates)
            all.survey.formUnion(need.survey)
            all.records.formUnion(need.records)
            all.requiredRecords.formUnion(need.requiredRecords)
            all.entropyBias = all.entropyBias ?? need.entropyBias
            all.ibCurve = all.ibCurve || need.ibCurve
        }
        return all
    }
}

/// Uniform samples, histogram bins and seed of the entropy-bias analysis.
public struct EntropyBiasSettings: Sendable, Equatable {
    public var samples = 4096
    public var bins = 50
    public var seed: UInt64 = 0
    public init() {}
}

/// The band around points aggregated over several runs, in both coordinates.
public enum SpreadKind: String, Sendable, CaseIterable {
    /// 25th to 75th percentile of the runs.
    case iqr
    /// The smallest to the largest of the runs.
    case minmax
    case none

    /// How a footer names the band.
    public var description: String {
        switch self {
        case .iqr: return "interquartile range"
        case .minmax: return "range from minimum to maximum"
        case .none: return "none"
        }
    }

    /// The band of `spread` as a range, nil for `none`.
    public func range(_ spread: Spread) -> ClosedRange<Double>? {
        switch self {
        case .iqr: return spread.q1...spread.q3
        case .minmax: return spread.min...spread.max
        case .none: return nil
        }
    }
}

/// The panels, colorbars and legends one run contributes to a figure, in its own block of
/// grid cells (cells counted from the block's top-left).
public struct ChartBlock: Sendable {
    public var rows: Int
    public var columns: Int
    public var rowWeights: [Double] = []
    public var panels: [Panel] = []
    public var colorbars: [Colorbar] = []
    public var legends: [FigureLegend] = []
    /// Lines for the figure's footer (estimator, what bands mean, notes).
    public var footer: [String] = []
    /// The block's natural size in inches when drawn alone.
    public var size: (width: Double, height: Double)

    public init(rows: Int, columns: Int, size: (width: Double, height: Double)) {
        self.rows = rows; self.columns = columns; self.size = size
    }

    /// The whole block.
    public var all: GridCell { GridCell(row: 0, column: 0, rowSpan: rows, columnSpan: columns) }
}

/// Everything a chart declares about itself, in one place: the command line, `charts`,
/// `compare`, `all`, the report, the manifest and the generic tests read it and nothing else.
public struct PlotterDescriptor: Sendable {
    /// Where the chart takes part besides its own subcommand.
    public enum Role: Sendable { case charts, compare, all }
    /// What the chart makes.
    public enum Output: Sendable { case figure, movie }
    /// How many runs the chart takes.
    public enum Runs: Sendable {
        /// Exactly one.
        case one
        /// One, or several aggregated into one (their measures).
        case aggregated
        /// None or one.
        case optional
    }

    /// The subcommand, e.g. `single-neuron`.
    public let name: String
    /// The file stem without the split, deep-bottleneck's name where it has one, e.g.
    /// `single_neuron_activations`: the default output of the subcommand, and the file of
    /// `charts` and `all`; what `--only` and `--skip` name.
    public let artifact: String
    /// One line for help.
    public let summary: String
    /// An example command line for help.
    public let example: String
    public let needs: ChartNeeds
    public var output = Output.figure
    public var runs = Runs.one
    public var roles: Set<Role> = []
    /// Whether what the chart draws belongs to training, not to a split (gradients, the
    /// accuracy and loss of both splits): `all` draws it once per run, from the train split,
    /// as `<artifact>.<format>`.
    public var perRun = false

    /// The chart's file for `split` with extension `format`: `<artifact>_<split>.<format>`, or
    /// `<artifact>.<format>` for a per-run chart (the subcommand's default, `charts` and `all`).
    public func fileName(split: Split, format: String) -> String {
        perRun ? "\(artifact).\(format)" : "\(artifact)_\(split.rawValue).\(format)"
    }

    public init(name: String, artifact: String, summary: String, example: String, needs: ChartNeeds,
                output: Output = .figure, runs: Runs = .one, roles: Set<Role> = [], perRun: Bool = false) {
        self.name = name; self.artifact = artifact; self.summary = summary; self.example = example; self.needs = needs
        self.output = output; self.runs = runs; self.roles = roles; self.perRun = perRun
    }
}

/// A chart: a pure function from the data of runs and a style to the panels of one run. It
/// declares itself in `descriptor` and its options in `Options`; it never reads a file, runs an
/// estimator or touches a drawing library. A new chart is one new file conforming to this
/// protocol plus one line in `PlotterRegistry`. (deep-bottleneck calls the base class of its
/// plotters `BasePlotter`.)
public protocol BasePlotter: Sendable {
    associatedtype Options: PlotterOptions
    static var descriptor: PlotterDescriptor { get }
    var options: Options { get }
    init(options: Options)
    /// What the chart, with its options, needs from a run (default: the descriptor's needs).
    var needs: ChartNeeds { get }
    /// The block of `run`, with every scale trained on all of `runs` (which hold `run`), so
    /// that blocks of several runs side by side share their axes.
    func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock
    /// Where each epoch lies in the laid-out `figure` of `run`, for the report's epoch slider;
    /// nil (the default) for a chart the slider does not follow.
    func epochOverlays(_ figure: Figure, run: RunData) -> [Int: EpochOverlay]?
    /// Why the chart has nothing of `run` to draw, nil (the default) when it has something.
    func nothingToDraw(_ run: RunData) -> String?
}

extension BasePlotter {
    public var needs: ChartNeeds { Self.descriptor.needs }
    public func epochOverlays(_ figure: Figure, run: RunData) -> [Int: EpochOverlay]? { nil }
    public func nothingToDraw(_ run: RunData) -> String? { nil }

    /// Refuses `run` when the chart has nothing of it to draw: an error naming the file and
    /// the reason, never an empty figure.
    public func checkDrawable(_ run: RunData) throws {
        if let reason = nothingToDraw(run) { throw DneckError.nothingToDraw(file: run.file, chart: Self.descriptor.name, reason: reason) }
    }

    /// The chart with its default options.
    public init() { self.init(options: Options()) }

    /// The chart with the options of `arguments` it declares.
    public static func make(_ arguments: ChartArguments) throws -> any BasePlotter {
        Self(options: try arguments.options(Options.self))
    }

    /// Each option of the chart by name, as the manifest records it.
    public var recordedOptions: [String: String] {
        Dictionary(Options.arguments.map { ($0.name, $0.recorded(options)) }) { first, _ in first }
    }

    /// The options' names, help and value names (for help texts and the generic checks).
    public static var optionHelp: [(name: String, help: String, valueName: String?)] {
        Options.arguments.map { ($0.name, $0.help, $0.valueName) }
    }

    /// The chart of one run, as a figure of its own.
    public func figure(_ run: RunData, request: FigureRequest) -> Figure {
        Comparison.figure([block(run, scaledWith: [run], request: request)], titles: nil, columns: 1,
                          request: request, figureSize: request.style.figureSize)
    }
}
