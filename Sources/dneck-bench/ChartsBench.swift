import ArgumentParser
import DneckCairo
import DneckCore
import DneckIO
import DneckPlotters
import Foundation

struct Charts: ParsableCommand {
    /// The charts the matplotlib baseline draws.
    static let benched: [any BasePlotter.Type] = [ActivationsChart.self, SingleNeuronChart.self, SNRChart.self,
                                                  AccuracyChart.self, ActivityChart.self]

    /// The chart commands timed as whole processes, and those matplotlib's script also draws.
    static let commands = ["activations", "single-neuron", "snr", "accuracy", "activity", "infoplane"]
    static let drawnByMatplotlib: Set = ["activations", "single-neuron", "snr", "infoplane"]

    static let configuration = CommandConfiguration(
        abstract: "Static charts at dpi 300: dneck-plot vs deep-bottleneck's matplotlib plotters (Benchmarks/charts_matplotlib.py).",
        discussion: """
        First single whole processes, alternated (dneck-plot, matplotlib, dneck-plot, …): each chart \
        command against the script drawing that chart alone, then the six commands one after another \
        against the script drawing its four charts in one process (the information plane from \
        dneck-plot's MI table on both sides, as deep-bottleneck's plotter is given one: `infoplane \
        --measures`; also timed measuring the run itself); then the best of repeated runs.
        """)

    @Argument(help: "A dneck run file.") var path: String
    @Option var dpi = 300.0
    @Flag(help: "Skip the matplotlib baseline.") var noMatplotlib = false
    @Option(help: "Single whole-process runs of each side, alternated (the headline).") var runs = 5
    @Option(help: "Runs of each matplotlib measurement, three times as many of each (short) dneck-plot one; the best is printed (shared machines jitter).")
    var repeats = 3

    func run() throws {
        reuseFreedMemory()
        let scratch = try ScratchFolder(name: "charts")
        let cli = dneckPlotBesideBench
        let hasCLI = FileManager.default.isExecutableFile(atPath: cli.path)
        if hasCLI { try singleRuns(cli: cli.path, scratch: scratch) }
        print("""
            static charts of \(path) at dpi \(Int(dpi)) (read the run, compute, draw, write PNG);
            best of \(repeats) runs of matplotlib and of \(3 * repeats) of dneck-plot.
            in-process: the work alone, as the script times itself and as dneck-plot's library does it;
            whole process: what a user waits for, interpreter or process start-up included.
            """)
        var total = Timing(), totalBaseline = Timing()
        let request = FigureRequest(dpi: dpi)
        for chart in Self.benched {
            var pixels = (0, 0)
            let inProcess = try bestTime(repeats: 3 * repeats) {
                let reader = try RunReader(path: path)
                let drawn = chart.init()
                let data = try DataStage.gather(reader, needs: drawn.needs)
                let figure = drawn.figure(data, request: request)
                pixels = (figure.pixelWidth, figure.pixelHeight)
                try FigureWriter.write(figure, to: scratch.file("\(chart.descriptor.name).png"))
            }
            let ours = Timing(inProcess: inProcess, wholeProcess: hasCLI ? try bestTime(repeats: 3 * repeats) {
                try runProcess(cli.path, [chart.descriptor.name, path, "--dpi", "\(dpi)", "-o", scratch.file("cli-\(chart.descriptor.name).png").path])
            } : nil)
            let theirs = noMatplotlib ? nil : try matplotlib(only: chart.descriptor.name, scratch: scratch)
            if let theirs {
                theirs.print("matplotlib \(chart.descriptor.name)", against: nil)
                total.add(ours); totalBaseline.add(theirs)
            }
            ours.print("dneck-plot \(chart.descriptor.name) (\(pixels.0) × \(pixels.1))", against: theirs)
        }
        // All five charts together, sharing one survey of the run, as `dneck-plot charts` does.
        let together = try bestTime(repeats: 3 * repeats) {
            let reader = try RunReader(path: path)
            let charts = Self.benched.map { $0.init() }
            let data = try DataStage.gather(reader, needs: ChartNeeds.union(charts.map(\.needs)))
            let folder = scratch.url
            let outcomes = PlotterRegistry.makeFigures(charts, run: data, request: request) { chart, figure in
                try FigureWriter.write(figure, to: folder.appendingPathComponent("all-\(type(of: chart).descriptor.name).png"))
            }
            if let error = outcomes.compactMap({ $0 }).first { throw error }
        }
        let all = Timing(inProcess: together, wholeProcess: hasCLI ? try bestTime(repeats: 3 * repeats) {
            try runProcess(cli.path, ["charts", path, "--dpi", "\(dpi)", "--output-dir", scratch.file("cli-all").path])
        } : nil)
        let allBaseline = noMatplotlib ? nil : try matplotlib(only: nil, scratch: scratch)
        allBaseline?.print("matplotlib, its three charts in one script", against: nil)
        all.print("dneck-plot charts (all five, one pass)", against: allBaseline)
        if totalBaseline.inProcess > 0 {
            print(String(format: "  the charts matplotlib also draws, one by one: %.3f s against %.3f s in-process, %.1f× faster",
                         total.inProcess, totalBaseline.inProcess, totalBaseline.inProcess / total.inProcess))
        }
    }

