import DneckCore
import Foundation

/// What the two coordinates of an information plane are: names for axes, footers and CSV columns.
public struct PlaneQuantity: Sendable, Equatable {
    /// The x quantity, e.g. `I(X;M)` or `HSIC(M, X)`.
    public let x: String
    /// The y quantity, e.g. `I(Y;M)` or `HSIC(M, Y)`.
    public let y: String
    /// The unit of both, nil for HSIC (no unit).
    public let unit: String?
    /// What names the CSV's value columns: `MI_` (`MI_XM`, `MI_YM_lower`) or `HSIC_`.
    public let columnPrefix: String
    /// Whether the estimator's ceilings are log2 N and H(Y) (what the planes draw as dashed lines).
    public let bitsCeilings: Bool

    /// Whether it is information in bits (not HSIC): never below 0 nor above its ceilings.
    public var isInformation: Bool { unit == "bits" }

    /// Mutual information in bits, ceilings log2 N and H(Y) (binning, KDE, EDGE).
    public static let bits = PlaneQuantity(x: "I(X;M)", y: "I(Y;M)", unit: "bits", columnPrefix: "MI_", bitsCeilings: true)
    /// The matrix-based Rényi information, in bits, whose ceilings are S(X) and S(Y).
    public static let renyi = PlaneQuantity(x: "I(X;M)", y: "I(Y;M)", unit: "bits", columnPrefix: "MI_", bitsCeilings: false)
    /// HSIC(M, X) and HSIC(M, Y), without unit.
    public static let hsic = PlaneQuantity(x: "HSIC(M, X)", y: "HSIC(M, Y)", unit: nil, columnPrefix: "HSIC_", bitsCeilings: false)

    /// An axis label: `I(X;M) (bits)`, `HSIC(M, X)`.
    public func label(x: Bool) -> String {
        let name = x ? self.x : y
        return unit.map { "\(name) (\($0))" } ?? name
    }

    /// `table` with the ceilings dropped unless they are log2 N and H(Y): the planes draw and
    /// name ceilings as those, and saturation means reaching them.
    public func keepingCeilings(_ table: MeasureTable) -> MeasureTable {
        guard !bitsCeilings else { return table }
        return MeasureTable(points: table.points.map { var p = $0; p.ceilingX = nil; p.ceilingY = nil; return p })
    }
}

/// A parameter of the estimators, by its command-line option.
public enum EstimatorParameter: String, Sendable, CaseIterable {
    case binSize = "--bin-size"
    case bins = "--bins"
    case adaptive = "--adaptive"
    case noiseVariance = "--noise-variance"
    case sigma = "--sigma"
    case hsicTarget = "--hsic-target"
    case samples = "--samples"
    case alpha = "--alpha"
    case k = "--k"
    case ksgVariant = "--ksg-variant"
    case noiseStd = "--noise-std"
    case pca = "--pca"
    case whiten = "--whiten"
    case seed = "--seed"
    case mcSamples = "--mc-samples"
}

/// The parameters an estimator is made from; nil (or false) takes the estimator's default.
public struct EstimatorParameters: Sendable, Equatable {
    public var binSize: Double?
    public var bins: Int?
    public var adaptive = false
    public var noiseVariance: Double?
    public var sigma: KernelWidth?
    public var hsicTarget: HSICEstimator.Target?
    public var samples: Int?
    public var alpha: Double?
    public var k: Int?
    public var ksgVariant: Int?
    public var noiseStd: Double?
    public var pca: Int?
    public var whiten = false
    public var seed: UInt32?
    public var mcSamples: Int?

    public init(binSize: Double? = nil, bins: Int? = nil, adaptive: Bool = false, noiseVariance: Double? = nil, sigma: KernelWidth? = nil,
                hsicTarget: HSICEstimator.Target? = nil, samples: Int? = nil, alpha: Double? = nil, k: Int? = nil,
                ksgVariant: Int? = nil, noiseStd: Double? = nil, pca: Int? = nil, whiten: Bool = false, seed: UInt32? = nil,
                mcSamples: Int? = nil) {
        self.binSize = binSize; self.bins = bins; self.adaptive = adaptive; self.noiseVariance = noiseVariance
        self.sigma = sigma; self.hsicTarget = hsicTarget; self.samples = samples; self.alpha = alpha
        self.k = k; self.ksgVariant = ksgVariant; self.noiseStd = noiseStd; self.pca = pca; self.whiten = whiten; self.seed = seed
        self.mcSamples = mcSamples
    }
}

