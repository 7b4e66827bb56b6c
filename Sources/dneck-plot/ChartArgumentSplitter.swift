import ArgumentParser
import DneckCore
import DneckPlotters
import Foundation

/// A command that takes the options of charts (declared by each chart's `Options`, not by
/// ArgumentParser): its own chart's, or those of every chart it draws.
protocol TakesChartOptions: ParsableCommand {
    static var plotters: [any BasePlotter.Type] { get }
}

/// The chart options of this process's command line, taken out before ArgumentParser reads the
/// rest (set once, in `main`).
enum GivenChartOptions {
    nonisolated(unsafe) static var arguments = ChartArguments()

    /// Each of `plotters` with the options given; a bad value is a validation error.
    static func charts(_ plotters: [any BasePlotter.Type]) throws -> [any BasePlotter] {
        do { return try plotters.map { try $0.make(arguments) } } catch let error as DneckError {
            throw ValidationError("\(error)")
        }
    }
}

/// Prepares a command line for ArgumentParser: names a mistyped subcommand's nearest match,
/// takes out the options of the command's charts, refuses an option of another chart naming
/// it, and keeps a negative number as the value of the option before it.
enum ChartArgumentSplitter {
    /// `arguments` (without the program name) as ArgumentParser is to read them; the chart
    /// options go to `GivenChartOptions`.
    static func prepare(_ arguments: [String], commands: [ParsableCommand.Type]) throws -> [String] {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help" else { return arguments }
        guard let command = commands.first(where: { $0._commandName == first }) else {
            let names = commands.map { $0._commandName }
            let nearest = names.min { editDistance($0, first) < editDistance($1, first) }!
            let guess = editDistance(nearest, first) <= max(2, nearest.count / 3) ? " did you mean '\(nearest)'?" : ""
            throw ValidationError("unknown command '\(first)';\(guess) (commands: \(names.joined(separator: ", ")))")
        }
        let own = (command as? TakesChartOptions.Type)?.plotters ?? []
        let options = Dictionary(own.flatMap { $0.optionHelp.map { ($0.name, $0.valueName) } }, uniquingKeysWith: { a, _ in a })
        var rest = [first], given: [ChartArguments.Given] = []
        var i = 1
        while i < arguments.count {
            let token = arguments[i]
            if token == "--" { rest += arguments[i...]; break }
            if token.hasPrefix("--") {
                let parts = token.dropFirst(2).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0]), inline = parts.count > 1 ? String(parts[1]) : nil
                if let valueName = options[name] {
                    if valueName == nil {
                        guard inline == nil else { throw ValidationError("--\(name) takes no value") }
                        given.append(.init(name: name, value: nil))
                    } else {
                        let next = i + 1 < arguments.count && !arguments[i + 1].hasPrefix("--") ? arguments[i + 1] : nil
                        guard let value = inline ?? next else { throw ValidationError("--\(name) needs a value (\(valueName!))") }
                        given.append(.init(name: name, value: value))
                        if inline == nil { i += 1 }
                    }
                    i += 1
                    continue
                }
                let owners = PlotterRegistry.plotters.filter { $0.optionHelp.contains { $0.name == name } }.map { $0.descriptor.name }
                if !owners.isEmpty {
                    throw ValidationError("--\(name) does not apply to \(first); it is an option of \(owners.joined(separator: ", "))")
                }
                if inline == nil, i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
                    rest.append("\(token)=\(arguments[i + 1])")
                    i += 2
                    continue
                }
            }
            rest.append(token)
            i += 1
        }
        GivenChartOptions.arguments = ChartArguments(given)
        return rest
    }

    /// Whether `text` reads as a negative number or a range starting with one (`-1`, `-0.5:2`).
    static func isNegativeNumber(_ text: String) -> Bool {
        text.count > 1 && text.hasPrefix("-") && (text.dropFirst().first.map { $0.isNumber || $0 == "." } ?? false)
    }

    /// Levenshtein distance between `a` and `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }

    /// The help block of `plotters`' options: each option once, with the charts that take it
    /// when there are several charts, and its default.
    static func help(_ plotters: [any BasePlotter.Type]) -> String {
        var lines: [String] = [], seen: Set<String> = []
        for plotter in plotters {
            let defaults = plotter.init().recordedOptions
            for option in plotter.optionHelp where seen.insert(option.name).inserted {
                let owners = plotters.filter { $0.optionHelp.contains { $0.name == option.name } }.map { $0.descriptor.name }
                let value = option.valueName.map { " <\($0)>" } ?? ""
                let fallback = option.valueName != nil && !(defaults[option.name] ?? "").isEmpty ? " Default: \(defaults[option.name]!)." : ""
                let charts = plotters.count > 1 ? " [\(owners.joined(separator: ", "))]" : ""
                lines.append("  --\(option.name)\(value)\n        \(option.help)\(fallback)\(charts)")
            }
        }
        return lines.isEmpty ? "" : "\n\nChart options:\n" + lines.joined(separator: "\n")
    }
}
