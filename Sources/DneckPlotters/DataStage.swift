import DneckCore
import DneckIO
import DneckMeasures
import Foundation

/// The data of one run's split that charts draw, gathered once for all of them.
public struct RunData: Sendable {
    /// The run file, as given.
    public let file: String
    public let split: Split
    /// The run's configuration keys and values (JSON values as text), empty when it logs none.
    public let config: [String: String]
    public let epochs: [Int]
    public let layerCount: Int
    /// Units of each layer (empty when not read), which runs aggregated into one must share.
    public var layerWidths: [Int] = []
    public let sampleCount: Int
    public let measures: MeasureTable?
    public let survey: ActivationSurvey?
    /// One per epoch of `epochs`, with the fields some chart asked for.
    public let records: [EpochRecord]?
    /// Each layer's drift-to-diffusion transition, from `records`' gradients (none without them).
    public let snrPhases: SNRPhases?
    /// Which estimator and parameters made `measures`, for figure footers.
    public let estimator: String
    /// What the two coordinates of `measures` are (information in bits, or HSIC).
    public var quantity: PlaneQuantity = .bits
    /// What the estimator did that the user should hear of (subsets, capped terms).
    public var estimateNotes = EstimateNotes()
    /// The estimator's cap (EDGE's U), which the planes draw when an estimate sat at it
    /// (`estimateNotes.hitCap`).
    public var cap: EstimatorCap?
    /// When `measures` aggregate several runs: those runs and how they spread.
    public var ensemble: Ensemble?
    /// The entropy-bias analysis of activation functions, when a chart asked for it.
    public var entropyBias: EntropyBias?
    /// Logged epochs left out because their data could not be used (`DataStage.gatherUsable`).
    public var leftOutEpochs: [Int] = []
    /// The layers' names when the run names them (`layer_names`), nil otherwise.
    public var layerNames: [String]?

    /// How figures and tables name layer `i`: `Layer 2`, or `Layer 2 (fc2)` when the run names it.
    public func layerName(_ i: Int) -> String {
        guard let names = layerNames, i < names.count, !names[i].isEmpty else { return "Layer \(i)" }
        return "Layer \(i) (\(names[i]))"
    }
    /// The run's layers measured as that analysis measures the functions, when it was asked for.
    public var layerEntropies: LayerEntropies?
    /// The information-bottleneck curve of the run's stochastic labels and the dataset they
    /// came from (`train/label_probs`), when a chart asked for it and the run has them.
    public var ibCurve: (curve: IBCurve, dataset: String)?

    public init(file: String, split: Split, config: [String: String] = [:], epochs: [Int], layerCount: Int, sampleCount: Int,
                measures: MeasureTable? = nil, survey: ActivationSurvey? = nil, records: [EpochRecord]? = nil,
                estimator: String = "") {
        self.file = file; self.split = split; self.config = config; self.epochs = epochs; self.layerCount = layerCount
        self.sampleCount = sampleCount; self.measures = measures; self.survey = survey; self.records = records
        snrPhases = records.map(SNRPhases.init)
        self.estimator = estimator
    }

    /// The file name without folders, for titles.
    public var fileName: String { URL(fileURLWithPath: file).lastPathComponent }
}

/// Several runs' measures aggregated into one (the `measures` of the `RunData` that holds it).
public struct Ensemble: Sendable {
    public let aggregate: RunAggregate
    /// Each run's own measures, in command-line order.
    public let runs: [MeasureTable]
    /// The run files, in the same order.
    public let files: [String]

    /// The footer line: "median of 5 runs, band: interquartile range".
    public func footer(spread: SpreadKind) -> String {
        "\(aggregate.statistic.rawValue) of \(aggregate.runCount) runs, band: \(spread.description)"
    }
}

