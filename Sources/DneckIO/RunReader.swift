import DneckCore
import Foundation

/// Reads one split of a training run, one epoch at a time, from any of its layouts:
///
/// - the dneck run file, version 2 (docs/run-format-v2.md), as the dneck Python package writes
///   it: per split, datasets that grow by one row per logged epoch, readable while the run is
///   written (see `GrowingRun`);
/// - the dneck run file, version 1: root attribute `format = "dneck-run"`, groups `/train` and
///   `/test` each with `labels` and one group per logged epoch;
/// - deep-bottleneck's per-split dump: epoch groups at the root, labels in a `.npy` file.
///
/// The layout is detected from the file's content, never from its name; a dump's split is
/// the one its name ends in (`…_train.h5`, `…_test.h5`). Epochs are sorted numerically.
/// Thread-safe: reads are serialised on libhdf5's lock.
public final class RunReader: @unchecked Sendable {
    /// The layouts a run can come in.
    public enum Layout: String, Sendable {
        case dneckRun = "dneck run file", dneckRunV2 = "dneck run file, version 2", deepBottleneck = "deep-bottleneck dump"
    }

    public let file: String
    public let split: Split
    public let layout: Layout
    /// Logged epochs, ascending.
    public let epochs: [Int]
    /// Class index per sample, in the order of the activation rows.
    public let labels: [Int]
    /// Number of layers with activations (taken from the first logged epoch; every epoch must
    /// have the same layers).
    public let layerCount: Int
    /// Units of each layer at the first logged epoch (every epoch must have the same).
    public let layerWidths: [Int]
    /// The strings of a version 2 run's `layer_names` dataset, as stored (names only describe the
    /// run: their count is not checked here); nil when it has none. Version 1 keeps its names in
    /// an attribute, see `layerNamesText()`.
    public let layerNames: [String]?
    /// The growing datasets of a version 2 run (nil for the other layouts).
    private let growing: GrowingRun?

    private let hdf5: HDF5File
    /// HDF5 path of the group holding the epoch groups ("/train", "/test" or "/").
    private let epochRoot: String
    /// The check that every epoch has the layers of the first (versions 1 and dumps), made when
    /// activations are first read: a chart of per-epoch scalars never walks the activation groups.
    private let everyEpochsLayers: CheckedOnce?

    /// A `.npy` file of the inputs X that `inputs()` reads instead of `<split>/inputs`.
    public let inputsFile: String?

    /// Opens `path`, detects its layout and reads the labels of its split.
    /// - Parameter split: the split asked for (nil: none); see `resolvedSplit`.
    /// - Parameter labelsPath: a `.npy` file of labels; for a deep-bottleneck dump, when nil,
    ///   `<stem>_labels.npy` beside the file is used if it exists.
    /// - Parameter inputsPath: a `.npy` file of the inputs X (read only when asked for).
    public init(path: String, split: Split? = nil, labelsPath: String? = nil, inputsPath: String? = nil) throws {
        file = path
        inputsFile = inputsPath
        hdf5 = try HDF5File(path: path)
        layout = try RunReader.detectLayout(hdf5, file: path)
        let split = try RunReader.resolvedSplit(split, layout: layout, file: path)
        self.split = split
        epochRoot = layout == .deepBottleneck ? "/" : "/" + split.rawValue
        if layout != .deepBottleneck {
            guard try hdf5.kind(epochRoot) == .group else {
                throw DneckError.missing(file: path, path: split.rawValue, what: "group of the '\(split.rawValue)' split")
            }
        }
        if layout == .dneckRunV2 {
            labels = try RunReader.readLabels(hdf5, layout: layout, root: epochRoot, file: path, labelsPath: labelsPath)
            let run = try GrowingRun(hdf5: hdf5, file: path, split: split, sampleCount: labels.count)
            (growing, epochs, layerWidths, layerNames) = (run, run.epochs, run.widths, run.layerNames)
            layerCount = layerWidths.count
            everyEpochsLayers = nil
            return
        }
        (growing, layerNames) = (nil, nil)
        epochs = try RunReader.listEpochs(hdf5, root: epochRoot, file: path)
        labels = try RunReader.readLabels(hdf5, layout: layout, root: epochRoot, file: path, labelsPath: labelsPath)
        let (layers, widths) = try RunReader.firstLayers(hdf5, root: epochRoot, epoch: epochs[0], file: path)
        (layerCount, layerWidths) = (layers.count, widths)
        let (hdf5, root, epochs) = (hdf5, epochRoot, epochs)
        everyEpochsLayers = CheckedOnce { try RunReader.checkLayers(hdf5, root: root, epochs: epochs, first: layers, file: path) }
    }