/// Everything the tool knows of one `--estimator` name: what it measures, what it needs and
/// takes, how it is made, and what it tells its user.
public struct EstimatorDescriptor: Sendable {
    /// The `--estimator` name: `binning`, `kde-upper`, …
    public let name: String
    /// The family several entries share, for messages (`KDE`); nil for one of a kind.
    public let family: String?
    public let quantity: PlaneQuantity
    /// Whether the estimator needs the network's inputs X.
    public let needsInputs: Bool
    /// Whether the estimator counts the distinct states of M (`MIEstimate.states`).
    public let countsStates: Bool
    /// The parameters it takes.
    public let parameters: [EstimatorParameter]
    /// The estimator with `parameters` (the ones it does not take ignored, defaults for nil).
    public let make: @Sendable (EstimatorParameters) throws -> any MIEstimator
    /// What makes the estimator with `parameters` resolve more than every sample as its own state.
    public let remedy: @Sendable (EstimatorParameters) -> String
    /// Ends the note that estimates used a random subset (Rényi: how to do without one).
    public let subsetHint: String
    /// The cap the estimator puts on its terms (EDGE's U); nil without one.
    public let cap: EstimatorCap?
    /// Whether each estimate measures its share of tied points (`MIEstimate.tiedFraction`).
    public var measuresTies = false

    /// Whether it takes `parameter`.
    public func takes(_ parameter: EstimatorParameter) -> Bool { parameters.contains(parameter) }

    /// The note that estimates used a random subset, when one did (`notes.subsampledRows`);
    /// `summary` names the estimator, `rows` the rows there were.
    public func subsetNote(_ notes: EstimateNotes, summary: String, rows: Int) -> String? {
        notes.subsampledRows.map {
            "\(summary): each estimate on a fixed-seed random subset of \($0) of the \(rows) rows (--samples N sets its size\(subsetHint))"
        }
    }

    /// The warning that many points were tied, when more than `KSGEstimator.largeTiedFraction`
    /// of some estimate's were (`notes.tiedFraction`).
    public func tieWarning(_ notes: EstimateNotes, summary: String) -> String? {
        guard let tied = notes.tiedFraction, tied > KSGEstimator.largeTiedFraction else { return nil }
        return "\(summary): up to \(Int((tied * 100).rounded()))% of the points are tied (their neighbour counts decided by the "
            + "seeded jitter, so they depend on --seed: discrete inputs, saturated or dead units); --noise-std S regularises M, not X"
    }

    /// The warning that some terms sat at the cap, when one did (`notes.hitCap`).
    public func capWarning(_ notes: EstimateNotes, summary: String) -> String? {
        guard notes.hitCap, let cap else { return nil }
        return "\(summary): \(cap.text)"
    }
}

extension EstimatorDescriptor {
    /// The remedy of every estimator but binning.
    private static let noiseRemedy: @Sendable (EstimatorParameters) -> String = { _ in
        "a larger --noise-variance (Saxe et al.'s MNIST runs use 0.1) or --bins 30 --adaptive"
    }

    public static let binning = EstimatorDescriptor(
        name: "binning", family: nil, quantity: .bits, needsInputs: false, countsStates: true, parameters: [.binSize, .bins, .adaptive],
        make: { p in
            try BinningEstimator(rule: p.bins.map { p.adaptive ? .adaptive(bins: $0) : .equalWidth(bins: $0) }
                                 ?? .binSize(p.binSize ?? BinningEstimator.defaultBinSize))
        },
        remedy: { $0.bins == nil ? "a larger --bin-size, --bins 30 --adaptive or --estimator kde" : "fewer --bins or --estimator kde" },
        subsetHint: "", cap: nil)