/// Reads and measures what charts need, in the passes the survey shares, and checks it before
/// anything is drawn: a dataset a chart cannot do without is an error naming the file and the
/// dataset, made here and nowhere else.
public enum DataStage {
    /// The data of `reader`'s split for charts with `needs`.
    /// - Parameter epochs: the logged epochs to use (all when nil).
    /// - Parameter cache: what was made of this split before, with this estimator (see `SplitCache`).
    /// - Parameter table: the measures, read from a table `estimator` made (`--measures`), instead
    ///   of measured: only the epochs it holds are used, and the footer names the table.
    public static func gather(_ reader: RunReader, needs: ChartNeeds,
                              estimator: any MIEstimator = BinningEstimator(), epochs: [Int]? = nil,
                              progress: ProgressBar? = nil, cache: SplitCache? = nil, table: MeasuresTableFile? = nil) throws -> RunData {
        var epochs = epochs ?? reader.epochs
        if needs.measures, let refusal = needs.estimates.refusal(estimator) {
            throw DneckError.invalidOption(name: "--estimator", detail: refusal)
        }
        let given = needs.measures ? try table.map { try $0.table(of: reader, epochs: epochs) } : nil
        epochs = given?.epochs ?? epochs
        // X before any work: a run without it fails at once, naming the dataset.
        let inputs = needs.measures && estimator.needsInputs && given == nil ? try reader.requiredInputs() : nil
        let quantity = estimator.descriptor.quantity
        let survey = needs.survey.isEmpty ? nil
            : try ActivationSurvey.gather(reader, parts: needs.survey, bins: needs.histogramBins,
                                          neuronsPerLayer: needs.neuronsPerLayer, epochs: epochs, progress: progress,
                                          cache: cache?.survey)
        var measured: (table: MeasureTable, notes: EstimateNotes)?
        if let given {
            var notes = EstimateNotes()
            notes.oneClass = Set(reader.labels).count == 1
            measured = (given, notes)
        } else if needs.measures {
            let outcome = try InformationMeasures.compute(reader, estimator: estimator, inputs: inputs, epochs: epochs,
                                                          progress: progress, cache: cache?.measures)
            measured = (outcome.table, outcome.notes)
        }
        let records = needs.records.isEmpty ? nil : try epochs.map { try reader.record(epoch: $0, fields: needs.records) }
        var data = RunData(file: reader.file, split: reader.split, config: try configuration(reader), epochs: epochs,
                           layerCount: reader.layerCount, sampleCount: reader.labels.count,
                           measures: measured.map { quantity.keepingCeilings($0.table) }, survey: survey,
                           records: records, estimator: estimator.summary + (table.map { ", read from \(URL(fileURLWithPath: $0.path).lastPathComponent)" } ?? ""))
        data.quantity = quantity
        data.layerWidths = reader.layerWidths
        data.estimateNotes = measured?.notes ?? EstimateNotes()
        data.cap = estimator.descriptor.cap
        data.entropyBias = analysis(needs)
        data.layerNames = try layerNames(reader)
        data.layerEntropies = try layerEntropies(reader, needs: needs, epochs: epochs)
        if needs.ibCurve, quantity.bitsCeilings, let rows = try reader.labelProbabilities() {
            data.ibCurve = (IBCurve(rows: rows), reader.labelProbabilitiesPath)
        }
        if let missing = missingRequirement(needs, in: data, reader: reader) { throw missing }
        return data
    }

    /// `gather` over the epochs whose datasets can be used: an epoch holding NaN or ±Inf, a
    /// dataset of the wrong shape or one libhdf5 cannot read is left out, and said with why.
    /// The first bad epoch found costs one more gather; a second one, a checking pass over every
    /// kept epoch that finds all the others at once, so a run that diverged costs at most three
    /// passes, not one per epoch. Throws what no epoch explains, or when no epoch is left.
    public static func gatherUsable(_ reader: RunReader, needs: ChartNeeds, estimator: any MIEstimator = BinningEstimator(),
                                    epochs: [Int]? = nil, progress: ProgressBar? = nil,
                                    cache: SplitCache? = nil) throws -> (data: RunData, leftOut: [LeftOutEpoch]) {
        var kept = epochs ?? reader.epochs, leftOut: [LeftOutEpoch] = []
        func leave(_ error: DneckError) throws {
            guard let epoch = error.datasetPath.flatMap(reader.epoch(ofDataset:)), kept.contains(epoch), kept.count > 1 else { throw error }
            kept.removeAll { $0 == epoch }
            leftOut.append(LeftOutEpoch(split: reader.split, epoch: epoch, reason: error))
        }
        while true {
            do {
                var data = try gather(reader, needs: needs, estimator: estimator, epochs: kept, progress: progress, cache: cache)
                data.leftOutEpochs = leftOut.map(\.epoch).sorted()
                return (data, leftOut)
            } catch let error as DneckError {
                try leave(error)
                guard leftOut.count == 2 else { continue }
                for epoch in kept {
                    do { try check(reader, epoch: epoch, needs: needs) } catch let error as DneckError { try leave(error) }
                }
            }
        }
    }

