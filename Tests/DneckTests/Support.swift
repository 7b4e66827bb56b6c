import CCairo
import CHDF5
import CHDF5Writing
import Foundation
import XCTest

/// Folders and files the tests share.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let exampleRun = packageRoot.appendingPathComponent("examples/harmonics_tanh_small.h5").path
    static let sharedRuns = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/runs")

    /// The Python the tests run (the shared trainer, the numpy reference scripts): Debian's,
    /// to which setup.sh gives numpy, scipy and h5py, else the first `python3` on the PATH.
    static let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

    /// A fresh empty folder.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dneck-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Reads a reference CSV of `epoch,layer,MI_XM,MI_YM` rows.
    static func readMeasures(_ url: URL) throws -> [(epoch: Int, layer: Int, ixm: Double, iym: Double)] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return (Int(f[0])!, Int(f[1])!, Double(f[2])!, Double(f[3])!)
        }
    }
}

/// Writes small HDF5 files through libhdf5 for reader tests.
final class H5Writer {
    let file: hid_t

    init(path: String) {
        H5open()
        file = H5Fcreate(path, dneck_h5f_acc_trunc(), dneck_h5p_default(), dneck_h5p_default())
        precondition(file >= 0)
    }

    func close() { H5Fclose(file) }

    func group(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(file, prefix, dneck_h5p_default()) <= 0 {
                H5Gclose(H5Gcreate2(file, prefix, dneck_h5p_default(), dneck_h5p_default(), dneck_h5p_default()))
            }
        }
    }

    /// A dataset of `values` with `shape`, stored as `storage`, contiguous unless `chunked`
    /// (chunks of at most 64 per dimension) or `gzip` (chunked and deflated).
    func dataset(_ path: String, shape: [Int], doubles values: [Double], storage: Storage = .float32,
                 gzip: Bool = false, chunked: Bool = false) {
        group(String(path.split(separator: "/").dropLast().joined(separator: "/")))
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil)
        let plist = H5Pcreate(dneck_h5p_dataset_create())
        if (gzip || chunked) && !shape.isEmpty && !shape.contains(0) {
            var chunk = dims.map { min($0, 64) }
            H5Pset_chunk(plist, Int32(shape.count), &chunk)
            if gzip { H5Pset_deflate(plist, 6) }
        }
        let did = H5Dcreate2(file, path, storage.fileType, space, dneck_h5p_default(), plist, dneck_h5p_default())
        precondition(did >= 0, "cannot create \(path)")
        if !values.isEmpty {
            if storage == .int64 {
                let ints = values.map { Int64($0) }
                _ = ints.withUnsafeBytes { H5Dwrite(did, dneck_h5t_native_int64(), dneck_h5s_all(), dneck_h5s_all(), dneck_h5p_default(), $0.baseAddress) }
            } else {
                _ = values.withUnsafeBytes { H5Dwrite(did, dneck_h5t_native_double(), dneck_h5s_all(), dneck_h5s_all(), dneck_h5p_default(), $0.baseAddress) }
            }
        }
        H5Dclose(did); H5Pclose(plist); H5Sclose(space)
    }

    enum Storage {
        case float32, float64, int64, float32BigEndian, float64BigEndian, float16, int32

        var fileType: hid_t {
            switch self {
            case .float32: return dneck_h5t_ieee_f32le()
            case .float64: return dneck_h5t_ieee_f64le()
            case .int64: return dneck_h5t_std_i64le()
            case .float32BigEndian: return dneck_h5t_ieee_f32be()
            case .float64BigEndian: return dneck_h5t_ieee_f64be()
            case .float16: return dneck_h5t_ieee_f16le()
            case .int32: return dneck_h5t_std_i32le()
            }
        }
    }

    /// A float32 dataset that declares `shape` and stores no values: contiguous (nothing
    /// allocated) or chunked with chunks of `chunk` (none written), as a sparse or corrupt file has.
    func declaredDataset(_ path: String, shape: [Int], chunk: [Int]? = nil) {
        group(String(path.split(separator: "/").dropLast().joined(separator: "/")))
        var dims = shape.map { hsize_t(truncatingIfNeeded: $0) }
        let space = H5Screate_simple(Int32(shape.count), &dims, nil)
        let plist = H5Pcreate(dneck_h5p_dataset_create())
        if var chunk = chunk?.map({ hsize_t($0) }) { H5Pset_chunk(plist, Int32(chunk.count), &chunk) }
        let did = H5Dcreate2(file, path, dneck_h5t_ieee_f32le(), space, dneck_h5p_default(), plist, dneck_h5p_default())
        precondition(did >= 0, "cannot create \(path)")
        H5Dclose(did); H5Pclose(plist); H5Sclose(space)
    }

    /// A float32 dataset of `shape` whose data lives in the external raw file `rawFile`.
    func externalStorageDataset(_ path: String, shape: [Int], rawFile: String) {
        group(String(path.split(separator: "/").dropLast().joined(separator: "/")))
        var dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(shape.count), &dims, nil)
        let plist = H5Pcreate(dneck_h5p_dataset_create())
        H5Pset_external(plist, rawFile, 0, hsize_t(shape.reduce(4, *)))
        let did = H5Dcreate2(file, path, dneck_h5t_ieee_f32le(), space, dneck_h5p_default(), plist, dneck_h5p_default())
        precondition(did >= 0, "cannot create \(path)")
        H5Dclose(did); H5Pclose(plist); H5Sclose(space)
    }

    /// An external link at `path` to `object` in `targetFile`.
    func externalLink(_ path: String, to targetFile: String, object: String) {
        group(String(path.split(separator: "/").dropLast().joined(separator: "/")))
        precondition(H5Lcreate_external(targetFile, object, file, path, dneck_h5p_default(), dneck_h5p_default()) >= 0)
    }

    /// A root attribute holding `values` as a 1-D array of variable-length (or, with
    /// `fixedLength`, fixed-length) strings.
    func stringArrayAttribute(_ name: String, _ values: [String], fixedLength: Int? = nil) {
        let type = H5Tcopy(dneck_h5t_c_s1())
        H5Tset_size(type, fixedLength ?? dneck_h5t_variable())
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        let aid = H5Acreate2(file, name, type, space, dneck_h5p_default(), dneck_h5p_default())
        if let fixedLength {
            var bytes = [CChar](repeating: 0, count: fixedLength * values.count)
            for (i, value) in values.enumerated() {
                for (j, c) in value.utf8CString.dropLast().prefix(fixedLength).enumerated() { bytes[i * fixedLength + j] = c }
            }
            _ = H5Awrite(aid, type, &bytes)
        } else {
            let cStrings = values.map { strdup($0) }
            var pointers = cStrings.map { UnsafePointer($0) }
            _ = H5Awrite(aid, type, &pointers)
            cStrings.forEach { free($0) }
        }
        H5Aclose(aid); H5Sclose(space); H5Tclose(type)
    }

    /// A root attribute holding `values` as a 1-D int64 array.
    func intArrayAttribute(_ name: String, _ values: [Int64]) {
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        let aid = H5Acreate2(file, name, dneck_h5t_std_i64le(), space, dneck_h5p_default(), dneck_h5p_default())
        var v = values
        _ = H5Awrite(aid, dneck_h5t_native_int64(), &v)
        H5Aclose(aid); H5Sclose(space)
    }

    /// A scalar float64 root attribute.
    func doubleAttribute(_ name: String, _ value: Double) {
        let space = H5Screate(H5S_SCALAR)
        let aid = H5Acreate2(file, name, dneck_h5t_ieee_f64le(), space, dneck_h5p_default(), dneck_h5p_default())
        var v = value
        _ = H5Awrite(aid, dneck_h5t_native_double(), &v)
        H5Aclose(aid); H5Sclose(space)
    }

    /// A scalar UTF-8 string root attribute, variable-length (as h5py writes) or fixed-length
    /// (which keeps the file free of a global heap).
    func stringAttribute(_ name: String, _ value: String, fixedLength: Bool = false) {
        let type = H5Tcopy(dneck_h5t_c_s1())
        H5Tset_size(type, fixedLength ? max(value.utf8.count, 1) : dneck_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        let aid = H5Acreate2(file, name, type, space, dneck_h5p_default(), dneck_h5p_default())
        value.withCString { cs in
            if fixedLength {
                _ = H5Awrite(aid, type, cs)
            } else {
                var pointer: UnsafePointer<CChar>? = cs
                _ = H5Awrite(aid, type, &pointer)
            }
        }
        H5Aclose(aid); H5Sclose(space); H5Tclose(type)
    }

    func intAttribute(_ name: String, _ value: Int64) {
        let space = H5Screate(H5S_SCALAR)
        let aid = H5Acreate2(file, name, dneck_h5t_std_i64le(), space, dneck_h5p_default(), dneck_h5p_default())
        var v = value
        _ = H5Awrite(aid, dneck_h5t_native_int64(), &v)
        H5Aclose(aid); H5Sclose(space)
    }
}

