import DneckCore
import DneckPlotters
import Foundation

/// `summary.md`: a short Markdown summary of a run for a CI job's step summary: final
/// accuracies, each layer's last-epoch estimates (named as its estimator names them), saturation warnings, failures and
/// links to the artifacts.
public enum Summary {
    /// The summary of `splits` (one run's data per split), linking `artifacts` (file names in
    /// the folder) and naming `failures` (file name → reason).
    public static func markdown(run: String, splits: [RunData], artifacts: [String], failures: [String: String]) -> String {
        var lines = ["# \(run)", ""]
        if let records = splits.first?.records, let last = records.last {
            let accuracy = [("training", last.trainingAccuracy), ("test", last.testAccuracy)].compactMap { name, value in
                value.map { "\(name) \(String(format: "%.4f", $0))" }
            }
            if !accuracy.isEmpty { lines += ["Final accuracy (epoch \(last.epoch)): \(accuracy.joined(separator: ", ")).", ""] }
        }
        for data in splits {
            guard let table = data.measures, let epoch = table.epochs.last else { continue }
            lines += ["## \(data.split.rawValue): epoch \(epoch) (\(data.estimator))", "",
                      "| layer | \(data.quantity.label(x: true)) | \(data.quantity.label(x: false)) |", "|---:|---:|---:|"]
            for point in table.points(epoch: epoch).sorted(by: { $0.layer < $1.layer }) {
                lines.append("| \(point.layer) | \(String(format: "%.4f", point.ixm)) | \(String(format: "%.4f", point.iym)) |")
            }
            lines.append("")
            let saturated = data.saturatedLayers
            if !saturated.isEmpty {
                lines += ["> **Warning:** layer\(saturated.count == 1 ? "" : "s") \(saturated.map(String.init).joined(separator: ", ")) "
                          + "saturated on \(data.split.rawValue) (I(X;M) = log2 N in more than half of the epochs).", ""]
            }
        }
        if !failures.isEmpty {
            lines += ["## Not made", ""] + failures.keys.sorted().map { "- `\($0)`: \(failures[$0]!)" } + [""]
        }
        lines += ["## Artifacts", ""] + artifacts.map { "- [\($0)](\($0))" } + ["", "Browse them all in [index.html](index.html).", ""]
        return lines.joined(separator: "\n")
    }
}
