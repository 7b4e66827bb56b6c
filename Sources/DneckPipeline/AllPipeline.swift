import DneckCore
import DneckIO
import DneckMeasures
import DneckMovie
import DneckPlotters
import DneckReport
import Foundation

/// `dneck-plot all` without its command line: every chosen artifact of each split of each run,
/// one pass per split, then each run's `summary.md`, `index.html` and, last, `manifest.json`;
/// for several runs, one subfolder each and the planes of all runs side by side.
public struct AllPipeline {
    /// The artifacts to make, in the catalog's order.
    public var specs: [ArtifactSpec]
    /// The chart of each spec that has one, with its options.
    public var charts: [any BasePlotter]
    /// Figure formats: png, svg, pdf.
    public var formats: [String]
    public var request: FigureRequest
    public var estimator: any MIEstimator
    /// The movies' encoder settings (two are encoded at once, one libx264 thread each).
    public var movieSettings: MovieSettings
    /// Every option as the command resolved it, for the manifests.
    public var recordedOptions: [String: String]
    /// Reads one split of one run file.
    public var read: (String, Split) throws -> RunReader
    /// The logged epochs of a reader to use (nil: all).
    public var epochs: (RunReader) throws -> [Int]?
    /// What was made of each split before (`watch`); none by default.
    public var caches: [Split: SplitCache] = [:]
    /// What the report says while the run is written (`watch`); nil for the finished report.
    public var live: LiveStatus?
    /// The movies kept from one rendering to the next while the run is written (`watch`); with
    /// nil, each movie is made whole, as `all` makes it.
    public var liveMovies: LiveMovies?
    /// How progress is shown (`watch` shows its own).
    public var progressMode: ProgressBar.Mode = isatty(STDERR_FILENO) == 1 ? .bar : .log
    /// Takes each `dneck-plot: …` line about the artifacts (notes, artifacts not made): stderr by default.
    public var say: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("dneck-plot: \($0)\n".utf8)) }

    public init(specs: [ArtifactSpec], charts: [any BasePlotter], formats: [String], request: FigureRequest,
                estimator: any MIEstimator, movieSettings: MovieSettings, recordedOptions: [String: String],
                read: @escaping (String, Split) throws -> RunReader, epochs: @escaping (RunReader) throws -> [Int]?) {
        self.specs = specs; self.charts = charts; self.formats = formats; self.request = request; self.estimator = estimator
        self.movieSettings = movieSettings; self.recordedOptions = recordedOptions; self.read = read; self.epochs = epochs
    }

    /// Writes the artifacts of `splits` of every run of `runs` into `folder` (made if missing);
    /// a run without one of the splits (a deep-bottleneck dump without its sibling) gives the
    /// others, with a note. Returns whether some artifact could not be made; each such is one
    /// line on stderr, and everything else is written.
    public func run(_ runs: [RunFiles], splits: [Split], into folder: URL) throws -> Bool {
        let ffmpeg = specs.contains { $0.kind == .movie } ? FFmpeg.loadInBackground() : nil
        defer { ffmpeg?.wait() }
        let readers = try runs.map { run in
            let available = splits.filter { run.files[$0] != nil }
            guard !available.isEmpty else {
                throw DneckError.missing(file: run.paths[0], path: "/", what: "split \(splits.map(\.rawValue).joined(separator: ",")) (a deep-bottleneck dump holds one split; its sibling was not found beside it)")
            }
            for missing in splits where run.files[missing] == nil {
                say("note: \(run.name): no \(missing.rawValue) split (no \(run.name)_\(missing.rawValue) dump beside it): \(available.map(\.rawValue).joined(separator: ", ")) only")
            }
            return try available.map { try read(run.files[$0]!, $0) }
        }
        var needs = ChartNeeds.union(charts.map(\.needs) + [ChartNeeds(estimates: .any)])
        needs.requiredRecords = []   // each artifact that cannot do without a dataset fails alone
        let selected = try readers.map { try $0.map(epochs) }
        let figures = specs.filter { $0.kind == .figure && !$0.perRun }.count * formats.count
        let perRun = specs.filter { $0.kind == .figure && $0.perRun }.count * formats.count
        let movie = specs.contains { $0.kind == .movie }
        let steps = zip(readers.joined(), selected.joined()).reduce(readers.count * perRun) { total, run in
            total + needs.progressSteps(run.0, epochs: run.1?.count) + figures + (movie ? (run.1 ?? run.0.epochs).count : 0)
        }
        let progress = ProgressBar(total: steps, label: "all", mode: progressMode)
        defer { progress.finish() }
        let job = ArtifactJob(specs: specs, charts: charts, needs: needs, formats: formats, request: request,
                              estimator: estimator, movieSettings: movieSettings, recordedOptions: recordedOptions,
                              inputDigests: InputDigests(runs.flatMap(\.paths)), epochs: epochs, progress: progress,
                              caches: caches, live: live, liveMovies: liveMovies, say: say)
        let root = try makeFolder(folder)
        if readers.count == 1 { return try job.run(readers[0], of: runs[0], into: root).failed }
        var failed = false
        var planes: [[RunData]] = []
        var entries: [Manifest.Entry] = []
        for ((readers, run), name) in zip(zip(readers, runs), subfolderNames(runs.map(\.stem))) {
            let outcome = try job.run(readers, of: run, into: try makeFolder(root.appendingPathComponent(name)))
            failed = failed || outcome.failed
            planes.append(outcome.planes)
            entries.append(try .hashing("\(name)/manifest.json", in: root, name: name, kind: "manifest", split: nil))
        }
        entries += try job.comparisons(planes, into: root)
        try job.writeManifest(entries, inputs: runs.flatMap(\.paths), into: root)
        return failed
    }
}
