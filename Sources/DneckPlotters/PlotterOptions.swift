import DneckCore
import Foundation

/// The typed options of one chart, declared once: each chart's `Options` lists its own
/// command-line options, and nothing else reads or writes them. A chart without options takes
/// `NoOptions`.
public protocol PlotterOptions: Sendable {
    /// The defaults.
    init()
    /// The chart's command-line options, in the order its help lists them.
    static var arguments: [PlotterOption<Self>] { get }
}

/// The options of a chart that takes none.
public struct NoOptions: PlotterOptions {
    public init() {}
    public static let arguments: [PlotterOption<NoOptions>] = []
}

/// One command-line option of a chart: its long name, its help, and how its text is read into
/// the chart's typed options and recorded back (for the manifest). An option named alike in two
/// charts means one thing (the generic tests check that their help is the same), so `all` and
/// `charts` hand its value to both.
public struct PlotterOption<Options>: @unchecked Sendable {
    /// The long name without `--`, e.g. `hist-bins`.
    public let name: String
    public let help: String
    /// What the value looks like in help (`N`, `LO:HI`); nil for a flag.
    public let valueName: String?
    /// Sets the option from its value (nil for a flag); throws `DneckError.invalidOption`.
    let apply: (inout Options, String?) throws -> Void
    /// The value as the manifest records it.
    let record: (Options) -> String

    /// A flag: given means true.
    public static func flag(_ name: String, _ key: WritableKeyPath<Options, Bool>, help: String) -> Self {
        PlotterOption(name: name, help: help, valueName: nil, apply: { $0[keyPath: key] = true; _ = $1 },
                      record: { "\($0[keyPath: key])" })
    }

    /// A whole number within `range`.
    public static func integer<N: FixedWidthInteger>(_ name: String, _ key: WritableKeyPath<Options, N>, in range: ClosedRange<N>,
                                                     help: String) -> Self {
        PlotterOption(name: name, help: help, valueName: "N", apply: { options, text in
            guard let text, let value = N(text), range.contains(value) else {
                throw DneckError.invalidOption(name: "--\(name)", detail: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            options[keyPath: key] = value
        }, record: { "\($0[keyPath: key])" })
    }

    /// Axis limits `LO:HI`, nil unless given.
    public static func limits(_ name: String, _ key: WritableKeyPath<Options, ClosedRange<Double>?>, help: String) -> Self {
        PlotterOption(name: name, help: help, valueName: "LO:HI", apply: { options, text in
            guard let limits = text.flatMap(Self.parseLimits) else {
                throw DneckError.invalidOption(name: "--\(name)", detail: "takes LO:HI with LO < HI, both within ±1e12, e.g. 0:12")
            }
            options[keyPath: key] = limits
        }, record: { $0[keyPath: key].map { "\($0.lowerBound):\($0.upperBound)" } ?? "" })
    }

    /// `LO:HI` as a range with LO < HI, both finite and within ±1e12.
    private static func parseLimits(_ text: String) -> ClosedRange<Double>? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo.isFinite, hi.isFinite,
              abs(lo) <= 1e12, abs(hi) <= 1e12, lo < hi else { return nil }
        return lo...hi
    }

    /// Sets the option from `value` (nil for a flag).
    public func apply(_ value: String?, to options: inout Options) throws { try apply(&options, value) }

    /// The option's value in `options`, as the manifest records it.
    public func recorded(_ options: Options) -> String { record(options) }
}

/// Chart options as given on a command line, in order: names without `--`, values (nil for flags).
public struct ChartArguments: Sendable, Equatable {
    public var given: [Given]

    /// One given option.
    public struct Given: Sendable, Equatable {
        public let name: String
        public let value: String?
        public init(name: String, value: String?) { self.name = name; self.value = value }
    }

    public init(_ given: [Given] = []) { self.given = given }

    /// `Options` with every given option it declares applied, in order (others are left to
    /// the charts that declare them).
    public func options<Options: PlotterOptions>(_ type: Options.Type = Options.self) throws -> Options {
        var options = Options()
        for given in given {
            try Options.arguments.first { $0.name == given.name }?.apply(given.value, to: &options)
        }
        return options
    }
}