    /// Reads every dataset of `epoch` that `needs` uses, checking its values.
    private static func check(_ reader: RunReader, epoch: Int, needs: ChartNeeds) throws {
        if needs.measures || !needs.survey.isEmpty {
            for layer in 0..<reader.layerCount { _ = try reader.activations(epoch: epoch, layer: layer) }
        }
        if !needs.records.isEmpty { _ = try reader.record(epoch: epoch, fields: needs.records) }
    }

    /// The data of charts with `needs` drawn without a run (the entropy-bias analysis alone).
    public static func withoutRun(needs: ChartNeeds, split: Split) -> RunData {
        var data = RunData(file: "", split: split, epochs: [], layerCount: 0, sampleCount: 0)
        data.entropyBias = analysis(needs)
        return data
    }

    /// The entropy-bias analysis `needs` asks for.
    private static func analysis(_ needs: ChartNeeds) -> EntropyBias? {
        needs.entropyBias.map { EntropyBias(samples: $0.samples, bins: $0.bins, seed: $0.seed) }
    }

    /// Each layer of `reader`'s run at the last of `epochs`, measured as the entropy-bias
    /// analysis `needs` asks for measures the functions (the same histogram bins).
    private static func layerEntropies(_ reader: RunReader, needs: ChartNeeds, epochs: [Int]) throws -> LayerEntropies? {
        guard let bins = needs.entropyBias?.bins, let last = epochs.max() else { return nil }
        return LayerEntropies(epoch: last, layers: try (0..<reader.layerCount).map { layer in
            EntropyBias.meanUnitEntropy(try reader.activations(epoch: last, layer: layer, checkFinite: true), bins: bins)
        })
    }

    /// Several runs' data as one: the measures aggregated per (epoch, layer) with `statistic`
    /// over the epochs every run logged, the first run's file, split and configuration, no
    /// per-epoch records and no survey (a chart of the aggregate draws the measures). One run
    /// is returned as it is. Throws when the runs' layer counts or the widths of a layer differ
    /// (naming both files, and the layer).
    public static func aggregate(_ runs: [RunData], statistic: AggregateStatistic) throws -> RunData {
        guard runs.count > 1, let first = runs.first else { return runs[0] }
        let tables = runs.map { $0.measures ?? MeasureTable(points: []) }
        let aggregate = try RunAggregate(tables, files: runs.map(\.file), statistic: statistic)
        for run in runs.dropFirst() {
            guard let layer = zip(run.layerWidths, first.layerWidths).enumerated().first(where: { $1.0 != $1.1 })?.offset else { continue }
            let units = { (n: Int) in "\(n) unit\(n == 1 ? "" : "s")" }
            throw DneckError.badShape(file: run.file, path: "/", detail: "layer \(layer) has \(units(run.layerWidths[layer])), but in "
                                      + "\(first.file) it has \(units(first.layerWidths[layer])): runs aggregated on one plane need the same layers")
        }
        let epochs = aggregate.table.epochs
        var data = RunData(file: first.file, split: first.split, config: first.config, epochs: epochs,
                           layerCount: first.layerCount, sampleCount: first.sampleCount, measures: aggregate.table,
                           estimator: first.estimator)
        data.layerWidths = first.layerWidths
        data.quantity = first.quantity
        data.layerNames = first.layerNames
        data.estimateNotes = runs.reduce(EstimateNotes()) { $0.merged($1.estimateNotes) }
        data.cap = first.cap
        // One curve for runs of the same stochastic labels; none (the deterministic bound) else.
        data.ibCurve = runs.allSatisfy { $0.ibCurve?.curve == first.ibCurve?.curve } ? first.ibCurve : nil
        data.ensemble = Ensemble(aggregate: aggregate, runs: tables, files: runs.map(\.file))
        return data
    }

