import ArgumentParser
import DneckCore
import DneckPipeline
import DneckPlotters
import Foundation

@main
struct DneckPlot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dneck-plot",
        abstract: "Information-bottleneck artifacts from a training run logged to HDF5.",
        discussion: """
        Reads a dneck run file (one HDF5 file with /train and /test) or a deep-bottleneck \
        per-split dump (labels from --labels FILE.npy or <stem>_labels.npy beside it).

        Examples:
          dneck-plot infoplane run.h5
          dneck-plot infoplane run.h5 --split test -o plane.pdf
          dneck-plot measures run.h5 -o measures.csv
          dneck-plot movie run.h5 -o plane.mp4
          dneck-plot activations run.h5 --log-counts
          dneck-plot charts run.h5 -d figures
          dneck-plot watch run.h5 -o live
          dneck-plot compare tanh.h5 relu.h5 -o planes.png
          dneck-plot infoplane seed0.h5 seed1.h5 seed2.h5 --aggregate median --spread iqr --runs
          dneck-plot infoplane run.h5 --estimator kde --noise-variance 0.1
          dneck-plot mi-epochs run.h5 --bins 30 --adaptive
          dneck-plot health run.h5 --bins 30
          dneck-plot entropy-bias -o bias.png run.h5
        """,
        subcommands: [AllCommand.self, WatchCommand.self, MeasuresCommand.self, ChartsCommand.self, CompareCommand.self]
            + PlotterRegistry.plotters.map { $0.command })

    /// Reads the command line (chart options and negative numbers prepared first) and runs it.
    static func main() {
        do {
            let arguments = try ChartArgumentSplitter.prepare(Array(CommandLine.arguments.dropFirst()),
                                                              commands: configuration.subcommands)
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Runs `body`, turning a `DneckError` into one line on stderr and exit status 1; the
/// warnings `body` held are written once it succeeds.
func reportingErrors(_ body: () throws -> Void) throws {
    TemporaryFiles.removeOnSignals()
    ReadLimits.capAddressSpace()
    reuseFreedMemory()
    do {
        try body()
        PendingWarnings.shared.flush()
    } catch let error as DneckError {
        FileHandle.standardError.write(Data("dneck-plot: error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
