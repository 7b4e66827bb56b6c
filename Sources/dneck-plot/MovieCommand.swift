import ArgumentParser
import DneckCore
import DneckFigure
import DneckMeasures
import DneckMovie
import DneckPlotters
import Foundation

struct MovieCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "movie",
        abstract: "Information-plane movie: one frame per logged epoch, H.264 in MP4.",
        discussion: """
        Top: the information plane of the current epoch over the faint paths of earlier ones; \
        bottom: training and test accuracy up to the current epoch. Encoded in-process with \
        libx264 (yuv420p, index at the front so it plays while loading).

        Examples:
          dneck-plot movie run.h5 -o plane.mp4
          dneck-plot movie run.h5 --size 1200x1800 --fps 10 --epochs 0:500 --log-epochs -o plane.mp4
        """)

    @OptionGroup var source: RunOptions
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var aggregate: AggregateOptions
    @OptionGroup var look: LookOptions

    @OptionGroup var encoding: EncodingOptions
    @Option(help: "Frame size WxH in pixels (overrides the 6 × 9 inch figure at --dpi).")
    var size: String?
    @Option(help: "Only the logged epochs in FROM:TO (inclusive).")
    var epochs: String?
    @Flag(name: .customLong("log-epochs"), help: "Logarithmic epoch axis in the accuracy panel.")
    var logEpochs = false

    @Option(name: .shortAndLong, help: "Output movie (default: infoplane_<split>.mp4).")
    var output: String?

    func validate() throws {
        try estimator.check(for: "movie")
        _ = try frameSize()
        _ = try parseLimits(epochs.map { $0.contains(":") ? $0 : "\($0):\($0)" }, name: "--epochs", allowEqual: true)
    }

    /// `--size` as (width, height) pixels, nil when not given.
    private func frameSize() throws -> (Int, Int)? {
        guard let size else { return nil }
        let parts = size.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], (16...16384).contains(w), (16...16384).contains(h) else {
            throw ValidationError("--size takes WxH in pixels, e.g. 1200x1800 (16 to 16384 each)")
        }
        return (w, h)
    }

    func run() throws {
        try reportingErrors {
            let target = URL(fileURLWithPath: output ?? "infoplane_\(source.split.rawValue).mp4")
            guard target.pathExtension.lowercased() == "mp4" else {
                throw DneckError.invalidOption(name: target.path, detail: "a movie is written as .mp4")
            }
            // FFmpeg's libraries (dlopen'ed, some 30 ms) load while the run is read and measured;
            // an error waits for them before the process exits.
            let ffmpeg = FFmpeg.loadInBackground()
            defer { ffmpeg.wait() }
            let readers = try source.readers()
            let range = try parseLimits(epochs.map { $0.contains(":") ? $0 : "\($0):\($0)" }, name: "--epochs", allowEqual: true)
            for reader in readers {
                if let range, !reader.epochs.contains(where: { range.contains(Double($0)) }) {
                    throw DneckError.invalidOption(name: "--epochs", detail: "\(reader.file): no logged epoch in \(epochs!); logged: \(reader.epochs.first!)…\(reader.epochs.last!)")
                }
            }
            let request = try look.request()
            let data = try gatherRuns(readers, needs: MovieFrameChart.needs, options: ChartOptions(), estimator: estimator.chosen,
                                      statistic: aggregate.statistic, label: "measures") { reader in
                range.map { range in reader.epochs.filter { range.contains(Double($0)) } }
            }
            var size = request.style.figureSize ?? (6, 9)
            var frameRequest = request
            if let (w, h) = try frameSize() {
                frameRequest.dpi = Double(w) / 6
                size = (6, Double(h) / frameRequest.dpi)
            }
            var options = ChartOptions()
            options.logEpochs = logEpochs
            options.spread = aggregate.spread
            options.showRuns = aggregate.showRuns
            let frames = MovieFrames(run: data, request: frameRequest, options: options, size: size)
            if data.ensemble != nil {
                FileHandle.standardError.write(Data("dneck-plot: note: the movie of \(readers.count) runs shows their \(aggregate.statistic.rawValue) without an accuracy panel\n".utf8))
            } else if !MovieFrameChart.hasAccuracy(data) {
                FileHandle.standardError.write(Data("dneck-plot: note: \(data.file): no accuracy logged; the movie has no accuracy panel\n".utf8))
            }
            let progress = ProgressBar(total: frames.count, label: "movie")
            try writeMovie(frames, to: target, settings: encoding.settings(threads: 2), progress: progress)
            progress.finish()
        }
    }
}

/// Encodes `frames` into `target`, every frame in the first one's layout (the decorations are
/// drawn once: see `MovieWriter`), advancing `progress` a frame at a time.
func writeMovie(_ frames: MovieFrames, to target: URL, settings: MovieSettings, progress: ProgressBar) throws {
    let sample = frames.figure(0).laidOut()
    try MovieWriter.write(to: target, count: frames.count, width: sample.pixelWidth, height: sample.pixelHeight,
                          settings: settings, progress: progress) { frames.figure($0, laidOutAs: sample) }
}
