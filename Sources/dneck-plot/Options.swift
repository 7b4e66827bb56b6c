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
        guard binSize > 0, binSize.isFinite, binSize <= 1e6 else { throw ValidationError("--bin-size must be a number above 0 and at most 1e6") }
    }

    var estimator: BinningEstimator { BinningEstimator(binSize: binSize) }
}

/// How a figure looks: dpi, style files, colormap.
struct LookOptions: ParsableArguments {
    @Option(help: "Raster resolution in dots per inch (10 to 2400).")
    var dpi: Double = 150

    @Option(help: "Colormap: \(Colormap.names.joined(separator: ", ")) (default: the style's, else gnuplot for epochs and viridis for heatmaps).")
    var colormap: String?

    @Option(help: "A style: a JSON file or the name of one in styles/ (default, paper, slides); repeat to apply several, left to right.")
    var style: [String] = []

    func validate() throws {
        guard dpi >= 10, dpi <= 2400 else { throw ValidationError("--dpi must be between 10 and 2400") }
        if let colormap, Colormap.named(colormap) == nil {
            throw ValidationError("unknown colormap '\(colormap)'; known: \(Colormap.names.joined(separator: ", "))")
        }
    }

    func request() throws -> FigureRequest {
        FigureRequest(style: try Style.load(style), dpi: dpi, colormap: colormap.flatMap(Colormap.named))
    }
}

/// Options of the charts, shared by every chart command, `charts` and `compare`.
struct ChartOptionGroup: ParsableArguments {
    @Option(help: "Histogram bins (activations, single-neuron; 2 to 500).")
    var bins = 30
    @Flag(name: .customLong("log-counts"), help: "Logarithmic colour scale of counts (activations, single-neuron).")
    var logCounts = false
    @Flag(name: .customLong("log-epochs"), help: "Logarithmic epoch axis (accuracy, activity, movie).")
    var logEpochs = false
    @Option(name: .customLong("max-neurons"), help: "Neurons shown per layer; wider layers show their first ones (single-neuron; 1 to 200).")
    var maxNeurons = 30
    @Option(help: "Fixed information-plane x limits LO:HI in bits (infoplane).")
    var xlim: String?
    @Option(help: "Fixed information-plane y limits LO:HI in bits (infoplane).")
    var ylim: String?
    @Flag(name: .customLong("log-epoch-colors"), help: "Colour epochs by log(epoch + 1), so early epochs of long runs stand apart (infoplane).")
    var logEpochColors = false

    func validate() throws {
        guard (2...500).contains(bins) else { throw ValidationError("--bins must be between 2 and 500") }
        guard (1...200).contains(maxNeurons) else { throw ValidationError("--max-neurons must be between 1 and 200") }
        _ = try parseLimits(xlim, name: "--xlim")
        _ = try parseLimits(ylim, name: "--ylim")
    }

    var options: ChartOptions {
        var options = ChartOptions()
        options.bins = bins
        options.logCounts = logCounts
        options.logEpochs = logEpochs
        options.maxNeurons = maxNeurons
        options.xlim = try? parseLimits(xlim, name: "--xlim")
        options.ylim = try? parseLimits(ylim, name: "--ylim")
        options.logEpochColors = logEpochColors
        return options
    }
}

/// Parses `LO:HI` into a range.
func parseLimits(_ text: String?, name: String, allowEqual: Bool = false) throws -> ClosedRange<Double>? {
    guard let text else { return nil }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
    guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, abs(lo) <= 1e12, abs(hi) <= 1e12,
          allowEqual ? lo <= hi : lo < hi else {
        throw ValidationError("\(name) takes LO:HI with LO < HI, both within ±1e12, e.g. 0:12")
    }
    return lo...hi
}
