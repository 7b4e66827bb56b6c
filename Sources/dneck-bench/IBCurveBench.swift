import ArgumentParser
import DneckCore
import DneckIO
import DneckMeasures
import Foundation

struct IBCurveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ib-curve",
        abstract: "The IB curve of a run's <split>/label_probs (infoplane --ib-bound's), in-process and as the whole command.",
        discussion: """
        Prints the curve's work (rows, groups, clusters, β values), the best time of IBCurve alone
        and of `dneck-plot infoplane RUN --ib-bound` against the plane without it. A run with
        label_probs: any run with a `<split>/label_probs` [n, C] dataset added, e.g. by h5py.
          swift build -c release && .build/release/dneck-bench ib-curve /tmp/probs.h5
        """)

    @Argument(help: "A dneck run file with <split>/label_probs.") var path: String
    @Option var split: Split = .train
    @Option var repeats = 3

    func run() throws {
        guard let rows = try RunReader(path: path, split: split).labelProbabilities() else {
            throw ValidationError("\(path) has no \(split.rawValue)/label_probs")
        }
        var curve: IBCurve?
        let alone = bestTime(repeats: repeats) { curve = IBCurve(rows: rows) }
        let scratch = try ScratchFolder(name: "ib-curve")
        let cli = dneckPlotBesideBench
        let plane = ["infoplane", path, "--split", split.rawValue, "-o", scratch.file("plane.png").path]
        let (without, with) = FileManager.default.isExecutableFile(atPath: cli.path)
            ? (try bestTime(repeats: repeats) { try runProcess(cli.path, plane) },
               try bestTime(repeats: repeats) { try runProcess(cli.path, plane + ["--ib-bound"]) })
            : (nil, nil)
        let c = curve!
        print("IB curve of \(path) [\(split.rawValue)/label_probs]: \(rows.count) rows of \(rows.first?.count ?? 0) classes, "
              + "\(c.distinctInputs) distinct, \(c.groups) groups, |T| ≤ \(c.clusters), \(c.betaCount) β values, "
              + "\(c.points.count) points, I(X;Y) = \(String(format: "%.4f", c.mutualInformation)) bits; best of \(repeats):")
        printRow("IBCurve(rows:), in-process (every core)", alone, baseline: nil)
        if let without, let with {
            printRow("dneck-plot infoplane, whole command", without, baseline: nil)
            printRow("dneck-plot infoplane --ib-bound, whole command", with, baseline: nil)
        }
    }
}
