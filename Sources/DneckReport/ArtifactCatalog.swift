import DneckCore
import DneckPlotters

/// What an artifact of `dneck-plot all` is.
public enum ArtifactKind: String, Sendable {
    case figure, movie, table, summary, report
}

/// One artifact `all` makes for each split, named by its chart's descriptor.
public struct ArtifactSpec: Sendable {
    /// The file stem without the split, e.g. `single_neuron_activations`; what `--only` and `--skip` name.
    public let name: String
    public let kind: ArtifactKind
    /// The chart drawing a figure or a movie's frames; nil for the table.
    public let plotter: (any BasePlotter.Type)?

    /// Whether it is made once per run (`PlotterDescriptor.perRun`), not once per split.
    public var perRun: Bool { plotter?.descriptor.perRun ?? false }

    /// The file name for `split` with `format` (png, svg, pdf) for figures; a per-run artifact's
    /// name has no split.
    public func fileName(split: Split, format: String) -> String {
        plotter?.descriptor.fileName(split: split, format: kind == .movie ? "mp4" : format) ?? "\(name)_\(split.rawValue).csv"
    }
}

/// The artifacts of `dneck-plot all`, in the order the report shows them: every chart of the
/// registry that takes part in `all`, then the measures table.
public enum ArtifactCatalog {
    public static let all: [ArtifactSpec] = PlotterRegistry.plotters(for: .all).map { plotter in
        ArtifactSpec(name: plotter.descriptor.artifact, kind: plotter.descriptor.output == .movie ? .movie : .figure, plotter: plotter)
    } + [ArtifactSpec(name: "information_measures", kind: .table, plotter: nil)]

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
