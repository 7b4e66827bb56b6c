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
    @Option(help: "Runs of each side; the best is printed.") var repeats = 1
    @Flag(help: "Skip the matplotlib baseline.") var noMatplotlib = false

    /// Whether an ffmpeg binary is on PATH (the baseline's movies need one).
    private var hasFFmpeg: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/ffmpeg")
        }
    }

    func run() throws {
        let scratch = try ScratchFolder(name: "all")
        let cli = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dneck-plot")
        guard FileManager.default.isExecutableFile(atPath: cli.path) else {
            throw ValidationError("no dneck-plot beside dneck-bench: build it (swift build -c release)")
        }
        print("every artifact of both splits of \(path) at dpi \(Int(dpi)); best of \(repeats) run(s) of each, whole processes")
        let ours = try bestTime(repeats: repeats) {
            try runProcess(cli.path, ["all", path, "--dpi", "\(dpi)", "-o", scratch.file("dneck").path])
        }
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)   // only dneck-plot all has run so far
        let peak = Double(usage.ru_maxrss) / 1024
        // The baseline's artifacts alone (its movie only where it can make one).
        let movie = noMatplotlib || hasFFmpeg
        let same = ["information_measures", "infoplane", "activations", "single_neuron_activations", "snr"] + (movie ? ["infoplane_movie"] : [])
        let oursSame = try bestTime(repeats: repeats) {
            try runProcess(cli.path, ["all", path, "--dpi", "\(dpi)", "--only", same.joined(separator: ","), "-o", scratch.file("same").path])
        }
        var baseline: Double?
        if !noMatplotlib {
            try FileManager.default.createDirectory(at: scratch.file("matplotlib"), withIntermediateDirectories: true)
            var report = ""
            baseline = try bestTime(repeats: repeats) {
                report = try runProcess("python3", [benchmarksFolder.appendingPathComponent("all_matplotlib.py").path, path,
                                                    "--dpi", "\(dpi)", "--out", scratch.file("matplotlib").path])
            }
            let total = report.split(separator: "\n").first { $0.hasPrefix("total ") }.flatMap { Double($0.dropFirst(6)) } ?? 0
            if report.contains("movie no") { print("  note: no ffmpeg binary on PATH: the baseline makes no movies (apt-get install ffmpeg)") }
            printRow("numpy + matplotlib, their work as the script times it", total, baseline: nil)
            printRow("numpy + matplotlib, whole process", baseline!, baseline: nil)
        }
        printRow("dneck-plot all --only the baseline's artifacts, whole process", oursSame, baseline: baseline)
        printRow("dneck-plot all (also accuracy, activity, mi-epochs, report)", ours, baseline: baseline)
        print(String(format: "  peak resident memory of dneck-plot all: %.1f MiB", peak))
    }
}