/// A synthetic run: per epoch, per layer, a `samples × units` matrix.
struct SyntheticRun {
    var labels: [Int]
    /// epoch → layers → row-major values (units inferred from count / samples).
    var epochs: [(epoch: Int, layers: [[Double]])]
    var units: [Int]
    var storage: H5Writer.Storage = .float32
    var gzip = false
    var accuracy = true
    /// String attributes fixed-length instead of variable-length.
    var fixedLengthStrings = false
    /// The root attribute `config`.
    var config = Config.text("{}")
    /// More datasets of every epoch group of both splits, float64: name inside the group (e.g.
    /// `gradmean`, `loss/training`) → shape ([] for a scalar) and values.
    var datasets: [String: (shape: [Int], values: [Double])] = [:]
    /// The root attribute `layer_names` (JSON text), none when nil.
    var layerNames: String?
    /// The splits whose epoch groups hold `datasets` (nil: every split).
    var datasetSplits: Set<String>?
    /// `<split>/label_probs` of both splits, float32 [samples, classes] (none when nil).
    var labelProbabilities: [[Double]]?

    /// What the root attribute `config` holds: a string (JSON or not) or an integer.
    enum Config { case text(String), integer(Int64) }
    /// Per layer, the gradient mean, gradient std and weight norm logged in every epoch (none when nil).
    var gradients: [Double]?