    /// The activations of one layer at one epoch: one row per sample, checked for shape and
    /// (unless `checkFinite` is false, for data already checked) for NaN/Inf.
    public func activations(epoch: Int, layer: Int, checkFinite: Bool = true) throws -> Matrix {
        let (shape, values) = try growing?.activations(epoch: epoch, layer: layer) ?? epochGroupActivations(epoch: epoch, layer: layer)
        let matrix = RunReader.matrix(shape, values)
        if checkFinite, let error = nonFinite(matrix, epoch: epoch, layer: layer) { throw error }
        return matrix
    }

    /// The activations of `layer` in the group of `epoch` (versions 1 and dumps), checked for shape.
    private func epochGroupActivations(epoch: Int, layer: Int) throws -> (shape: [Int], values: Matrix.Storage) {
        try everyEpochsLayers?.run()
        let path = activationsGroup(epoch) + "/\(layer)"
        planActivations(epoch: epoch)
        let shape: [Int], values: Matrix.Storage
        do {
            (shape, values) = try hdf5.readMatrixValues(path)
        } catch {
            // Tell an absent dataset apart from one libhdf5 cannot read (checked only on failure).
            guard try hdf5.kind(path) == .dataset else {
                throw DneckError.missing(file: file, path: RunReader.display(path), what: "activations dataset")
            }
            throw error
        }
        guard shape.count == 2 else { throw RunReader.notTwoDimensional(file, path, shape) }
        guard shape[0] == labels.count else {
            throw DneckError.badShape(file: file, path: RunReader.display(path),
                                      detail: "has \(shape[0]) rows but there are \(labels.count) labels")
        }
        guard shape[1] == layerWidths[layer] else {
            throw DneckError.badShape(file: file, path: RunReader.display(path),
                                      detail: "has \(shape[1]) units but layer \(layer) has \(layerWidths[layer]) at epoch \(epochs[0]) (every epoch must have the layers of the first)")
        }
        return (shape, values)
    }

    /// The [rows, columns] matrix of `values` read with `shape`.
    private static func matrix(_ shape: [Int], _ values: Matrix.Storage) -> Matrix {
        switch values {
        case .float32(let v): return Matrix(rows: shape[0], columns: shape[1], float32: v)
        case .float64(let v): return Matrix(rows: shape[0], columns: shape[1], values: v)
        }
    }

    /// The network's inputs X of the split: the `inputsFile` when given, else `<split>/inputs`
    /// (float32 or float64 [n, d], rows in the order of the labels); nil when the run has none
    /// (a deep-bottleneck dump never has them). Checked as activations are: element type, rank,
    /// rows = labels, at least one column, finite values, the read limit.
    public func inputs() throws -> Matrix? {
        if let npy = inputsFile {
            let (shape, values) = try NPYReader.readFloatMatrix(path: npy)
            return try checkedInputs(shape: shape, values: values, file: npy, path: "(npy)")
        }
        guard layout != .deepBottleneck else { return nil }
        let path = RunReader.join(epochRoot, "inputs")
        guard let kind = try hdf5.kind(path) else { return nil }
        guard kind == .dataset else {
            throw DneckError.badShape(file: file, path: RunReader.display(path), detail: "inputs must be a dataset")
        }
        let info = try hdf5.datasetInfo(path)
        guard info.element == .float else {
            throw DneckError.badShape(file: file, path: RunReader.display(path), detail: "inputs must be float32 or float64, found \(info.element) values")
        }
        let (shape, values) = try hdf5.readMatrixValues(path)
        return try checkedInputs(shape: shape, values: values, file: file, path: RunReader.display(path))
    }

    /// `inputs()` for an estimator that cannot do without X: a run without them is an error
    /// naming the file and `<split>/inputs` (for a dump, `--inputs FILE.npy`).
    public func requiredInputs() throws -> Matrix {
        if let x = try inputs() { return x }
        if layout == .deepBottleneck {
            throw DneckError.missing(file: file, path: "(inputs)",
                                     what: "inputs X: a deep-bottleneck dump holds none, pass --inputs FILE.npy (a 2-D float array, one row per label)")
        }
        throw DneckError.missing(file: file, path: inputsPath,
                                 what: "dataset of the network's inputs X (float [samples, features]), which the estimator needs")
    }

