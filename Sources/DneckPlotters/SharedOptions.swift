/// Options several charts take alike, declared once so that each name means one thing.

/// A chart whose only option is its epoch axis.
public struct EpochAxisOptions: PlotterOptions {
    /// Symmetric-log epoch axis (linear from 0 to 1, so that epoch 0 is drawn).
    public var logEpochs = false
    public init() {}
    public static let arguments: [PlotterOption<EpochAxisOptions>] = [
        .flag("log-epochs", \.logEpochs, help: "Logarithmic epoch axis (linear from 0 to 1, so that epoch 0 is drawn)."),
    ]
}

/// The histograms of the activation charts.
public struct HistogramOptions: PlotterOptions {
    /// Histogram bins.
    public var histBins = 30
    /// Logarithmic colour scale of counts.
    public var logCounts = false
    public init() {}

    static let binsHelp = "Histogram bins (2 to 500)."
    public static let arguments: [PlotterOption<HistogramOptions>] = [
        .integer("hist-bins", \.histBins, in: 2...500, help: binsHelp),
        .flag("log-counts", \.logCounts, help: "Logarithmic colour scale of counts."),
    ]

    /// `needs` with the survey's histograms in these bins.
    func needs(_ needs: ChartNeeds) -> ChartNeeds {
        var needs = needs
        needs.histogramBins = histBins
        return needs
    }
}

extension PlotterOption {
    /// The option of a part of `Outer`'s options at `part`.
    public func within<Outer>(_ part: WritableKeyPath<Outer, Options>) -> PlotterOption<Outer> {
        PlotterOption<Outer>(name: name, help: help, valueName: valueName,
                             apply: { outer, value in try self.apply(&outer[keyPath: part], value) },
                             record: { self.record($0[keyPath: part]) })
    }
}
