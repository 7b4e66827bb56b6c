import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckMeasures
import DneckMovie
import DneckPipeline
import DneckPlotters
import Foundation

struct MovieCommand: TakesChartOptions {
    static var plotters: [any BasePlotter.Type] { [MovieFrameChart.self] }
    static let configuration = CommandConfiguration(
        commandName: MovieFrameChart.descriptor.name,
        abstract: MovieFrameChart.descriptor.summary,
        discussion: """
        Top: the information plane of the current epoch over the faint paths of earlier ones; \
        bottom: training and test accuracy up to the current epoch. Encoded in-process with \
        libx264 (yuv420p, index at the front so it plays while loading).

        Examples:
          dneck-plot movie run.h5 -o plane.mp4
          \(MovieFrameChart.descriptor.example)
        """ + ChartArgumentSplitter.help(plotters))

    @OptionGroup var source: RunSource
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var table: GivenMeasuresOption
    @OptionGroup var aggregate: AggregateOptions
    @OptionGroup var look: LookOptions

    @OptionGroup var encoding: EncodingOptions
    @Option(help: "Frame size WxH in pixels (overrides the 6 × 9 inch figure at --dpi).")
    var size: String?

    @Option(name: .shortAndLong, help: "Output movie (default: \(MovieFrameChart.descriptor.artifact)_<split>.mp4).")
    var output: String?

    func validate() throws {
        try source.check(MovieFrameChart.descriptor.runs, command: "movie")
        try estimator.check(for: "movie")
        try table.check(runs: source.runs.count)
        try source.reading.checkInputs(readBy: [estimator.chosen], command: "movie")
        _ = try frameSize()
        _ = try GivenChartOptions.charts(Self.plotters)
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
            let target = URL(fileURLWithPath: output ?? "\(MovieFrameChart.descriptor.artifact)_\(source.split.rawValue).mp4")
            guard target.pathExtension.lowercased() == "mp4" else {
                throw DneckError.invalidOption(name: target.path, detail: "a movie is written as .mp4")
            }
            // FFmpeg's libraries (dlopen'ed, some 30 ms) load while the run is read and measured;
            // an error waits for them before the process exits.
            let ffmpeg = FFmpeg.loadInBackground()
            defer { ffmpeg.wait() }
            let readers = try source.readers()
            for reader in readers { _ = try source.reading.selectedEpochs(reader) }
            let request = aggregate.applied(to: try look.request())
            CairoTextMeasurer.shared.prepare(fontFamily: request.style.fontFamily)
            let chart = MovieFrameChart(options: try GivenChartOptions.arguments.options())
            let data = try gatherRuns(readers, needs: chart.needs, estimator: estimator.chosen, statistic: aggregate.statistic,
                                      label: "measures", select: source.reading.selectedEpochs, table: table.table(for:estimator:))
            var size = request.style.figureSize ?? (6, 9)
            var frameRequest = request
            if let (w, h) = try frameSize() {
                frameRequest.dpi = Double(w) / 6
                size = (6, Double(h) / frameRequest.dpi)
            }
            let frames = MovieFrames(run: data, request: frameRequest, options: chart.options, size: size)
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
