import CHDF5
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
        let table = try InformationMeasures.compute(reader, estimator: BinningEstimator()).table
        XCTAssertEqual(table.epochs, [1, 2, 10])
        // One binary unit that is the label: I(X;M) = I(Y;M) = H(Y) = 1 bit.
        for point in table.points where point.layer == 1 {
            XCTAssertEqual(point.ixm, 1, accuracy: 1e-12)
            XCTAssertEqual(point.iym, 1, accuracy: 1e-12)
        }
    }

    /// Opening a run and reading its per-epoch scalars (what snr and accuracy draw) does not
    /// walk every epoch's activations group; reading activations checks every epoch's layers
    /// against the first's, once, and names the epoch and layer that differ.
    func testEveryEpochsLayersAreCheckedWhenActivationsAreRead() throws {
        let labels = [0, 1, 0, 1, 1, 0]
        let layer = (0..<12).map { Double($0 % 5) * 0.1 }
        let path = folder.appendingPathComponent("extra_layer.h5").path
        SyntheticRun(labels: labels, epochs: [(0, [layer]), (1, [layer, layer])], units: [2, 2]).writeDneck(path)
        let reader = try RunReader(path: path)
        XCTAssertEqual(reader.layerCount, 1)
        XCTAssertEqual(try reader.record(epoch: 1, fields: .accuracy).trainingAccuracy, 0.501)
        for _ in 0..<2 {
            XCTAssertThrowsError(try reader.activations(epoch: 0, layer: 0)) { error in
                XCTAssertTrue("\(error)".contains("train/1/activations/1: layer 1 is not in epoch 0"), "\(error)")
            }
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

    /// The direct `pread` path (contiguous little-endian floats) and `H5Dread` (everything
    /// else) give exactly the stored bits: compared with the raw bytes libhdf5 returns in the
    /// file's own type (no conversion), byte-swapped here for big-endian storage. Values are
    /// random bit patterns (NaN payloads and subnormals included) where the storage is float64.
    func testDirectReadsReturnTheBytesH5DreadReturns() throws {
        var generator = SplitMix64(seed: 9)
        let shape = [37, 70]   // 2590 values: several chunks of 64 × 64, a partial one at each edge
        for storage in [H5Writer.Storage.float32, .float64, .float32BigEndian, .float64BigEndian] {
            let wide = storage == .float64 || storage == .float64BigEndian
            // float32 storage is written from doubles that float32 holds exactly.
            let values: [Double] = (0..<shape.reduce(1, *)).map { _ in
                wide ? Double(bitPattern: generator.next()) : Double(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next() >> 32) & 0xBF7F_FFFF))
            }
            for (layout, gzip, chunked) in [("contiguous", false, false), ("chunked", false, true), ("gzip", true, false)] {
                let path = folder.appendingPathComponent("\(storage)_\(layout).h5").path
                let w = H5Writer(path: path)
                w.dataset("d", shape: shape, doubles: values, storage: storage, gzip: gzip, chunked: chunked)
                w.close()
                let file = try HDF5File(path: path)
                let (readShape, read) = try file.readMatrixValues("/d")
                XCTAssertEqual(readShape, shape)
                let got: [UInt8]
                switch read {
                case .float32(let v): got = v.withUnsafeBytes { Array($0) }; XCTAssertFalse(wide)
                case .float64(let v): got = v.withUnsafeBytes { Array($0) }; XCTAssertTrue(wide)
                }
                XCTAssertEqual(got, try rawLittleEndianBytes(path, "d", storage: storage), "\(storage) \(layout)")
            }
        }
    }

    /// The dataset's bytes as libhdf5 reads them in the file's own type, in little-endian order.
    private func rawLittleEndianBytes(_ path: String, _ name: String, storage: H5Writer.Storage) throws -> [UInt8] {
        HDF5File.lock.lock(); defer { HDF5File.lock.unlock() }
        let fid = H5Fopen(path, dneck_h5f_acc_rdonly(), dneck_h5p_default())
        defer { H5Fclose(fid) }
        let did = H5Dopen2(fid, name, dneck_h5p_default())
        defer { H5Dclose(did) }
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        let size = H5Tget_size(type)
        let space = H5Dget_space(did)
        let count = Int(H5Sget_simple_extent_npoints(space))
        H5Sclose(space)
        var bytes = [UInt8](repeating: 0, count: count * size)
        XCTAssertGreaterThanOrEqual(H5Dread(did, type, dneck_h5s_all(), dneck_h5s_all(), dneck_h5p_default(), &bytes), 0)
        if storage == .float32BigEndian || storage == .float64BigEndian {
            for i in 0..<count { bytes[i * size..<(i + 1) * size].reverse() }
        }
        return bytes
    }

    /// A dataset over the memory limit is refused before anything is allocated, with one line
    /// naming the file, the dataset, the declared shape and the limit; under it, it is read.
    func testReadLimitRefusesLargeDatasets() throws {
        let path = folder.appendingPathComponent("run.h5").path
        var run = sampleRun()
        run.storage = .float64
        run.writeDneck(path)
        let saved = ReadLimits.maxBytes
        defer { ReadLimits.maxBytes = saved }
        ReadLimits.maxBytes = 12 * 8 - 1   // one byte short of the first layer (6 × 2 float64 values)
        XCTAssertThrowsError(try RunReader(path: path).activations(epoch: 10, layer: 0)) { error in
            XCTAssertEqual("\(error)", "\(path): train/10/activations/0: declared shape [6, 2] needs 96 bytes, over the limit of 95 bytes per read")
        }
        ReadLimits.maxBytes = 12 * 8
        XCTAssertEqual(try RunReader(path: path).activations(epoch: 10, layer: 0).rows, 6)
        XCTAssertGreaterThan(saved, 1 << 28)
    }

    /// `.npy` headers whose shape is huge, overflowing or negative are refused, not allocated.
    func testNPYShapesAreCheckedBeforeUse() throws {
        func npy(_ shape: String, descr: String = "<i8", body: Int = 16) -> [UInt8] {
            var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
                + Array(header.utf8) + [UInt8](repeating: 1, count: body)
        }
        XCTAssertEqual(try NPYReader.integers(in: npy("(2,)"), file: "l.npy"), [0x0101_0101_0101_0101, 0x0101_0101_0101_0101])
        for (shape, fragment) in [("(2305843009213693952,)", "header says 2305843009213693952 values, file holds 2"),
                                  ("(9223372036854775807,)", "header says 9223372036854775807 values"),
                                  ("(-1,)", "negative length"),
                                  ("(99999999999999999999999,)", "must be a 1-D array"),
                                  ("(3, 4)", "must be a 1-D array")] {
            XCTAssertThrowsError(try NPYReader.integers(in: npy(shape), file: "l.npy"), shape) { error in
                XCTAssertTrue("\(error)".hasPrefix("l.npy: (npy): "), "\(error)")
                XCTAssertTrue("\(error)".contains(fragment), "«\(error)» lacks «\(fragment)»")
            }
        }
        XCTAssertThrowsError(try NPYReader.integers(in: npy("(2,)", descr: "<f8\nx"), file: "l.npy")) { error in
            XCTAssertEqual("\(error)", "l.npy: (npy): unsupported dtype '<f8\\nx'")
        }
    }
}