    /// The inputs of `file` at `path` after the checks every source of X shares.
    private func checkedInputs(shape: [Int], values: Matrix.Storage, file: String, path: String) throws -> Matrix {
        guard shape.count == 2 else {
            throw DneckError.badShape(file: file, path: path, detail: "inputs must be 2-D (samples × features), found shape \(shape)")
        }
        guard shape[0] == labels.count else {
            throw DneckError.badShape(file: file, path: path, detail: "has \(shape[0]) rows but there are \(labels.count) labels")
        }
        guard shape[1] > 0 else { throw DneckError.badShape(file: file, path: path, detail: "inputs have no features (shape \(shape))") }
        let matrix = RunReader.matrix(shape, values)
        if let bad = matrix.firstNonFinite() {
            throw DneckError.nonFinite(file: file, path: path, cell: .init(row: bad.row, column: bad.column), value: bad.value)
        }
        return matrix
    }

    /// Where `inputs()` looks, as messages show it (`train/inputs`).
    public var inputsPath: String { RunReader.display(RunReader.join(epochRoot, "inputs")) }

    /// The split's stochastic labels p(y|x), `<split>/label_probs` (float [n, C], rows in the
    /// order of the labels, each a distribution over the C ≥ 1 + the largest label classes: no
    /// NaN or Inf, none negative, summing to 1 within `labelProbabilityTolerance`); nil when the
    /// run has none (a deep-bottleneck dump never has).
    public func labelProbabilities() throws -> [[Double]]? {
        guard layout != .deepBottleneck else { return nil }
        let path = RunReader.join(epochRoot, "label_probs"), shown = labelProbabilitiesPath
        guard let kind = try hdf5.kind(path) else { return nil }
        func bad(_ detail: String) -> DneckError { .badShape(file: file, path: shown, detail: detail) }
        guard kind == .dataset else { throw bad("label_probs must be a dataset") }
        guard try hdf5.datasetInfo(path).element == .float else { throw bad("label_probs must be float32 or float64") }
        let (shape, values) = try hdf5.readMatrixValues(path)
        guard shape.count == 2 else { throw bad("label_probs must be 2-D (samples × classes), found shape \(shape)") }
        guard shape[0] == labels.count else { throw bad("has \(shape[0]) rows but there are \(labels.count) labels") }
        let classes = (labels.max() ?? 0) + 1
        guard shape[1] >= classes else { throw bad("has \(shape[1]) columns but the labels reach class \(classes - 1)") }
        let matrix = RunReader.matrix(shape, values)
        if let nonFinite = matrix.firstNonFinite() {
            throw DneckError.nonFinite(file: file, path: shown, cell: .init(row: nonFinite.row, column: nonFinite.column), value: nonFinite.value)
        }
        let all = matrix.values
        let rows = (0..<shape[0]).map { Array(all[$0 * shape[1]..<($0 + 1) * shape[1]]) }
        for (i, row) in rows.enumerated() {
            if let j = row.firstIndex(where: { $0 < 0 }) { throw bad("p(y|x) is negative at row \(i), column \(j) (\(row[j]))") }
            let sum = row.reduce(0, +)
            guard abs(sum - 1) <= RunReader.labelProbabilityTolerance else { throw bad("row \(i) sums to \(sum), not 1") }
        }
        return rows
    }

    /// How far from 1 a row of `label_probs` may sum (float32 rounding of ten classes is ~1e-6).
    public static let labelProbabilityTolerance = 1e-4

    /// Where `labelProbabilities()` looks, as messages show it (`train/label_probs`).
    public var labelProbabilitiesPath: String { RunReader.display(RunReader.join(epochRoot, "label_probs")) }

    /// The logged epoch whose group holds the dataset `path` (as messages show it; in a version 2
    /// run, whose row of a dataset `path` names), nil for a path outside the epochs' groups.
    public func epoch(ofDataset path: String) -> Int? {
        if growing != nil { return GrowingRun.epoch(ofDisplayed: path).flatMap { epochs.contains($0) ? $0 : nil } }
        let root = RunReader.display(epochRoot)
        let inside = root == "/" ? path : path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : nil
        return inside?.split(separator: "/").first.flatMap { Int($0) }.flatMap { epochs.contains($0) ? $0 : nil }
    }

