import ArgumentParser
import DneckCairo
import DneckCore
import DneckIO
import DneckPipeline
import DneckPlotters
import Foundation

/// `dneck-plot <chart>` for every figure chart of `PlotterRegistry`: one generic command made
/// from the chart's descriptor, so a new chart needs no command-line code. Estimator and
/// aggregate options show, and are taken, only where the chart uses them.
struct ChartCommand<C: BasePlotter>: TakesChartOptions {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: C.descriptor.name, abstract: C.descriptor.summary,
                             discussion: "The format follows the extension of -o (.png, .svg, .pdf).\n\nExample:\n  \(C.descriptor.example)"
                                + ChartArgumentSplitter.help(plotters))
    }
    static var plotters: [any BasePlotter.Type] { [C.self] }

    @OptionGroup var source: RunSource
    @OptionGroup(visibility: C.descriptor.needs.measures ? .default : .private) var estimator: EstimatorOptions
    @OptionGroup(visibility: C.descriptor.needs.measures ? .default : .private) var table: GivenMeasuresOption
    @OptionGroup(visibility: C.descriptor.runs == .aggregated ? .default : .private) var aggregate: AggregateOptions
    @OptionGroup var look: LookOptions

    @Option(name: .shortAndLong, help: "Output file: .png, .svg or .pdf (default: \(C.descriptor.artifact)\(C.descriptor.perRun ? "" : "_<split>").png).")
    var output: String?

    func validate() throws {
        try source.check(C.descriptor.runs, command: C.descriptor.name)
        if C.descriptor.needs.measures {
            try estimator.check(for: C.descriptor.name)
            if let refusal = C.descriptor.needs.estimates.refusal(estimator.chosen) {
                throw ValidationError("\(C.descriptor.name): \(refusal)")
            }
            try table.check(runs: source.runs.count)
        } else if estimator.given || table.path != nil {
            throw ValidationError("the estimator options and --measures do not apply to \(C.descriptor.name): it draws no information estimates")
        }
        try source.reading.checkInputs(readBy: C.descriptor.needs.measures ? [estimator.chosen] : [], command: C.descriptor.name)
        if C.descriptor.runs != .aggregated, aggregate.given {
            throw ValidationError("--aggregate, --spread and --runs do not apply to \(C.descriptor.name): it draws one run")
        }
        _ = try GivenChartOptions.charts([C.self])
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? C.descriptor.fileName(split: source.split, format: "png"))
            _ = try FigureWriter.format(of: target)
            let request = aggregate.applied(to: try look.request())
            CairoTextMeasurer.shared.prepare(fontFamily: request.style.fontFamily)
            let chart = try C.make(GivenChartOptions.arguments)
            let data = source.runs.isEmpty
                ? DataStage.withoutRun(needs: chart.needs, split: source.split)
                : try gatherRuns(try source.readers(), needs: chart.needs, estimator: estimator.chosen, statistic: aggregate.statistic,
                                 label: C.descriptor.name, select: source.reading.selectedEpochs, table: table.table(for:estimator:))
            try chart.checkDrawable(data)
            try FigureWriter.write(chart.figure(data, request: request), to: target)
        }
    }
}

extension BasePlotter {
    /// The subcommand of this chart: the movie's own, or the generic chart command.
    static var command: any ParsableCommand.Type {
        descriptor.output == .movie ? MovieCommand.self : ChartCommand<Self>.self
    }
}

/// `dneck-plot charts`: every chart of the `charts` role from one pass over the run.
struct ChartsCommand: TakesChartOptions {
    static let plotters = PlotterRegistry.plotters(for: .charts)
    static let configuration = CommandConfiguration(
        commandName: "charts",
        abstract: "Every static chart (\(plotters.map { $0.descriptor.name }.joined(separator: ", "))) from one pass over the run.",
        discussion: """
        Writes <artifact>_<split>.<format> into the output folder (\(plotters.map { $0.descriptor.artifact }.joined(separator: ", "))), \
        <artifact>.<format> for a chart of training rather than of a split (\(plotters.filter { $0.descriptor.perRun }.map { $0.descriptor.artifact }.joined(separator: ", "))). \
        The activation statistics, the measures and the per-epoch scalars are gathered once for \
        all charts. A chart whose data the run does not log (e.g. snr without gradient \
        statistics) or whose estimator is not chosen (health needs binning) is skipped with a \
        note on stderr.

        Example:
          dneck-plot charts run.h5 --split test --output-dir figures --format pdf
        """ + ChartArgumentSplitter.help(plotters))

    @OptionGroup var source: RunSource
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions

    @Option(name: [.customShort("d"), .customLong("output-dir")], help: "Folder for the charts (made if missing).")
    var outputDir = "."
    @Option(help: "Format of every chart: png, svg or pdf.")
    var format = "png"

    func validate() throws {
        guard FigureWriter.Format(rawValue: format) != nil else { throw ValidationError("--format takes png, svg or pdf") }
        try source.check(.one, command: "charts")
        try estimator.check(for: "charts")
        try source.reading.checkInputs(readBy: [estimator.chosen], command: "charts")
        _ = try GivenChartOptions.charts(Self.plotters)
    }

    func run() throws {
        try reportingErrors {
            let request = try look.request()
            CairoTextMeasurer.shared.prepare(fontFamily: request.style.fontFamily)
            let reader = try source.readers()[0]
            let charts = try Self.plotters.map { try $0.make(GivenChartOptions.arguments) }
            var runnable: [any BasePlotter] = []
            for chart in charts {
                if let refusal = chart.needs.estimates.refusal(estimator.chosen) {
                    FileHandle.standardError.write(Data("dneck-plot: note: skipped \(type(of: chart).descriptor.name): \(refusal)\n".utf8))
                } else {
                    runnable.append(chart)
                }
            }
            // Scalars are gathered when logged; each chart that cannot do without them is skipped.
            var needs = ChartNeeds.union(runnable.map(\.needs))
            needs.requiredRecords = []
            let data = try gatherEach([reader], needs: needs, estimators: [estimator.chosen], label: "charts",
                                      select: source.reading.selectedEpochs)[0][0]
            let folder = URL(fileURLWithPath: outputDir)
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw DneckError.unwritable(file: outputDir, detail: "cannot create the folder")
            }
            runnable = runnable.filter { chart in
                guard let missing = DataStage.missingRequirement(chart.needs, in: data, reader: reader) else { return true }
                FileHandle.standardError.write(Data("dneck-plot: note: skipped \(type(of: chart).descriptor.name): \(missing)\n".utf8))
                return false
            }
            let split = source.split, format = self.format
            let outcomes = PlotterRegistry.makeFigures(runnable, run: data, request: request) { chart, figure in
                try FigureWriter.write(figure, to: folder.appendingPathComponent(type(of: chart).descriptor.fileName(split: split, format: format)))
            }
            // The charts that were drawn stay; each one that failed is named, and the exit says so.
            let failures = zip(runnable, outcomes).compactMap { chart, outcome in outcome.map { (type(of: chart).descriptor.name, $0) } }
            for (name, error) in failures {
                FileHandle.standardError.write(Data("dneck-plot: error: \(name): \(error)\n".utf8))
            }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
