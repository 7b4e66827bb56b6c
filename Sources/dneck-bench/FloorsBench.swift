import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation

/// Where a chart command spends its time, part by part, against the time matplotlib's script
/// takes for the same chart: the evidence for how far a small chart command can go.
struct Floors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Where a chart command spends its time: each part timed alone, against matplotlib's chart.",
        discussion: """
        Whole processes, alternated: the command (infoplane given the MI table, `--measures`, as \
        matplotlib's script is); dneck-plot failing at its first option (process start and exit); \
        the same command line failing at an unknown last option (start, option parsing, exit); \
        matplotlib's script drawing the same chart, when it draws it. Then, in \
        this process and warm (best of runs): reading the run and the table, building and laying \
        out the figure, drawing it on one core and on both, deflating it on both, drawing and \
        deflating overlapped as the command does, and writing a canvas's worth of fresh pages.
        """)

    @Argument(help: "A dneck run file.") var path: String
    @Option(help: "The chart command.") var chart = "infoplane"
    @Option var dpi = 300.0
    @Option(help: "Runs of each measurement.") var runs = 15
    @Flag(help: "Skip the matplotlib baseline.") var noMatplotlib = false

    func run() throws {
        reuseFreedMemory()
        let cli = try requiredDneckPlot().path
        let scratch = try ScratchFolder(name: "floors")
        let measures = scratch.file("measures.csv").path
        guard let plotter = PlotterRegistry.plotters.first(where: { $0.descriptor.name == chart && $0.descriptor.output != .movie }) else {
            throw ValidationError("no chart command '\(chart)'")
        }
        let given = plotter.descriptor.needs.measures ? ["--measures", measures] : []
        if !given.isEmpty { try runProcess(cli, ["measures", path, "-o", measures]) }
        let command = [chart, path, "--dpi", "\(dpi)", "-o", scratch.file("chart.png").path] + given
        /// `cli` with `arguments`, which must fail at its options (ArgumentParser's usage error).
        func failing(_ arguments: [String]) throws {
            let status = try exitStatus(cli, arguments)
            guard status == 64 else { throw ValidationError("dneck-plot \(arguments.joined(separator: " ")) ended with \(status), not 64") }
        }
        let matplotlib = { try runProcess("python3", [benchmarksFolder.appendingPathComponent("charts_matplotlib.py").path, path,
                                                       "--dpi", "\(dpi)", "--out", scratch.url.path, "--only", chart] + given) }
        let jobs: [() throws -> Void] = [{ try runProcess(cli, command) }, { try failing(["--no-such-option"]) },
                                         { try failing(command + ["--no-such-option"]) }]
            + (noMatplotlib || !Charts.drawnByMatplotlib.contains(chart) ? [] : [{ _ = try matplotlib() }])
        let whole = try alternated(runs: runs, jobs)
        print("\(([chart] + given.prefix(1)).joined(separator: " ")) of \(path) at dpi \(Int(dpi)): \(runs) whole processes of each, alternated (min, median)")
        printPart("dneck-plot \(chart)", whole[0])
        printPart("process start and exit (failing at its first option)", whole[1])
        printPart("start, option parsing, exit (failing at the last)", whole[2])
        if whole.count > 3 {
            printPart("matplotlib's script, the same chart" + (given.isEmpty ? "" : " from the same table"), whole[3])
            let budget = whole[3].sorted()[whole[3].count / 2] / 20
            print(String(format: "  20× matplotlib's median leaves %.1f ms", budget * 1000))
        }
        try inProcessParts(plotter.make(ChartArguments()), measures: given.isEmpty ? nil : measures)
    }

    /// The command's parts in this process, warm, best of `runs` by wall-clock time, with the
    /// processor time of that run (both cores together; a thread waiting for the other may
    /// spin, so only the one-core drawing and the evenly split deflating measure the work).
    private func inProcessParts(_ chart: any BasePlotter, measures: String?) throws {
        var data: RunData?
        let read = try bestRun(repeats: runs) {
            let reader = try RunReader(path: path)
            let table = try measures.map { try MeasuresTableFile(path: $0, estimator: BinningEstimator(), labels: reader.labels, layers: reader.layerCount) }
            data = try DataStage.gather(reader, needs: chart.needs, estimator: BinningEstimator(), table: table)
        }
        guard let data else { return }
        var figure: Figure?
        let built = bestRun(repeats: runs) { figure = chart.figure(data, request: FigureRequest(dpi: dpi)).laidOut() }
        guard let figure else { return }
        let (width, height) = (figure.pixelWidth, figure.pixelHeight)
        var raster = try Raster(width: width, height: height)
        let drawnOnOne = try bestRun(repeats: runs) {
            raster = try Raster(width: width, height: height)
            try raster.draw(figure, layers: [.decorations, .marks])
        }
        let drawn = try bestRun(repeats: runs) {
            raster = try Raster(width: width, height: height)
            try raster.drawOnTwoCores(figure, layers: [.decorations, .marks])
        }
        var bytes = 0
        let deflated = bestRun(repeats: runs) { bytes = PNGEncoder.encode(raster, over: figure.style.background).count }
        let overlapped = try bestRun(repeats: runs) {
            _ = try PNGEncoder.drawAndEncode(figure, layers: [.decorations, .marks], on: try Raster(width: width, height: height),
                                             over: figure.style.background)
        }
        let canvasBytes = raster.stride * height
        let fresh = bestRun(repeats: runs) {
            guard let canvas = LargeBuffer(count: canvasBytes) else { return }
            for page in stride(from: 0, to: canvas.count, by: 4096) { canvas.bytes.storeBytes(of: 1, toByteOffset: page, as: UInt8.self) }
        }
        print("in this process, warm, best of \(runs) (wall-clock; processor time of both cores beside it):")
        printPart("reading the run" + (measures == nil ? " (what the chart needs)" : " and the table (records, MI table)"), read)
        printPart("building the figure and laying it out", built)
        printPart("drawing \(width) × \(height) pixels on one core", drawnOnOne)
        printPart("the same on both cores (top and bottom halves)", drawn)
        printPart("filtering and deflating them on both cores (\(bytes >> 10) KiB)", deflated)
        printPart("both overlapped, as the command does (PNGEncoder.drawAndEncode)", overlapped)
        printPart("writing a canvas's worth of fresh pages (\(canvasBytes >> 20) MiB)", fresh)
        print(String(format: "  drawing and deflating cannot take under half their work on two cores: %.1f ms",
                     (drawnOnOne.wall + deflated.processor) / 2 * 1000))
    }

    private func printPart(_ name: String, _ time: (wall: Double, processor: Double)) {
        let padded = name.padding(toLength: 66, withPad: " ", startingAt: 0)
        print(String(format: "  %@ %7.1f ms  (%.1f ms)", padded, time.wall * 1000, time.processor * 1000))
    }

    private func printPart(_ name: String, _ seconds: [Double]) {
        let sorted = seconds.sorted()
        let padded = name.padding(toLength: 66, withPad: " ", startingAt: 0)
        print(String(format: "  %@ %7.1f  %7.1f ms", padded, sorted[0] * 1000, sorted[sorted.count / 2] * 1000))
    }
}