    /// Each chart command, then all six one after another, against matplotlib's script, in
    /// alternated single whole processes.
    private func singleRuns(cli: String, scratch: ScratchFolder) throws {
        let measures = scratch.file("measures.csv").path
        try runProcess(cli, ["measures", path, "-o", measures])
        /// The chart command; infoplane given the MI table the script is given (`--measures`)
        /// unless `measuring`.
        func ours(_ chart: String, measuring: Bool = false) throws {
            let table = chart == "infoplane" && !measuring ? ["--measures", measures] : []
            try runProcess(cli, [chart, path, "--dpi", "\(dpi)", "-o", scratch.file("single-\(chart).png").path] + table)
        }
        func theirs(only chart: String?) throws {
            try runProcess("python3", [benchmarksFolder.appendingPathComponent("charts_matplotlib.py").path, path, "--dpi", "\(dpi)",
                                       "--out", scratch.url.path, "--measures", measures] + (chart.map { ["--only", $0] } ?? []))
        }
        print("static charts of \(path) at dpi \(Int(dpi)): \(runs) single whole-process runs of each side, alternated")
        for chart in Self.commands {
            let baseline = !noMatplotlib && Self.drawnByMatplotlib.contains(chart)
            let seconds = try alternated(runs: runs, [{ try ours(chart) }] + (baseline ? [{ try theirs(only: chart) }] : []))
            if baseline { printRange("matplotlib \(chart)", seconds[1], baseline: nil) }
            printRange("dneck-plot \(chart)\(chart == "infoplane" ? " --measures (the same table)" : "")", seconds[0], baseline: baseline ? seconds[1] : nil)
        }
        let measuring = try alternated(runs: runs, [{ try ours("infoplane", measuring: true) }])
        printRange("dneck-plot infoplane measuring the run itself (binning)", measuring[0], baseline: nil)
        let together = try alternated(runs: runs, [{ for chart in Self.commands { try ours(chart) } }]
                                      + (noMatplotlib ? [] : [{ try theirs(only: nil) }]))
        if !noMatplotlib { printRange("matplotlib, its four charts in one script", together[1], baseline: nil) }
        printRange("dneck-plot, the six chart commands one after another", together[0], baseline: noMatplotlib ? nil : together[1])
    }

    /// The matplotlib script drawing one chart (or its three) in a process of its own: the
    /// seconds it reports for its work, and the whole process; best of `repeats`.
    private func matplotlib(only chart: String?, scratch: ScratchFolder) throws -> Timing? {
        if let chart, !["activations", "single-neuron", "snr"].contains(chart) { return nil }
        var best = Timing(inProcess: .infinity, wholeProcess: .infinity)
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let output = try runProcess("python3", [benchmarksFolder.appendingPathComponent("charts_matplotlib.py").path, path,
                                                    "--dpi", "\(dpi)", "--out", scratch.url.path] + (chart.map { ["--only", $0] } ?? []))
            let whole = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let work = output.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            best = Timing(inProcess: min(best.inProcess, work), wholeProcess: min(best.wholeProcess!, whole))
        }
        return best
    }
}

/// Seconds of one job, in-process and as a whole process.
private struct Timing {
    var inProcess = 0.0
    var wholeProcess: Double? = 0

    mutating func add(_ other: Timing) {
        inProcess += other.inProcess
        wholeProcess = wholeProcess.flatMap { a in other.wholeProcess.map { a + $0 } }
    }

    func print(_ name: String, against baseline: Timing?) {
        printRow(name + ", in-process", inProcess, baseline: baseline?.inProcess)
        if let wholeProcess { printRow(name + ", whole process", wholeProcess, baseline: baseline?.wholeProcess) }
    }
}
