import ArgumentParser
import DneckCairo
import DneckCore
import DneckIO
import DneckPlotters
import Foundation

struct Charts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Static charts at dpi 300: dneck-plot vs deep-bottleneck's matplotlib plotters (Benchmarks/charts_matplotlib.py).")

    @Argument(help: "A dneck run file.") var path: String
    @Option var dpi = 300.0
    @Flag(help: "Skip the matplotlib baseline.") var noMatplotlib = false
    @Option(help: "Runs of each dneck-plot measurement; the best is printed (the machine is shared, times jitter).")
    var repeats = 3

    func run() throws {
        reuseFreedMemory()
        let scratch = try ScratchFolder(name: "charts")
        var baseline: [String: Double] = [:]
        if !noMatplotlib {
            let pipe = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", benchmarksFolder.appendingPathComponent("charts_matplotlib.py").path, path,
                                 "--dpi", "\(dpi)", "--out", scratch.url.path]
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let seconds = Double(parts[1]) { baseline[String(parts[0])] = seconds }
            }
        }
        print("static charts of \(path) at dpi \(Int(dpi)) (each: read the run, compute, draw, write PNG; dneck-plot best of \(repeats)):")
        var total = 0.0, totalBaseline = 0.0
        for chart in PlotterRegistry.charts {
            var pixels = (0, 0)
            let seconds = try bestTime(repeats: repeats) {
                let reader = try RunReader(path: path)
                let figure = try chart.init(options: ChartOptions()).figure(PlotRequest(reader: reader, dpi: dpi))
                pixels = (figure.pixelWidth, figure.pixelHeight)
                try FigureWriter.write(figure, to: scratch.file("\(chart.name).png"))
            }
            let reference = baseline[chart.name]
            if let reference {
                printRow("matplotlib \(chart.name)", reference, baseline: nil)
                total += seconds
                totalBaseline += reference
            }
            printRow("dneck-plot \(chart.name) (\(pixels.0) × \(pixels.1))", seconds, baseline: reference)
        }
        // All five charts together, sharing one survey of the run, as `dneck-plot charts` does.
        let together = try bestTime(repeats: repeats) {
            let reader = try RunReader(path: path)
            let request = PlotRequest(reader: reader, dpi: dpi)
            let inputs = try ChartInputs(reader, for: PlotterRegistry.charts, options: ChartOptions())
            let folder = scratch.url
            let outcomes = PlotterRegistry.makeCharts(PlotterRegistry.charts, inputs: inputs, request: request,
                                                      options: ChartOptions()) { name, figure in
                try FigureWriter.write(figure, to: folder.appendingPathComponent("all-\(name).png"))
            }
            if let error = outcomes.compactMap({ $0 }).first { throw error }
        }
        printRow("dneck-plot charts (all five, one pass)", together, baseline: totalBaseline > 0 ? totalBaseline : nil)
        if totalBaseline > 0 {
            print(String(format: "  the charts matplotlib also draws: %.3f s against %.3f s, %.1f× faster", total, totalBaseline,
                         totalBaseline / total))
        }
    }
}
