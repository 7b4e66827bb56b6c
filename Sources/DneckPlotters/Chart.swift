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

    public init(style: Style = Style(), dpi: Double = 150, colormap: Colormap? = nil) {
        self.style = style; self.dpi = dpi; chosenColormap = colormap
    }

    /// The colormap to use: the one chosen on the command line, else the style's, else the
    /// chart's own default (gnuplot for epochs, viridis for heatmaps).
    public func colormap(default fallback: Colormap) -> Colormap {
        chosenColormap ?? style.colormap.flatMap(Colormap.named) ?? fallback
    }
}

/// What a chart needs from a run, resolved by `DataStage` before anything is drawn.
public struct ChartNeeds: Sendable {
    /// I(X;M) and I(Y;M) of every epoch and layer.
    public var measures = false
    /// Parts of the activation survey.
    public var survey: ActivationSurvey.Parts = []
    /// Per-epoch scalars the chart draws when the run logs them.
    public var records: EpochRecord.Fields = []
    /// Per-epoch scalars without which the chart cannot be drawn: a run lacking one is an error
    /// naming the dataset.
    public var requiredRecords: EpochRecord.Fields = []

    public init(measures: Bool = false, survey: ActivationSurvey.Parts = [], records: EpochRecord.Fields = [],
                requiredRecords: EpochRecord.Fields = []) {
        self.measures = measures; self.survey = survey; self.records = records.union(requiredRecords)
        self.requiredRecords = requiredRecords
    }

    /// What all of `needs` need together.
    public static func union(_ needs: [ChartNeeds]) -> ChartNeeds {
        needs.reduce(ChartNeeds()) {
            ChartNeeds(measures: $0.measures || $1.measures, survey: $0.survey.union($1.survey),
                       records: $0.records.union($1.records), requiredRecords: $0.requiredRecords.union($1.requiredRecords))
        }
    }
}

/// Options of the charts; each chart reads those it uses, so that `charts`, `compare` and a
/// single chart take them the same way.
public struct ChartOptions: Sendable {
    /// Histogram bins (activations, single-neuron).
    public var bins = 30
    /// Logarithmic colour scale of counts (activations, single-neuron).
    public var logCounts = false
    /// Logarithmic epoch axis (accuracy, activity, the movie's accuracy panel).
    public var logEpochs = false
    /// Neurons shown per layer (single-neuron).
    public var maxNeurons = 30
    /// Fixed information-plane limits; nil fits the data.
    public var xlim: ClosedRange<Double>?
    public var ylim: ClosedRange<Double>?
    /// Colour epochs by log(epoch + 1) (infoplane).
    public var logEpochColors = false
    /// The epoch (index into the run's logged epochs) a frame shows (movie frame).
    public var frame = 0
    /// The band drawn around points aggregated over several runs.
    public var spread = SpreadKind.iqr
    /// Draw each run's own trajectory faintly behind an aggregate.
    public var showRuns = false
    /// Uniform samples, histogram bins and seed of the entropy-bias analysis.
    public var biasSamples = 4096
    public var biasBins = 50
    public var biasSeed: UInt64 = 0

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

/// Everything drawn: a pure function from the data of runs and a style to the panels of one
/// run. A chart declares its name, help and what it needs; it never reads a file, runs an
/// estimator or touches a drawing library. A new chart is one new file conforming to this
/// protocol plus one line in `ChartRegistry`.
public protocol Chart: Sendable {
    /// The subcommand and default file stem, e.g. `infoplane`.
    static var name: String { get }
    /// One line for help.
    static var summary: String { get }
    /// An example command line for help.
    static var example: String { get }
    static var needs: ChartNeeds { get }
    init(options: ChartOptions)
    /// The block of `run`, with every scale trained on all of `runs` (which hold `run`), so
    /// that blocks of several runs side by side share their axes.
    func block(_ run: RunData, scaledWith runs: [RunData], request: FigureRequest) -> ChartBlock
}

extension Chart {
    /// The chart of one run, as a figure of its own.
    public func figure(_ run: RunData, request: FigureRequest) -> Figure {
        Comparison.figure([block(run, scaledWith: [run], request: request)], titles: nil, columns: 1,
                          request: request, figureSize: request.style.figureSize)
    }
}

/// The charts, one line each: the command line, `charts` and the generic tests iterate it.
public enum ChartRegistry {
    /// The static charts of `dneck-plot charts` (each also its own subcommand).
    public static let charts: [any Chart.Type] = [
        ActivationsChart.self,
        SingleNeuronChart.self,
        SNRChart.self,
        AccuracyChart.self,
        ActivityChart.self,
    ]
    /// Every chart: the static ones, the information plane and the movie's frame.
    public static let all: [any Chart.Type] = [InfoPlaneChart.self, MovieFrameChart.self, MIEpochsChart.self, EntropyBiasChart.self] + charts
    /// The charts `compare` can put side by side.
    public static let comparable: [any Chart.Type] = [InfoPlaneChart.self, ActivationsChart.self, SNRChart.self,
                                                      AccuracyChart.self, ActivityChart.self]
}

extension ChartRegistry {
    /// Makes every chart of `charts` from one run's shared data and hands each figure to
    /// `write`, two charts at a time (one is drawn while the other is written). Returns, in the
    /// order of `charts`, the error of each chart that failed (nil for those written).
    public static func makeCharts(_ charts: [any Chart.Type], run: RunData, request: FigureRequest, options: ChartOptions,
                                  write: @Sendable (String, Figure) throws -> Void) -> [Error?] {
        var outcomes = [Error?](repeating: nil, count: charts.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: charts.count) { i in
            do {
                try write(charts[i].name, charts[i].init(options: options).figure(run, request: request))
            } catch {
                lock.lock(); outcomes[i] = error; lock.unlock()
            }
        }
        return outcomes
    }
}