    /// The error naming the first NaN or ±Inf of `m`, the activations of `layer` at `epoch`
    /// (nil when every value is finite), for callers that check values their own way.
    public func nonFinite(_ m: Matrix, epoch: Int, layer: Int) -> DneckError? {
        m.firstNonFinite().map {
            .nonFinite(file: file, path: activationsPath(epoch: epoch, layer: layer), cell: .init(row: $0.row, column: $0.column), value: $0.value)
        }
    }

    /// The activations of `layer` at `epoch`, as messages show them (`train/7/activations/2`,
    /// `train/activations/2[5] (epoch 7)`).
    private func activationsPath(epoch: Int, layer: Int) -> String {
        growing?.activationsPath(epoch: epoch, layer: layer) ?? RunReader.display(activationsGroup(epoch) + "/\(layer)")
    }

    /// Plans the reads of `epochs`' activations now, on this thread, in order (one libhdf5 walk
    /// per epoch), after the check of every epoch's layers (whose failure the first read
    /// throws). For work so light per epoch that a planner running beside it, as in
    /// `planningAhead`, would only compete with it for the cores and libhdf5's lock: the
    /// activation survey's range sweep.
    public func planActivations(_ epochs: [Int]) {
        try? everyEpochsLayers?.run()
        for epoch in epochs { planActivations(epoch: epoch) }
    }

    /// Runs `body` while a background thread plans the reads of `epochs`' activations in order
    /// (one libhdf5 walk per epoch), so that workers reading them find the plans ready instead of
    /// queueing on libhdf5's lock behind each other. The planner stops when `body` ends.
    public func planningAhead<T>(_ epochs: [Int], _ body: () throws -> T) rethrows -> T {
        let stop = StopFlag()
        let planner = DispatchGroup()
        DispatchQueue.global().async(group: planner) {
            for epoch in epochs where !stop.isSet { self.planActivations(epoch: epoch) }
        }
        defer { stop.set(); planner.wait() }
        return try body()
    }

    /// The in-file path of a dataset of an epoch, as messages show it (e.g. `train/7/gradmean`;
    /// `name` is the dataset's name in a version 1 epoch group, a version 2 run shows where it
    /// keeps that field: `training/gradmean (epoch 7)`).
    public func datasetPath(epoch: Int, _ name: String) -> String {
        guard growing != nil else { return RunReader.display(RunReader.join(epochRoot, "\(epoch)", name)) }
        let v2 = (RunReader.scalarDatasets.first { $0.name == name }?.v2 ?? RunReader.vectorDatasets.first { $0.name == name }?.v2) ?? name
        return GrowingRun.display(v2, row: nil, epoch: epoch)
    }

    /// The scalar measures of one epoch (the groups of `fields`); those the run does not log,
    /// or that were not asked for, are nil.
    /// A version 2 run keeps accuracy and loss per split (training accuracy: `/train`'s, test
    /// accuracy: `/test`'s) and gradient and weight statistics once, in `/training`; NaN there
    /// means not logged (nil).
    public func record(epoch: Int, fields: EpochRecord.Fields = .all) throws -> EpochRecord {
        var record = EpochRecord(epoch: epoch)
        let scalars = RunReader.scalarDatasets.filter { fields.contains($0.fields) }
        let vectors = RunReader.vectorDatasets.filter { fields.contains($0.fields) }
        if let growing {
            for dataset in scalars { record[keyPath: dataset.key] = try growing.scalar(dataset.v2, epoch: epoch) }
            for dataset in vectors { record[keyPath: dataset.key] = try growing.vector(dataset.v2, epoch: epoch) }
            return record
        }
        let group = RunReader.join(epochRoot, "\(epoch)")
        hdf5.preparePlans(inGroup: group, names: scalars.map(\.name) + vectors.map(\.name))
        for dataset in scalars { record[keyPath: dataset.key] = try scalar(group, dataset.name) }
        for dataset in vectors { record[keyPath: dataset.key] = try vector(group, dataset.name) }
        return record
    }

