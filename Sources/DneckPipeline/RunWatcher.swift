import DneckCore
import DneckIO
import DneckMeasures
import DneckReport
import Foundation

/// `dneck-plot watch` without its command line: follows one run file while it is written and
/// keeps `all`'s artifacts of it up to date in a folder. Each time the run has committed new
/// epochs, every artifact is made again from the epochs committed so far, each replaced
/// atomically, with the measures of earlier epochs taken from a cache in the folder (so only
/// the new epochs are measured, and a restarted watch resumes) and each movie kept from the
/// last rendering (`LiveMovies`: only its new frames are encoded). `index.html` then reloads
/// itself and says how far the run has come. When the writer closes the run, the artifacts are
/// made once more as `all` makes them, the cache is removed and the folder is what
/// `dneck-plot all RUN -o FOLDER` gives, byte for byte.
public struct RunWatcher {
    /// What one rendering of the watched run came to.
    public struct Rendering: Sendable {
        /// The run as it was read for it.
        public var state: RunState
        /// When the rendering ended.
        public var ended: Date
        /// Seconds it took.
        public var seconds: Double
        /// Whether it was the final one (the run closed).
        public var final: Bool
    }

    /// Makes the artifacts; its `caches`, `live`, `progressMode` and `say` are set by the watcher.
    public var pipeline: AllPipeline
    public var run: String
    public var splits: [Split]
    public var folder: URL
    /// Seconds between two looks at the run file.
    public var interval: Double
    /// Seconds between two reloads of the live report.
    public var refreshSeconds: Int
    /// Called after each rendering (progress on a terminal, the benchmark).
    public var rendered: (Rendering) -> Void = { _ in }

    public init(pipeline: AllPipeline, run: String, splits: [Split], folder: URL, interval: Double, refreshSeconds: Int) {
        self.pipeline = pipeline; self.run = run; self.splits = splits; self.folder = folder
        self.interval = interval; self.refreshSeconds = refreshSeconds
    }

    /// Follows the run until its writer closes it; returns whether some artifact of the final
    /// rendering could not be made (as `all`'s exit status says).
    public func watch() throws -> Bool {
        let say = OnceSaid()
        var pipeline = self.pipeline
        pipeline.say = { say.say($0) }
        pipeline.progressMode = .quiet
        var rendered: RunState?
        let files = try makeFolder(folder)
        let store = WatchCache(folder: files.appendingPathComponent(WatchCache.folderName), run: run, options: pipeline.recordedOptions)
        pipeline.caches = try store.load(splits)
        let movies = LiveMovies(settings: pipeline.movieSettings)
        while true {
            guard let state = try probe(say) else { sleep(); continue }
            let grown = state.epochs != rendered?.epochs && state.epochs.values.contains { !$0.isEmpty }
            if state.status.isFinal || grown {
                let start = Date()
                var once = pipeline
                once.live = state.status.isFinal ? nil : live(state)
                once.liveMovies = state.status.isFinal ? nil : movies
                let failed = try once.run(RunFiles.group([run]), splits: splits, into: files)
                rendered = state
                if state.status.isFinal {
                    store.remove()
                    self.rendered(Rendering(state: state, ended: Date(), seconds: Date().timeIntervalSince(start), final: true))
                    return failed
                }
                // The final rendering's warnings are the ones said; these artifacts are replaced.
                PendingWarnings.shared.discard()
                try store.save(pipeline.caches)
                self.rendered(Rendering(state: state, ended: Date(), seconds: Date().timeIntervalSince(start), final: false))
            }
            sleep()
        }
    }

    /// The run's state, or nil while it cannot be read yet: not yet created (a writer keeps it
    /// as `<run>.partial` until its first commit) or locked by a writer that holds it open
    /// without SWMR (on NFS, a writer closes it after each epoch); each said once.
    private func probe(_ say: OnceSaid) throws -> RunState? {
        guard FileManager.default.fileExists(atPath: run) else {
            say.say("note: waiting for \(run) (its writer keeps it as \(run).partial until the first epoch is committed)")
            return nil
        }
        do { return try RunState.probe(run) } catch DneckError.lockedByWriter {
            say.say("note: \(run) is locked by its writer; retrying every \(interval) s (a writer that closes the file after each epoch is read between epochs)")
            return nil
        }
    }

    /// What the live report says of `state`.
    private func live(_ state: RunState) -> LiveStatus {
        LiveStatus(file: URL(fileURLWithPath: run).lastPathComponent, lastEpoch: splits.compactMap { state.epochs[$0.rawValue]?.last }.max(),
                   committed: state.modified, refreshSeconds: refreshSeconds)
    }

    private func sleep() { Thread.sleep(forTimeInterval: interval) }
}

/// Lines said once each over a whole watch, however many renderings repeat them.
private final class OnceSaid: @unchecked Sendable {
    private let lock = NSLock()
    private var said: Set<String> = []

    func say(_ line: String) {
        lock.lock(); let new = said.insert(line).inserted; lock.unlock()
        if new { FileHandle.standardError.write(Data("dneck-plot: \(line)\n".utf8)) }
    }
}

/// The measures `watch` has made of a run (not the survey's ranges and counts: they are cheap to
/// make again once), kept in `<folder>/.dneck-watch/measures.json` so that
/// a restarted watch resumes. They are used only for the same run file (device and inode: a new
/// run written to the same path is a new file) and the same options; else they are dropped.
struct WatchCache {
    static let folderName = ".dneck-watch"
    let folder: URL
    let run: String
    let options: [String: String]

    /// What the file holds.
    private struct Stored: Codable {
        var key: String
        var splits: [String: [InformationPoint]]
    }

    /// The key of the run file and options.
    private var key: String {
        var info = stat()
        let file = stat(run, &info) == 0 ? "\(info.st_dev):\(info.st_ino)" : run
        let settings = options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: "\u{1f}")
        return "\(file)\u{1e}\(settings)"
    }

    private var file: URL { folder.appendingPathComponent("measures.json") }

    /// One cache per split: the measures the file holds when it was made for this run and these
    /// options, else none; the survey's (ranges, counts) are kept in memory only.
    func load(_ splits: [Split]) throws -> [Split: SplitCache] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let stored = (try? Data(contentsOf: file)).flatMap { try? decoder.decode(Stored.self, from: $0) }
        let held = stored?.key == key ? stored!.splits : [:]
        return Dictionary(uniqueKeysWithValues: splits.map { ($0, SplitCache(measures: MeasureCache(held[$0.rawValue] ?? []))) })
    }

    /// Writes `caches` atomically.
    func save(_ caches: [Split: SplitCache]) throws {
        _ = try makeFolder(folder)
        let stored = Stored(key: key, splits: Dictionary(uniqueKeysWithValues: caches.map { ($0.rawValue, $1.measures.points) }))
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicOutput.write(bytes: Array(try encoder.encode(stored)), to: file)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
