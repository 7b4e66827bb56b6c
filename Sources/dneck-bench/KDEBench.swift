import ArgumentParser
import DneckCore
import DneckIO
import DneckMeasures
import Foundation

struct KDE: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "KDE bounds of one layer: dneck-plot vs the numpy float64 reference (Tests/reference/mi_reference.py).",
        discussion: """
        Both bounds (upper and lower, I(X;M) and I(Y;M)) of one layer at one epoch, computed by
        dneck-plot in-process and by the numpy reference as a process of its own, with the peak
        memory of each. Example (a 1,024-unit ReLU layer of 8,000 samples; --n-samples 12500 gives
        a train split of 10,000):
          python3 ../shared/tools/train_runs.py --out /tmp/large.h5 --dataset gaussian_mixture \\
              --n-samples 10000 --n-features 784 --n-classes 10 --architecture 1024,20,20,20 \\
              --activation relu --epochs 20 --gzip 6
          swift run -c release dneck-bench kde /tmp/large.h5
        """)

    @Argument(help: "A dneck run file.") var path: String
    @Option var split: Split = .train
    @Option(help: "Epoch (default: the last logged).") var epoch: Int?
    @Option var layer = 0
    @Option(help: "σ² of the noise (a variance).") var noiseVariance = KDEEstimator.defaultNoiseVariance
    @Option var repeats = 1

    func run() throws {
        let reader = try RunReader(path: path, split: split)
        let epoch = epoch ?? reader.epochs.last!
        let shape = try { let m = try reader.activations(epoch: epoch, layer: layer); return (rows: m.rows, columns: m.columns) }()
        let estimator = try KDEEstimator(bound: .both, noiseVariance: noiseVariance)
        var ours: MIEstimate?
        let cpuBefore = cpuSeconds(RUSAGE_SELF)
        let dneck = try bestTime(repeats: repeats) {
            let activations = try RunReader(path: path, split: split).activations(epoch: epoch, layer: layer)
            ours = estimator.estimate(activations, labels: reader.labels)
        }
        let ourPeak = peakMegabytes(RUSAGE_SELF), ourCPU = (cpuSeconds(RUSAGE_SELF) - cpuBefore) / Double(repeats)
        let scratch = try ScratchFolder(name: "kde")
        let output = scratch.file("numpy.csv")
        let script = benchmarksFolder.deletingLastPathComponent().appendingPathComponent("Tests/reference/mi_reference.py").path
        let numpy = try bestTime(repeats: repeats) {
            try runProcess("python3", [script, path, "--split", split.rawValue, "--estimators", "kde-upper,kde-lower",
                                       "--epochs", "\(epoch)", "--layers", "\(layer)", "--noise-variance", "\(noiseVariance)",
                                       "-o", output.path])
        }
        let numpyPeak = peakMegabytes(RUSAGE_CHILDREN), numpyCPU = cpuSeconds(RUSAGE_CHILDREN) / Double(repeats)
        let theirs = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").suffix(2).map { Double($0)! } }
        let mine = [[ours!.ixm, ours!.iym], [ours!.lowerBound!.ixm, ours!.lowerBound!.iym]]
        let deviation = zip(mine.joined(), theirs.joined()).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? .nan
        print("KDE bounds (\(estimator.summary)) of layer \(layer) at epoch \(epoch) of \(path) [\(split.rawValue)]:",
              "\(shape.rows) samples × \(shape.columns) units, best of \(repeats):")
        printRow("numpy float64 reference (whole process, h5py read)", numpy, baseline: nil)
        printRow("dneck-plot KDEEstimator, in-process (read + estimate)", dneck, baseline: numpy)
        print(String(format: "  CPU time (user + system, all threads; robust to a busy machine): numpy %.2f s, dneck-plot %.2f s (%.1f×)",
                     numpyCPU, ourCPU, numpyCPU / ourCPU))
        print(String(format: "  peak memory: numpy %.0f MB, dneck-bench process %.0f MB", numpyPeak, ourPeak))
        print(String(format: "  upper I(X;M) %.6f, I(Y;M) %.6f; lower I(X;M) %.6f, I(Y;M) %.6f bits; largest relative difference %.1e",
                     mine[0][0], mine[0][1], mine[1][0], mine[1][1], deviation))
    }
}

/// User + system CPU seconds of this process or of its finished children.
func cpuSeconds(_ who: __rusage_who) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Peak resident memory of this process or of its finished children, in MB.
func peakMegabytes(_ who: __rusage_who) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

