import DneckCore
import DneckIO
import DneckMeasures
import DneckPlotters
import XCTest

/// `--measures FILE`: a measures CSV read back as the table an estimator made, and the figures
/// drawn from it.
final class MeasuresTableTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// The table `estimator` makes of the example run, and that table as `measures` writes it.
    private func measured(_ estimator: any MIEstimator, health: Bool) throws -> (reader: RunReader, table: MeasureTable, csv: URL) {
        let reader = try RunReader(path: Fixtures.exampleRun)
        let data = try DataStage.gather(reader, needs: ChartNeeds(estimates: .any), estimator: estimator, epochs: Array(reader.epochs.suffix(6)))
        let table = try XCTUnwrap(data.measures)
        let csv = folder.appendingPathComponent("\(estimator.descriptor.name).csv")
        try table.rows(health: health).naming(layers: ["in, \"quoted\"", "b", "c", "d", "e", "f"].prefix(reader.layerCount).map { $0 })
            .csv(quantity: estimator.descriptor.quantity).write(to: csv, atomically: true, encoding: .utf8)
        return (reader, table, csv)
    }

    private func assertSame(_ read: MeasureTable, _ made: MeasureTable, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(read.points.count, made.points.count, file: file, line: line)
        for (a, b) in zip(read.points, made.points) {
            XCTAssertEqual([a.epoch, a.layer], [b.epoch, b.layer], file: file, line: line)
            XCTAssertEqual(a.ixm, b.ixm, file: file, line: line); XCTAssertEqual(a.iym, b.iym, file: file, line: line)
            XCTAssertEqual(a.lowerBound, b.lowerBound, file: file, line: line)
            XCTAssertEqual(a.ceilingX, b.ceilingX, file: file, line: line); XCTAssertEqual(a.ceilingY, b.ceilingY, file: file, line: line)
            XCTAssertEqual([a.saturatedX, a.saturatedY], [b.saturatedX, b.saturatedY], file: file, line: line)
        }
    }

    /// Every value, bound, ceiling and saturation flag comes back as the estimator made it
    /// (17 significant digits round-trip), for binning (its health columns and quoted layer
    /// names ignored) and for the two KDE bounds.
    func testATableReadBackIsTheTableTheEstimatorMade() throws {
        for (estimator, health) in [(BinningEstimator() as any MIEstimator, true), (try KDEEstimator(bound: .both), false)] {
            let (reader, table, csv) = try measured(estimator, health: health)
            let read = try MeasuresTableFile(path: csv.path, estimator: estimator, labels: reader.labels, layers: reader.layerCount)
            assertSame(read.table, table)
            XCTAssertTrue(table.points.contains { $0.saturatedX } || estimator.descriptor.name != "binning", "the example saturates under binning")
        }
    }

    /// A CSV of several estimators gives the rows of the chosen one; a table read for a run
    /// keeps the epochs chosen and refuses an epoch the run never logged.
    func testRowsOfTheChosenEstimatorAndEpochsOfTheRun() throws {
        let reader = try RunReader(path: Fixtures.exampleRun)
        let binning = try DataStage.gather(reader, needs: ChartNeeds(estimates: .any), estimator: BinningEstimator()).measures!
        let adaptive = try EstimatorDescriptor.binning.make(EstimatorParameters(bins: 30, adaptive: true))
        let other = try DataStage.gather(reader, needs: ChartNeeds(estimates: .any), estimator: adaptive).measures!
        let csv = folder.appendingPathComponent("both.csv")
        try MeasureRows.csv([(estimator: "renyi", rows: other.rows(health: false)), (estimator: "binning", rows: binning.rows(health: false))])
            .write(to: csv, atomically: true, encoding: .utf8)
        let file = try MeasuresTableFile(path: csv.path, estimator: BinningEstimator(), labels: reader.labels, layers: reader.layerCount)
        assertSame(file.table, binning)
        let chosen = Array(reader.epochs.suffix(3))
        XCTAssertEqual(try file.table(of: reader, epochs: chosen).epochs, chosen)

        let stranger = folder.appendingPathComponent("stranger.csv")
        try "epoch,layer,MI_XM,MI_YM\n\(reader.epochs.max()! + 1),0,1,0.5\n".write(to: stranger, atomically: true, encoding: .utf8)
        let one = try MeasuresTableFile(path: stranger.path, estimator: BinningEstimator(), labels: reader.labels, layers: 1)
        XCTAssertThrowsError(try one.table(of: reader, epochs: reader.epochs)) { error in
            XCTAssertTrue("\(error)".contains("not an epoch of"), "\(error)")
        }
    }

    /// Each malformed table gets one line naming the file, where in it and what is wrong.
    func testMalformedTablesAreRefusedWithWhereAndWhat() throws {
        let cases: [(String, String)] = [
            ("", "file is empty"),
            ("epoch,layer,HSIC_XM,HSIC_YM\n0,0,1,1\n", "missing column MI_XM"),
            ("run,epoch,layer,MI_XM,MI_YM\nmean,0,0,1,1\n", "a table of several runs"),
            ("epoch,layer,MI_XM,MI_YM\n0,0,1\n", "line 2: 3 cells under a header of 4"),
            ("epoch,layer,MI_XM,MI_YM\n0,0,1,x\n", "line 2, column MI_YM: 'x' is not a number"),
            ("epoch,layer,MI_XM,MI_YM\n0,0,1,inf\n", "'inf' is not a number"),
            ("epoch,layer,MI_XM,MI_YM\n0,2,1,1\n", "line 2, column layer: '2' is not an integer from 0 to 1"),
            ("epoch,layer,MI_XM,MI_YM\n0.5,0,1,1\n", "column epoch: '0.5' is not an integer"),
            ("epoch,layer,MI_XM,MI_YM\n0,0,1,1\n0,1,1,1\n\n0,0,2,2\n", "line 5: epoch 0, layer 0 given twice"),
            ("epoch,layer,MI_XM,MI_YM\n0,0,1,1\n0,1,1,1\n3,0,1,1\n", "epoch 3: 1 of the run's 2 layers"),
            ("epoch,layer,layer_name,MI_XM,MI_YM\n0,0,\"open,1,1\n", "line 2: a quoted cell is never closed"),
            ("epoch,layer,MI_XM,MI_YM\n", "missing rows"),
            ("estimator,epoch,layer,XM,YM\nkde,0,0,1,1\nkde,0,1,1,1\n", "missing rows of estimator binning"),
        ]
        for (text, expected) in cases {
            let url = folder.appendingPathComponent("bad.csv")
            try Data(text.utf8).write(to: url)
            XCTAssertThrowsError(try MeasuresTableFile(path: url.path, estimator: BinningEstimator(), labels: [0, 1, 0, 1], layers: 2)) { error in
                XCTAssertTrue(error is DneckError, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix(url.path), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in: \(error)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
        try Data([0x65, 0xFF, 0xFE, 0x0A]).write(to: folder.appendingPathComponent("binary.csv"))
        XCTAssertThrowsError(try MeasuresTableFile(path: folder.appendingPathComponent("binary.csv").path, estimator: BinningEstimator(),
                                                   labels: [0, 1], layers: 1)) { XCTAssertTrue("\($0)".contains("not UTF-8 text"), "\($0)") }
    }

    /// Seeded mutations of a valid table: a table or a typed one-line error, never a trap.
    func testMutatedTablesGiveTablesOrTypedErrors() throws {
        let valid = Array("epoch,layer,layer_name,MI_XM,MI_YM,MI_XM_lower,MI_YM_lower,states\n-1,0,\"a,b\",2.5,0.25,2,0.125,7\n-1,1,x,3.5,0.5,3,0.25,\n20,0,\"q\"\"\",1e-3,0,0,0,1\n20,1,,2,1,1,0.5,3\n".utf8)
        let url = folder.appendingPathComponent("fuzz.csv")
        var generator = SplitMix64(seed: 55)
        var outcomes = (tables: 0, errors: 0)
        for _ in 0..<2_000 {
            try Data(FuzzTests.mutate(valid, &generator)).write(to: url)
            do {
                let read = try MeasuresTableFile(path: url.path, estimator: KDEEstimator(bound: .both), labels: [0, 1, 1, 2], layers: 2)
                XCTAssertFalse(read.table.points.isEmpty)
                outcomes.tables += 1
            } catch let error as DneckError {
                XCTAssertFalse("\(error)".contains("\n"), "\(error)")
                outcomes.errors += 1
            }
        }
        XCTAssertGreaterThan(outcomes.tables, 100, "mutations too destructive to reach the rows")
        XCTAssertGreaterThan(outcomes.errors, 500)
    }

    /// `infoplane --measures` draws the table's numbers (the footer names the table) without
    /// reading the activations; a chart without estimates and several runs refuse it.
    func testInfoplaneDrawsAGivenTable() throws {
        let csv = folder.appendingPathComponent("m.csv").path
        XCTAssertEqual(try runCLI(["measures", Fixtures.exampleRun, "-o", csv]).status, 0)
        let png = folder.appendingPathComponent("plane.png").path
        let drawn = try runCLI(["infoplane", Fixtures.exampleRun, "--measures", csv, "-o", png])
        XCTAssertEqual(drawn.status, 0, drawn.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: png))
        let reader = try RunReader(path: Fixtures.exampleRun)
        let needs = InfoPlaneChart().needs
        let direct = try DataStage.gather(reader, needs: needs, estimator: BinningEstimator())
        let table = try MeasuresTableFile(path: csv, estimator: BinningEstimator(), labels: reader.labels, layers: reader.layerCount)
        let given = try DataStage.gather(reader, needs: needs, estimator: BinningEstimator(), table: table)
        assertSame(given.measures!, direct.measures!)
        XCTAssertEqual(given.estimator, direct.estimator + ", read from m.csv")
        XCTAssertEqual(given.epochs, direct.epochs)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let partial = folder.appendingPathComponent("partial.csv").path
        try (([lines[0]] + lines.suffix(2 * reader.layerCount)).joined(separator: "\n") + "\n").write(toFile: partial, atomically: true, encoding: .utf8)
        let part = try runCLI(["infoplane", Fixtures.exampleRun, "--measures", partial, "-o", png])
        XCTAssertEqual(part.status, 0, part.stderr)
        XCTAssertTrue(part.stderr.contains("holds 2 of the \(reader.epochs.count) epochs chosen"), part.stderr)
        let snr = try runCLI(["snr", Fixtures.exampleRun, "--measures", csv, "-o", folder.appendingPathComponent("s.png").path])
        XCTAssertNotEqual(snr.status, 0)
        XCTAssertTrue(snr.stderr.contains("--measures do not apply to snr"), snr.stderr)
        let two = try runCLI(["infoplane", Fixtures.exampleRun, Fixtures.exampleRun, "--measures", csv, "-o", png])
        XCTAssertNotEqual(two.status, 0)
        XCTAssertTrue(two.stderr.contains("--measures takes the table of one run"), two.stderr)
    }
}
