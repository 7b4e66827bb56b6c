import DneckCore
import DneckPlotters

/// What an artifact of `dneck-plot all` is.
public enum ArtifactKind: String, Sendable {
    case figure, movie, table, summary, report
}

/// One artifact `all` makes for each split, under deep-bottleneck's name where it has one.
public struct ArtifactSpec: Sendable {
    /// The file stem without the split, e.g. `single_neuron_activations`; what `--only` and `--skip` name.
    public let name: String
    public let kind: ArtifactKind
    /// The chart drawing a figure; nil for the movie and the table.
    public let chart: (any Chart.Type)?

    /// The file name for `split` with `format` (png, svg, pdf) for figures.
    public func fileName(split: Split, format: String) -> String {
        let ext = kind == .movie ? "mp4" : kind == .table ? "csv" : format
        return "\(name)_\(split.rawValue).\(ext)"
    }
}

/// The artifacts of `dneck-plot all`, in the order the report shows them.
public enum ArtifactCatalog {
    public static let all: [ArtifactSpec] = [
        ArtifactSpec(name: "infoplane", kind: .figure, chart: InfoPlaneChart.self),
        ArtifactSpec(name: "infoplane_movie", kind: .movie, chart: nil),
        ArtifactSpec(name: "activations", kind: .figure, chart: ActivationsChart.self),
        ArtifactSpec(name: "single_neuron_activations", kind: .figure, chart: SingleNeuronChart.self),
        ArtifactSpec(name: "snr", kind: .figure, chart: SNRChart.self),
        ArtifactSpec(name: "accuracy", kind: .figure, chart: AccuracyChart.self),
        ArtifactSpec(name: "activity", kind: .figure, chart: ActivityChart.self),
        ArtifactSpec(name: "mi_epochs", kind: .figure, chart: MIEpochsChart.self),
        ArtifactSpec(name: "information_measures", kind: .table, chart: nil),
    ]

    /// What the chosen artifacts need from a split, together (the movie draws the movie frame).
    public static func needs(_ specs: [ArtifactSpec]) -> ChartNeeds {
        ChartNeeds.union(specs.map { spec in
            spec.chart?.needs ?? (spec.kind == .movie ? MovieFrameChart.needs : ChartNeeds(measures: true))
        })
    }

    /// The artifacts `only` (when given) keeps and `skip` drops; an unknown name is an error
    /// listing the known ones.
    public static func select(only: [String]?, skip: [String]) throws -> [ArtifactSpec] {
        for name in (only ?? []) + skip where !all.contains(where: { $0.name == name }) {
            throw DneckError.invalidOption(name: only?.contains(name) == true ? "--only" : "--skip",
                                           detail: "unknown artifact '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
        }
        return all.filter { spec in (only?.contains(spec.name) ?? true) && !skip.contains(spec.name) }
    }
}
