import DneckCore

/// The datasets of a format_version 2 run file (docs/run-format-v2.md) that `RunReader` reads
/// for one split: per group (`/train`, `/test`, `/training`), datasets whose first dimension is
/// the logged epoch, of which only the first len(`<group>/epochs`) rows, the committed epochs,
/// are read; later rows belong to an epoch still being written. The `epochs` are read when the
/// file is opened, before anything else: the epochs a live run has committed by then.
struct GrowingRun {
    let hdf5: HDF5File
    let file: String
    /// The group of the split read (`train` or `test`).
    let split: String
    /// The split's committed epochs, increasing (−1: before training).
    let epochs: [Int]
    /// Units of each layer (the same in both splits).
    let widths: [Int]
    /// The strings of `layer_names`, when the run has them.
    let layerNames: [String]?
    /// Per group present: the row of each committed epoch.
    private let rows: [String: [Int: Int]]
    /// Per group present: the number of committed epochs (the rows read of its datasets).
    private let committed: [String: Int]
    private let sampleCount: Int

    /// Reads the commit markers of every group, then checks the split's layers (and the other
    /// split's: the same count and widths) and reads `layer_names`.
    init(hdf5: HDF5File, file: String, split: Split, sampleCount: Int) throws {
        self.hdf5 = hdf5
        self.file = file
        self.split = split.rawValue
        self.sampleCount = sampleCount
        var epochsOf: [String: [Int]] = [:]
        for group in ["train", "test", "training"] where try hdf5.kind("/" + group) == .group {
            epochsOf[group] = try GrowingRun.committedEpochs(hdf5, group: group, file: file)
        }
        rows = epochsOf.mapValues { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, $0) }) }
        committed = epochsOf.mapValues(\.count)
        guard let own = epochsOf[split.rawValue], !own.isEmpty else {
            throw DneckError.missing(file: file, path: "\(split.rawValue)/epochs",
                                     what: "committed epochs: the run has logged none of the \(split.rawValue) split yet")
        }
        epochs = own
        widths = try GrowingRun.layerWidths(hdf5, group: split.rawValue, rows: own.count, samples: sampleCount, file: file)
        let other = split == .train ? "test" : "train"
        if let count = committed[other], count > 0 {
            let otherWidths = try GrowingRun.layerWidths(hdf5, group: other, rows: count, samples: nil, file: file)
            guard otherWidths == widths else {
                throw DneckError.badShape(file: file, path: "\(other)/activations",
                                          detail: "has layers of \(otherWidths) units but \(split.rawValue)/activations has \(widths) (both splits log the same layers)")
            }
        }
        layerNames = try hdf5.kind("/layer_names") == nil ? nil : try hdf5.readStrings("/layer_names")
    }

    /// The activations of `layer` at the split's `epoch`: row `epochs.firstIndex(of: epoch)` of
    /// `<split>/activations/<layer>`, [samples, units].
    func activations(epoch: Int, layer: Int) throws -> (shape: [Int], values: Matrix.Storage) {
        let row = try self.row(epoch, in: split)
        let path = "\(split)/activations/\(layer)"
        let shown = GrowingRun.display(path, row: row, epoch: epoch)
        let (shape, values) = try hdf5.readRows("/" + path, row..<row + 1, shownAs: shown) { shape in
            try GrowingRun.checkActivations(shape, path: path, rows: epochs.count, samples: sampleCount, file: file)
            guard shape[2] == widths[layer] else {
                throw DneckError.badShape(file: file, path: path, detail: "has \(shape[2]) units but the run has \(widths[layer]) in layer \(layer)")
            }
        }
        return (Array(shape.dropFirst()), values)
    }

    /// The value at `epoch` of the 1-D growing dataset `path` (`train/accuracy`): nil when its
    /// group did not log `epoch` or logged NaN; ±Inf is an error.
    func scalar(_ path: String, epoch: Int) throws -> Double? {
        guard let (row, values) = try values(path, epoch: epoch, check: { shape in
            guard shape.count == 1 else { throw DneckError.badShape(file: file, path: path, detail: "expected one value per epoch, found shape \(shape)") }
        }) else { return nil }
        guard !values[0].isNaN else { return nil }
        guard values[0].isFinite else {
            throw DneckError.nonFinite(file: file, path: GrowingRun.display(path, row: row, epoch: epoch), cell: nil, value: values[0])
        }
        return values[0]
    }

    /// The row at `epoch` of the [epochs, layers] growing dataset `path` (`training/gradmean`):
    /// nil when `/training` did not log `epoch` or logged only NaN (NaN for one layer: that
    /// layer has no kernel).
    func vector(_ path: String, epoch: Int) throws -> [Double]? {
        guard let (_, values) = try values(path, epoch: epoch, check: { shape in
            guard shape.count == 2 else { throw DneckError.badShape(file: file, path: path, detail: "expected one row of one value per layer per epoch, found shape \(shape)") }
            guard shape[1] == widths.count else {
                throw DneckError.badShape(file: file, path: path,
                                          detail: "has \(shape[1]) values per epoch but the run has \(widths.count) layer\(widths.count == 1 ? "" : "s") (one value per layer)")
            }
        }) else { return nil }
        return values.allSatisfy(\.isNaN) ? nil : values
    }

    /// A dataset of an epoch as messages show it: `train/activations/2[5] (epoch 7)`, or
    /// `train/accuracy (epoch 7)` for an epoch the group did not log.
    static func display(_ path: String, row: Int?, epoch: Int) -> String {
        "\(path)\(row.map { "[\($0)]" } ?? "") (epoch \(epoch))"
    }

    /// The epoch a path shown by `display` names, if any.
    static func epoch(ofDisplayed path: String) -> Int? {
        guard path.hasSuffix(")"), let open = path.range(of: " (epoch ", options: .backwards) else { return nil }
        return Int(path[open.upperBound..<path.index(before: path.endIndex)])
    }

    /// The path of `layer`'s activations at `epoch`, as messages show it.
    func activationsPath(epoch: Int, layer: Int) -> String {
        GrowingRun.display("\(split)/activations/\(layer)", row: rows[split]?[epoch], epoch: epoch)
    }

    // MARK: - Private

    /// The row of `epoch` in `group`, which must have logged it.
    private func row(_ epoch: Int, in group: String) throws -> Int {
        guard let row = rows[group]?[epoch] else {
            throw DneckError.missing(file: file, path: "\(group)/epochs", what: "epoch \(epoch) (not committed)")
        }
        return row
    }

    /// The row of `epoch` of the float dataset `path` (first component: its group) and its
    /// values, after `check` has accepted its shape and its committed rows are counted; nil
    /// when the group, or the dataset, is absent or did not log `epoch`.
    private func values(_ path: String, epoch: Int, check: ([Int]) throws -> Void) throws -> (row: Int, values: [Double])? {
        let group = String(path.prefix { $0 != "/" })
        guard let row = rows[group]?[epoch], try hdf5.kind("/" + path) != nil else { return nil }
        let rowCount = committed[group] ?? 0
        let (_, values) = try hdf5.readRows("/" + path, row..<row + 1, shownAs: GrowingRun.display(path, row: row, epoch: epoch)) { shape in
            try check(shape)
            guard shape[0] >= rowCount else {
                throw DneckError.badShape(file: file, path: path, detail: "has \(shape[0]) rows but \(group)/epochs commits \(rowCount) epochs")
            }
        }
        switch values {
        case .float32(let v): return (row, v.map(Double.init))
        case .float64(let v): return (row, v)
        }
    }

    /// `<group>/epochs`: 1-D integers, strictly increasing; none when absent (a run closed
    /// before its first commit).
    private static func committedEpochs(_ hdf5: HDF5File, group: String, file: String) throws -> [Int] {
        let path = "\(group)/epochs"
        guard let kind = try hdf5.kind("/" + path) else { return [] }
        guard kind == .dataset else { throw DneckError.badShape(file: file, path: path, detail: "epochs must be a dataset") }
        let info = try hdf5.datasetInfo("/" + path)
        guard info.element == .integer, info.shape.count == 1 else {
            throw DneckError.badShape(file: file, path: path, detail: "epochs must be 1-D integers, found \(info.element) values of shape \(info.shape)")
        }
        let epochs = try hdf5.readInt64s("/" + path).values.map { Int($0) }
        if let bad = epochs.indices.dropFirst().first(where: { epochs[$0] <= epochs[$0 - 1] }) {
            throw DneckError.badShape(file: file, path: path,
                                      detail: "epoch \(epochs[bad]) at index \(bad) follows epoch \(epochs[bad - 1]) (epochs must increase)")
        }
        return epochs
    }

    /// The widths of `<group>/activations/0, 1, …`, each 3-D [≥ rows, samples, units ≥ 1].
    private static func layerWidths(_ hdf5: HDF5File, group: String, rows: Int, samples: Int?, file: String) throws -> [Int] {
        let layers = try RunReader.layerDatasets(hdf5, group: "/\(group)/activations", file: file)
        return try layers.map { name in
            let path = "\(group)/activations/\(name)"
            let info = try hdf5.datasetInfo("/" + path, storedRows: 0..<0)
            try checkActivations(info.shape, path: path, rows: rows, samples: samples, file: file)
            return info.shape[2]
        }
    }

    /// Checks the shape of an activations dataset: [≥ rows, samples, units ≥ 1].
    private static func checkActivations(_ shape: [Int], path: String, rows: Int, samples: Int?, file: String) throws {
        guard shape.count == 3 else {
            throw DneckError.badShape(file: file, path: path, detail: "activations must be 3-D (epochs × samples × units), found shape \(shape)")
        }
        guard shape[0] >= rows else {
            let group = path.prefix { $0 != "/" }
            throw DneckError.badShape(file: file, path: path, detail: "has \(shape[0]) rows but \(group)/epochs commits \(rows) epochs")
        }
        if let samples, shape[1] != samples {
            throw DneckError.badShape(file: file, path: path, detail: "has \(shape[1]) samples per epoch but there are \(samples) labels")
        }
        guard shape[2] > 0 else { throw DneckError.badShape(file: file, path: path, detail: "layer has no units (shape \(shape))") }
    }
}