struct KDERun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kde-run",
        abstract: "KDE bounds of a whole run, whole processes: numpy as a numpy user writes it (Benchmarks/kde_numpy.py) vs dneck-plot measures --estimator kde.",
        discussion: """
        For each σ², alternating single whole-process runs of the numpy baseline (float64, one GEMM
        per 512-row block on every core, exp, class sums by a second GEMM) and of `dneck-plot
        measures --estimator kde`, both bounds of every layer at every epoch. Prints the range of
        each one's times and its peak memory, the range of the ratios of alternated pairs, and
        the largest relative difference of their numbers. The issue's run (8,000 train samples):
          python3 ../shared/tools/train_runs.py --out /tmp/large.h5 --dataset gaussian_mixture \\
              --n-samples 10000 --n-features 784 --n-classes 10 --architecture 1024,20,20,20 \\
              --activation relu --epochs 20 --gzip 6
          swift build -c release && .build/release/dneck-bench kde-run /tmp/large.h5 --runs 3
        """)

    @Argument(help: "A dneck run file.") var path: String
    @Option var split: Split = .train
    @Option(help: "σ² of the noise (a variance); repeat for several.") var noiseVariance: [Double] = [0.1, 0.001]
    @Option(help: "Alternated runs of each side per σ².") var runs = 2
    @Option(help: "Python with numpy and h5py (default: /usr/bin/python3 when there, else python3 on PATH).")
    var python = defaultPython

    func run() throws {
        let cli = try requiredDneckPlot()
        let scratch = try ScratchFolder(name: "kde-run")
        let script = benchmarksFolder.appendingPathComponent("kde_numpy.py").path
        for variance in noiseVariance {
            let output = scratch.file("dneck.csv")
            var numpy: [Timed] = [], ours: [Timed] = []
            for _ in 0..<runs {
                numpy.append(try Timed { try runChild(python, [script, path, "--split", split.rawValue, "--noise-variance", "\(variance)"]) })
                ours.append(try Timed { try runChild(cli.path, ["measures", path, "--split", split.rawValue, "--estimator", "kde",
                                                                "--noise-variance", "\(variance)", "-o", output.path]) })
            }
            let deviation = try largestDifference(numpy.last!.output, String(contentsOf: output, encoding: .utf8), leading: (2, 2))
            let ratios = zip(numpy, ours).map { $0.seconds / $1.seconds }
            print("KDE bounds (upper and lower) of every layer and epoch of \(path) [\(split.rawValue)], σ² = \(variance),",
                  "\(runs) alternated single whole-process runs each:")
            print(Timed.summary("numpy float64, 512-row GEMM blocks, both cores", numpy))
            print(Timed.summary("dneck-plot measures --estimator kde", ours))
            print(String(format: "  ratio %.1f× – %.1f× (alternated pairs); largest relative difference of the numbers %.1e",
                         ratios.min()!, ratios.max()!, deviation))
        }
    }
}

/// The largest relative difference between numpy's CSV and dneck-plot's, row by row, the value
/// columns after each one's `leading` columns (epoch, layer, …), as many as both have (KDE:
/// upper and lower I(X;M), I(Y;M) against MI_XM, MI_YM, MI_XM_lower, MI_YM_lower).
func largestDifference(_ numpy: String, _ ours: String, leading: (numpy: Int, ours: Int)) throws -> Double {
    func rows(_ csv: String, _ skipped: Int) -> [[Double]] {
        csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").dropFirst(skipped).map { Double($0)! } }
    }
    let (a, b) = (rows(numpy, leading.numpy), rows(ours, leading.ours))
    guard a.count == b.count else { throw ValidationError("numpy wrote \(a.count) rows, dneck-plot \(b.count)") }
    return zip(a, b).flatMap { zip($0, $1) }.map { abs($0 - $1) / max(abs($0), 1e-300) }.max() ?? 0
}

/// One whole-process run: wall-clock seconds, peak memory and standard output.
struct Timed {
    let seconds: Double
    let peakMegabytes: Double
    let output: String

    init(_ body: () throws -> (output: String, peakMegabytes: Double)) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        (peakMegabytes, output) = (result.peakMegabytes, result.output)
    }

    /// "name  min – max s, peak memory max MB".
    static func summary(_ name: String, _ runs: [Timed]) -> String {
        let times = runs.map(\.seconds)
        return String(format: "  %@ %8.2f – %6.2f s, peak %4.0f MB", name.padding(toLength: 50, withPad: " ", startingAt: 0),
                      times.min()!, times.max()!, runs.map(\.peakMegabytes).max()!)
    }
}
