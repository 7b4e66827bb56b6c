import ArgumentParser
import DneckCairo
import DneckCore
import DneckPlotters
import Foundation

/// Options of the charts beyond the information plane.
struct ChartOptionGroup: ParsableArguments {
    @Option(help: "Histogram bins (activations, single-neuron).")
    var bins = 30
    @Flag(name: .customLong("log-counts"), help: "Logarithmic colour scale of counts (activations, single-neuron).")
    var logCounts = false
    @Flag(name: .customLong("log-epochs"), help: "Logarithmic epoch axis (accuracy, activity).")
    var logEpochs = false
    @Option(name: .customLong("max-neurons"), help: "Neurons shown per layer; wider layers show their first ones (single-neuron).")
    var maxNeurons = 30

    func validate() throws {
        guard (2...500).contains(bins) else { throw ValidationError("--bins must be between 2 and 500") }
        guard (1...200).contains(maxNeurons) else { throw ValidationError("--max-neurons must be between 1 and 200") }
    }

    var options: ChartOptions {
        var options = ChartOptions()
        options.bins = bins
        options.logCounts = logCounts
        options.logEpochs = logEpochs
        options.maxNeurons = maxNeurons
        return options
    }
}

/// `dneck-plot <chart>` for every chart in `PlotterRegistry`: one generic command, so a new
/// chart needs no command-line code.
struct ChartCommand<Plotter: ChartPlotter>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Plotter.name, abstract: Plotter.summary,
                             discussion: "The format follows the extension of -o (.png, .svg, .pdf).\n\nExample:\n  \(Plotter.example)")
    }

    @OptionGroup var source: RunOptions
    @OptionGroup var look: LookOptions
    @OptionGroup var chart: ChartOptionGroup

    @Option(name: .shortAndLong, help: "Output file (default: \(Plotter.name)_<split>.png).")
    var output: String?

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? "\(Plotter.name)_\(source.split.rawValue).png")
            _ = try FigureWriter.format(of: target)
            let reader = try source.reader()
            let request = try look.request(reader: reader, progressLabel: Plotter.name,
                                           steps: 2 * reader.epochs.count * reader.layerCount)
            try FigureWriter.write(try Plotter(options: chart.options).figure(request), to: target)
        }
    }
}

extension ChartPlotter {
    /// The command of this chart.
    static var command: any ParsableCommand.Type { ChartCommand<Self>.self }
}

/// `dneck-plot charts`: every chart of the registry from one pass over the run.
struct ChartsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charts",
        abstract: "Every static chart (\(PlotterRegistry.charts.map { $0.name }.joined(separator: ", "))) from one pass over the run.",
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
            let reader = try source.reader()
            let plotters = PlotterRegistry.charts
            let request = try look.request(reader: reader, progressLabel: "charts",
                                           steps: 2 * reader.epochs.count * reader.layerCount)
            let inputs = try ChartInputs(reader, for: plotters, options: chart.options, progress: request.progress)
            let folder = URL(fileURLWithPath: outputDir)
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw DneckError.unwritable(file: outputDir, detail: "cannot create the folder")
            }
            let split = source.split.rawValue, format = self.format
            let outcomes = PlotterRegistry.makeCharts(plotters, inputs: inputs, request: request, options: chart.options) { name, figure in
                try FigureWriter.write(figure, to: folder.appendingPathComponent("\(name)_\(split).\(format)"))
            }
            for (plotter, outcome) in zip(plotters, outcomes) {
                guard let error = outcome else { continue }
                guard let dneck = error as? DneckError, case .missing = dneck else { throw error }
                FileHandle.standardError.write(Data("dneck-plot: note: skipped \(plotter.name): \(dneck)\n".utf8))
            }
        }
    }
}
