import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMovie
import DneckPlotters
import DneckReport
import Foundation

/// `dneck-plot all`: every artifact of a run for both splits from one pass per split, then
/// `summary.md`, `index.html` and, last, `manifest.json`.
struct AllCommand: TakesChartOptions {
    static let plotters = PlotterRegistry.plotters(for: .all)
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every artifact of a run for both splits, a summary, a browsable report and a manifest.",
        discussion: """
        Writes into the output folder <name>_<split>.<ext> for the artifacts \
        \(ArtifactCatalog.all.map(\.name).joined(separator: ", ")), then summary.md (final accuracies, \
        the last epoch's I(X;M) and I(Y;M) per layer, warnings), index.html (a self-contained \
        report with one epoch slider) and, last, manifest.json (tool version, inputs and artifacts \
        with their SHA-256, every option; keys sorted, no timestamps). Each split is read once for \
        all artifacts. An artifact that cannot be made (e.g. snr without gradients) is one line on \
        stderr; the others are written and the exit status is 1. Several runs: one subfolder per \
        run (named after the file) and compare_infoplane_<split> grids beside them.

        Examples:
          dneck-plot all run.h5 -o report
          dneck-plot all run.h5 -o report --skip infoplane_movie --format png,pdf --dpi 100
          dneck-plot all seed0.h5 seed1.h5 -o seeds --only infoplane,accuracy
        """ + ChartArgumentSplitter.help(plotters))

    @Argument(help: "Run files (dneck run files; a deep-bottleneck dump is one split: give --splits).")
    var runs: [String]
    @Option(help: "Splits to read, comma-separated.")
    var splits = "train,test"
    @OptionGroup var reading: RunOptions
    @Option(help: "Only these artifacts, comma-separated (\(ArtifactCatalog.all.map(\.name).joined(separator: ", "))).")
    var only: String?
    @Option(help: "Leave out these artifacts, comma-separated.")
    var skip: String?
    @Option(help: "Figure formats, comma-separated: png, svg, pdf (the report shows the PNG or SVG).")
    var format = "png"
    @OptionGroup var encoding: EncodingOptions
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions
    @Option(name: .shortAndLong, help: "Output folder (made if missing).")
    var output: String

    func validate() throws {
        guard !runs.isEmpty, runs.count <= 64 else { throw ValidationError("all takes 1 to 64 run files") }
        guard !formats.isEmpty, formats.allSatisfy({ FigureWriter.Format(rawValue: $0) != nil }) else {
            throw ValidationError("--format takes png, svg or pdf, comma-separated")
        }
        guard !chosenSplits.isEmpty, chosenSplits.count == list(splits).count else {
            throw ValidationError("--splits takes train, test or train,test")
        }
        do { _ = try ArtifactCatalog.select(only: only.map(list), skip: skip.map(list) ?? []) } catch {
            throw ValidationError("\(error)")
        }
        try estimator.check(for: "all")
        _ = try GivenChartOptions.charts(Self.plotters)
    }

    /// The chosen artifacts: those `--only` and `--skip` leave, less the charts the estimator
    /// cannot serve (an error when `--only` names one, a note otherwise).
    private func chosenSpecs() throws -> [ArtifactSpec] {
        try ArtifactCatalog.select(only: only.map(list), skip: skip.map(list) ?? []).filter { spec in
            guard let refusal = spec.plotter?.descriptor.needs.estimates.refusal(estimator.chosen) else { return true }
            if only != nil { throw DneckError.invalidOption(name: "--only", detail: "\(spec.name): \(refusal)") }
            FileHandle.standardError.write(Data("dneck-plot: note: \(spec.name) left out: \(refusal)\n".utf8))
            return false
        }
    }

    private var formats: [String] { Array(NSOrderedSet(array: list(format)).array as! [String]) }
    private var chosenSplits: [Split] { Split.allCases.filter { list(splits).contains($0.rawValue) } }

    func run() throws {
        try reportingErrors {
            let specs = try chosenSpecs()
            let ffmpeg = specs.contains { $0.kind == .movie } ? FFmpeg.loadInBackground() : nil
            defer { ffmpeg?.wait() }
            let readers = try runs.map { run in try chosenSplits.map { try reading.readers([run], split: $0)[0] } }
            let charts = try specs.compactMap { try $0.plotter?.make(GivenChartOptions.arguments) }
            var needs = ChartNeeds.union(charts.map(\.needs) + [ChartNeeds(estimates: .any)])
            needs.requiredRecords = []   // each artifact that cannot do without a dataset fails alone
            let selected = try readers.map { try $0.map(reading.selectedEpochs) }
            let figures = specs.filter { $0.kind == .figure }.count * formats.count
            let steps = zip(readers.joined(), selected.joined()).reduce(0) { total, run in
                total + progressSteps(needs, run.0, epochs: run.1?.count) + figures + (run.1 ?? run.0.epochs).count
            }
            let progress = ProgressBar(total: steps, label: "all")
            let job = ArtifactJob(specs: specs, charts: charts, needs: needs, formats: formats, request: try look.request(),
                                  estimator: estimator, movieSettings: encoding.settings(threads: 1),
                                  recordedOptions: recordedOptions(specs, charts: charts), inputDigests: InputDigests(runs),
                                  epochs: reading.selectedEpochs, progress: progress)
            let root = try makeFolder(URL(fileURLWithPath: output))
            var failed = false
            if readers.count == 1 {
                failed = try job.run(readers[0], into: root).failed
            } else {
                var planes: [[RunData]] = []
                var entries: [Manifest.Entry] = []
                for (readers, name) in zip(readers, subfolderNames(runs)) {
                    let outcome = try job.run(readers, into: try makeFolder(root.appendingPathComponent(name)))
                    failed = failed || outcome.failed
                    planes.append(outcome.planes)
                    entries.append(try .hashing("\(name)/manifest.json", in: root, name: name, kind: "manifest", split: nil))
                }
                entries += try job.comparisons(planes, into: root)
                try job.writeManifest(entries, inputs: runs, into: root)
            }
            progress.finish()
            if failed { PendingWarnings.shared.flush(); throw ExitCode(1) }
        }
    }

    /// Every option as resolved, by its command-line name: `all`'s own, the estimator's and
    /// each option of every chart drawn (as its chart declares it).
    private func recordedOptions(_ specs: [ArtifactSpec], charts: [any BasePlotter]) -> [String: String] {
        let optional = { (value: Any?) in value.map { "\($0)" } ?? "" }
        let file = { (path: String?) in path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "" }
        let own = ["artifacts": specs.map(\.name).joined(separator: ","), "splits": chosenSplits.map(\.rawValue).joined(separator: ","),
                   "format": formats.joined(separator: ","), "fps": "\(encoding.fps)", "crf": "\(encoding.crf)", "preset": optional(encoding.preset), "estimator": estimator.chosen.summary,
                   "bins": optional(estimator.bins), "bin-size": optional(estimator.binSize), "adaptive": "\(estimator.adaptive)",
                   "noise-variance": optional(estimator.noiseVariance), "dpi": optional(look.dpi), "colormap": optional(look.colormap),
                   "style": look.style.joined(separator: ","), "labels": file(reading.labels), "inputs": file(reading.inputs),
                   "epochs": optional(reading.epochs)]
        return charts.reduce(own) { $0.merging($1.recordedOptions) { kept, _ in kept } }
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// One subfolder name per run: the file's stem, made unique with -2, -3, … in command-line order.
func subfolderNames(_ runs: [String]) -> [String] {
    var used: [String: Int] = [:]
    return runs.map { path in
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let base = String(stem.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        used[base, default: 0] += 1
        return used[base]! == 1 ? base : "\(base)-\(used[base]!)"
    }
}

/// `folder`, made if missing.
private func makeFolder(_ folder: URL) throws -> URL {
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
        throw DneckError.unwritable(file: folder.path, detail: "cannot create the folder")
    }
    return folder
}

/// Makes the chosen artifacts of one run into a folder. Immutable once made (its option groups
/// are plain values), so its movies may be made on another thread.
struct ArtifactJob: @unchecked Sendable {
    let specs: [ArtifactSpec]
    /// The chart of each spec that has one, in the order of `specs`.
    let charts: [any BasePlotter]
    let needs: ChartNeeds
    let formats: [String]
    let request: FigureRequest
    let estimator: EstimatorOptions
    /// The movies' encoder settings: one libx264 thread each, as the two are encoded at once.
    let movieSettings: MovieSettings
    let recordedOptions: [String: String]
    let inputDigests: InputDigests
    /// The logged epochs of a reader to use (nil: all).
    let epochs: (RunReader) throws -> [Int]?
    let progress: ProgressBar

    /// What one run's artifacts came to: whether any failed, and each split's measures for `compare`.
    struct Outcome {
        var failed: Bool
        var planes: [RunData]
    }

    /// The artifacts of every split of `readers` (one run), the summary, the report and the manifest.
    func run(_ readers: [RunReader], into folder: URL) throws -> Outcome {
        let made = Made()
        var splits: [RunData] = []
        // Each split's movie is encoded on a thread of its own from when its measures are ready,
        // while the next split is read and drawn and the other movie encoded, each movie on one
        // libx264 thread (`movie` takes two: the frames are the same); every one has ended
        // before this returns or throws.
        let movies = DispatchGroup()
        defer { movies.wait() }
        for reader in readers {
            let data = try DataStage.gather(reader, needs: needs, estimator: estimator.chosen, epochs: try epochs(reader), progress: progress)
            try produce(data, reader: reader, into: folder, made: made) { startLongTask(in: movies, $0) }
            splits.append(data)
        }
        movies.wait()
        made.sort(by: specs)
        warnIfSaturated(splits, estimator: estimator.chosen)
        let run = readers[0].file
        for (file, reason) in made.failures.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("dneck-plot: error: \(folder.appendingPathComponent(file).path): \(reason)\n".utf8))
        }
        let files = made.items.flatMap(\.files)
        try AtomicOutput.write(text: Summary.markdown(run: URL(fileURLWithPath: run).lastPathComponent, splits: splits,
                                                      artifacts: files, failures: made.failures),
                               to: folder.appendingPathComponent("summary.md"))
        let page = ReportPage(title: URL(fileURLWithPath: run).lastPathComponent, config: splits.first?.config ?? [:],
                              epochs: Dictionary(uniqueKeysWithValues: readers.map { ($0.split, $0.epochs) }),
                              items: made.items, failures: made.failures, overlays: made.overlays)
        try AtomicOutput.write(text: page.html(), to: folder.appendingPathComponent("index.html"))
        var entries = try made.items.flatMap { item in
            try item.files.map { try Manifest.Entry.hashing($0, in: folder, name: item.name, kind: item.kind.rawValue, split: item.split.rawValue) }
        }
        entries.append(try .hashing("summary.md", in: folder, name: "summary", kind: ArtifactKind.summary.rawValue, split: nil))
        entries.append(try .hashing("index.html", in: folder, name: "index", kind: ArtifactKind.report.rawValue, split: nil))
        try writeManifest(entries, inputs: [run], failures: made.failures, into: folder)
        let planes = splits.map { RunData(file: $0.file, split: $0.split, config: $0.config, epochs: $0.epochs, layerCount: $0.layerCount,
                                          sampleCount: $0.sampleCount, measures: $0.measures, estimator: $0.estimator) }
        return Outcome(failed: !made.failures.isEmpty, planes: planes)
    }

    /// `manifest.json` of `entries` (sorted by path), written last and atomically.
    func writeManifest(_ entries: [Manifest.Entry], inputs: [String], failures: [String: String] = [:], into folder: URL) throws {
        var manifest = Manifest()
        manifest.options = recordedOptions
        manifest.failures = failures
        manifest.artifacts = entries.sorted { $0.path < $1.path }
        manifest.inputs = try inputDigests.entries(inputs)
        try AtomicOutput.write(text: manifest.json(), to: folder.appendingPathComponent("manifest.json"))
    }

    /// The information planes of several runs side by side, one grid per split.
    func comparisons(_ runs: [[RunData]], into folder: URL) throws -> [Manifest.Entry] {
        guard let chart = charts.lazy.compactMap({ $0 as? InfoPlaneChart }).first, let splits = runs.first?.map(\.split) else { return [] }
        var entries: [Manifest.Entry] = []
        for (s, split) in splits.enumerated() {
            let data = runs.map { $0[s] }
            let blocks = data.map { chart.block($0, scaledWith: data, request: request) }
            let figure = Comparison.figure(blocks, titles: Comparison.titles(data), columns: Comparison.columns(for: blocks),
                                           request: request, figureSize: request.style.figureSize).laidOut()
            for format in formats {
                let path = "compare_infoplane_\(split.rawValue).\(format)"
                try FigureWriter.write(figure, to: folder.appendingPathComponent(path))
                entries.append(try .hashing(path, in: folder, name: "compare_infoplane", kind: ArtifactKind.figure.rawValue, split: split.rawValue))
            }
        }
        return entries
    }

    /// The chosen artifacts of one split: the movie handed to `background` first, the table, then
    /// the figures two at a time.
    private func produce(_ data: RunData, reader: RunReader, into folder: URL, made: Made,
                         background: (@escaping @Sendable () -> Void) -> Void) throws {
        let split = data.split, formats = self.formats, progress = self.progress
        for spec in specs where spec.kind != .figure {
            let file = spec.fileName(split: split, format: formats[0])
            let make: @Sendable () -> Void = {
                do {
                    if let movie = chart(spec) as? MovieFrameChart {
                        let frames = MovieFrames(run: data, request: request, options: movie.options, size: request.style.figureSize ?? (6, 9))
                        try writeMovie(frames, to: folder.appendingPathComponent(file), settings: movieSettings, progress: progress)
                    }
                    else { try AtomicOutput.write(text: data.measures!.csv(quantity: data.quantity), to: folder.appendingPathComponent(file)) }
                    made.add(ReportPage.Item(name: spec.name, kind: spec.kind, split: split, files: [file]))
                } catch {
                    made.fail(file, "\(error)")
                }
            }
            if spec.kind == .movie { background(make) } else { make() }
        }
        var drawn: [ArtifactSpec] = []
        for spec in specs where spec.kind == .figure {
            if let missing = DataStage.missingRequirement(chart(spec)!.needs, in: data, reader: reader) {
                made.fail(spec.fileName(split: split, format: formats[0]), "\(missing)")
                progress.advance(formats.count)
            } else {
                drawn.append(spec)
            }
        }
        let outcomes = PlotterRegistry.makeFigures(drawn.map { chart($0)! }, run: data, request: request) { chart, figure in
            let name = type(of: chart).descriptor.artifact, laidOut = figure.laidOut()
            for format in formats {
                try FigureWriter.write(laidOut, to: folder.appendingPathComponent("\(name)_\(split.rawValue).\(format)"))
                progress.advance()
            }
            if let overlay = FigureOverlays.make(chart, figure: laidOut, run: data) {
                made.overlay("\(name)_\(split.rawValue)", overlay)
            }
        }
        for (spec, outcome) in zip(drawn, outcomes) {
            let files = formats.map { spec.fileName(split: split, format: $0) }
            if let outcome { made.fail(files[0], "\(outcome)") } else { made.add(ReportPage.Item(name: spec.name, kind: .figure, split: split, files: files)) }
        }
    }
}