    /// Writes the dneck layout (both splits share the activations) to `path`.
    func writeDneck(_ path: String, skip: Set<String> = []) {
        let w = H5Writer(path: path)
        if !skip.contains("format") { w.stringAttribute("format", "dneck-run", fixedLength: fixedLengthStrings) }
        w.intAttribute("format_version", 1)
        switch config {
        case .text(let text): w.stringAttribute("config", text, fixedLength: fixedLengthStrings)
        case .integer(let value): w.intAttribute("config", value)
        }
        if let layerNames { w.stringAttribute("layer_names", layerNames, fixedLength: fixedLengthStrings) }
        for split in ["train", "test"] { writeSplit(w, root: split, skip: skip) }
        w.close()
    }

    /// Writes format_version 2 (docs/run-format-v2.md) to `path`: per split (both share the
    /// activations) `epochs`, chunked [epochs, samples, units] activations and, with `accuracy`,
    /// the split's accuracy per epoch.
    func writeV2(_ path: String) {
        let w = H5Writer(path: path)
        w.stringAttribute("format", "dneck-run", fixedLength: fixedLengthStrings)
        w.intAttribute("format_version", 2)
        let n = labels.count, count = epochs.count
        for split in ["train", "test"] {
            w.dataset("\(split)/labels", shape: [n], doubles: labels.map(Double.init), storage: .int64, chunked: true)
            w.dataset("\(split)/epochs", shape: [count], doubles: epochs.map { Double($0.epoch) }, storage: .int64, chunked: true)
            for (i, u) in units.enumerated() {
                w.dataset("\(split)/activations/\(i)", shape: [count, n, u], doubles: epochs.flatMap { $0.layers[i] }, storage: storage,
                          gzip: gzip, chunked: true)
            }
            if let rows = labelProbabilities {
                w.dataset("\(split)/label_probs", shape: [n, rows[0].count], doubles: rows.flatMap { $0 }, chunked: true)
            }
            if accuracy {
                w.dataset("\(split)/accuracy", shape: [count], doubles: epochs.map { (split == "train" ? 0.5 : 0.4) + Double($0.epoch) / 1000 },
                          storage: .float64, chunked: true)
            }
        }
        w.close()
    }

    /// Writes deep-bottleneck's per-split layout (epoch groups at the root) to `path`.
    func writeFlat(_ path: String) {
        let w = H5Writer(path: path)
        writeSplit(w, root: "", skip: ["labels"])
        w.close()
    }

    private func writeSplit(_ w: H5Writer, root: String, skip: Set<String>) {
        let n = labels.count
        w.group(root)
        if !skip.contains("labels") {
            w.dataset("\(root)/labels", shape: [n], doubles: labels.map(Double.init), storage: .int64)
        }
        if let rows = labelProbabilities {
            w.dataset("\(root)/label_probs", shape: [n, rows[0].count], doubles: rows.flatMap { $0 })
        }
        for (epoch, layers) in epochs {
            for (i, values) in layers.enumerated() {
                w.dataset("\(root)/\(epoch)/activations/\(i)", shape: [n, units[i]], doubles: values, storage: storage, gzip: gzip)
            }
            if accuracy {
                w.dataset("\(root)/\(epoch)/accuracy/training", shape: [], doubles: [0.5 + Double(epoch) / 1000], storage: .float64)
                w.dataset("\(root)/\(epoch)/accuracy/test", shape: [], doubles: [0.4 + Double(epoch) / 1000], storage: .float64)
            }
            let gradientDatasets = Dictionary(uniqueKeysWithValues: ["gradmean", "gradstd", "weights_norm"].compactMap { name in
                gradients.map { (name, (shape: [$0.count], values: $0)) }
            })
            for (name, dataset) in datasets.merging(gradientDatasets, uniquingKeysWith: { given, _ in given })
                where datasetSplits?.contains(root) ?? true {
                w.dataset("\(root)/\(epoch)/\(name)", shape: dataset.shape, doubles: dataset.values, storage: .float64)
            }
        }
    }
}

