import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPipeline
import DneckPlotters
import Foundation

/// `dneck-plot compare`: one chart of several runs side by side, with shared axes.
struct CompareCommand: TakesChartOptions {
    static let plotters = PlotterRegistry.plotters(for: .compare)
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One chart of several runs in a grid, one block per run, axes and colour scales shared.",
        discussion: """
        Every scale (axes, colour scales) is trained on all runs before drawing, so the panels \
        share their limits; --free-scales fits each run's to that run alone (as ggplot2's \
        scales = "free"). A colorbar or legend alike in every panel is drawn once. Each panel is titled by the \
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
        """ + ChartArgumentSplitter.help(plotters))

    @OptionGroup var source: RunSource

    @Option(help: "The chart: \(plotters.map { $0.descriptor.name }.joined(separator: ", ")).")
    var chart = InfoPlaneChart.descriptor.name

    @Option(help: "Blocks per row (default: the most nearly square grid).")
    var cols: Int?

    @Option(name: .customLong("title-keys"), help: "Configuration keys that title the panels, comma-separated.")
    var titleKeys: String?

    @Option(help: "Estimators side by side, comma-separated (\(EstimatorDescriptor.list)): one panel each, one row per run; with the parameters of the estimator options.")
    var estimators: String?

    @Flag(name: .customLong("free-scales"), help: "Fit each run's axes and colour scales to that run alone (default: shared by all runs).")
    var freeScales = false

    @OptionGroup var aggregation: AggregateOptions

    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions

    @Option(name: .shortAndLong, help: "Output file: .png, .svg or .pdf.")
    var output: String

    /// The chart `--chart` names.
    private var kind: (any BasePlotter.Type)? { Self.plotters.first { $0.descriptor.name == chart } }

    func validate() throws {
        guard !source.runs.isEmpty, source.runs.count <= 64 else { throw ValidationError("compare takes 1 to 64 run files") }
        guard let kind else {
            throw ValidationError("unknown --chart '\(chart)'; known: \(Self.plotters.map { $0.descriptor.name }.joined(separator: ", "))")
        }
        for given in GivenChartOptions.arguments.given where !kind.optionHelp.contains(where: { $0.name == given.name }) {
            throw ValidationError("--\(given.name) does not apply to --chart \(chart)")
        }
        _ = try GivenChartOptions.charts([kind])
        if let cols { guard (1...64).contains(cols) else { throw ValidationError("--cols must be between 1 and 64") } }
        if aggregation.aggregate != nil {
            guard chart == InfoPlaneChart.descriptor.name, estimators == nil else {
                throw ValidationError("--aggregate adds a panel of aggregated information planes (--chart infoplane, no --estimators)")
            }
            guard source.runs.count > 1 else { throw ValidationError("--aggregate needs several runs") }
        }
        if let estimators {
            guard estimator.estimator == EstimatorDescriptor.binning.name else {
                throw ValidationError("--estimators and --estimator exclude each other: list every estimator in --estimators")
            }
            guard chart == InfoPlaneChart.descriptor.name else { throw ValidationError("--estimators draws information planes (--chart infoplane)") }
            if freeScales { throw ValidationError("--free-scales applies to one chart of several runs, not to --estimators") }
            if cols != nil, source.runs.count > 1 { throw ValidationError("--estimators puts one run per row: --cols applies to one run") }
            let named = try EstimatorDescriptor.parse(estimators, option: "--estimators")
            try estimator.check(for: "compare", list: true, names: named)
            try source.reading.checkInputs(readBy: named.map(estimator.estimator), command: "compare")
        } else {
            try estimator.check(for: "compare")
            try source.reading.checkInputs(readBy: kind.descriptor.needs.measures ? [estimator.chosen] : [], command: "compare")
        }
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output)
            _ = try FigureWriter.format(of: target)
            let request = aggregation.applied(to: try look.request())
            let drawn = try kind!.make(GivenChartOptions.arguments)
            let readers = try source.readers()
            if let estimators {
                let names = try EstimatorDescriptor.parse(estimators, option: "--estimators")
                try FigureWriter.write(try estimatorGrid(readers, names: names, request: request), to: target)
                return
            }
            let data = try gatherEach(readers, needs: drawn.needs, estimators: [estimator.chosen], label: "compare",
                                      select: source.reading.selectedEpochs)[0]
            for run in data { try drawn.checkDrawable(run) }
            if drawn.needs.measures { warnIfSaturated(data, estimator: estimator.chosen) }
            // With --aggregate, one more panel: the runs aggregated, on the same axes as each run.
            let aggregated = try aggregation.aggregate.map { try DataStage.aggregate(data, statistic: $0) }
            let shown = data + (aggregated.map { [$0] } ?? [])
            let blocks = shown.map { drawn.block($0, scaledWith: freeScales ? [$0] : shown, request: request) }
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
        let plane = InfoPlaneChart(options: try GivenChartOptions.arguments.options())
        let byEstimator = try gatherEach(readers, needs: plane.needs, estimators: chosen, label: "compare", select: source.reading.selectedEpochs)
        for (runs, chosen) in zip(byEstimator, chosen) {
            warnIfSaturated(runs, estimator: chosen)
            report(runs.reduce(EstimateNotes()) { $0.merged($1.estimateNotes) }, estimator: chosen,
                   rows: readers.map { $0.labels.count }.max() ?? 0)
        }
        let keys = titleKeys.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let runTitles = readers.count > 1 || keys != nil ? Comparison.titles(byEstimator[0], keys: keys) : nil
        return Comparison.estimatorGrid(byEstimator, runTitles: runTitles, columns: cols, options: plane.options, request: request)
    }
}
