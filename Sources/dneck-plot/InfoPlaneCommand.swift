import ArgumentParser
import DneckCairo
import DneckCore
import DneckPlotters
import Foundation

struct InfoPlaneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infoplane",
        abstract: InfoPlanePlotter.summary,
        discussion: """
        One point per layer per logged epoch, coloured by epoch; the format follows the \
        extension of -o (.png, .svg, .pdf).

        Examples:
          dneck-plot infoplane run.h5                          # infoplane_train.png
          dneck-plot infoplane run.h5 --split test --colormap viridis -o plane_test.svg
          dneck-plot infoplane run.h5 --log-epoch-colors -o plane.png
          dneck-plot infoplane run_train.h5 --labels run_train_labels.npy --xlim 0:12 --ylim 0:1
        """)

    @OptionGroup var source: RunOptions
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions

    @Option(help: "Fixed x-axis limits LO:HI in bits.")
    var xlim: String?
    @Option(help: "Fixed y-axis limits LO:HI in bits.")
    var ylim: String?

    @Flag(name: .customLong("log-epoch-colors"), help: "Colour epochs by log(epoch + 1), so early epochs of long runs stand apart.")
    var logEpochColors = false

    @Option(name: .shortAndLong, help: "Output file (default: infoplane_<split>.png).")
    var output: String?

    func validate() throws {
        _ = try parseLimits(xlim, name: "--xlim")
        _ = try parseLimits(ylim, name: "--ylim")
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? "infoplane_\(source.split.rawValue).png")
            _ = try FigureWriter.format(of: target)
            let reader = try source.reader()
            let request = try look.request(reader: reader, estimator: estimator.estimator, progressLabel: "infoplane",
                                           steps: reader.epochs.count * reader.layerCount)
            let plotter = InfoPlanePlotter(xlim: try parseLimits(xlim, name: "--xlim"), ylim: try parseLimits(ylim, name: "--ylim"),
                                           logEpochColors: logEpochColors)
            try FigureWriter.write(try plotter.figure(request), to: target)
        }
    }
}
