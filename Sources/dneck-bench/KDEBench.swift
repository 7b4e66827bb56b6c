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
