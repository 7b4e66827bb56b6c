import ArgumentParser
import DneckCore
import DneckPipeline
import DneckPlotters
import Foundation

/// `dneck-plot watch`: `all`'s artifacts of a run kept up to date while it is written.
struct WatchCommand: TakesChartOptions {
    static let plotters = AllCommand.plotters
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Keep all's artifacts of a run up to date while it trains; ends when its writer closes it.",
        discussion: """
        Follows a format version 2 run file while it is written (the dneck Python package writes \
        one: python/README.md). As soon as the first epoch is committed, and again after each \
        new epoch, every artifact `all` makes is made from the epochs committed so far and \
        replaced atomically; only the new epochs are measured (the measures of earlier ones are \
        kept in <folder>/.dneck-watch, so a restarted watch resumes) and each movie encodes \
        only its new frames: while the run grows, a movie's axes reach a little beyond the data \
        and move, in round steps, only when the data leave them. index.html reloads itself \
        and shows the last committed epoch and the time since. When the writer closes the run, \
        the artifacts are made once more, the cache is removed, and the folder is what \
        `dneck-plot all RUN -o FOLDER` gives, byte for byte; a finished run, a version 1 run \
        or a deep-bottleneck dump is rendered once. Ctrl-C (or SIGTERM) leaves every file in \
        the folder whole. On a file system without SWMR (NFS), let the writer close the file \
        after each epoch: watch retries while the file is locked.

        Examples:
          dneck-plot watch run.h5 -o live
          dneck-plot watch run.h5 -o live --skip infoplane_movie --interval 2
        """ + ChartArgumentSplitter.help(plotters))

    @Argument(help: "The run file, being written (or not yet created: watch waits for it).")
    var runFile: String
    @OptionGroup var artifacts: ArtifactOptions
    @Option(help: "Seconds between two looks at the run file (0.05 to 3600; a look reads a few bytes).")
    var interval = 0.25
    @Option(help: "Seconds between two reloads of the live index.html (1 to 3600).")
    var refresh = 2

    func validate() throws {
        guard interval >= 0.05, interval <= 3600 else { throw ValidationError("--interval takes 0.05 to 3600 seconds, not \(interval)") }
        guard (1...3600).contains(refresh) else { throw ValidationError("--refresh takes 1 to 3600 seconds, not \(refresh)") }
        try artifacts.check(for: "watch", plotters: Self.plotters)
    }

    func run() throws {
        try reportingErrors {
            var watcher = RunWatcher(pipeline: try artifacts.pipeline(plotters: Self.plotters), run: runFile, splits: artifacts.chosenSplits,
                                     folder: URL(fileURLWithPath: artifacts.output), interval: interval, refreshSeconds: refresh)
            if isatty(STDERR_FILENO) == 1 { watcher.rendered = Self.show }
            if try watcher.watch() {
                PendingWarnings.shared.flush()
                throw ExitCode(1)
            }
        }
    }

    /// One status line on a terminal, redrawn after each rendering.
    private static func show(_ rendering: RunWatcher.Rendering) {
        let epochs = rendering.state.epochs.keys.sorted().filter { $0 != "training" }
            .map { "\($0) \(rendering.state.epochs[$0]!.count)" }.joined(separator: ", ")
        let what = rendering.final ? "final artifacts" : "epochs committed: \(epochs)"
        FileHandle.standardError.write(Data("\r\u{1b}[Kwatch: \(what); made in \(String(format: "%.1f", rendering.seconds)) s\(rendering.final ? "\n" : "")".utf8))
    }
}
