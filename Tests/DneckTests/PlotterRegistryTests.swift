import DneckCore
import DneckFigure
import DneckIO
import DneckMeasures
import DneckPlotters
import DneckReport
import Foundation
import XCTest

/// What every chart of the registry must satisfy, whatever it draws: the generic checks a new
/// chart gets by its one registry line.
final class PlotterRegistryTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private let plotters = PlotterRegistry.plotters

    /// One naming scheme: subcommands in kebab case, artifacts in snake case, each unique.
    func testNamesAreUniqueAndFollowOneScheme() {
        let names = plotters.map { $0.descriptor.name }, artifacts = plotters.map { $0.descriptor.artifact }
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        XCTAssertEqual(Set(artifacts).count, artifacts.count, "\(artifacts)")
        for name in names { XCTAssertNotNil(name.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression), name) }
        for artifact in artifacts { XCTAssertNotNil(artifact.range(of: "^[a-z0-9]+(_[a-z0-9]+)*$", options: .regularExpression), artifact) }
        // `all` makes every chart of its role under the chart's artifact name, then the table.
        XCTAssertEqual(ArtifactCatalog.all.map(\.name),
                       PlotterRegistry.plotters(for: .all).map { $0.descriptor.artifact } + ["information_measures"])
    }

    /// An option named alike in two charts means one thing: same help, same kind of value.
    func testEveryOptionMeansOneThing() {
        var seen: [String: (help: String, valueName: String?, chart: String)] = [:]
        for plotter in plotters {
            for option in plotter.optionHelp {
                if let first = seen[option.name] {
                    XCTAssertEqual(option.help, first.help, "--\(option.name): \(plotter.descriptor.name) and \(first.chart)")
                    XCTAssertEqual(option.valueName, first.valueName, "--\(option.name)")
                } else {
                    seen[option.name] = (option.help, option.valueName, plotter.descriptor.name)
                }
            }
        }
    }

    /// Each chart's help lists its own options and no other chart's; an option of another chart
    /// is an error naming the chart; an estimator option is refused by a chart that draws no
    /// estimates; a bad value of a chart option is refused before any work.
    func testEachChartTakesOnlyItsOwnOptions() throws {
        let everyOption = Set(plotters.flatMap { $0.optionHelp.map(\.name) })
        for plotter in plotters {
            let name = plotter.descriptor.name
            let help = try runCLI([name, "--help"])
            XCTAssertEqual(help.status, 0, name)
            let own = Set(plotter.optionHelp.map(\.name))
            for option in everyOption {
                let listed = help.stdout.contains("--\(option) ") || help.stdout.contains("--\(option)\n")
                XCTAssertEqual(listed, own.contains(option), "\(name) --help and --\(option)")
            }
            XCTAssertEqual(help.stdout.contains("--estimator"), plotter.descriptor.needs.measures, "\(name) --help and --estimator")
            if let foreign = everyOption.subtracting(own).sorted().first {
                let result = try runCLI([name, Fixtures.exampleRun, "--\(foreign)", "1", "-o", folder.appendingPathComponent("x.png").path])
                XCTAssertEqual(result.status, 64, name)
                XCTAssertTrue(result.stderr.contains("--\(foreign) does not apply to \(name)"), result.stderr)
            }
            if !plotter.descriptor.needs.measures {
                let result = try runCLI([name, Fixtures.exampleRun, "--estimator", "kde", "-o", folder.appendingPathComponent("x.png").path])
                XCTAssertEqual(result.status, 64, name)
                XCTAssertTrue(result.stderr.contains("do not apply to \(name)"), result.stderr)
            }
            for option in plotter.optionHelp where option.valueName == "N" {
                let result = try runCLI([name, Fixtures.exampleRun, "--\(option.name)", "-7", "-o", folder.appendingPathComponent("x.png").path])
                XCTAssertEqual(result.status, 64, "\(name) --\(option.name) -7")
                XCTAssertTrue(result.stderr.contains("--\(option.name): must be a whole number"), result.stderr)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.png").path))
        }
    }

    /// Every figure chart, through its own subcommand with its default output name: written,
    /// and byte-identical when drawn again.
    func testEveryChartIsDeterministic() throws {
        for plotter in plotters where plotter.descriptor.output == .figure {
            let name = plotter.descriptor.name
            var outputs: [Data] = []
            for attempt in 0..<2 {
                let run = try runCLI([name, Fixtures.exampleRun, "--dpi", "50"] + (attempt == 1 ? ["--split", "train"] : []),
                                     in: folder)
                XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)")
                let file = folder.appendingPathComponent(plotter.descriptor.fileName(split: .train, format: "png"))
                outputs.append(try Data(contentsOf: file))
                try FileManager.default.removeItem(at: file)
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(name) is not byte-identical")
        }
    }

    /// A mistyped subcommand gets the nearest name; a negative number is a value; a folder as
    /// -o is named as one.
    func testCommandLineMistakesGetClearAnswers() throws {
        let typo = try runCLI(["infoplan", Fixtures.exampleRun])
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.contains("unknown command 'infoplan'; did you mean 'infoplane'?"), typo.stderr)
        let negative = try runCLI(["infoplane", Fixtures.exampleRun, "--estimator", "kde", "--noise-variance", "-1", "-o",
                                   folder.appendingPathComponent("x.png").path])
        XCTAssertEqual(negative.status, 64)
        XCTAssertTrue(negative.stderr.contains("--noise-variance must be a variance above 0"), negative.stderr)
        let limits = try runCLI(["infoplane", Fixtures.exampleRun, "--xlim", "-1:13", "--dpi", "40", "-o",
                                 folder.appendingPathComponent("x.png").path])
        XCTAssertEqual(limits.status, 0, limits.stderr)
        let intoFolder = try runCLI(["snr", Fixtures.exampleRun, "-o", folder.path])
        XCTAssertEqual(intoFolder.status, 1)
        XCTAssertTrue(intoFolder.stderr.contains("is a folder; -o takes a file ending in .png, .svg or .pdf"), intoFolder.stderr)
    }

    /// The health chart plots log2 of the distinct binned rows of each layer and epoch, counted
    /// here independently (floor(a / 0.07) per unit), against log2 N; a non-binning estimator is
    /// refused in one line.
    func testHealthChartPlotsTheStatesTheBinningFound() throws {
        let reader = try RunReader(path: Fixtures.exampleRun)
        let data = try DataStage.gather(reader, needs: HealthChart.descriptor.needs, epochs: [0, 980])
        let figure = HealthChart().figure(data, request: FigureRequest())
        let lines = figure.panels[0].marks.compactMap { mark -> [DataPoint]? in
            if case .line(let points, _, _, _) = mark { return points }
            return nil
        }
        XCTAssertEqual(lines.count, reader.layerCount)
        for layer in [0, 3, 5] {
            for (k, epoch) in [0, 980].enumerated() {
                let m = try reader.activations(epoch: epoch, layer: layer), values = m.values
                let rows = Set((0..<m.rows).map { r in (0..<m.columns).map { Int((values[r * m.columns + $0] / 0.07).rounded(.down)) } })
                XCTAssertEqual(lines[layer][k].y, log2(Double(rows.count)), accuracy: 1e-12, "layer \(layer) epoch \(epoch)")
            }
        }
        let refused = try runCLI(["health", Fixtures.exampleRun, "--estimator", "kde", "-o", folder.appendingPathComponent("h.png").path])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.hasPrefix("Error: health: this chart draws the states a binning estimator counts"), refused.stderr)
    }

    /// `--epochs`, `--labels` and `--inputs` are taken by every command that reads runs: a
    /// deep-bottleneck dump with its labels elsewhere, read by a chart, `measures`, `compare`,
    /// `charts` and `all`, each keeping only the epochs asked for.
    func testRunOptionsOnEveryCommandThatReadsRuns() throws {
        let dump = folder.appendingPathComponent("dump.h5").path, labels = folder.appendingPathComponent("y.npy").path
        let values: (Int) -> [Double] = { e in (0..<8).map { Double(($0 * 7 + e) % 5) * 0.1 } }
        SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [values(0)]), (5, [values(5)]), (9, [values(9)])], units: [2]).writeFlat(dump)
        writeNPY([0, 1, 0, 1], to: labels)
        let common = [dump, "--labels", labels, "--epochs", "0:5"]
        let csv = folder.appendingPathComponent("m.csv")
        for command in [["measures"] + common + ["-o", csv.path],
                        ["infoplane"] + common + ["-o", folder.appendingPathComponent("p.png").path],
                        ["health"] + common + ["-o", folder.appendingPathComponent("h.png").path],
                        ["compare", dump, dump, "--labels", labels, "--epochs", "0:5", "-o", folder.appendingPathComponent("c.png").path],
                        ["charts"] + common + ["-d", folder.appendingPathComponent("charts").path],
                        ["all"] + common + ["--splits", "train", "--only", "information_measures,activations",
                                            "-o", folder.appendingPathComponent("all").path]] {
            let result = try runCLI(command)
            XCTAssertEqual(result.status, 0, "\(command[0]): \(result.stderr)")
        }
        for table in [csv, folder.appendingPathComponent("all/information_measures_train.csv")] {
            let epochs = try String(contentsOf: table, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
            XCTAssertEqual(epochs, ["0", "5"], table.lastPathComponent)
        }
        let manifest = try String(contentsOf: folder.appendingPathComponent("all/manifest.json"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"epochs\" : \"0:5\""), manifest)
        XCTAssertTrue(manifest.contains("\"labels\" : \"y.npy\""), manifest)
        let none = try runCLI(["snr", dump, "--labels", labels, "--epochs", "100:200", "-o", folder.appendingPathComponent("s.png").path])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("--epochs: \(dump): no logged epoch in 100:200"), none.stderr)
    }
}

