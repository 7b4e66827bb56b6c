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
    @Flag(help: "Add the columns states, saturated_X and saturated_Y (estimator health; one run).")
    var health = false

    @Option(name: .shortAndLong, help: "Output CSV (default: information_measures_<split>.csv).")
    var output: String?

    func validate() throws {
        try source.check(.aggregated, command: "measures")
        if health, source.runs.count > 1 { throw ValidationError("--health takes one run file") }
        try estimator.check(for: "measures", list: true)
    }

    func run() throws {
        try reportingErrors {
            let readers = try source.readers()
            let target = URL(fileURLWithPath: output ?? "information_measures_\(source.split.rawValue).csv")
            let tables = try estimator.all.map { name, chosen in
                let data = try gatherRuns(readers, needs: ChartNeeds(estimates: .any), estimator: chosen, statistic: aggregate,
                                          label: "measures", select: source.reading.selectedEpochs)
                let csv = data.ensemble.map { $0.aggregate.csv(runs: $0.runs) } ?? data.measures!.csv(health: health)
                return (name: name.rawValue, csv: MeasureColumns.naming(csv, data.quantity))
            }
            try AtomicOutput.write(text: tables.count == 1 ? tables[0].csv : MeasureColumns.combined(tables), to: target)
        }
    }
}

/// The columns of the measures CSV per estimator, and several estimators' tables as one.
enum MeasureColumns {
    /// `csv` with its value columns named for `quantity` (`MI_XM` becomes `HSIC_XM` for HSIC).
    static func naming(_ csv: String, _ quantity: PlaneQuantity) -> String {
        let (header, body) = split(csv)
        let renamed = header.map { column in
            column == "MI_XM" ? quantity.columns[0] : column == "MI_YM" ? quantity.columns[1] : column
        }
        return ([renamed.joined(separator: ",")] + body).joined(separator: "\n") + "\n"
    }

    /// One CSV of several estimators' tables: `estimator` first, then the union of their
    /// columns in order of appearance with the value columns named generically (`XM`, `YM`,
    /// `XM_lower`, …); a cell a table lacks is empty.
    static func combined(_ tables: [(name: String, csv: String)]) -> String {
        let parsed = tables.map { table -> (name: String, header: [String], rows: [[String]]) in
            let (header, body) = split(table.csv)
            return (table.name, header.map(generic), body.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
        }
        var columns: [String] = []
        for column in parsed.flatMap(\.header) where !columns.contains(column) { columns.append(column) }
        var out = (["estimator"] + columns).joined(separator: ",") + "\n"
        for table in parsed {
            let position = Dictionary(uniqueKeysWithValues: table.header.enumerated().map { ($1, $0) })
            for row in table.rows {
                out += ([table.name] + columns.map { position[$0].map { row[$0] } ?? "" }).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// `MI_XM`, `HSIC_XM` → `XM`; other columns as they are.
    private static func generic(_ column: String) -> String {
        for prefix in ["MI_", "HSIC_"] where column.hasPrefix(prefix) { return String(column.dropFirst(prefix.count)) }
        return column
    }

    /// The header's columns and the data lines of `csv`.
    private static func split(_ csv: String) -> (header: [String], body: [String]) {
        let lines = csv.split(separator: "\n").map(String.init)
        return (lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? [], Array(lines.dropFirst()))
    }
}