    /// The run's `config` root attribute (JSON text), nil when it has none (a deep-bottleneck dump).
    public func configuration() throws -> String? {
        layout != .deepBottleneck ? try hdf5.stringAttribute("config") : nil
    }

    /// The run's `layer_names` root attribute (a JSON array of strings, one per layer), nil when
    /// it has none (a deep-bottleneck dump never has; version 2 keeps its names in a dataset,
    /// `layerNames`).
    public func layerNamesText() throws -> String? {
        layout == .dneckRun ? try hdf5.stringAttribute("layer_names") : nil
    }

    /// The split a deep-bottleneck dump at `path` holds, by its name; nil for a dneck run file,
    /// a dump whose name says none, or a file that cannot be read (reading it says why).
    public static func ownSplit(of path: String) -> Split? {
        guard let named = namedSplit(path), let hdf5 = try? HDF5File(path: path),
              (try? detectLayout(hdf5, file: path)) == .deepBottleneck else { return nil }
        return named
    }

    /// The first dataset of `fields` that `record` lacks (its name inside the epoch's group).
    public static func missingDataset(in record: EpochRecord, fields: EpochRecord.Fields) -> String? {
        scalarDatasets.first { fields.contains($0.fields) && record[keyPath: $0.key] == nil }?.name
            ?? vectorDatasets.first { fields.contains($0.fields) && (record[keyPath: $0.key]?.isEmpty ?? true) }?.name
    }

    /// Where each field of an `EpochRecord` is logged: `name` inside an epoch's group (version
    /// 1), `v2` the growing dataset of a version 2 run.
    nonisolated(unsafe) private static let scalarDatasets: [(fields: EpochRecord.Fields, name: String, v2: String, key: WritableKeyPath<EpochRecord, Double?>)] = [
        (.accuracy, "accuracy/training", "train/accuracy", \.trainingAccuracy), (.accuracy, "accuracy/test", "test/accuracy", \.testAccuracy),
        (.loss, "loss/training", "train/loss", \.trainingLoss), (.loss, "loss/test", "test/loss", \.testLoss),
    ]
    nonisolated(unsafe) private static let vectorDatasets: [(fields: EpochRecord.Fields, name: String, v2: String, key: WritableKeyPath<EpochRecord, [Double]?>)] = [
        (.gradients, "gradmean", "training/gradmean", \.gradientMean), (.gradients, "gradstd", "training/gradstd", \.gradientStd),
        (.weights, "weights_norm", "training/weights_norm", \.weightNorm),
    ]

    // MARK: - Private

    private func activationsGroup(_ epoch: Int) -> String { RunReader.join(epochRoot, "\(epoch)", "activations") }

    /// Plans the reads of every layer of `epoch` in one walk to its group (a version 2 run has
    /// nothing to plan: its datasets are read a row at a time).
    private func planActivations(epoch: Int) {
        guard growing == nil else { return }
        hdf5.preparePlans(inGroup: activationsGroup(epoch), names: (0..<layerCount).map(String.init))
    }

    private func scalar(_ components: String...) throws -> Double? {
        let path = RunReader.join(components)
        guard let (shape, values) = try hdf5.readDoublesIfPresent(path) else { return nil }
        guard values.count == 1 else {
            throw DneckError.badShape(file: file, path: RunReader.display(path), detail: "expected a scalar, found shape \(shape)")
        }
        guard values[0].isFinite else {
            throw DneckError.nonFinite(file: file, path: RunReader.display(path), cell: nil, value: values[0])
        }
        return values[0]
    }

    /// A per-layer vector: 1-D, one value per layer.
    private func vector(_ components: String...) throws -> [Double]? {
        let path = RunReader.join(components)
        guard let (shape, values) = try hdf5.readDoublesIfPresent(path) else { return nil }
        guard shape.count == 1 else {
            throw DneckError.badShape(file: file, path: RunReader.display(path), detail: "expected one value per layer, found shape \(shape)")
        }
        guard values.count == layerCount else {
            throw DneckError.badShape(file: file, path: RunReader.display(path),
                                      detail: "has \(values.count) values but the run has \(layerCount) layer\(layerCount == 1 ? "" : "s") (one value per layer)")
        }
        return values
    }

