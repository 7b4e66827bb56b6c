import ArgumentParser
import DneckCore
import DneckFigure
import DneckMovie
import DneckIO
import DneckMeasures
import DneckPlotters
import Foundation

extension Split: ExpressibleByArgument {}

/// `--max-memory`: what one read of a dataset or file may take. Set while the options are
/// checked, before any work, so that every read and the process's address-space cap follow it.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: "The most one dataset or file may take once read, e.g. 512M or 4G (default: an eighth of the memory; at least 16M); larger ones are refused.")
    var maxMemory: String?

    func validate() throws {
        guard let maxMemory else { return }
        guard let bytes = MemoryOptions.bytes(maxMemory), bytes >= 16 << 20 else {
            throw ValidationError("--max-memory takes a size such as 512M or 4G (at least 16M)")
        }
        ReadLimits.maxBytes = bytes
    }

    /// `text` as bytes: a number with an optional K, M, G or T (powers of 1024).
    static func bytes(_ text: String) -> Int? {
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var number = text.uppercased()
        if number.hasSuffix("B") { number.removeLast() }
        var scale = 1.0
        if let last = number.last, let unit = units[last] { scale = unit; number.removeLast() }
        guard let value = Double(number), value.isFinite, value > 0, value * scale < 0x1p62 else { return nil }
        return Int(value * scale)
    }
}

/// How the runs are read, on every command that reads runs: labels and inputs for
/// deep-bottleneck dumps, the epochs to use, the memory a read may take.
struct RunOptions: ParsableArguments {
    @OptionGroup var memory: MemoryOptions

    @Option(help: "Class labels as a 1-D integer NumPy .npy file (default for a deep-bottleneck dump: <stem>_labels.npy).")
    var labels: String?

    @Option(help: "The network's inputs X as a 2-D float NumPy .npy file, one row per label (for hsic, renyi, edge and ksg on a deep-bottleneck dump; instead of <split>/inputs).")
    var inputs: String?

    @Option(help: "Only the logged epochs in FROM:TO (inclusive), or one epoch E.")
    var epochs: String?

    func validate() throws { _ = try epochRange() }

    /// `--epochs` as a range, nil when not given.
    func epochRange() throws -> ClosedRange<Double>? {
        try parseLimits(epochs.map { $0.contains(":") ? $0 : "\($0):\($0)" }, name: "--epochs", allowEqual: true)
    }

    /// A reader of each of `paths`' `split` (nil: each run's own, see `RunReader`).
    func readers(_ paths: [String], split: Split?) throws -> [RunReader] {
        try paths.map { try RunReader(path: $0, split: split, labelsPath: labels, inputsPath: inputs) }
    }

    /// Refuses `--inputs` for `command` unless one of `estimators` reads X.
    func checkInputs(readBy estimators: [any MIEstimator], command: String) throws {
        guard inputs != nil, !estimators.contains(where: \.needsInputs) else { return }
        let used = estimators.isEmpty ? "it draws no information estimates" : "\(estimators.map(\.summary).joined(separator: "; ")) does not read X"
        throw ValidationError("--inputs does not apply to \(command): \(used) (hsic, renyi and edge do)")
    }

    /// The logged epochs of `reader` that `--epochs` keeps (nil: all); none is an error naming the file.
    func selectedEpochs(_ reader: RunReader) throws -> [Int]? {
        guard let range = try epochRange() else { return nil }
        let kept = reader.epochs.filter { range.contains(Double($0)) }
        guard !kept.isEmpty else {
            throw DneckError.invalidOption(name: "--epochs", detail: "\(reader.file): no logged epoch in \(epochs!); logged: \(reader.epochs.first!)…\(reader.epochs.last!)")
        }
        return kept
    }
}

/// The runs of a command that reads one split of each: the files, the split and how they are read.
struct RunSource: ParsableArguments {
    @Argument(help: "Run files: dneck run files or deep-bottleneck per-split dumps (.h5).")
    var runs: [String] = []

    @Option(name: .customLong("split"),
            help: "Split to read (default: train; a deep-bottleneck dump is one split, the one its name ends in: …_train.h5, …_test.h5).")
    var requestedSplit: Split?