extension ArtifactJob {
    /// The chart of `spec`, nil for the table.
    func chart(_ spec: ArtifactSpec) -> (any BasePlotter)? {
        charts.first { type(of: $0).descriptor.artifact == spec.name }
    }
}

/// The manifest entries of the input files, hashed in the background from the start of the job
/// (a run of a hundred megabytes takes a tenth of a second) and awaited when a manifest is written.
final class InputDigests: @unchecked Sendable {
    private let lock = NSLock()
    private let hashing = DispatchGroup()
    private var digests: [String: Result<Manifest.Entry, Error>] = [:]

    init(_ paths: [String]) {
        for path in Set(paths) {
            DispatchQueue.global().async(group: hashing) {
                let digest = Result { try Manifest.Entry.input(path) }
                self.lock.lock(); self.digests[path] = digest; self.lock.unlock()
            }
        }
    }

    /// The entries of `paths` (each one given to `init`), once hashed.
    func entries(_ paths: [String]) throws -> [Manifest.Entry] {
        hashing.wait()
        lock.lock(); defer { lock.unlock() }
        return try paths.map { try digests[$0]!.get() }
    }
}

/// What a run's artifacts came to so far, shared by the threads drawing them.
private final class Made: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [ReportPage.Item] = []
    private(set) var failures: [String: String] = [:]
    private(set) var overlays: [String: FigureOverlays] = [:]

    func add(_ item: ReportPage.Item) { lock.lock(); items.append(item); lock.unlock() }
    func fail(_ file: String, _ reason: String) { lock.lock(); failures[file] = reason; lock.unlock() }
    func overlay(_ stem: String, _ overlay: FigureOverlays) { lock.lock(); overlays[stem] = overlay; lock.unlock() }

    /// Items in split order, then in the catalog's order.
    func sort(by specs: [ArtifactSpec]) {
        lock.lock(); defer { lock.unlock() }
        let order = Dictionary(uniqueKeysWithValues: specs.enumerated().map { ($1.name, $0) })
        let splitOrder = Dictionary(uniqueKeysWithValues: Split.allCases.enumerated().map { ($1, $0) })
        items.sort { (splitOrder[$0.split]!, order[$0.name]!) < (splitOrder[$1.split]!, order[$1.name]!) }
    }
}

