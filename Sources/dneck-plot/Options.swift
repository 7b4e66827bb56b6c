import ArgumentParser
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation

extension Split: ExpressibleByArgument {}

/// The run to read: shared by every command.
struct RunOptions: ParsableArguments {
    @Argument(help: "Run file: a dneck run file or a deep-bottleneck per-split dump (.h5).")
    var run: String

    @Option(help: "Split to read (a deep-bottleneck dump is one split already).")
    var split: Split = .train

    @Option(help: "Class labels as a 1-D integer NumPy .npy file (default for a deep-bottleneck dump: <stem>_labels.npy).")
    var labels: String?

    func reader() throws -> RunReader {
        try RunReader(path: run, split: split, labelsPath: labels)
    }
}

/// Options of the binning estimator.
struct EstimatorOptions: ParsableArguments {
    @Option(name: .customLong("bin-size"), help: "Bin width of the binning estimator, in activation units.")
    var binSize: Double = 0.07

    func validate() throws {
        guard binSize > 0, binSize.isFinite else { throw ValidationError("--bin-size must be a positive number") }
    }

    var estimator: BinningEstimator { BinningEstimator(binSize: binSize) }
}

/// How a figure looks: dpi, style files, colormap.
struct LookOptions: ParsableArguments {
    @Option(help: "Raster resolution in dots per inch.")
    var dpi: Double = 150

    @Option(help: "Colormap: \(Colormap.names.joined(separator: ", ")) (default: the style's, else gnuplot for epochs and viridis for heatmaps).")
    var colormap: String?

    @Option(help: "A JSON style file (see styles/); repeat to apply several, left to right.")
    var style: [String] = []

    func validate() throws {
        guard dpi >= 10, dpi <= 2400 else { throw ValidationError("--dpi must be between 10 and 2400") }
        if let colormap, Colormap.named(colormap) == nil {
            throw ValidationError("unknown colormap '\(colormap)'; known: \(Colormap.names.joined(separator: ", "))")
        }
    }

    func request(reader: RunReader, estimator: any MIEstimator = BinningEstimator(), progressLabel: String,
                 steps: Int) throws -> PlotRequest {
        let style = try Style.load(self.style)
        return PlotRequest(reader: reader, style: style, dpi: dpi, colormap: colormap.flatMap(Colormap.named),
                           estimator: estimator, progress: ProgressBar(total: steps, label: progressLabel))
    }
}

/// Parses `LO:HI` into a range.
func parseLimits(_ text: String?, name: String, allowEqual: Bool = false) throws -> ClosedRange<Double>? {
    guard let text else { return nil }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
    guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, allowEqual ? lo <= hi : lo < hi else {
        throw ValidationError("\(name) takes LO:HI with LO < HI, e.g. 0:12")
    }
    return lo...hi
}