    static func detectLayout(_ hdf5: HDF5File, file: String) throws -> Layout {
        if let format = try hdf5.stringAttribute("format") {
            guard format == "dneck-run" else {
                throw DneckError.unknownLayout(file: file, detail: "attribute 'format' is '\(format)', expected 'dneck-run'")
            }
            switch try hdf5.integerAttribute("format_version") {
            case 1: return .dneckRun
            case 2: return .dneckRunV2
            case let version:
                throw DneckError.badShape(file: file, path: "/", detail: "unsupported format_version \(version.map(String.init) ?? "(missing)"), this tool reads versions 1 and 2")
            }
        }
        let epochGroups = try hdf5.members(ofGroup: "/").filter { try Int($0) != nil && hdf5.kind("/" + $0) == .group }
        guard !epochGroups.isEmpty else {
            throw DneckError.unknownLayout(file: file, detail: "no 'format' attribute and no epoch groups at the root")
        }
        return .deepBottleneck
    }

    /// The split read: a deep-bottleneck dump holds one, the split its name says, which
    /// `asked` may not contradict; a dneck run file, or a dump whose name says none, is read
    /// in `asked`, by default train.
    private static func resolvedSplit(_ asked: Split?, layout: Layout, file: String) throws -> Split {
        guard layout == .deepBottleneck, let named = namedSplit(file) else { return asked ?? .train }
        if let asked, asked != named { throw DneckError.splitContradicted(file: file, holds: named, asked: asked) }
        return named
    }

    /// The split a file's name ends in before its extension (`run_1_test.h5`: test), if any.
    private static func namedSplit(_ file: String) -> Split? {
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return Split.allCases.first { stem.hasSuffix("_" + $0.rawValue) }
    }

    private static func listEpochs(_ hdf5: HDF5File, root: String, file: String) throws -> [Int] {
        let epochs = try hdf5.members(ofGroup: root)
            .filter { index($0) != nil }
            .filter { try hdf5.kind(join(root, $0)) == .group }
            .compactMap(index)
            .sorted()
        guard !epochs.isEmpty else {
            throw DneckError.missing(file: file, path: display(root), what: "epoch groups (named 0, 1, …)")
        }
        return epochs
    }

    /// The layers of `epoch`, the first (datasets `0`, `1`, … of its `activations` group, each
    /// 2-D with at least one unit): their names and widths.
    private static func firstLayers(_ hdf5: HDF5File, root: String, epoch: Int, file: String) throws -> (names: [String], widths: [Int]) {
        let group = join(root, "\(epoch)", "activations")
        let first = try layerDatasets(hdf5, group: group, file: file)
        let widths = try first.map { name -> Int in
            let path = group + "/" + name
            let info = try hdf5.datasetInfo(path)
            guard info.shape.count == 2 else { throw notTwoDimensional(file, path, info.shape) }
            guard info.shape[1] > 0 else {
                throw DneckError.badShape(file: file, path: display(path), detail: "layer has no units (shape \(info.shape))")
            }
            return info.shape[1]
        }
        return (first, widths)
    }

    /// Checks that every epoch names the layers `first` of the first epoch: the first epoch and
    /// layer that differ are reported.
    private static func checkLayers(_ hdf5: HDF5File, root: String, epochs: [Int], first: [String], file: String) throws {
        let firstCount = hdf5.memberCount(ofGroup: join(root, "\(epochs[0])", "activations"))
        // Counting an epoch's links is cheap; its names are compared only when the count differs
        // (a layer renamed at equal count is reported missing when it is read).
        for epoch in epochs.dropFirst() where hdf5.memberCount(ofGroup: join(root, "\(epoch)", "activations")) != firstCount {
            let other = join(root, "\(epoch)", "activations")
            let names = try layerIndices(hdf5, group: other, file: file)
            guard names != first else { continue }
            if let extra = Set(names).subtracting(first).compactMap(index).min().map(String.init) {
                throw DneckError.badShape(file: file, path: display(other + "/" + extra),
                                          detail: "layer \(extra) is not in epoch \(epochs[0]) (every epoch must have the layers of the first)")
            }
            let absent = Set(first).subtracting(names).compactMap(index).min().map(String.init) ?? first[0]
            throw DneckError.missing(file: file, path: display(other + "/" + absent), what: "activations dataset")
        }
    }

