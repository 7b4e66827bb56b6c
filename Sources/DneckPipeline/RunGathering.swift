import DneckCore
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation

/// Warnings held until the command has written its artifact: a command that fails prints
/// its one error line and nothing else.
public final class PendingWarnings: @unchecked Sendable {
    public static let shared = PendingWarnings()
    private let lock = NSLock()
    private var lines: [String] = []

    /// Holds `line` unless it is held already (several estimators may find the same thing).
    public func add(_ line: String) { lock.lock(); if !lines.contains(line) { lines.append(line) }; lock.unlock() }

    /// Drops every held warning: they were about artifacts since made again (`watch`).
    public func discard() {
        lock.lock(); _ = DataWarnings.shared.take(); lines = []; lock.unlock()
    }

    /// Writes every held warning on stderr, once.
    public func flush() {
        lock.lock(); let held = DataWarnings.shared.take() + lines; lines = []; lock.unlock()
        for line in held { FileHandle.standardError.write(Data("dneck-plot: warning: \(line)\n".utf8)) }
    }
}

/// Holds one `dneck-plot: warning: …` line for stderr, written once the command succeeds.
public func warn(_ message: String) { PendingWarnings.shared.add(message) }

/// What `needs` asks of every run of `readers` (the epochs `select` keeps of each), once per
/// estimator of `estimators` (`result[e][r]`: run r by estimator e), behind one progress bar.
public func gatherEach(_ readers: [RunReader], needs: ChartNeeds, estimators: [any MIEstimator], label: String,
                       select: (RunReader) throws -> [Int]? = { _ in nil },
                       table: (RunReader, any MIEstimator) throws -> MeasuresTableFile? = { _, _ in nil }) throws -> [[RunData]] {
    let selected = try readers.map(select)
    let steps = zip(readers, selected).reduce(0) { $0 + needs.progressSteps($1.0, epochs: $1.1?.count) }
    let progress = ProgressBar(total: estimators.count * steps, label: label)
    defer { progress.finish() }
    return try estimators.map { estimator in
        try zip(readers, selected).map { reader, epochs in
            let given = needs.measures ? try table(reader, estimator) : nil
            let data = try DataStage.gather(reader, needs: needs, estimator: estimator, epochs: epochs, progress: progress, table: given)
            let chosen = (epochs ?? reader.epochs).count
            if let given, data.epochs.count < chosen {
                FileHandle.standardError.write(Data("dneck-plot: note: \(given.path) holds \(data.epochs.count) of the \(chosen) epochs chosen of \(reader.file) (\(reader.split.rawValue)): the others are left out\n".utf8))
            }
            return data
        }
    }
}

/// Gathers what `needs` asks of every run of `readers` (the epochs `select` keeps of each) and,
/// for several runs, aggregates them with `statistic`; warns once about epochs some runs lack
/// and once about saturated layers.
public func gatherRuns(_ readers: [RunReader], needs: ChartNeeds, estimator: any MIEstimator,
                statistic: AggregateStatistic, label: String, select: (RunReader) throws -> [Int]? = { _ in nil },
                table: (RunReader, any MIEstimator) throws -> MeasuresTableFile? = { _, _ in nil }) throws -> RunData {
    let runs = try gatherEach(readers, needs: needs, estimators: [estimator], label: label, select: select, table: table)[0]
    let data = try DataStage.aggregate(runs, statistic: statistic)
    if let missing = data.ensemble?.aggregate.missingEpochs, !missing.isEmpty {
        warn("epoch\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) not logged by every run: left out of the \(statistic.rawValue)")
    }
    if needs.measures {
        warnIfSaturated([data], estimator: estimator)
        report(data.estimateNotes, estimator: estimator, rows: readers.map { $0.labels.count }.max() ?? 0)
    }
    return data
}

/// The note that estimates used a random subset (on stderr now), and the warnings that EDGE
/// capped some terms at U, that many points were tied (KSG) and that the labels are one class (held until the command succeeds).
public func report(_ notes: EstimateNotes, estimator: any MIEstimator, rows: Int) {
    let descriptor = estimator.descriptor
    if let note = descriptor.subsetNote(notes, summary: estimator.summary, rows: rows) {
        FileHandle.standardError.write(Data("dneck-plot: note: \(note)\n".utf8))
    }
    if let warning = descriptor.capWarning(notes, summary: estimator.summary) { warn(warning) }
    if let warning = descriptor.tieWarning(notes, summary: estimator.summary) { warn(warning) }
    if notes.oneClass { warn("every label of the split is one class: H(Y) = 0, so I(Y;M) = 0 at every point") }
}

/// One line naming the runs and layers whose estimate saturates, with the fixes for `estimator`.
public func warnIfSaturated(_ runs: [RunData], estimator: any MIEstimator) {
    let named = runs.compactMap { run -> String? in
        let layers = run.saturatedLayers
        guard !layers.isEmpty else { return nil }
        let name = run.ensemble.map { "\($0.runs.count) runs" } ?? run.file
        return "\(name) (\(run.split.rawValue)): layer\(layers.count == 1 ? "" : "s") \(layers.map(String.init).joined(separator: ", "))"
    }
    guard !named.isEmpty else { return }
    warn(named.joined(separator: "; ") + " saturated (I(X;M) = log2 N in more than half of the epochs: every sample "
         + "its own state, \(estimator.summary)); try " + estimator.saturationRemedy)
}