    public static let kdeUpper = kde(.upper, name: "kde-upper")
    public static let kdeLower = kde(.lower, name: "kde-lower")
    public static let kde = kde(.both, name: "kde")

    private static func kde(_ bound: KDEEstimator.Bound, name: String) -> EstimatorDescriptor {
        EstimatorDescriptor(
            name: name, family: "KDE", quantity: .bits, needsInputs: false, countsStates: false, parameters: [.noiseVariance],
            make: { try KDEEstimator(bound: bound, noiseVariance: $0.noiseVariance ?? KDEEstimator.defaultNoiseVariance) },
            remedy: noiseRemedy, subsetHint: "", cap: nil)
    }

    public static let hsic = EstimatorDescriptor(
        name: "hsic", family: nil, quantity: .hsic, needsInputs: true, countsStates: false, parameters: [.sigma, .hsicTarget, .samples],
        make: { p in
            try HSICEstimator(width: p.sigma ?? .fixed(HSICEstimator.defaultSigma), target: p.hsicTarget ?? .labels, samples: p.samples)
        },
        remedy: noiseRemedy, subsetHint: "", cap: nil)

    public static let renyi = EstimatorDescriptor(
        name: "renyi", family: nil, quantity: .renyi, needsInputs: true, countsStates: false, parameters: [.sigma, .samples, .alpha],
        make: { p in
            try RenyiEstimator(alpha: p.alpha ?? RenyiEstimator.defaultAlpha, width: p.sigma ?? .fixed(RenyiEstimator.defaultSigma),
                               samples: p.samples ?? RenyiEstimator.defaultSamples)
        },
        remedy: noiseRemedy, subsetHint: "; --alpha 2 runs exactly on every row", cap: nil)

    public static let edge = EstimatorDescriptor(
        name: "edge", family: nil, quantity: .bits, needsInputs: true, countsStates: false, parameters: [],
        make: { _ in EDGEEstimator() }, remedy: noiseRemedy, subsetHint: "",
        cap: EstimatorCap(bound: EDGEEstimator.caps, name: "the cap U",
                          text: "some bucket terms sit at the cap U (1 for I(Y;M), 12 for I(X;M)), as in deep-bottleneck, which caps silently (mrtnoshad/EDGE#4): those values are lower than uncapped EDGE"))

    public static let ksg = EstimatorDescriptor(
        name: "ksg", family: nil, quantity: .bits, needsInputs: true, countsStates: false,
        parameters: [.k, .ksgVariant, .noiseStd, .pca, .whiten, .seed],
        make: { p in
            try KSGEstimator(k: p.k ?? KSGEstimator.defaultK, variant: p.ksgVariant.flatMap(KSGEstimator.Variant.init) ?? .one,
                             noiseStd: p.noiseStd ?? 0, projection: p.pca.map { .init(dimensions: $0, whiten: p.whiten) },
                             seed: p.seed ?? 0)
        },
        remedy: { _ in "a larger --noise-std or --pca D" }, subsetHint: "", cap: nil, measuresTies: true)

    public static let sp = EstimatorDescriptor(
        name: "sp", family: nil, quantity: .bits, needsInputs: false, countsStates: false, parameters: [.noiseStd, .mcSamples, .seed],
        make: { p in
            try SPEstimator(noiseStd: p.noiseStd ?? SPEstimator.defaultNoiseStd, mcSamples: p.mcSamples ?? SPEstimator.defaultMCSamples,
                            seed: p.seed ?? 0)
        },
        remedy: { _ in "a larger --noise-std (β, a standard deviation)" }, subsetHint: "", cap: nil)
}

/// A cap an estimator puts on the terms it sums (EDGE's U): its estimates cannot pass it, even
/// where the data carry more information.
public struct EstimatorCap: Sendable {
    /// The most I(X;M) and I(Y;M) can reach, in bits.
    public let bound: MIEstimate.Bound
    /// How a footer names it: `the cap U`.
    public let name: String
    /// What the warning and the footer say when some term sat at it.
    public let text: String
}

