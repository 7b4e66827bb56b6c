import ArgumentParser
import DneckCore
import DneckIO
import DneckMeasures
import Foundation

struct NeighbourBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ksg-sp",
        abstract: "KSG and SP of every layer at one epoch, whole processes: the numpy/scipy references vs dneck-plot measures.",
        discussion: """
        Alternating single whole-process runs of each baseline and of `dneck-plot measures
        --estimator ksg` / `--estimator sp` on the same epoch: KSG against
        Tests/reference/ksg_reference.py (scipy's cKDTree, p = ∞), SP against Benchmarks/sp_numpy.py
        (one GEMM per 512-draw block, the same seeded draws). KSG's baseline stays cKDTree, what
        scikit-learn and a numpy user reach for, given the time it takes (many minutes on
        8,000 × 1,808 dimensions, where the tree degenerates to brute force): a blocked
        brute-force numpy max-norm would be a second, unchecked implementation, while
        ksg_reference.py is the one the tests check against. Prints each one's times and peak
        memory, the ratios of alternated pairs and the largest relative difference of their
        numbers. With `--baseline-timeout S` a baseline still running after S seconds is killed
        and the ratio printed as a lower bound (S over the slowest dneck-plot run), labelled so,
        with no numbers compared. The issue's run (8,000 train samples of a 1,024-unit first layer):
          python3 ../shared/tools/train_runs.py --out /tmp/large.h5 --dataset gaussian_mixture \\
              --n-samples 10000 --n-features 784 --n-classes 10 --architecture 1024,20,20,20 \\
              --activation relu --epochs 20 --gzip 6 --inputs
          swift build -c release && .build/release/dneck-bench ksg-sp /tmp/large.h5
        """)

    @Argument(help: "A dneck run file (with <split>/inputs for KSG).") var path: String
    @Option var split: Split = .train
    @Option(help: "Epoch (default: the last logged).") var epoch: Int?
    @Option(help: "Estimators to time: ksg, sp or both.") var estimators = "ksg,sp"
    @Option(help: "β of SP's noise (a standard deviation).") var noiseStd = SPEstimator.defaultNoiseStd
    @Option(help: "SP's Monte Carlo draws per sample.") var mcSamples = SPEstimator.defaultMCSamples
    @Option(help: "Alternated runs of each side.") var runs = 1
    @Option(help: "Kill a baseline run after this many seconds; the ratio is then a lower bound (default: none).")
    var baselineTimeout: Double?
    @Option(help: "Python with numpy, scipy and h5py (default: /usr/bin/python3 when there, else python3 on PATH).")
    var python = defaultPython

    func run() throws {
        let cli = try requiredDneckPlot()
        let epoch = try epoch ?? RunReader(path: path, split: split).epochs.last!
        let scratch = try ScratchFolder(name: "ksg-sp")
        let (ours, theirs) = (scratch.file("dneck.csv"), scratch.file("numpy.csv"))
        let reference = benchmarksFolder.deletingLastPathComponent().appendingPathComponent("Tests/reference/ksg_reference.py").path
        for name in estimators.split(separator: ",").map(String.init) {
            let (baseline, baselineName, options, leading): ([String], String, [String], Int)
            switch name {
            case "ksg":
                (baseline, baselineName, options, leading) = (
                    [reference, path, "--split", split.rawValue, "--epochs", "\(epoch)", "-o", theirs.path],
                    "numpy/scipy cKDTree (ksg_reference.py)", [], 3)
            case "sp":
                let parameters = ["--noise-std", "\(noiseStd)", "--mc-samples", "\(mcSamples)"]
                (baseline, baselineName, options, leading) = (
                    [benchmarksFolder.appendingPathComponent("sp_numpy.py").path, path, "--split", split.rawValue, "--epoch", "\(epoch)"]
                        + parameters, "numpy float64, 512-draw GEMM blocks", parameters, 2)
            default: throw ValidationError("--estimators takes ksg and sp, not \(name)")
            }
            var numpy: [Timed] = [], dneck: [Timed] = [], killedAfter: Double?
            for _ in 0..<runs {
                if killedAfter == nil {
                    do { numpy.append(try Timed { try runChild(python, baseline, timeout: baselineTimeout) }) } catch let stop as ChildTimedOut {
                        killedAfter = stop.seconds
                    }
                }
                dneck.append(try Timed { try runChild(cli.path, ["measures", path, "--split", split.rawValue, "--epochs", "\(epoch)",
                                                                 "--estimator", name, "-o", ours.path] + options) })
            }
            print("\(name) of every layer at epoch \(epoch) of \(path) [\(split.rawValue)], \(runs) alternated single whole-process runs each:")
            let ourName = "dneck-plot measures --estimator \(([name] + options).joined(separator: " "))"
            if let killedAfter {
                // A killed baseline gives no numbers to compare and only a lower bound on its time.
                if !numpy.isEmpty { print(Timed.summary(baselineName, numpy)) }
                print("  \(baselineName) killed after \(killedAfter) s, unfinished")
                print(Timed.summary(ourName, dneck))
                print(String(format: "  ratio ≥ %.1f× (reference killed after %.0f s: a lower bound, over the slowest dneck-plot run)",
                             killedAfter / dneck.map(\.seconds).max()!, killedAfter))
                continue
            }
            let numbers = name == "ksg" ? try String(contentsOf: theirs, encoding: .utf8) : numpy.last!.output
            let deviation = try largestDifference(numbers, String(contentsOf: ours, encoding: .utf8), leading: (leading, 2))
            let ratios = zip(numpy, dneck).map { $0.seconds / $1.seconds }
            print(Timed.summary(baselineName, numpy))
            print(Timed.summary(ourName, dneck))
            print(String(format: "  ratio %.1f× – %.1f× (alternated pairs); largest relative difference of the numbers %.1e",
                         ratios.min()!, ratios.max()!, deviation))
        }
    }
}
