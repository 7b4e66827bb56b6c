import ArgumentParser
import DneckCore
import DneckMeasures
import Foundation

struct MeasuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measures",
        abstract: "Write I(X;M) and I(Y;M) per epoch and layer as CSV (binning estimator).",
        discussion: """
        Columns: epoch,layer,MI_XM,MI_YM (bits, 17 significant digits), epochs in numeric order.

        Example:
          dneck-plot measures run.h5 --split test --bin-size 0.07 -o measures_test.csv
        """)

    @OptionGroup var source: RunOptions
    @OptionGroup var estimator: EstimatorOptions

    @Option(name: .shortAndLong, help: "Output CSV (default: information_measures_<split>.csv).")
    var output: String?

    func run() throws {
        try reportingErrors {
            let reader = try source.reader()
            let target = URL(fileURLWithPath: output ?? "information_measures_\(source.split.rawValue).csv")
            let progress = ProgressBar(total: reader.epochs.count * reader.layerCount, label: "measures")
            let table = try InformationMeasures.compute(reader, estimator: estimator.estimator, progress: progress)
            try AtomicOutput.write(text: table.csv(), to: target)
        }
    }
}
