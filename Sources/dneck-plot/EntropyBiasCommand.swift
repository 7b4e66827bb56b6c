import ArgumentParser
import DneckCairo
import DneckCore
import DneckIO
import DneckPlotters
import Foundation

/// `dneck-plot entropy-bias`: the entropy activation functions remove before any training,
/// optionally beside a run's layers.
struct EntropyBiasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: EntropyBiasChart.name,
        abstract: EntropyBiasChart.summary,
        discussion: """
        Uniform samples on [−1, 1] through sigmoid, tanh, relu, softsign, softplus, hard_sigmoid, \
        selu, relu6, elu, leaky_relu and linear; the entropy in bits of a B-bin histogram over \
        each output's own range. With RUN, each layer's entropy at the last logged epoch under \
        the chosen estimator (H(M) = I(X;M)) stands beside them. --bins B sets the analysis'         histogram bins (default 50) and, given, bins the layers the same way (B equal-width bins         over each layer's range; with --adaptive, adaptive bins); without it the layers take         --bin-size (default 0.07) or --estimator.

        Example:
          \(EntropyBiasChart.example)
        """)

    @Argument(help: "A run file whose layers to add (optional).")
    var runFile: String?
    @Option(help: "Split of RUN to read.")
    var split: Split = .train
    @Option(help: "Seed of the uniform samples.")
    var seed: UInt64 = 0
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions
    @Option(name: .shortAndLong, help: "Output file: .png, .svg or .pdf.")
    var output: String

    func validate() throws {
        guard !estimator.chosen.needsInputs, estimator.names.count == 1 else {
            throw ValidationError("entropy-bias takes one --estimator of H(M): binning, kde-upper, kde-lower or kde")
        }
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output)
            _ = try FigureWriter.format(of: target)
            let request = try look.request()
            var options = ChartOptions()
            (options.biasSamples, options.biasBins, options.biasSeed) = (estimator.samples ?? 4096, estimator.bins ?? 50, seed)
            let data = try runFile.map { path in
                try gatherRuns([try RunReader(path: path, split: split)], needs: EntropyBiasChart.needs, options: options,
                               estimator: estimator.chosen, statistic: .median, label: EntropyBiasChart.name)
            } ?? RunData(file: "", split: split, epochs: [], layerCount: 0, sampleCount: 0)
            try FigureWriter.write(EntropyBiasChart(options: options).figure(data, request: request), to: target)
        }
    }
}