    /// The names of the layer datasets in the group `group` (`0`, `1`, …), sorted numerically.
    private static func layerIndices(_ hdf5: HDF5File, group: String, file: String) throws -> [String] {
        guard try hdf5.kind(group) == .group else {
            throw DneckError.missing(file: file, path: display(group), what: "group of layer activations")
        }
        return try hdf5.members(ofGroup: group).compactMap(index).sorted().map(String.init)
    }

    /// `layerIndices`, checked to be at least one and numbered 0, 1, … without gaps.
    static func layerDatasets(_ hdf5: HDF5File, group: String, file: String) throws -> [String] {
        let layers = try layerIndices(hdf5, group: group, file: file)
        guard !layers.isEmpty else {
            throw DneckError.missing(file: file, path: display(group), what: "layer datasets 0, 1, …")
        }
        if let gap = layers.indices.first(where: { layers[$0] != String($0) }) {
            throw DneckError.missing(file: file, path: display(group + "/\(gap)"), what: "activations dataset (layers are numbered 0, 1, …)")
        }
        return layers
    }

    /// The number a group or dataset name spells when it is an epoch or layer index: a
    /// non-negative integer written without sign or leading zeros.
    private static func index(_ name: String) -> Int? {
        Int(name).flatMap { $0 >= 0 && String($0) == name ? $0 : nil }
    }

    private static func notTwoDimensional(_ file: String, _ path: String, _ shape: [Int]) -> DneckError {
        .badShape(file: file, path: display(path), detail: "activations must be 2-D (samples × units), found shape \(shape)")
    }

    private static func readLabels(_ hdf5: HDF5File, layout: Layout, root: String, file: String,
                                   labelsPath: String?) throws -> [Int] {
        let raw: [Int64]
        let source: (file: String, path: String)
        if let npy = labelsPath ?? (layout == .deepBottleneck ? besideLabels(of: file) : nil) {
            raw = try NPYReader.readIntegers(path: npy)
            source = (npy, "(npy)")
        } else if layout == .deepBottleneck {
            let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            throw DneckError.badLabels(file: file, path: "(labels)",
                                       detail: "a deep-bottleneck dump holds no labels: pass --labels FILE.npy or put \(stem)_labels.npy beside it")
        } else {
            let path = join(root, "labels")
            guard try hdf5.kind(path) == .dataset else {
                throw DneckError.missing(file: file, path: display(path), what: "dataset of class labels")
            }
            let info = try hdf5.datasetInfo(path)
            guard info.element == .integer else {
                throw DneckError.badLabels(file: file, path: display(path), detail: "labels must be integers, found \(info.element) values")
            }
            guard info.shape.count == 1 else {
                throw DneckError.badLabels(file: file, path: display(path), detail: "labels must be 1-D, found shape \(info.shape)")
            }
            raw = try hdf5.readInt64s(path).values
            source = (file, display(path))
        }
        guard !raw.isEmpty else {
            throw DneckError.badLabels(file: source.file, path: source.path, detail: "no labels (empty array)")
        }
        if let negative = raw.firstIndex(where: { $0 < 0 }) {
            throw DneckError.badLabels(file: source.file, path: source.path, detail: "label \(raw[negative]) at index \(negative) is negative")
        }
        if let huge = raw.firstIndex(where: { $0 > 1_000_000 }) {
            throw DneckError.badLabels(file: source.file, path: source.path, detail: "label \(raw[huge]) at index \(huge) is not a class index")
        }
        return raw.map { Int($0) }
    }

    /// `<stem>_labels.npy` beside `file`, if that file exists.
    private static func besideLabels(of file: String) -> String? {
        let url = URL(fileURLWithPath: file)
        let candidate = url.deletingPathExtension().path + "_labels.npy"
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    private static func join(_ components: String...) -> String { join(components) }

    private static func join(_ components: [String]) -> String {
        "/" + components.flatMap { $0.split(separator: "/") }.joined(separator: "/")
    }

    /// A path as messages show it: no leading slash.
    private static func display(_ path: String) -> String {
        path == "/" ? "/" : String(path.drop { $0 == "/" })
    }
}

/// A check made once, by the first thread that asks; every later ask gets its outcome.
private final class CheckedOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<Void, Error>?
    private let check: () throws -> Void

    init(_ check: @escaping () throws -> Void) { self.check = check }

    func run() throws {
        lock.lock(); defer { lock.unlock() }
        if outcome == nil { outcome = Result { try check() } }
        try outcome?.get()
    }
}

/// A flag one thread sets and others read.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
