import ArgumentParser
import DneckCairo
import DneckCore
import DneckIO
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

        Examples:
          dneck-plot compare tanh.h5 relu.h5 tanh_mn.h5 relu_mn.h5 -o planes.pdf
          dneck-plot compare a.h5 b.h5 c.h5 --chart accuracy --cols 3 --title-keys activation_fn -o acc.png
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
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output)
            _ = try FigureWriter.format(of: target)
            let request = try look.request()
            let kind = ChartRegistry.comparable.first { $0.name == chart }!
            let readers = try runs.map { try RunReader(path: $0, split: split) }
            let progress = ProgressBar(total: readers.reduce(0) { $0 + progressSteps(kind.needs, $1) }, label: "compare")
            let options = chartOptions.options(bins: estimator.bins)
            let data = try readers.map { try DataStage.gather($0, needs: kind.needs, options: options,
                                                              estimator: estimator.chosen, progress: progress) }
            if kind.needs.measures { warnIfSaturated(data, estimator: estimator.chosen) }
            let drawn = kind.init(options: options)
            let blocks = data.map { drawn.block($0, scaledWith: data, request: request) }
            let keys = titleKeys.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            let titles = data.count > 1 || keys != nil ? Comparison.titles(data, keys: keys) : nil
            let figure = Comparison.figure(blocks, titles: titles, columns: cols ?? Comparison.columns(for: blocks),
                                           request: request, figureSize: request.style.figureSize)
            try FigureWriter.write(figure, to: target)
        }
    }
}