extension SyntheticRun {
    /// `samples` samples (three classes) with `units` per layer logged at `epochs`, each value
    /// a different number in −1...1.
    static func varied(epochs: [Int], units: [Int], samples: Int = 12) -> SyntheticRun {
        SyntheticRun(labels: (0..<samples).map { $0 % 3 },
                     epochs: epochs.map { e in (e, units.map { u in (0..<samples * u).map { sin(Double($0 * 7 + e) * 0.37) } }) },
                     units: units)
    }
}

/// Writes a 1-D int64 `.npy` file.
func writeNPY(_ values: [Int64], to path: String, descr: String = "<i8") {
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(values.count),), }"
    while (10 + header.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
    bytes += Array(header.utf8)
    for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// A decoded PNG: RGB of any pixel.
struct DecodedPNG {
    let width: Int
    let height: Int
    private let pixels: [UInt32]

    init(path: String) throws {
        guard let surface = cairo_image_surface_create_from_png(path), cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw NSError(domain: "png", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot decode \(path)"])
        }
        defer { cairo_surface_destroy(surface) }
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface)) / 4
        let data = UnsafeRawPointer(cairo_image_surface_get_data(surface)!).assumingMemoryBound(to: UInt32.self)
        var out = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { out[y * width + x] = data[y * stride + x] } }
        pixels = out
    }

    func rgb(_ x: Int, _ y: Int) -> (r: Int, g: Int, b: Int) {
        let v = pixels[y * width + x]
        return (Int(v >> 16 & 0xFF), Int(v >> 8 & 0xFF), Int(v & 0xFF))
    }
}

/// How a run of the built `dneck-plot` ended.
struct CLIResult {
    /// Exit status, or the signal number when `signaled`.
    var status: Int32
    var stderr: String
    var stdout: String
    /// It died of a signal (a crash, or the one the test sent).
    var signaled: Bool
    /// It was still running at the time limit and was killed.
    var timedOut: Bool
}

/// Runs the built `dneck-plot` with `arguments` (in `folder`), killed after `timeout` seconds;
/// with `limits`, under those shell limits (e.g. `ulimit -v 2097152`); with `signal`, that
/// signal is sent as soon as `when` is true (polled every 2 ms).
func runCLI(_ arguments: [String], in folder: URL? = nil, timeout: TimeInterval = 120, limits: String? = nil,
            signal: (number: Int32, when: () -> Bool)? = nil) throws -> CLIResult {
    try runProgram(productsFolder().appendingPathComponent("dneck-plot").path, arguments, in: folder, timeout: timeout,
                   limits: limits, signal: signal)
}

/// Runs `binary` with `arguments` as `runCLI` runs the tool, with `environment` added to this process's.
func runProgram(_ binary: String, _ arguments: [String], in folder: URL? = nil, timeout: TimeInterval = 120, limits: String? = nil,
                signal: (number: Int32, when: () -> Bool)? = nil, environment: [String: String] = [:]) throws -> CLIResult {
    let process = Process()
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let limits {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(limits) && exec \"$0\" \"$@\"", binary] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
    }
    if let folder { process.currentDirectoryURL = folder }
    let errorPipe = Pipe(), outputPipe = Pipe()
    process.standardError = errorPipe
    process.standardOutput = outputPipe
    let ended = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in ended.signal() }
    try process.run()
    let output = ResultBox<Data>(count: 2)
    let reader = DispatchGroup()
    for (i, pipe) in [errorPipe, outputPipe].enumerated() {
        DispatchQueue.global().async(group: reader) { output.set(i, .success(pipe.fileHandleForReading.readDataToEndOfFile())) }
    }
    if let signal {
        while true {
            if ended.wait(timeout: .now() + 0.002) == .success { ended.signal(); break }   // ended first
            if signal.when() { kill(process.processIdentifier, signal.number); break }
        }
    }
    let timedOut = ended.wait(timeout: .now() + timeout) == .timedOut
    if timedOut {
        kill(process.processIdentifier, SIGKILL)
        ended.wait()
    }
    reader.wait()
    return CLIResult(status: process.terminationStatus, stderr: String(decoding: try output.get(0), as: UTF8.self),
                     stdout: String(decoding: try output.get(1), as: UTF8.self), signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
}

/// Results filled in by concurrent workers.
final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<T, Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<T, Error>) { lock.lock(); values[i] = value; lock.unlock() }
    func get(_ i: Int) throws -> T { lock.lock(); defer { lock.unlock() }; return try values[i]!.get() }
}

/// The first of the programs `names` found on PATH, if any.
func onPath(_ names: [String]) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for name in names {
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
    }
    return nil
}

func productsFolder() -> URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
    }
    return Bundle.main.bundleURL
}
