import ArgumentParser
import DneckCairo
import DneckCore
import DneckPlotters
import Foundation

/// `dneck-plot <chart>` for every chart in `PlotterRegistry`: one generic command, so a new
/// chart needs no command-line code.
struct ChartCommand<Plotter: ChartPlotter>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Plotter.name, abstract: Plotter.summary,
                             discussion: "The format follows the extension of -o (.png, .svg, .pdf).\n\nExample:\n  \(Plotter.example)")
    }

    @OptionGroup var source: RunOptions
    @OptionGroup var look: LookOptions

    @Option(help: "Histogram bins (activations, single-neuron).")
    var bins = 30
    @Flag(name: .customLong("log-counts"), help: "Logarithmic colour scale of counts (activations, single-neuron).")
    var logCounts = false
    @Flag(name: .customLong("log-epochs"), help: "Logarithmic epoch axis (accuracy, activity).")
    var logEpochs = false
    @Option(name: .customLong("max-neurons"), help: "Neurons shown per layer; wider layers show their first ones (single-neuron).")
    var maxNeurons = 30

    @Option(name: .shortAndLong, help: "Output file (default: \(Plotter.name)_<split>.png).")
    var output: String?

    func validate() throws {
        guard (2...500).contains(bins) else { throw ValidationError("--bins must be between 2 and 500") }
        guard (1...200).contains(maxNeurons) else { throw ValidationError("--max-neurons must be between 1 and 200") }
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? "\(Plotter.name)_\(source.split.rawValue).png")
            _ = try FigureWriter.format(of: target)
            let reader = try source.reader()
            var options = ChartOptions()
            options.bins = bins
            options.logCounts = logCounts
            options.logEpochs = logEpochs
            options.maxNeurons = maxNeurons
            let request = try look.request(reader: reader, progressLabel: Plotter.name,
                                           steps: 2 * reader.epochs.count * reader.layerCount)
            try FigureWriter.write(try Plotter(options: options).figure(request), to: target)
        }
    }
}

extension ChartPlotter {
    /// The command of this chart.
    static var command: any ParsableCommand.Type { ChartCommand<Self>.self }
}
