import DneckCore
import DneckIO
import DneckMeasures
import DneckMovie
import DneckPipeline
import DneckPlotters
import DneckReport
import Foundation
import XCTest

/// The pipeline of `all` run in-process, as a library user runs it: the same files as the
/// command's.
final class PipelineTests: XCTestCase {
    func testAllPipelineInProcessWritesWhatTheCommandWrites() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let specs = try ArtifactCatalog.select(only: ["infoplane", "health", "information_measures"], skip: [])
        let charts = specs.compactMap { $0.plotter?.init() }
        let pipeline = AllPipeline(specs: specs, charts: charts, formats: ["png"], request: FigureRequest(dpi: 40),
                                   estimator: BinningEstimator(), movieSettings: MovieSettings(),
                                   recordedOptions: [:], read: { try RunReader(path: $0, split: $1) }, epochs: { _ in nil })
        let library = folder.appendingPathComponent("library")
        XCTAssertFalse(try pipeline.run(RunFiles.group([Fixtures.exampleRun]), splits: [.test], into: library))
        let command = folder.appendingPathComponent("command")
        let result = try runCLI(["all", Fixtures.exampleRun, "--splits", "test", "--only", "infoplane,health,information_measures",
                                 "--dpi", "40", "-o", command.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        for file in ["infoplane_test.png", "health_test.png", "information_measures_test.csv"] {
            XCTAssertEqual(try Data(contentsOf: library.appendingPathComponent(file)),
                           try Data(contentsOf: command.appendingPathComponent(file)), file)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: library.appendingPathComponent("manifest.json").path))
    }
}