    /// The error of the first per-epoch dataset `needs` cannot do without and `data` lacks.
    public static func missingRequirement(_ needs: ChartNeeds, in data: RunData, reader: RunReader) -> DneckError? {
        for required in EpochRecord.Fields.each where needs.requiredRecords.contains(required) {
            for record in data.records ?? [] {
                if let name = RunReader.missingDataset(in: record, fields: required) {
                    return DneckError.missing(file: reader.file, path: reader.datasetPath(epoch: record.epoch, name),
                                              what: "dataset (the chart needs it in every logged epoch)")
                }
            }
        }
        return nil
    }

    /// The run's layer names (version 2: the `layer_names` dataset; version 1: the attribute, a
    /// JSON array): description like the configuration, so names that are not one string per
    /// layer are a warning, and the layers keep their numbers.
    private static func layerNames(_ reader: RunReader) throws -> [String]? {
        let names: [String]?
        if let stored = reader.layerNames {
            names = stored
        } else {
            guard let text = try reader.layerNamesText() else { return nil }
            names = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String]
        }
        guard let names, names.count == reader.layerCount else {
            let stored = reader.layerNames == nil ? "a JSON array of " : ""
            DataWarnings.shared.add("\(reader.file): /layer_names is not \(stored)\(reader.layerCount) strings: the layers are shown by number")
            return nil
        }
        return names
    }

    /// The run's `config` JSON as flat key → value text (nested values as compact JSON); empty
    /// when the run logs none, or logs one that is not a JSON object string (plain text, an
    /// integer): it only describes the run, so that is a warning (`DataWarnings`), not an error.
    private static func configuration(_ reader: RunReader) throws -> [String: String] {
        let object: [String: Any]?
        do {
            guard let text = try reader.configuration() else { return [:] }
            object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        } catch DneckError.badShape {
            object = nil   // not one string
        }
        guard let object else {
            DataWarnings.shared.add("\(reader.file): /config is not a JSON object: the run is titled by its file name")
            return [:]
        }
        var config: [String: String] = [:]
        for (key, value) in object {
            if let string = value as? String { config[key] = string }
            else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
                    let text = String(data: data, encoding: .utf8) { config[key] = text }
        }
        return config
    }
}

/// A logged epoch the data stage left out of every artifact of its split, and why.
public struct LeftOutEpoch: Sendable, Equatable {
    public let split: Split
    public let epoch: Int
    public let reason: DneckError

    /// `epoch 7 of the train split left out: <reason>`.
    public var description: String { "epoch \(epoch) of the \(split.rawValue) split left out of its artifacts: \(reason)" }
}

/// Warnings about runs' data that `DataStage` meets while gathering, each held once (however
/// often the run is gathered) until the executable prints them with its own.
public final class DataWarnings: @unchecked Sendable {
    public static let shared = DataWarnings()
    private let lock = NSLock()
    private var seen: Set<String> = []
    private var held: [String] = []

    func add(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        if seen.insert(line).inserted { held.append(line) }
    }

    /// The warnings held, in order; each is handed out once.
    public func take() -> [String] {
        lock.lock(); defer { held = []; lock.unlock() }
        return held
    }
}

extension ChartNeeds {
    /// Steps of the progress bar for gathering these needs from `epochs` epochs (all when nil)
    /// of `reader`: two passes of the survey and one of the measures over every layer.
    public func progressSteps(_ reader: RunReader, epochs: Int? = nil) -> Int {
        let work = (epochs ?? reader.epochs.count) * reader.layerCount
        return (survey.isEmpty ? 0 : 2 * work) + (measures ? work : 0)
    }
}
