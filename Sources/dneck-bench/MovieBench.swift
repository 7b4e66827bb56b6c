import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckMovie
import DneckPlotters
import Foundation

struct Movie: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Information-plane movie: dneck-plot vs matplotlib's FFMpegWriter vs a raw libx264 encode.",
        discussion: """
        For each size, first single whole processes, alternated: the `dneck-plot movie` command (reading \
        the run, its MI, drawing, encoding) against the matplotlib script given dneck-plot's MI table; \
        then, in-process: (1) dneck-plot's whole movie (MI of every epoch, drawing, encoding), (2) the \
        matplotlib way (Benchmarks/movie_matplotlib.py: deep-bottleneck's InformationPlaneMoviePlotter, \
        needs matplotlib and an ffmpeg binary; skipped when absent), (3) libx264 alone encoding the \
        very frames of this movie, drawn and converted beforehand (the encoder's floor; at 3600 × 5400 \
        that holds about 5 GB of frames in memory).
        """)

    @Argument(help: "A dneck run file.") var path: String
    @Option(help: "Frame sizes WxH, comma-separated.") var sizes = "1200x1800,3600x5400"
    @Option(help: "x264 preset (default: dneck-plot's).") var preset: String?
    @Flag(help: "Skip the matplotlib baseline.") var noMatplotlib = false
    @Option(help: "Runs of dneck-plot's movie and of the raw encode; the best is printed.") var repeats = 2
    @Option(help: "Single whole-process runs of each side, alternated (the headline).") var runs = 5

    func run() throws {
        reuseFreedMemory()
        let scratch = try ScratchFolder(name: "movie")
        let reader = try RunReader(path: path)
        let data = try DataStage.gather(reader, needs: MovieFrameChart.descriptor.needs)
        let csv = scratch.file("measures.csv")
        try AtomicOutput.write(text: data.measures!.csv(quantity: data.quantity), to: csv)
        let settings = MovieSettings(preset: preset)
        let cli = dneckPlotBesideBench
        print("information-plane movie, \(reader.epochs.count) frames of \(path), preset \(preset ?? "\(MovieSettings.plotTuning.preset) with \(MovieSettings.plotTuning.options)"):")
        for size in sizes.split(separator: ",") {
            let wh = size.split(separator: "x").compactMap { Int($0) }
            guard wh.count == 2 else { throw ValidationError("bad size \(size)") }
            let dpi = Double(wh[0]) / 6
            let out = scratch.file("dneck.mp4")
            let movieScript = benchmarksFolder.appendingPathComponent("movie_matplotlib.py").path
            if FileManager.default.isExecutableFile(atPath: cli.path) {
                let movie = ["movie", path, "--size", String(size), "-o", out.path]
                let seconds = try alternated(runs: runs, [{ try runProcess(cli.path, movie) },
                                                          { try runProcess(cli.path, movie + ["--measures", csv.path]) }]
                    + (noMatplotlib ? [] : [{ try runProcess("python3", [movieScript, path, csv.path, "--dpi", "\(dpi)",
                                                                         "-o", scratch.file("mpl.mp4").path]) }]))
                print("  \(size), \(runs) single whole-process runs of each side, alternated:")
                if !noMatplotlib { printRange("matplotlib + FFMpegWriter, given the MI table", seconds[2], baseline: nil) }
                printRange("dneck-plot movie, the whole command (measuring the run)", seconds[0], baseline: noMatplotlib ? nil : seconds[2])
                printRange("dneck-plot movie --measures (given the same MI table)", seconds[1], baseline: noMatplotlib ? nil : seconds[2])
            }
            var frameSize = (0, 0)
            let dneck = try bestTime(repeats: repeats) {
                let measured = try DataStage.gather(reader, needs: MovieFrameChart.descriptor.needs)
                let movie = MovieFrames(run: measured, request: FigureRequest(dpi: dpi), size: (6, Double(wh[1]) / dpi))
                let first = movie.figure(0).laidOut()
                frameSize = (first.pixelWidth, first.pixelHeight)
                try MovieWriter.write(to: out, count: movie.count, width: frameSize.0, height: frameSize.1,
                                      settings: settings) { movie.figure($0, laidOutAs: first) }
            }
            let raw = try rawEncode(data, dpi: dpi, height: Double(wh[1]) / dpi,
                                    settings: settings, to: scratch.file("raw.mp4"))
            print("  \(frameSize.0) × \(frameSize.1):")
            var matplotlib: Double?
            if !noMatplotlib {
                matplotlib = try? bestTime(repeats: 1) {
                    try runProcess("python3", [movieScript, path, csv.path, "--dpi", "\(dpi)", "-o", scratch.file("mpl.mp4").path])
                }
                if let matplotlib { printRow("matplotlib + FFMpegWriter (deep-bottleneck)", matplotlib, baseline: nil) }
                else { print("  matplotlib baseline could not run (pip install matplotlib h5py; apt-get install ffmpeg)") }
            }
            printRow("dneck-plot movie (MI + draw + encode)", dneck, baseline: matplotlib)
            printRow("raw libx264 encode of the same frames", raw, baseline: nil)
            print(String(format: "  dneck-plot / raw encode: %.2f×", dneck / raw))
        }
    }

    /// libx264 alone: every frame of the movie drawn and converted beforehand (held in memory),
    /// then only the encoding timed.
    private func rawEncode(_ data: RunData, dpi: Double, height: Double,
                           settings: MovieSettings, to url: URL) throws -> Double {
        let movie = MovieFrames(run: data, request: FigureRequest(dpi: dpi), size: (6, height))
        let first = movie.figure(0).laidOut()
        let picture = PixelRegion(all: first.pixelWidth, first.pixelHeight)   // the movie's even size
        let raster = try Raster(width: picture.x1, height: picture.y1)
        let frames = try (0..<movie.count).map { k -> VideoFrame in
            try raster.draw(movie.figure(k, laidOutAs: first), forVideo: true)
            let frame = try VideoFrame(pictureWidth: first.pixelWidth, height: first.pixelHeight)
            try frame.fill(from: raster)
            return frame
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let encoder = try MovieEncoder(path: url.path, width: first.pixelWidth, height: first.pixelHeight, settings: settings)
            best = min(best, try bestTime(repeats: 1) {
                for frame in frames { try encoder.encode(frame) }
                try encoder.finish()
            })
        }
        return best
    }
}