    /// The split of the runs, as output names say it: `--split`, else the first run's own when
    /// it is a deep-bottleneck dump, else train.
    var split: Split { requestedSplit ?? runs.first.flatMap(RunReader.ownSplit(of:)) ?? .train }

    @OptionGroup var reading: RunOptions

    /// Checks the number of runs against what `runs` allows for `command`.
    func check(_ allowed: PlotterDescriptor.Runs, command: String) throws {
        switch allowed {
        case .optional: guard runs.count <= 1 else { throw ValidationError("\(command) takes at most one run file") }
        case .one: guard runs.count == 1 else { throw ValidationError("\(command) takes one run file (compare puts several side by side)") }
        case .aggregated: guard !runs.isEmpty, runs.count <= 64 else { throw ValidationError("give 1 to 64 run files") }
        }
    }

    /// A reader of every run, in order, all of one split.
    func readers() throws -> [RunReader] {
        let readers = try reading.readers(runs, split: requestedSplit)
        if let first = readers.first, let other = readers.first(where: { $0.split != first.split }) {
            throw DneckError.mixedSplits(file: other.file, split: other.split, other: first.file, otherSplit: first.split)
        }
        return readers
    }
}

extension EstimatorDescriptor {
    /// The names of `--estimator`, for messages.
    static var list: String { EstimatorRegistry.all.map(\.name).joined(separator: ", ") }

    /// The estimators of the comma-separated names of `text`, each known and none twice.
    static func parse(_ text: String, option: String) throws -> [EstimatorDescriptor] {
        let chosen = try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let known = EstimatorRegistry.named(name) else {
                throw ValidationError("unknown \(option) '\(name)'; known: \(list)")
            }
            return known
        }
        guard Set(chosen.map(\.name)).count == chosen.count else { throw ValidationError("\(option) names an estimator twice") }
        return chosen
    }
}

/// Which information estimator makes the measures, and its parameters: one group shared by
/// `measures`, `infoplane`, `movie`, `compare` and the charts.
struct EstimatorOptions: ParsableArguments {
    @Option(help: "Information estimator: binning, kde-upper, kde-lower, kde (both KDE bounds, drawn as a band), hsic, renyi, edge, ksg (the last four need the inputs X) or sp; measures takes several, comma-separated.")
    var estimator = EstimatorDescriptor.binning.name

    @Option(name: .customLong("bin-size"), help: "Bin width of the binning estimator, in activation units (default 0.07).")
    var binSize: Double?

    @Option(help: "Bins of the binning estimator (2 to 500): B equal-width bins over each layer's range per epoch (instead of --bin-size); histograms take --hist-bins.")
    var bins: Int?

    @Flag(help: "Adaptive binning (Chelombiev et al.): --bins bins holding about the same number of distinct values.")
    var adaptive = false

    @Option(name: .customLong("noise-variance"), help: "σ² of the KDE estimators' Gaussian noise: a variance, not a standard deviation (default 0.001).")
    var noiseVariance: Double?

    @Option(help: "Gaussian kernel width σ of hsic and renyi, one for every variable: a number, or median (each variable's median pairwise distance per epoch); default 5 for hsic, 1 for renyi.")
    var sigma: String?

    @Option(name: .customLong("hsic-target"), help: "Y of hsic: labels (one-hot) or output (the last layer, PyGlow's Y).")
    var hsicTarget: String?

    @Option(help: "Rows of a fixed-seed random subset (2 to 10000000): hsic uses every row without it, renyi at most 1000 by default.")
    var samples: Int?

    @Option(help: "α of renyi (above 0, at most 100; default 1.01; 2 runs exactly on every row).")
    var alpha: Double?

    @Option(help: "Neighbours k of ksg (1 to 100; default 3).")
    var k: Int?

    @Option(name: .customLong("ksg-variant"), help: "Kraskov et al.'s estimator of ksg: 1 (eq. 8, default) or 2 (eq. 9).")
    var ksgVariant: Int?

    @Option(name: .customLong("noise-std"), help: "Standard deviation of the seeded Gaussian noise ksg and sp add to M (at most 1e6; ksg: at least 0, default 0, none; sp: β, above 0, default 0.1).")
    var noiseStd: Double?

