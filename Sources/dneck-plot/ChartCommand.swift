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
    @OptionGroup var look: LookOptions
    @OptionGroup var chart: ChartOptionGroup

    @Option(name: .shortAndLong, help: "Output file (default: \(C.name)_<split>.png).")
    var output: String?

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? "\(C.name)_\(source.split.rawValue).png")
            _ = try FigureWriter.format(of: target)
            let request = try look.request()
            let reader = try source.reader()
            let data = try DataStage.gather(reader, needs: C.needs, options: chart.options, estimator: estimator.estimator,
                                            progress: ProgressBar(total: progressSteps(C.needs, reader), label: C.name))
            try FigureWriter.write(C(options: chart.options).figure(data, request: request), to: target)
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

    @Option(name: [.customShort("d"), .customLong("output-dir")], help: "Folder for the charts (made if missing).")
    var outputDir = "."
    @Option(help: "Format of every chart: png, svg or pdf.")
    var format = "png"

    func validate() throws {
        guard FigureWriter.Format(rawValue: format) != nil else { throw ValidationError("--format takes png, svg or pdf") }
    }

    func run() throws {
        try reportingErrors {
            let request = try look.request()
            let reader = try source.reader()
            // Scalars are gathered when logged; each chart that cannot do without them is skipped.
            var needs = ChartNeeds.union(ChartRegistry.charts.map { $0.needs })
            needs.requiredRecords = []
            let data = try DataStage.gather(reader, needs: needs, options: chart.options,
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
            let outcomes = ChartRegistry.makeCharts(runnable, run: data, request: request, options: chart.options) { name, figure in
                try FigureWriter.write(figure, to: folder.appendingPathComponent("\(name)_\(split).\(format)"))
            }
            if let error = outcomes.compactMap({ $0 }).first { throw error }
        }
    }
}
