import DneckCore
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation

/// Writes one `dneck-plot: warning: …` line on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("dneck-plot: warning: \(message)\n".utf8))
}

/// Gathers what `needs` asks of every run of `readers` (the epochs `select` keeps of each) and,
/// for several runs, aggregates them with `statistic`; warns once about epochs some runs lack
/// and once about saturated layers.
func gatherRuns(_ readers: [RunReader], needs: ChartNeeds, options: ChartOptions, estimator: any MIEstimator,
                statistic: AggregateStatistic, label: String, select: (RunReader) -> [Int]? = { _ in nil }) throws -> RunData {
    let progress = ProgressBar(total: readers.reduce(0) { $0 + progressSteps(needs, $1, epochs: select($1)?.count) }, label: label)
    let runs = try readers.map {
        try DataStage.gather($0, needs: needs, options: options, estimator: estimator, epochs: select($0), progress: progress)
    }
    let data = try DataStage.aggregate(runs, statistic: statistic)
    if let missing = data.ensemble?.aggregate.missingEpochs, !missing.isEmpty {
        warn("epoch\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) not logged by every run: left out of the \(statistic.rawValue)")
    }
    if needs.measures { warnIfSaturated(data) }
    return data
}

/// One line naming the layers whose estimate saturates, with the fixes.
func warnIfSaturated(_ data: RunData) {
    let layers = data.saturatedLayers
    guard !layers.isEmpty else { return }
    let runs = data.ensemble.map { "\($0.runs.count) runs" } ?? data.file
    warn("\(runs): layer\(layers.count == 1 ? "" : "s") \(layers.map(String.init).joined(separator: ", ")) saturated "
         + "(I(X;M) = log2 N in more than half of the epochs: every sample its own state, \(data.estimator)); "
         + "try a larger --bin-size, --bins 30 --adaptive or --estimator kde")
}