    @Option(help: "ksg projects X and M to at most D principal components (1 to 10000; default: none).")
    var pca: Int?

    @Flag(help: "ksg whitens the principal components of --pca.")
    var whiten = false

    @Option(help: "Seed of ksg's noise and tie-breaking jitter and of sp's Monte Carlo draws (0 to 4294967295; default 0).")
    var seed: Int?

    @Option(name: .customLong("mc-samples"), help: "Monte Carlo draws per sample of sp (1 to 1000; default 4).")
    var mcSamples: Int?

    /// The estimators `--estimator` names, in order.
    var names: [EstimatorDescriptor] { (try? EstimatorDescriptor.parse(estimator, option: "--estimator")) ?? [.binning] }

    /// Only the names: every command checks the parameters against the estimators it will use
    /// (`check(for:)`), which for `compare --estimators` are not `--estimator`'s.
    func validate() throws { _ = try EstimatorDescriptor.parse(estimator, option: "--estimator") }

    /// Checks the parameters against the estimators `names` that will use them.
    func validateParameters(for names: [EstimatorDescriptor]) throws {
        if let binSize, !(binSize > 0 && binSize.isFinite && binSize <= 1e6) {
            throw ValidationError("--bin-size must be a number above 0 and at most 1e6")
        }
        if let bins, !(2...500).contains(bins) { throw ValidationError("--bins must be between 2 and 500") }
        if binSize != nil, bins != nil { throw ValidationError("--bins and --bin-size exclude each other: choose one binning rule") }
        if adaptive, bins == nil { throw ValidationError("--adaptive needs --bins B, e.g. --bins 30 --adaptive") }
        if let noiseVariance, !(noiseVariance > 0 && noiseVariance.isFinite && noiseVariance <= 1e6) {
            throw ValidationError("--noise-variance must be a variance above 0 and at most 1e6")
        }
        if noiseVariance != nil { try requireTaker([.noiseVariance], among: names) }
        if binSize != nil || adaptive { try requireTaker([.binSize, .adaptive], among: names) }
        if let sigma {
            _ = try width(sigma)
            try requireTaker([.sigma], among: names)
        }
        if let hsicTarget {
            guard HSICEstimator.Target(rawValue: hsicTarget) != nil else { throw ValidationError("--hsic-target takes labels or output") }
            try requireTaker([.hsicTarget], among: names)
        }
        if let samples {
            guard (2...10_000_000).contains(samples) else { throw ValidationError("--samples must be between 2 and 10000000") }
        }
        if let alpha {
            guard alpha > 0, alpha <= 100, alpha.isFinite else { throw ValidationError("--alpha must be a number above 0 and at most 100") }
            try requireTaker([.alpha], among: names)
        }
        try validateKSG(for: names)
        if let mcSamples {
            guard (1...1000).contains(mcSamples) else { throw ValidationError("--mc-samples must be between 1 and 1000") }
            try requireTaker([.mcSamples], among: names)
        }
        if noiseStd == 0, names.contains(where: { $0.name == EstimatorDescriptor.sp.name }) {
            throw ValidationError("--noise-std must be above 0 for sp (β of its noise; the default is \(SPEstimator.defaultNoiseStd))")
        }
    }

    /// Checks ksg's parameters: ranges, then that ksg is among `names`.
    private func validateKSG(for names: [EstimatorDescriptor]) throws {
        if let k, !(1...100).contains(k) { throw ValidationError("--k must be between 1 and 100") }
        if let ksgVariant, KSGEstimator.Variant(rawValue: ksgVariant) == nil { throw ValidationError("--ksg-variant takes 1 or 2") }
        if let noiseStd, !(noiseStd >= 0 && noiseStd.isFinite && noiseStd <= 1e6) {
            throw ValidationError("--noise-std must be a number of at least 0 and at most 1e6")
        }
        if let pca, !(1...10_000).contains(pca) { throw ValidationError("--pca must be between 1 and 10000") }
        if whiten, pca == nil { throw ValidationError("--whiten needs --pca D, e.g. --pca 10 --whiten") }
        if let seed, UInt32(exactly: seed) == nil { throw ValidationError("--seed must be between 0 and 4294967295") }
        let given: [(Bool, EstimatorParameter)] = [(k != nil, .k), (ksgVariant != nil, .ksgVariant), (noiseStd != nil, .noiseStd),
                                                   (pca != nil, .pca), (seed != nil, .seed)]
        for (isGiven, parameter) in given where isGiven { try requireTaker([parameter], among: names) }
    }

