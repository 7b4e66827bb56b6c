import ArgumentParser
import DneckCairo
import DneckCore
import DneckFigure
import DneckIO
import DneckMovie
import DneckPipeline
import DneckPlotters
import DneckReport
import Foundation

/// `dneck-plot all`: every artifact of a run for both splits from one pass per split, then
/// `summary.md`, `index.html` and, last, `manifest.json`.
struct AllCommand: TakesChartOptions {
    static let plotters = PlotterRegistry.plotters(for: .all)
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every artifact of a run for both splits, a summary, a browsable report and a manifest.",
        discussion: """
        Writes into the output folder <name>_<split>.<ext> for the artifacts \
        \(ArtifactCatalog.all.map(\.name).joined(separator: ", ")), then summary.md (final accuracies, \
        the last epoch's I(X;M) and I(Y;M) per layer, warnings), index.html (a report \
        with one epoch slider that shows the files beside it: keep the folder together) and, last, manifest.json (tool version, inputs and artifacts \
        with their SHA-256, every option; keys sorted, no timestamps). Each split is read once for \
        all artifacts. An artifact that cannot be made (e.g. snr without gradients) is one line on \
        stderr; the others are written and the exit status is 1. Several runs: one subfolder per \
        run (named after the file) and compare_infoplane_<split> grids beside them.

        Examples:
          dneck-plot all run.h5 -o report
          dneck-plot all run.h5 -o report --skip infoplane_movie --format png,pdf --dpi 100
          dneck-plot all seed0.h5 seed1.h5 -o seeds --only infoplane,accuracy
        """ + ChartArgumentSplitter.help(plotters))

    @Argument(help: "Run files: dneck run files, or deep-bottleneck dumps (a run's two dumps, given or found beside each other, are one run).")
    var runs: [String]
    @OptionGroup var artifacts: ArtifactOptions

    func validate() throws {
        guard !runs.isEmpty, runs.count <= 64 else { throw ValidationError("all takes 1 to 64 run files") }
        try artifacts.check(for: "all", plotters: Self.plotters)
    }

    func run() throws {
        try reportingErrors {
            let pipeline = try artifacts.pipeline(plotters: Self.plotters)
            if try pipeline.run(RunFiles.group(runs), splits: artifacts.chosenSplits, into: URL(fileURLWithPath: artifacts.output)) {
                PendingWarnings.shared.flush()
                throw ExitCode(1)
            }
        }
    }
}

/// What `all` and `watch` make and how: the artifacts, splits, formats, estimator, look and
/// output folder.
struct ArtifactOptions: ParsableArguments {
    @Option(help: "Splits to read, comma-separated.")
    var splits = "train,test"
    @OptionGroup var reading: RunOptions
    @Option(help: "Only these artifacts, comma-separated (\(ArtifactCatalog.all.map(\.name).joined(separator: ", "))).")
    var only: String?
    @Option(help: "Leave out these artifacts, comma-separated.")
    var skip: String?
    @Option(help: "Figure formats, comma-separated: png, svg, pdf (the report shows the PNG or SVG).")
    var format = "png"
    @OptionGroup var encoding: EncodingOptions
    @OptionGroup var estimator: EstimatorOptions
    @OptionGroup var look: LookOptions
    @Option(name: .shortAndLong, help: "Output folder (made if missing).")
    var output: String

    /// Checks every option as `command` (taking the chart options of `plotters`) reads them.
    func check(for command: String, plotters: [any BasePlotter.Type]) throws {
        guard !formats.isEmpty, formats.allSatisfy({ FigureWriter.Format(rawValue: $0) != nil }) else {
            throw ValidationError("--format takes png, svg or pdf, comma-separated")
        }
        guard !chosenSplits.isEmpty, chosenSplits.count == list(splits).count else {
            throw ValidationError("--splits takes train, test or train,test")
        }
        do { _ = try ArtifactCatalog.select(only: only.map(list), skip: skip.map(list) ?? []) } catch {
            throw ValidationError("\(error)")
        }
        try estimator.check(for: command)
        try reading.checkInputs(readBy: [estimator.chosen], command: command)
        _ = try GivenChartOptions.charts(plotters)
    }

    /// The pipeline that makes the chosen artifacts with the charts of `plotters`.
    func pipeline(plotters: [any BasePlotter.Type]) throws -> AllPipeline {
        let specs = try chosenSpecs()
        let charts = try specs.compactMap { try $0.plotter?.make(GivenChartOptions.arguments) }
        let reading = self.reading
        return AllPipeline(specs: specs, charts: charts, formats: formats, request: try look.request(),
                           estimator: estimator.chosen, movieSettings: encoding.settings(threads: 1),
                           recordedOptions: try recordedOptions(specs, plotters: plotters),
                           read: { try reading.readers([$0], split: $1)[0] }, epochs: reading.selectedEpochs)
    }

    /// The chosen artifacts: those `--only` and `--skip` leave, less the charts the estimator
    /// cannot serve (an error when `--only` names one, a note otherwise).
    private func chosenSpecs() throws -> [ArtifactSpec] {
        try ArtifactCatalog.select(only: only.map(list), skip: skip.map(list) ?? []).filter { spec in
            guard let refusal = spec.plotter?.descriptor.needs.estimates.refusal(estimator.chosen) else { return true }
            if only != nil { throw DneckError.invalidOption(name: "--only", detail: "\(spec.name): \(refusal)") }
            FileHandle.standardError.write(Data("dneck-plot: note: \(spec.name) left out: \(refusal)\n".utf8))
            return false
        }
    }

    /// The formats asked for, each once, in order.
    private var formats: [String] { list(format).uniqued() }
    var chosenSplits: [Split] { Split.allCases.filter { list(splits).contains($0.rawValue) } }

    /// Every option as resolved, by its command-line name: the command's own, the estimator's and each
    /// option of every chart `all` draws (as its chart declares it).
    private func recordedOptions(_ specs: [ArtifactSpec], plotters: [any BasePlotter.Type]) throws -> [String: String] {
        let optional = { (value: Any?) in value.map { "\($0)" } ?? "" }
        let file = { (path: String?) in path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "" }
        let own = ["artifacts": specs.map(\.name).joined(separator: ","), "splits": chosenSplits.map(\.rawValue).joined(separator: ","),
                   "format": formats.joined(separator: ","), "fps": "\(encoding.fps)", "crf": "\(encoding.crf)", "preset": optional(encoding.preset), "estimator": estimator.chosen.summary,
                   "bins": optional(estimator.bins), "bin-size": optional(estimator.binSize), "adaptive": "\(estimator.adaptive)",
                   "noise-variance": optional(estimator.noiseVariance), "dpi": optional(look.dpi), "colormap": optional(look.colormap),
                   "style": look.style.joined(separator: ","), "labels": file(reading.labels), "inputs": file(reading.inputs),
                   "epochs": optional(reading.epochs), "sigma": optional(estimator.sigma), "hsic-target": optional(estimator.hsicTarget),
                   "samples": optional(estimator.samples), "alpha": optional(estimator.alpha), "max-memory": optional(reading.memory.maxMemory),
                   "k": optional(estimator.k), "ksg-variant": optional(estimator.ksgVariant), "noise-std": optional(estimator.noiseStd),
                   "pca": optional(estimator.pca), "whiten": "\(estimator.whiten)", "seed": optional(estimator.seed),
                   "mc-samples": optional(estimator.mcSamples)]
        // Every chart option `all` takes, whichever charts --only and --skip keep.
        return try GivenChartOptions.charts(plotters).reduce(own) { $0.merging($1.recordedOptions) { kept, _ in kept } }
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

