import ArgumentParser
import DneckCore
import DneckMeasures
import DneckPlotters
import Foundation

struct MeasuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measures",
        abstract: "Write I(X;M) and I(Y;M) per epoch and layer as CSV.",
        discussion: """
        Columns: epoch,layer,MI_XM,MI_YM (bits, 17 significant digits), epochs in numeric order; \
        then MI_XM_lower,MI_YM_lower with --estimator kde; then states,saturated_X,saturated_Y \
        with --health. Several runs: run,epoch,layer,MI_XM,MI_YM, first the aggregated rows \
        (run = mean or median, over the epochs every run logged), then each run's own rows \
        (run = its 0-based position on the command line).

        Examples:
          dneck-plot measures run.h5 --split test --bin-size 0.07 -o measures_test.csv
          dneck-plot measures run.h5 --bins 30 --adaptive --health -o adaptive.csv
          dneck-plot measures run.h5 --estimator kde --noise-variance 0.1 -o kde.csv
          dneck-plot measures seed0.h5 seed1.h5 seed2.h5 --aggregate mean -o seeds.csv
        """)

    @OptionGroup var source: RunOptions
    @OptionGroup var estimator: EstimatorOptions
    @Option(help: "How several runs become one row per epoch and layer: mean or median.")
    var aggregate: AggregateStatistic = .median
    @Flag(help: "Add the columns states, saturated_X and saturated_Y (estimator health; one run).")
    var health = false

    @Option(name: .shortAndLong, help: "Output CSV (default: information_measures_<split>.csv).")
    var output: String?

    func validate() throws {
        if health, source.runs.count > 1 { throw ValidationError("--health takes one run file") }
    }

    func run() throws {
        try reportingErrors {
            let readers = try source.readers()
            let target = URL(fileURLWithPath: output ?? "information_measures_\(source.split.rawValue).csv")
            let data = try gatherRuns(readers, needs: ChartNeeds(measures: true), options: ChartOptions(),
                                      estimator: estimator.chosen, statistic: aggregate, label: "measures")
            if let ensemble = data.ensemble {
                try AtomicOutput.write(text: ensemble.aggregate.csv(runs: ensemble.runs), to: target)
            } else {
                try AtomicOutput.write(text: data.measures!.csv(health: health), to: target)
            }
        }
    }
}
