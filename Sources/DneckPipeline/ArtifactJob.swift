import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckMovie
import DneckPlotters
import DneckReport
import Foundation

/// One subfolder name per run of `stems`, made of safe characters and unique with -2, -3, …
/// in command-line order.
public func subfolderNames(_ stems: [String]) -> [String] {
    var used: [String: Int] = [:]
    return stems.map { stem in
        let base = String(stem.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        used[base, default: 0] += 1
        return used[base]! == 1 ? base : "\(base)-\(used[base]!)"
    }
}

/// `folder`, made if missing.
func makeFolder(_ folder: URL) throws -> URL {
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
        throw DneckError.unwritable(file: folder.path, detail: "cannot create the folder")
    }
    return folder
}

/// Makes the chosen artifacts of one run into a folder. Immutable once made, so its movies may
/// be made on another thread.
struct ArtifactJob: @unchecked Sendable {
    let specs: [ArtifactSpec]
    /// The chart of each spec that has one, in the order of `specs`.
    let charts: [any BasePlotter]
    let needs: ChartNeeds
    let formats: [String]
    let request: FigureRequest
    let estimator: any MIEstimator
    /// The movies' encoder settings: one libx264 thread each, as the two are encoded at once.
    let movieSettings: MovieSettings
    let recordedOptions: [String: String]
    let inputDigests: InputDigests
    /// The logged epochs of a reader to use (nil: all).
    let epochs: (RunReader) throws -> [Int]?
    let progress: ProgressBar
    /// What was made of each split before.
    let caches: [Split: SplitCache]
    let live: LiveStatus?
    let liveMovies: LiveMovies?
    let say: @Sendable (String) -> Void

    /// What one run's artifacts came to: whether any failed, and each split's measures for `compare`.
    struct Outcome {
        var failed: Bool
        var planes: [RunData]
    }

    /// The artifacts of every split of `readers` (one run), the summary, the report and the manifest.
    func run(_ readers: [RunReader], of runFiles: RunFiles, into folder: URL) throws -> Outcome {
        let made = Made()
        var splits: [RunData] = []
        // Each split's movie is encoded on a thread of its own from when its measures are ready,
        // while the next split is read and drawn and the other movie encoded, each movie on one
        // libx264 thread (`movie` takes two: the frames are the same); every one has ended
        // before this returns or throws.
        let movies = DispatchGroup()
        defer { movies.wait() }
        // An epoch that cannot be used is left out of its split's artifacts; a split that cannot
        // be read at all fails alone: what can be made is, and the report lists what was not.
        // What belongs to training, not to a split, is drawn once: from the first split that
        // could be read (train, when it can).
        var perRunMade = false
        for reader in readers {
            let gathered: (data: RunData, leftOut: [LeftOutEpoch])
            do {
                gathered = try DataStage.gatherUsable(reader, needs: needs, estimator: estimator, epochs: try epochs(reader), progress: progress,
                                                      cache: caches[reader.split])
            } catch let error as DneckError {
                made.fail("\(reader.split.rawValue) split", "\(error)")
                continue
            }
            for left in gathered.leftOut { made.fail("\(reader.split.rawValue) epoch \(left.epoch)", left.description) }
            try produce(specs.filter { !$0.perRun || !perRunMade }, from: gathered.data, reader: reader, into: folder,
                        made: made) { startLongTask(in: movies, $0) }
            perRunMade = true
            splits.append(gathered.data)
        }
        movies.wait()
        made.sort(by: specs)
        warnIfSaturated(splits, estimator: estimator)
        let run = runFiles.name
        for (file, reason) in made.failures.sorted(by: { $0.key < $1.key }) {
            say("error: \(folder.appendingPathComponent(file).path): \(reason)")
        }
        let files = made.items.flatMap(\.files)
        try AtomicOutput.write(text: Summary.markdown(run: run, splits: splits,
                                                      artifacts: files, failures: made.failures),
                               to: folder.appendingPathComponent("summary.md"))
        var page = ReportPage(title: run, config: splits.first?.config ?? [:],
                              epochs: Dictionary(uniqueKeysWithValues: splits.map { ($0.split, $0.epochs) }),
                              items: made.items, failures: made.failures, overlays: made.overlays)
        page.live = live
        try AtomicOutput.write(text: page.html(), to: folder.appendingPathComponent("index.html"))
        var entries = try made.items.flatMap { item in
            try item.files.map { try Manifest.Entry.hashing($0, in: folder, name: item.name, kind: item.kind.rawValue, split: item.split.rawValue) }
        }
        entries.append(try .hashing("summary.md", in: folder, name: "summary", kind: ArtifactKind.summary.rawValue, split: nil))
        entries.append(try .hashing("index.html", in: folder, name: "index", kind: ArtifactKind.report.rawValue, split: nil))
        try writeManifest(entries, inputs: runFiles.paths, failures: made.failures, into: folder)
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

    /// The artifacts `specs` of one split: the movie handed to `background` first, the table,
    /// then the figures on every core.
    private func produce(_ specs: [ArtifactSpec], from data: RunData, reader: RunReader, into folder: URL, made: Made,
                         background: (@escaping @Sendable () -> Void) -> Void) throws {
        let split = data.split, formats = self.formats, progress = self.progress
        for spec in specs where spec.kind != .figure {
            let file = spec.fileName(split: split, format: formats[0])
            let make: @Sendable () -> Void = {
                do {
                    if let movie = chart(spec) as? MovieFrameChart {
                        let (url, size) = (folder.appendingPathComponent(file), request.style.figureSize ?? (6, 9))
                        if let liveMovies {
                            try liveMovies.write(data, request: request, options: movie.options, size: size, to: url)
                        } else {
                            let frames = MovieFrames(run: data, request: request, options: movie.options, size: size)
                            try writeMovie(frames, to: url, settings: movieSettings, progress: progress)
                        }
                    }
                    else { try AtomicOutput.write(text: data.measures!.rows(health: false).naming(layers: data.layerNames).csv(quantity: data.quantity), to: folder.appendingPathComponent(file)) }
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
        let bySpec = drawn
        let outcomes = PlotterRegistry.makeFigures(drawn.map { chart($0)! }, run: data, request: request) { chart, figure in
            let name = type(of: chart).descriptor.artifact, laidOut = figure.laidOut()
            let spec = bySpec.first { $0.name == name }!
            for format in formats {
                try FigureWriter.write(laidOut, to: folder.appendingPathComponent(spec.fileName(split: split, format: format)))
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

