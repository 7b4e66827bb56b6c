import ArgumentParser
import Foundation

struct All: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "dneck-plot all (every artifact of both splits) vs deep-bottleneck's way: numpy binning and its matplotlib plotters one after another (Benchmarks/all_matplotlib.py).",
        discussion: """
        Both make, for both splits, the information measures, the information plane, the \
        activation, single-neuron and SNR charts and the information-plane movie at the same dpi \
        (the baseline's movie needs an ffmpeg binary; without one it is left out and said so). \
        dneck-plot also makes its accuracy, activity and mi-epochs charts, the summary, the \
        report and the manifest. Prints the peak resident memory of dneck-plot all.

        Example:
          python3 ../shared/tools/train_runs.py --out /tmp/tanh_3000.h5 --epochs 3000 --seed 7
          swift build -c release && .build/release/dneck-bench all /tmp/tanh_3000.h5
        """)

    @Argument(help: "A dneck run file.") var path: String
    @Option var dpi = 150.0
    @Option(help: "Single whole-process runs of each side, alternated (the headline).") var runs = 5
    @Option(help: "More runs of dneck-plot all, the best printed beside (1: none).") var repeats = 1
    @Flag(help: "Skip the matplotlib baseline.") var noMatplotlib = false

    /// Whether an ffmpeg binary is on PATH (the baseline's movies need one).
    private var hasFFmpeg: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/ffmpeg")
        }
    }

    func run() throws {
        let scratch = try ScratchFolder(name: "all")
        let cli = try requiredDneckPlot()
        // The baseline's artifacts alone (its movie only where it can make one).
        let movie = noMatplotlib || hasFFmpeg
        let same = ["information_measures", "infoplane", "activations", "single_neuron_activations", "snr"] + (movie ? ["infoplane_movie"] : [])
        var peak = 0.0, report = ""
        if !noMatplotlib { try FileManager.default.createDirectory(at: scratch.file("matplotlib"), withIntermediateDirectories: true) }
        let jobs: [() throws -> Void] = [
            { peak = max(peak, try runChild(cli.path, ["all", path, "--dpi", "\(dpi)", "-o", scratch.file("dneck").path]).peakMegabytes) },
            { try runProcess(cli.path, ["all", path, "--dpi", "\(dpi)", "--only", same.joined(separator: ","), "-o", scratch.file("same").path]) },
        ] + (noMatplotlib ? [] : [{
            report = try runProcess("python3", [benchmarksFolder.appendingPathComponent("all_matplotlib.py").path, path,
                                                "--dpi", "\(dpi)", "--out", scratch.file("matplotlib").path])
        }])
        print("every artifact of both splits of \(path) at dpi \(Int(dpi)): \(runs) single whole-process runs of each, alternated")
        let single = try alternated(runs: runs, jobs)
        let baseline = noMatplotlib ? nil : single[2]
        if let baseline {
            let total = report.split(separator: "\n").first { $0.hasPrefix("total ") }.flatMap { Double($0.dropFirst(6)) } ?? 0
            if report.contains("movie no") { print("  note: no ffmpeg binary on PATH: the baseline makes no movies (apt-get install ffmpeg)") }
            printRow("numpy + matplotlib, its work as the script times it (last run)", total, baseline: nil)
            printRange("numpy + matplotlib, whole process", baseline, baseline: nil)
        }
        printRange("dneck-plot all --only the baseline's artifacts", single[1], baseline: baseline)
        printRange("dneck-plot all (also accuracy, activity, mi-epochs, report)", single[0], baseline: baseline)
        if repeats > 1 {
            let best = try bestTime(repeats: repeats, jobs[0])
            printRow("dneck-plot all, best of \(repeats) more runs", best, baseline: baseline?.min())
        }
        print(String(format: "  peak resident memory of dneck-plot all: %.1f MiB", peak))
    }
}
