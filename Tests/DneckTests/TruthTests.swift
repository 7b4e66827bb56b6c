import DneckFigure
import DneckIO
import DneckPipeline
import DneckPlotters
import Foundation
import XCTest

/// What the tool says about its own artifacts is so.
final class TruthTests: XCTestCase {
    /// The report links the figures and movies beside it: it is not called self-contained.
    func testReportIsNotCalledSelfContained() throws {
        let help = try runCLI(["all", "--help"])
        XCTAssertEqual(help.status, 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertFalse(text.contains("self-contained"), text)
        XCTAssertTrue(text.contains("keep the folder together"), text)
        let readme = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertFalse(readme.contains("self-contained `index.html`"))
    }

    /// One bad epoch does not lose a run: `all` leaves an epoch with NaN activations or a NaN
    /// loss out of every artifact, writes everything else, the report, the summary and the
    /// manifest listing why, says it in every figure's footer, and exits 1.
    func testAllLeavesABadEpochOutAndWritesEverythingElse() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let values: (Int) -> [Double] = { e in (0..<8).map { Double(($0 * 3 + e) % 7) * 0.1 } }
        var bad = values(5)
        bad[3] = .nan
        let run = folder.appendingPathComponent("nan.h5").path
        SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [values(0)]), (5, [bad]), (9, [values(9)])], units: [2]).writeDneck(run)
        let out = folder.appendingPathComponent("all")
        let result = try runCLI(["all", run, "--only", "infoplane,information_measures", "--dpi", "40", "-o", out.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("epoch 5 of the train split left out of its artifacts: \(run): train/5/activations/0: contains NaN"),
                      result.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(files, ["index.html", "infoplane_test.png", "infoplane_train.png", "information_measures_test.csv",
                               "information_measures_train.csv", "manifest.json", "summary.md"])
        let csv = try String(contentsOf: out.appendingPathComponent("information_measures_train.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }, ["0", "9"])
        let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("`train epoch 5`"), summary)
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest.json"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"test epoch 5\""), manifest)
        let data = try DataStage.gatherUsable(RunReader(path: run), needs: InfoPlaneChart.descriptor.needs).data
        XCTAssertEqual(data.leftOutEpochs, [5])
        XCTAssertTrue(InfoPlaneChart().figure(data, request: FigureRequest()).footer[0].contains("epoch 5 left out"))
        // A single command names the epoch and the dataset, and writes nothing.
        let single = try runCLI(["infoplane", run, "-o", folder.appendingPathComponent("p.png").path])
        XCTAssertEqual(single.status, 1)
        XCTAssertTrue(single.stderr.contains("train/5/activations/0: contains NaN"), single.stderr)
        XCTAssertEqual(try runCLI(["infoplane", run, "--epochs", "6:9", "-o", folder.appendingPathComponent("p.png").path]).status, 0)
    }

    /// Layers can be named (root attribute `layer_names`): the names show in the plane's layer
    /// legend, the panels' titles and the measures CSV; names that do not fit are a warning.
    func testLayerNamesShowInLegendsTitlesAndTables() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let values: (Int) -> [Double] = { e in (0..<8).map { Double(($0 * 3 + e) % 7) * 0.1 } }
        var synthetic = SyntheticRun(labels: [0, 1, 0, 1], epochs: [(0, [values(0), values(1)]), (4, [values(4), values(5)])], units: [2, 2])
        synthetic.layerNames = #"["fc1", "fc2, out"]"#
        let run = folder.appendingPathComponent("named.h5").path
        synthetic.writeDneck(run)
        let data = try DataStage.gather(RunReader(path: run), needs: ChartNeeds.union([InfoPlaneChart().needs, ActivationsChart().needs]))
        let plane = InfoPlaneChart().figure(data, request: FigureRequest())
        XCTAssertEqual(plane.legends.first?.legend.entries.map(\.label), ["Layer 0 (fc1)", "Layer 1 (fc2, out)"])
        XCTAssertEqual(ActivationsChart().figure(data, request: FigureRequest()).panels.map(\.title), ["Layer 0 (fc1)", "Layer 1 (fc2, out)"])
        let csv = folder.appendingPathComponent("m.csv")
        XCTAssertEqual(try runCLI(["measures", run, "-o", csv.path]).status, 0)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines[0], "epoch,layer,layer_name,MI_XM,MI_YM")
        XCTAssertTrue(lines[2].hasPrefix("0,1,\"fc2, out\","), String(lines[2]))
        synthetic.layerNames = #"["only one"]"#
        synthetic.writeDneck(run)
        let warned = try runCLI(["infoplane", run, "-o", folder.appendingPathComponent("p.png").path])
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertTrue(warned.stderr.contains("/layer_names is not a JSON array of 2 strings: the layers are shown by number"), warned.stderr)
    }

    /// A run that diverged (NaN from some epoch on) costs a few passes, not one per epoch: every
    /// bad epoch is found, and the footer names them briefly.
    func testADivergedRunLeavesOutEveryBadEpochAtOnce() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let epochs = Array(0..<12)
        let run = folder.appendingPathComponent("diverged.h5").path
        SyntheticRun(labels: [0, 1, 0, 1], epochs: epochs.map { e in
            (e, [(0..<8).map { e >= 3 ? Double.nan : Double(($0 * 3 + e) % 7) * 0.1 }])
        }, units: [2]).writeDneck(run)
        let (data, leftOut) = try DataStage.gatherUsable(RunReader(path: run), needs: InfoPlaneChart.descriptor.needs)
        XCTAssertEqual(data.epochs, [0, 1, 2])
        XCTAssertEqual(leftOut.map(\.epoch).sorted(), Array(3..<12))
        XCTAssertTrue(InfoPlaneChart().figure(data, request: FigureRequest()).footer[0]
            .contains("epochs 3, 4, …, 11 (9 epochs) left out"), "\(InfoPlaneChart().figure(data, request: FigureRequest()).footer)")
    }

    /// The dumps of one run are one run, whatever form their paths were given in, and a dotted
    /// stem keeps its dots.
    func testDumpsOfARunAreOneRun() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["model.v2_train", "model.v2_test"] {
            SyntheticRun(labels: [0, 1], epochs: [(0, [[0.1, 0.2]])], units: [1]).writeFlat(folder.appendingPathComponent(name + ".h5").path)
        }
        let train = folder.appendingPathComponent("model.v2_train.h5").path, test = folder.appendingPathComponent("model.v2_test.h5").path
        let alone = RunFiles.group([train])
        XCTAssertEqual(alone.map(\.name), ["model.v2"])
        XCTAssertEqual(alone.map(\.stem), ["model.v2"])
        XCTAssertEqual(alone.first?.files, [.train: train, .test: test])
        XCTAssertEqual(RunFiles.group([test, train]).map(\.files), [[.train: train, .test: test]])
        let whole = RunFiles.group([Fixtures.exampleRun])
        XCTAssertEqual(whole.map(\.stem), ["harmonics_tanh_small"])
        XCTAssertEqual(whole.first?.paths, [Fixtures.exampleRun])
    }

    /// `--ib-bound` draws I(Y;M) ≤ min(I(X;M), H(Y)) through the origin and (H(Y), H(Y)), and
    /// says so; for an estimator not in bits against H(Y) it draws nothing and says why.
    func testIBBoundIsDrawnForBitsAndRefusedOtherwise() throws {
        var data = try DataStage.gather(RunReader(path: Fixtures.exampleRun), needs: InfoPlaneChart.descriptor.needs)
        let h = data.measures!.points.compactMap(\.ceilingY).max()!
        let chart = InfoPlaneChart(options: try ChartArguments([.init(name: "ib-bound", value: nil)]).options())
        let figure = chart.figure(data, request: FigureRequest())
        let lines = figure.panels[0].marks.compactMap { mark -> [DataPoint]? in
            if case .line(let points, _, _, true) = mark { return points }
            return nil
        }
        XCTAssertTrue(lines.contains { $0.count == 3 && $0[0] == DataPoint(0, 0) && $0[1] == DataPoint(h, h) && $0[2].y == h }, "\(lines)")
        XCTAssertTrue(figure.footer.contains { $0.hasPrefix("dark dashed: the IB bound I(Y;M) ≤ min(I(X;M), H(Y))") }, "\(figure.footer)")
        XCTAssertFalse(InfoPlaneChart().figure(data, request: FigureRequest()).footer.contains { $0.contains("IB bound") })
        data.quantity = .hsic
        let hsic = chart.figure(data, request: FigureRequest())
        XCTAssertTrue(hsic.footer.contains { $0.hasPrefix("IB bound not drawn:") }, "\(hsic.footer)")
    }
}
