import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation

/// `dneck-plot compare`: one chart of several runs side by side, with shared axes.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One chart of several runs in a grid, one block per run, axes and colour scales shared.",
        discussion: """
        Every scale is trained on all runs before drawing, so the panels share their limits; \
        a colorbar or legend alike in every panel is drawn once. Each panel is titled by the \
        configuration keys (the run file's `config` JSON) whose values differ between the runs, \
        as key=value | key=value; a run without configuration by its file name.

        --estimators a,b,… puts estimators side by side instead: one panel per estimator \
        (one row per run for several runs; for one run, --cols or the most nearly square grid), each titled by its estimator and parameters, \
        each with its own axes (their units differ; the runs of one estimator share them).

        Examples:
          dneck-plot compare tanh.h5 relu.h5 tanh_mn.h5 relu_mn.h5 -o planes.pdf
          dneck-plot compare a.h5 b.h5 c.h5 --chart accuracy --cols 3 --title-keys activation_fn -o acc.png
          dneck-plot compare run.h5 --estimators binning,kde-upper,hsic,renyi,edge -o estimators.png
          dneck-plot compare seed1.h5 seed2.h5 seed3.h5 --aggregate median --spread iqr -o seeds.png
        """)

    @Argument(help: "Run files (dneck run files or deep-bottleneck dumps with <stem>_labels.npy beside them).")
    var runs: [String]

    @Option(help: "Split to read.")
    var split: Split = .train

    @Option(help: "The chart: \(ChartRegistry.comparable.map { $0.name }.joined(separator: ", ")).")
    var chart = InfoPlaneChart.name

    @Option(help: "Blocks per row (default: the most nearly square grid).")
    var cols: Int?

    @Option(name: .customLong("title-keys"), help: "Configuration keys that title the panels, comma-separated.")
    var titleKeys: String?

    @Option(help: "Estimators side by side, comma-separated (\(EstimatorDescriptor.list)): one panel each, one row per run; with the parameters of the estimator options.")
    var estimators: String?

    @OptionGroup var aggregation: AggregateOptions

    @OptionGroup var memory: MemoryOptions
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions
    @OptionGroup var chartOptions: ChartOptionGroup

    @Option(name: .shortAndLong, help: "Output file: .png, .svg or .pdf.")
    var output: String

    func validate() throws {
        guard !runs.isEmpty, runs.count <= 64 else { throw ValidationError("compare takes 1 to 64 run files") }
        guard ChartRegistry.comparable.contains(where: { $0.name == chart }) else {
            throw ValidationError("unknown --chart '\(chart)'; known: \(ChartRegistry.comparable.map { $0.name }.joined(separator: ", "))")
        }
        if let cols { guard (1...64).contains(cols) else { throw ValidationError("--cols must be between 1 and 64") } }
        if aggregation.aggregate != nil {
            guard chart == InfoPlaneChart.name, estimators == nil else {
                throw ValidationError("--aggregate adds a panel of aggregated information planes (--chart infoplane, no --estimators)")
            }
            guard runs.count > 1 else { throw ValidationError("--aggregate needs several runs") }
        }
        if let estimators {
            guard estimator.estimator == EstimatorDescriptor.binning.name else {
                throw ValidationError("--estimators and --estimator exclude each other: list every estimator in --estimators")
            }
            guard chart == InfoPlaneChart.name else { throw ValidationError("--estimators draws information planes (--chart infoplane)") }
            if cols != nil, runs.count > 1 { throw ValidationError("--estimators puts one run per row: --cols applies to one run") }
            try estimator.check(for: "compare", list: true, names: try EstimatorDescriptor.parse(estimators, option: "--estimators"))
        } else {
            try estimator.check(for: "compare")
        }
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output)
            _ = try FigureWriter.format(of: target)
            let request = try look.request()
            let kind = ChartRegistry.comparable.first { $0.name == chart }!
            let readers = try runs.map { try RunReader(path: $0, split: split) }
            if let estimators {
                let names = try EstimatorDescriptor.parse(estimators, option: "--estimators")
                try FigureWriter.write(try estimatorGrid(readers, names: names, request: request), to: target)
                return
            }
            let progress = ProgressBar(total: readers.reduce(0) { $0 + progressSteps(kind.needs, $1) }, label: "compare")
            let options = chartOptions.options(bins: estimator.bins, aggregate: aggregation)
            let data = try readers.map { try DataStage.gather($0, needs: kind.needs, options: options,
                                                              estimator: estimator.chosen, progress: progress) }
            if kind.needs.measures { warnIfSaturated(data, estimator: estimator.chosen) }
            // With --aggregate, one more panel: the runs aggregated, on the same axes as each run.
            let aggregated = try aggregation.aggregate.map { try DataStage.aggregate(data, statistic: $0) }
            let shown = data + (aggregated.map { [$0] } ?? [])
            let drawn = kind.init(options: options)
            let blocks = shown.map { drawn.block($0, scaledWith: shown, request: request) }
            let keys = titleKeys.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            var titles = data.count > 1 || keys != nil ? Comparison.titles(data, keys: keys) : nil
            if let statistic = aggregation.aggregate { titles?.append("\(statistic.rawValue) of \(data.count) runs") }
            let figure = Comparison.figure(blocks, titles: titles, columns: cols ?? Comparison.columns(for: blocks),
                                           request: request, figureSize: request.style.figureSize)
            try FigureWriter.write(figure, to: target)
        }
    }

    /// One information plane per estimator of `names` for every run: a row per run, each panel
    /// titled by its estimator (and the run, for several), the runs of one estimator on shared axes.
    private func estimatorGrid(_ readers: [RunReader], names: [EstimatorDescriptor], request: FigureRequest) throws -> Figure {
        let chosen = names.map(estimator.estimator)
        let progress = ProgressBar(total: names.count * readers.reduce(0) { $0 + progressSteps(InfoPlaneChart.needs, $1) },
                                   label: "compare")
        let options = chartOptions.options(bins: nil)
        let byEstimator = try chosen.map { chosen in
            try readers.map { try DataStage.gather($0, needs: InfoPlaneChart.needs, options: options, estimator: chosen, progress: progress) }
        }
        for (runs, chosen) in zip(byEstimator, chosen) {
            warnIfSaturated(runs, estimator: chosen)
            report(runs.reduce(EstimateNotes()) { $0.merged($1.estimateNotes) }, estimator: chosen,
                   rows: readers.map { $0.labels.count }.max() ?? 0)
        }
        let keys = titleKeys.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let runTitles = readers.count > 1 || keys != nil ? Comparison.titles(byEstimator[0], keys: keys) : nil
        return Comparison.estimatorGrid(byEstimator, runTitles: runTitles, columns: cols, options: options, request: request)
    }
}