/// The movie's rule: only marks change from frame to frame.
final class DecorationsTests: XCTestCase {
    func testFramesShareTheirDecorationsAndAChangedDecorationIsSeen() throws {
        let data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: MovieFrameChart.descriptor.needs)
        let frames = MovieFrames(run: data, request: FigureRequest(dpi: 40))
        let first = frames.figure(0)
        for k in [1, frames.count / 2, frames.count - 1] {
            XCTAssertEqual(Decorations(frames.figure(k)), Decorations(first), "frame \(k)")
            // The marks a frame makes alone are those of its whole figure.
            XCTAssertEqual(String(describing: frames.figure(k, laidOutAs: first.laidOut()).panels.map(\.marks)),
                           String(describing: frames.figure(k).panels.map(\.marks)), "frame \(k)")
        }
        var marks = first
        marks.panels[0].marks.removeAll()
        XCTAssertEqual(Decorations(marks), Decorations(first))
        var title = first
        title.panels[0].title = "Information plane, epoch 3"
        XCTAssertNotEqual(Decorations(title), Decorations(first))
        var footer = first
        footer.footer.append("epoch 3")
        XCTAssertNotEqual(Decorations(footer), Decorations(first))
    }
}

/// Progress in a log: a line every interval with the fraction done, a last line when done,
/// nothing for work shorter than the interval.
final class ProgressLogTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        var all: [String] = []
        let lock = NSLock()
        func add(_ line: String) { lock.lock(); all.append(line); lock.unlock() }
    }

    func testLogLinesEveryIntervalAndNoneForShortWork() {
        let lines = Lines()
        let slow = ProgressBar(total: 4, label: "renyi", mode: .log, interval: 0.05, write: lines.add)
        for _ in 0..<3 { Thread.sleep(forTimeInterval: 0.06); slow.advance() }
        slow.advance()
        slow.finish()
        XCTAssertEqual(lines.all.count, 4, "\(lines.all)")
        XCTAssertTrue(lines.all[0].hasPrefix("dneck-plot: renyi: 25% (1/4), 0:00 elapsed"), lines.all[0])
        XCTAssertTrue(lines.all[2].hasPrefix("dneck-plot: renyi: 75% (3/4)"), lines.all[2])
        XCTAssertTrue(lines.all[3].hasPrefix("dneck-plot: renyi: done in"), lines.all[3])
        let quick = Lines()
        let fast = ProgressBar(total: 4, label: "binning", mode: .log, interval: 10, write: quick.add)
        for _ in 0..<4 { fast.advance() }
        fast.finish()
        XCTAssertEqual(quick.all, [])
    }
}