    /// Refuses `parameters` unless an estimator of `names` takes them.
    private func requireTaker(_ parameters: [EstimatorParameter], among names: [EstimatorDescriptor]) throws {
        do { try EstimatorRegistry.requireTaker(of: parameters, among: names) } catch { throw ValidationError(error.description) }
    }

    /// Refuses, for `command`, a list of estimators unless it takes one (`list`) and a
    /// `--samples` that no estimator of `names` (default: `--estimator`'s) uses.
    func check(for command: String, list: Bool = false, names: [EstimatorDescriptor]? = nil) throws {
        let names = names ?? self.names
        if !list, names.count > 1 {
            throw ValidationError("\(command) takes one --estimator (measures writes several; compare --estimators draws several)")
        }
        if samples != nil { try requireTaker([.samples], among: names) }
        try validateParameters(for: names)
    }

    /// `--sigma` as a kernel width.
    private func width(_ text: String) throws -> KernelWidth {
        if text == "median" { return .median }
        guard let sigma = Double(text), sigma > 0, sigma.isFinite, sigma <= 1e6 else {
            throw ValidationError("--sigma takes a number above 0 and at most 1e6, or median")
        }
        return .fixed(sigma)
    }

    /// The estimator chosen: the first of `--estimator` (validated already).
    var chosen: any MIEstimator { estimator(names[0]) }

    /// Every estimator `--estimator` names, in order.
    var all: [any MIEstimator] { names.map(estimator) }

    /// The parameters given (validated already).
    var parameters: EstimatorParameters {
        EstimatorParameters(binSize: binSize, bins: bins, adaptive: adaptive, noiseVariance: noiseVariance,
                            sigma: sigma.flatMap { try? width($0) }, hsicTarget: hsicTarget.flatMap(HSICEstimator.Target.init),
                            samples: samples, alpha: alpha, k: k, ksgVariant: ksgVariant, noiseStd: noiseStd, pca: pca,
                            whiten: whiten, seed: seed.flatMap { UInt32(exactly: $0) }, mcSamples: mcSamples)
    }

    /// The estimator `descriptor` describes, with the parameters given (validated already).
    func estimator(_ descriptor: EstimatorDescriptor) -> any MIEstimator { try! descriptor.make(parameters) }
}

/// How several runs become one plane: the statistic, the band and the runs behind it.
struct AggregateOptions: ParsableArguments {
    @Option(help: "How several runs become one point per epoch and layer: mean or median (default median; compare: adds a panel of the runs aggregated).")
    var aggregate: AggregateStatistic?

    /// The statistic asked for, median unless given.
    var statistic: AggregateStatistic { aggregate ?? .median }

    @Option(help: "The band around each aggregated point: iqr (interquartile range), minmax or none (default iqr).")
    var spread: SpreadKind?

    @Flag(name: .customLong("runs"), help: "Draw each run's own trajectory faintly behind the aggregate.")
    var showRuns = false

    /// Whether any of the options was given.
    var given: Bool { aggregate != nil || spread != nil || showRuns }

    /// `request` drawing aggregates as these options say.
    func applied(to request: FigureRequest) -> FigureRequest {
        var request = request
        request.spread = spread ?? .iqr
        request.showRuns = showRuns
        return request
    }
}

extension AggregateStatistic: ExpressibleByArgument {}
extension SpreadKind: ExpressibleByArgument {}

/// How a figure looks: dpi, style files, colormap.
struct LookOptions: ParsableArguments {
    @Option(help: "Raster resolution in dots per inch, 10 to 2400 (default: the style's, else 150).")
    var dpi: Double?

    @Option(help: "Colormap: \(Colormap.names.joined(separator: ", ")) (default: the style's, else gnuplot for epochs and viridis for heatmaps).")
    var colormap: String?

