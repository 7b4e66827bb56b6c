import ArgumentParser
import DneckCore
import DneckIO
import DneckMeasures
import Foundation

struct Inputs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "HSIC and Rényi of one layer: dneck-plot vs the numpy reference (Tests/reference/kernel_reference.py).",
        discussion: """
        HSIC(M, X) and HSIC(M, Y) on every sample of the split, and the matrix-based Rényi I(M; X),
        I(M; Y) on its fixed-seed 1,000-sample subset, computed by dneck-plot in-process and by the
        numpy reference as a process of its own (full N × N Gram matrices; for HSIC the O(N²)
        centred form), with peak memory, and for Rényi the time of the five LAPACK dsyevd calls
        alone on the same matrices. Example (a train split of 10,000 samples with inputs):
          python3 ../shared/tools/train_runs.py --out /tmp/inputs.h5 --inputs --dataset gaussian_mixture \\
              --n-samples 12500 --n-features 64 --n-classes 10 --architecture 256,20 --epochs 5
          swift run -c release dneck-bench inputs /tmp/inputs.h5
        """)

    @Argument(help: "A dneck run file with <split>/inputs.") var path: String
    @Option var split: Split = .train
    @Option(help: "Epoch (default: the last logged).") var epoch: Int?
    @Option var layer = 0

    func run() throws {
        let reader = try RunReader(path: path, split: split)
        let epoch = epoch ?? reader.epochs.last!
        let activations = try reader.activations(epoch: epoch, layer: layer)
        let (shape, storage) = try HDF5File(path: path).readMatrixValues("\(split.rawValue)/inputs")
        let inputs: Matrix
        switch storage {
        case .float32(let v): inputs = Matrix(rows: shape[0], columns: shape[1], float32: v)
        case .float64(let v): inputs = Matrix(rows: shape[0], columns: shape[1], values: v)
        }
        print("layer \(layer) at epoch \(epoch) of \(path) [\(split.rawValue)]: \(activations.rows) samples × \(activations.columns) units,",
              "inputs \(inputs.columns) wide")

        let hsic = try HSICEstimator()
        var hsicResult: MIEstimate?
        let hsicTime = bestTime(repeats: 1) { hsicResult = hsic.estimate(activations, labels: reader.labels, inputs: inputs) }
        let hsicPeak = peakMegabytes(RUSAGE_SELF)
        let renyi = try RenyiEstimator()
        var renyiResult: MIEstimate?
        let renyiTime = bestTime(repeats: 1) { renyiResult = renyi.estimate(activations, labels: reader.labels, inputs: inputs) }
        let density = renyi.densityMatrices(activations, labels: reader.labels, inputs: inputs)
        let lapackTime = bestTime(repeats: 1) { for m in density.matrices { _ = SymmetricEigenvalues.of(m, order: density.order) } }

        let script = benchmarksFolder.deletingLastPathComponent().appendingPathComponent("Tests/reference/kernel_reference.py").path
        let scratch = try ScratchFolder(name: "inputs")
        let output = scratch.file("numpy.csv")
        let log = try runProcess("python3", [script, path, "--split", split.rawValue, "--epochs", "\(epoch)", "--layers", "\(layer)",
                                             "--bench", "-o", output.path])
        let numpyPeak = peakMegabytes(RUSAGE_CHILDREN)
        func seconds(_ key: String, in line: Substring) -> Double {
            Double(line.split(separator: " ").first { $0.hasPrefix(key + "=") }!.dropFirst(key.count + 1))!
        }
        let lines = log.split(separator: "\n")
        let numpyHSIC = seconds("seconds", in: lines.first { $0.hasPrefix("numpy hsic") }!)
        let renyiLine = lines.first { $0.hasPrefix("numpy renyi") }!
        let (numpyRenyi, numpyEigen) = (seconds("seconds", in: renyiLine), seconds("eigvalsh-only", in: renyiLine))
        let theirs = try ReferenceCSV.values(output)

        print("HSIC (\(hsic.summary)), every sample:")
        printRow("numpy reference (full Gram matrices, cdist + centring)", numpyHSIC, baseline: nil)
        printRow("dneck-plot HSICEstimator (tiled, in-process)", hsicTime, baseline: numpyHSIC)
        print(String(format: "  peak memory: numpy process %.0f MB; dneck-bench process after HSIC %.0f MB (activations and inputs included)",
                     numpyPeak, hsicPeak))
        print(String(format: "  HSIC(M, X) %.9g, HSIC(M, Y) %.9g; relative difference to numpy %.1e, %.1e", hsicResult!.ixm, hsicResult!.iym,
                     relative(hsicResult!.ixm, theirs["hsic"]![0]), relative(hsicResult!.iym, theirs["hsic"]![1])))
        print("Rényi (\(renyi.summary)), \(renyiResult!.subsampledRows ?? activations.rows) samples:")
        printRow("numpy reference (eigvalsh of 5 Gram matrices)", numpyRenyi, baseline: nil)
        printRow("dneck-plot RenyiEstimator (in-process)", renyiTime, baseline: numpyRenyi)
        print(String(format: "  LAPACK dsyevd alone on the same 5 matrices: %.3f s in-process (estimate / dsyevd = %.2f×); numpy eigvalsh alone %.3f s",
                     lapackTime, renyiTime / lapackTime, numpyEigen))
        print(String(format: "  I(M; X) %.9g, I(M; Y) %.9g bits; relative difference to numpy %.1e, %.1e", renyiResult!.ixm, renyiResult!.iym,
                     relative(renyiResult!.ixm, theirs["renyi"]![0]), relative(renyiResult!.iym, theirs["renyi"]![1])))
    }

    private func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }
}

/// The (XM, YM) of each estimator in a kernel reference CSV.
enum ReferenceCSV {
    static func values(_ url: URL) throws -> [String: [Double]] {
        var values: [String: [Double]] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            values[String(f[0])] = [Double(f[3])!, Double(f[4])!]
        }
        return values
    }
}
