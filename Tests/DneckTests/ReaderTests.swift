import DneckCore
import DneckIO
import DneckMeasures
import XCTest

final class ReaderTests: XCTestCase {
    private var folder: URL!
    override func setUp() { folder = Fixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// A run whose epochs were written out of order (10, 2, 1), with a one-unit layer.
    private func sampleRun() -> SyntheticRun {
        let labels = [0, 1, 0, 1, 1, 0]
        func layer(_ epoch: Int) -> [Double] { (0..<12).map { Double(($0 * 7 + epoch) % 5) * 0.1 } }
        return SyntheticRun(labels: labels,
                            epochs: [10, 2, 1].map { ($0, [layer($0), labels.map(Double.init)]) },
                            units: [2, 1])
    }

    func testDneckLayoutSortsEpochsNumericallyAndReadsEveryLayer() throws {
        var run = sampleRun()
        run.storage = .float64
        run.gzip = true
        let path = folder.appendingPathComponent("run.h5").path
        run.writeDneck(path)
        let reader = try RunReader(path: path, split: .test)
        XCTAssertEqual(reader.layout, .dneckRun)
        XCTAssertEqual(reader.epochs, [1, 2, 10])
        XCTAssertEqual(reader.labels, run.labels)
        XCTAssertEqual(reader.layerCount, 2)
        let layer = try reader.activations(epoch: 10, layer: 0)
        XCTAssertEqual(layer.rows, 6)
        XCTAssertEqual(layer.columns, 2)
        XCTAssertEqual(layer.values, run.epochs[0].layers[0])
        XCTAssertEqual(try reader.activations(epoch: 2, layer: 1).columns, 1)
        XCTAssertEqual(try reader.record(epoch: 2).trainingAccuracy, 0.502)
        let table = try InformationMeasures.compute(reader, estimator: BinningEstimator())
        XCTAssertEqual(table.epochs, [1, 2, 10])
        // One binary unit that is the label: I(X;M) = I(Y;M) = H(Y) = 1 bit.
        for point in table.points where point.layer == 1 {
            XCTAssertEqual(point.mixm, 1, accuracy: 1e-12)
            XCTAssertEqual(point.miym, 1, accuracy: 1e-12)
        }
    }

    func testDeepBottleneckDumpWithLabelsBesideOrGiven() throws {
        let run = sampleRun()
        let path = folder.appendingPathComponent("exp_run_1_train.h5").path
        run.writeFlat(path)
        XCTAssertThrowsError(try RunReader(path: path)) { error in
            XCTAssertTrue("\(error)".contains("--labels"), "\(error)")
        }
        writeNPY(run.labels.map(Int64.init), to: folder.appendingPathComponent("exp_run_1_train_labels.npy").path)
        let reader = try RunReader(path: path)
        XCTAssertEqual(reader.layout, .deepBottleneck)
        XCTAssertEqual(reader.epochs, [1, 2, 10])
        XCTAssertEqual(reader.labels, run.labels)
        // Contiguous float32 data, read directly from the file: the stored values exactly.
        XCTAssertEqual(try reader.activations(epoch: 10, layer: 0).values, run.epochs[0].layers[0].map { Double(Float($0)) })
        let other = folder.appendingPathComponent("other.npy").path
        writeNPY([1, 1, 1, 0, 0, 0], to: other, descr: "<i8")
        XCTAssertEqual(try RunReader(path: path, labelsPath: other).labels, [1, 1, 1, 0, 0, 0])
        // Same numbers from either layout.
        let dneck = folder.appendingPathComponent("run.h5").path
        run.writeDneck(dneck)
        XCTAssertEqual(try InformationMeasures.compute(reader, estimator: BinningEstimator()),
                       try InformationMeasures.compute(RunReader(path: dneck), estimator: BinningEstimator()))
    }

    func testNPYDtypes() throws {
        let path = folder.appendingPathComponent("l.npy").path
        writeNPY([3, 0, 2], to: path)
        XCTAssertEqual(try NPYReader.readIntegers(path: path), [3, 0, 2])
        FileManager.default.createFile(atPath: path, contents: Data("not numpy".utf8))
        XCTAssertThrowsError(try NPYReader.readIntegers(path: path))
    }

    func testBadInputsGiveTypedErrorsNamingFileAndPath() throws {
        let run = sampleRun()
        func expect(_ path: String, split: Split = .train, labels: String? = nil, _ fragment: String,
                    file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try {
                let reader = try RunReader(path: path, split: split, labelsPath: labels)
                _ = try InformationMeasures.compute(reader, estimator: BinningEstimator())
            }(), file: file, line: line) { error in
                XCTAssertTrue(error is DneckError, file: file, line: line)
                XCTAssertTrue("\(error)".contains(fragment), "«\(error)» lacks «\(fragment)»", file: file, line: line)
                XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
            }
        }
        let absent = folder.appendingPathComponent("absent.h5").path
        expect(absent, "\(absent): no such file")
        expect(folder.path, "is a folder, not a regular file")
        let empty = folder.appendingPathComponent("empty.h5").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        expect(empty, "file is empty")
        let text = folder.appendingPathComponent("text.h5").path
        FileManager.default.createFile(atPath: text, contents: Data("hello".utf8))
        expect(text, "not an HDF5 file")

        let good = folder.appendingPathComponent("good.h5").path
        run.writeDneck(good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = folder.appendingPathComponent("truncated.h5").path
        FileManager.default.createFile(atPath: truncated, contents: bytes.prefix(bytes.count / 2))
        expect(truncated, "truncated.h5: /: cannot open")

        let noLabels = folder.appendingPathComponent("nolabels.h5").path
        run.writeDneck(noLabels, skip: ["labels"])
        expect(noLabels, "train/labels: missing dataset of class labels")

        let noFormat = folder.appendingPathComponent("neither.h5").path
        let w = H5Writer(path: noFormat); w.group("stuff"); w.close()
        expect(noFormat, "not a dneck run file nor a deep-bottleneck dump")

        var nan = run
        nan.epochs[1].layers[0][5] = .nan
        let nanPath = folder.appendingPathComponent("nan.h5").path
        nan.writeDneck(nanPath)
        expect(nanPath, "train/2/activations/0: contains NaN at row 2, column 1")
        var inf = run
        inf.epochs[0].layers[0][0] = -.infinity
        let infPath = folder.appendingPathComponent("inf.h5").path
        inf.writeDneck(infPath)
        expect(infPath, "train/10/activations/0: contains -Inf")

        let noEpochs = folder.appendingPathComponent("noepochs.h5").path
        SyntheticRun(labels: [0, 1], epochs: [], units: []).writeDneck(noEpochs)
        expect(noEpochs, "noepochs.h5: train: missing epoch groups")

        let w2 = H5Writer(path: folder.appendingPathComponent("nolayer.h5").path)
        w2.stringAttribute("format", "dneck-run"); w2.intAttribute("format_version", 1)
        w2.dataset("train/labels", shape: [2], doubles: [0, 1], storage: .int64)
        w2.dataset("train/0/activations/0", shape: [2, 1], doubles: [0.1, 0.2])
        w2.dataset("train/1/accuracy/training", shape: [], doubles: [0.5], storage: .float64)
        w2.group("train/1/activations")
        w2.close()
        expect(folder.appendingPathComponent("nolayer.h5").path, "train/1/activations/0: missing activations dataset")

        let w3 = H5Writer(path: folder.appendingPathComponent("labels2d.h5").path)
        w3.stringAttribute("format", "dneck-run"); w3.intAttribute("format_version", 1)
        w3.dataset("train/labels", shape: [2, 1], doubles: [0, 1], storage: .int64)
        w3.dataset("train/0/activations/0", shape: [2, 1], doubles: [0.1, 0.2])
        w3.close()
        expect(folder.appendingPathComponent("labels2d.h5").path, "train/labels: labels must be 1-D")

        let wrongCount = folder.appendingPathComponent("l.npy").path
        writeNPY([0, 1, 0], to: wrongCount)
        expect(good, labels: wrongCount, "has 6 rows but there are 3 labels")
        writeNPY([0, -1, 0, 1, 1, 1], to: wrongCount)
        expect(good, labels: wrongCount, "is negative")
    }
}
