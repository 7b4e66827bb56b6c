import ArgumentParser
import DneckCore
import DneckMeasures
import DneckPipeline
import DneckPlotters
import Foundation

struct MeasuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measures",
        abstract: "Write I(X;M) and I(Y;M) per epoch and layer as CSV.",
        discussion: """
        Columns: epoch,layer,MI_XM,MI_YM (bits, 17 significant digits), epochs in numeric order; \
        then MI_XM_lower,MI_YM_lower with --estimator kde; then states,saturated_X,saturated_Y \
        with --health (and tied_fraction with --estimator ksg). Several runs: run,epoch,layer,MI_XM,MI_YM, first the aggregated rows \
        (run = mean or median, over the epochs every run logged), then each run's own rows \
        (run = its 0-based position on the command line). --estimator hsic: HSIC_XM,HSIC_YM \
        (HSIC(M, X), HSIC(M, Y); no unit) instead of MI_XM,MI_YM. Several estimators \
        (--estimator binning,hsic,renyi): one CSV with the estimator's name as first column, \
        the rows of each estimator in the order given, and generic value columns XM,YM \
        (then XM_lower,YM_lower, the health columns; a cell an estimator has not is empty).

        Examples:
          dneck-plot measures run.h5 --split test --bin-size 0.07 -o measures_test.csv
          dneck-plot measures run.h5 --bins 30 --adaptive --health -o adaptive.csv
          dneck-plot measures run.h5 --estimator kde --noise-variance 0.1 -o kde.csv
          dneck-plot measures seed0.h5 seed1.h5 seed2.h5 --aggregate mean -o seeds.csv
          dneck-plot measures run.h5 --estimator hsic --sigma median -o hsic.csv
          dneck-plot measures run.h5 --estimator binning,kde-upper,hsic,renyi,edge -o all.csv
        """)

    @OptionGroup var source: RunSource
    @OptionGroup var estimator: EstimatorOptions
    @Option(help: "How several runs become one row per epoch and layer: mean or median.")
    var aggregate: AggregateStatistic = .median
    @Flag(help: "Add the columns states, saturated_X and saturated_Y, and tied_fraction for ksg (estimator health; one run).")
    var health = false

    @Option(name: .shortAndLong, help: "Output CSV (default: information_measures_<split>.csv).")
    var output: String?

    func validate() throws {
        try source.check(.aggregated, command: "measures")
        if health, source.runs.count > 1 { throw ValidationError("--health takes one run file") }
        try estimator.check(for: "measures", list: true)
        try source.reading.checkInputs(readBy: estimator.all, command: "measures")
    }

    func run() throws {
        try reportingErrors {
            let readers = try source.readers()
            let target = URL(fileURLWithPath: output ?? "information_measures_\(source.split.rawValue).csv")
            let tables = try estimator.all.map { chosen in
                let data = try gatherRuns(readers, needs: ChartNeeds(estimates: .any), estimator: chosen, statistic: aggregate,
                                          label: "measures", select: source.reading.selectedEpochs)
                let rows = (data.ensemble.map { $0.aggregate.rows(runs: $0.runs) } ?? data.measures!.rows(health: health)).naming(layers: data.layerNames)
                return (descriptor: chosen.descriptor, rows: rows)
            }
            let csv = tables.count == 1 ? tables[0].rows.csv(quantity: tables[0].descriptor.quantity)
                : MeasureRows.csv(tables.map { (estimator: $0.descriptor.name, rows: $0.rows) })
            try AtomicOutput.write(text: csv, to: target)
        }
    }
}