    @Option(help: "A style: a JSON or matplotlib .mplstyle file, or the name of one in styles/ (default, paper, slides); repeat to apply several, left to right.")
    var style: [String] = []

    func validate() throws {
        if let dpi { guard dpi >= 10, dpi <= 2400 else { throw ValidationError("--dpi must be between 10 and 2400") } }
        if let colormap, Colormap.named(colormap) == nil {
            throw ValidationError("unknown colormap '\(colormap)'; known: \(Colormap.names.joined(separator: ", "))")
        }
    }

    /// The look the options ask for; what the style files asked for but cannot be honoured is
    /// said on stderr, one line each.
    func request() throws -> FigureRequest {
        let style = try Style.load(self.style)
        for warning in style.warnings { FileHandle.standardError.write(Data("dneck-plot: warning: \(warning)\n".utf8)) }
        return FigureRequest(style: style, dpi: dpi ?? style.dpi ?? 150, colormap: colormap.flatMap(Colormap.named))
    }
}

/// How movies are encoded: `movie` and `all`.
struct EncodingOptions: ParsableArguments {
    @Option(help: "Frames per second of the movie.")
    var fps: Int = 7
    @Option(help: "x264 quality: 0 (lossless) to 51; lower is better.")
    var crf: Int = 20
    @Option(help: "x264 preset: \(MovieSettings.presets.joined(separator: ", ")) (default: \(MovieSettings.plotTuning.preset) with \(MovieSettings.plotTuning.options), for plots' mostly still frames; veryfast or slower for smaller files).")
    var preset: String?

    func validate() throws {
        guard (1...120).contains(fps) else { throw ValidationError("--fps must be between 1 and 120") }
        guard (0...51).contains(crf) else { throw ValidationError("--crf must be between 0 and 51") }
        if let preset, !MovieSettings.presets.contains(preset) {
            throw ValidationError("unknown --preset '\(preset)'; known: \(MovieSettings.presets.joined(separator: ", "))")
        }
    }

    /// The encoder settings, libx264 on `threads` threads.
    func settings(threads: Int) -> MovieSettings { MovieSettings(fps: fps, crf: crf, preset: preset, threads: threads) }
}

/// Parses `LO:HI` into a range.
func parseLimits(_ text: String?, name: String, allowEqual: Bool = false) throws -> ClosedRange<Double>? {
    guard let text else { return nil }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
    guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite, abs(lo) <= 1e12, abs(hi) <= 1e12,
          allowEqual ? lo <= hi : lo < hi else {
        throw ValidationError("\(name) takes LO:HI with LO < HI, both within ±1e12, e.g. 0:12")
    }
    return lo...hi
}

extension EstimatorOptions {
    /// Whether any estimator option was given (for the commands that draw no estimates).
    var given: Bool {
        estimator != EstimatorDescriptor.binning.name || binSize != nil || bins != nil || adaptive || noiseVariance != nil
            || sigma != nil || hsicTarget != nil || samples != nil || alpha != nil
            || k != nil || ksgVariant != nil || noiseStd != nil || pca != nil || whiten || seed != nil || mcSamples != nil
    }
}

/// `--measures FILE`: draw the estimates from a table made before (by `dneck-plot measures`
/// with the same estimator options) instead of measuring the run again.
struct GivenMeasuresOption: ParsableArguments {
    @Option(name: .customLong("measures"), help: ArgumentHelp(
        "Draw the estimates of this measures CSV (as `dneck-plot measures` writes it for the same run, split and estimator options) instead of measuring the run; the footer names it.",
        valueName: "csv"))
    var path: String?

    /// Refuses the table for several runs.
    func check(runs: Int) throws {
        if path != nil, runs > 1 { throw ValidationError("--measures takes the table of one run: give one run file") }
    }

    /// The table read for `reader`'s split as `estimator`'s, when one is given.
    func table(for reader: RunReader, estimator: any MIEstimator) throws -> MeasuresTableFile? {
        try path.map { try MeasuresTableFile(path: $0, estimator: estimator, labels: reader.labels, layers: reader.layerCount) }
    }
}