/// Every estimator of `--estimator`, in the order the help lists them.
public enum EstimatorRegistry {
    public static let all: [EstimatorDescriptor] = [.binning, .kdeUpper, .kdeLower, .kde, .hsic, .renyi, .edge, .ksg, .sp]

    /// The estimator called `name`, nil for none.
    public static func named(_ name: String) -> EstimatorDescriptor? { all.first { $0.name == name } }

    /// Throws unless some estimator of `chosen` takes every one of `parameters` (given together).
    public static func requireTaker(of parameters: [EstimatorParameter], among chosen: [EstimatorDescriptor]) throws(UnusedParameters) {
        let takes = { (d: EstimatorDescriptor) in parameters.allSatisfy(d.takes) }
        guard !chosen.contains(where: takes) else { return }
        throw UnusedParameters(parameters: parameters, takers: all.filter(takes), chosen: chosen.map(\.name))
    }
}

/// Parameters given to estimators none of which takes them.
public struct UnusedParameters: Error, CustomStringConvertible {
    public let parameters: [EstimatorParameter]
    /// The estimators that take them.
    public let takers: [EstimatorDescriptor]
    /// The names of the estimators chosen.
    public let chosen: [String]

    /// `--sigma belongs to --estimator hsic or renyi, not binning`.
    public var description: String {
        let names = parameters.map(\.rawValue).joined(separator: " and ")
        let listed = "--estimator " + ListFormat.or(takers.map(\.name))
        let family = takers.first?.family
        let owners = family.map { f in takers.allSatisfy { $0.family == f } ? "the \(f) estimators (\(listed))" : listed } ?? listed
        return "\(names) \(parameters.count > 1 ? "belong" : "belongs") to \(owners), not \(chosen.joined(separator: ","))"
    }
}

/// `a`, `a or b`, `a, b or c`.
enum ListFormat {
    static func or(_ items: [String]) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}

/// What an estimator did over a run that its user should hear of.
public struct EstimateNotes: Sendable, Equatable {
    /// The rows of the random subset an estimate used, when one did (the largest such count).
    public var subsampledRows: Int?
    /// Whether some EDGE bucket term sat at its cap U.
    public var hitCap = false
    /// Whether every label is one class: H(Y) = 0, and Y carries no information.
    public var oneClass = false
    /// The largest share of tied points of an estimate (KSG), when one was measured.
    public var tiedFraction: Double?
    /// The largest Monte-Carlo standard error of an estimate, in bits (SP), when there was one.
    public var largestStandardError: Double?

    public init(subsampledRows: Int? = nil, hitCap: Bool = false, oneClass: Bool = false, tiedFraction: Double? = nil,
                largestStandardError: Double? = nil) {
        self.subsampledRows = subsampledRows
        self.hitCap = hitCap
        self.oneClass = oneClass
        self.tiedFraction = tiedFraction
        self.largestStandardError = largestStandardError
    }

    /// The notes of one estimate.
    public init(_ estimate: MIEstimate) {
        self.init(subsampledRows: estimate.subsampledRows, hitCap: estimate.hitCap, tiedFraction: estimate.tiedFraction,
                  largestStandardError: estimate.standardError.map { max($0.ixm, $0.iym) })
    }

    /// The notes of both.
    public func merged(_ other: EstimateNotes) -> EstimateNotes {
        EstimateNotes(subsampledRows: [subsampledRows, other.subsampledRows].compactMap { $0 }.max(), hitCap: hitCap || other.hitCap,
                      oneClass: oneClass || other.oneClass, tiedFraction: [tiedFraction, other.tiedFraction].compactMap { $0 }.max(),
                      largestStandardError: [largestStandardError, other.largestStandardError].compactMap { $0 }.max())
    }

    /// `Monte Carlo standard error ≤ 0.0042 bits`, for footers, when estimates had one.
    public var standardErrorNote: String? {
        largestStandardError.map { String(format: "Monte Carlo standard error ≤ %.2g bits", $0) }
    }
}
