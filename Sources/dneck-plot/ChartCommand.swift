import ArgumentParser
import DneckCairo
import DneckCore
import DneckIO
import DneckPlotters
import Foundation

/// Steps of the progress bar for gathering `needs` from `reader`.
func progressSteps(_ needs: ChartNeeds, _ reader: RunReader, epochs: Int? = nil) -> Int {
    let work = (epochs ?? reader.epochs.count) * reader.layerCount
    return (needs.survey.isEmpty ? 0 : 2 * work) + (needs.measures ? work : 0)
}

/// `dneck-plot <chart>` for every chart in `ChartRegistry` but the movie: one generic
/// command, so a new chart needs no command-line code.
struct ChartCommand<C: Chart>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: C.name, abstract: C.summary,
                             discussion: "The format follows the extension of -o (.png, .svg, .pdf).\n\nExample:\n  \(C.example)")
    }

    @OptionGroup var source: RunOptions
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var aggregate: AggregateOptions
    @OptionGroup var look: LookOptions
    @OptionGroup var chart: ChartOptionGroup

    @Option(name: .shortAndLong, help: "Output file (default: \(C.name)_<split>.png).")
    var output: String?

    func validate() throws {
        try estimator.check(for: C.name)
        if !C.needs.measures || !C.needs.survey.isEmpty || !C.needs.records.isEmpty { try source.requireOne(C.name) }
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? "\(C.name)_\(source.split.rawValue).png")
            _ = try FigureWriter.format(of: target)
            let request = try look.request()
            let options = chart.options(bins: estimator.bins, aggregate: aggregate)
            let data = try gatherRuns(try source.readers(), needs: C.needs, options: options, estimator: estimator.chosen,
                                      statistic: aggregate.statistic, label: C.name)
            try FigureWriter.write(C(options: options).figure(data, request: request), to: target)
        }
    }
}

extension Chart {
    /// The command of this chart.
    static var command: any ParsableCommand.Type { ChartCommand<Self>.self }
}

/// `dneck-plot charts`: every chart of the registry from one pass over the run.
struct ChartsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charts",
        abstract: "Every static chart (\(ChartRegistry.charts.map { $0.name }.joined(separator: ", "))) from one pass over the run.",
        discussion: """
        Writes <chart>_<split>.<format> into the output folder. The activation statistics and \
        the per-epoch scalars are gathered once for all charts. A chart whose data the run does \
        not log (e.g. snr without gradient statistics) is skipped with a note on stderr.

        Example:
          dneck-plot charts run.h5 --split test --output-dir figures --format pdf
        """)

    @OptionGroup var source: RunOptions
    @OptionGroup var look: LookOptions
    @OptionGroup var chart: ChartOptionGroup
    @Option(help: "Histogram bins (activations, single-neuron; 2 to 500).")
    var bins = 30

    @Option(name: [.customShort("d"), .customLong("output-dir")], help: "Folder for the charts (made if missing).")
    var outputDir = "."
    @Option(help: "Format of every chart: png, svg or pdf.")
    var format = "png"

    func validate() throws {
        guard FigureWriter.Format(rawValue: format) != nil else { throw ValidationError("--format takes png, svg or pdf") }
        guard (2...500).contains(bins) else { throw ValidationError("--bins must be between 2 and 500") }
        try source.requireOne("charts")
    }

    func run() throws {
        try reportingErrors {
            let request = try look.request()
            let reader = try source.reader()
            // Scalars are gathered when logged; each chart that cannot do without them is skipped.
            var needs = ChartNeeds.union(ChartRegistry.charts.map { $0.needs })
            needs.requiredRecords = []
            let options = chart.options(bins: bins)
            let data = try DataStage.gather(reader, needs: needs, options: options,
                                            progress: ProgressBar(total: progressSteps(needs, reader), label: "charts"))
            let folder = URL(fileURLWithPath: outputDir)
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw DneckError.unwritable(file: outputDir, detail: "cannot create the folder")
            }
            var runnable: [any Chart.Type] = []
            for chart in ChartRegistry.charts {
                if let missing = DataStage.missingRequirement(chart.needs, in: data, reader: reader) {
                    FileHandle.standardError.write(Data("dneck-plot: note: skipped \(chart.name): \(missing)\n".utf8))
                } else {
                    runnable.append(chart)
                }
            }
            let split = source.split.rawValue, format = self.format
            let outcomes = ChartRegistry.makeCharts(runnable, run: data, request: request, options: options) { name, figure in
                try FigureWriter.write(figure, to: folder.appendingPathComponent("\(name)_\(split).\(format)"))
            }
            // The charts that were drawn stay; each one that failed is named, and the exit says so.
            let failures = zip(runnable, outcomes).compactMap { chart, outcome in outcome.map { (chart.name, $0) } }
            for (name, error) in failures {
                FileHandle.standardError.write(Data("dneck-plot: error: \(name): \(error)\n".utf8))
            }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
