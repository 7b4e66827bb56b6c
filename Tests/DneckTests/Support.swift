import CCairo
import CHDF5
import Foundation
import XCTest

/// Folders and files the tests share.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let exampleRun = packageRoot.appendingPathComponent("examples/harmonics_tanh_small.h5").path
    static let sharedRuns = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/runs")

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

    /// A dataset of `values` with `shape`, stored as float32 (or float64 / int64), optionally gzip-chunked.
    func dataset(_ path: String, shape: [Int], doubles values: [Double], storage: Storage = .float32, gzip: Bool = false) {
        group(String(path.split(separator: "/").dropLast().joined(separator: "/")))
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil)
        let plist = H5Pcreate(dneck_h5p_dataset_create())
        if gzip && !shape.isEmpty && !shape.contains(0) {
            var chunk = dims.map { min($0, 64) }
            H5Pset_chunk(plist, Int32(shape.count), &chunk)
            H5Pset_deflate(plist, 6)
        }
        let fileType: hid_t
        switch storage {
        case .float32: fileType = dneck_h5t_ieee_f32le()
        case .float64: fileType = dneck_h5t_ieee_f64le()
        case .int64: fileType = dneck_h5t_std_i64le()
        }
        let did = H5Dcreate2(file, path, fileType, space, dneck_h5p_default(), plist, dneck_h5p_default())
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

    enum Storage { case float32, float64, int64 }

    func stringAttribute(_ name: String, _ value: String) {
        let type = H5Tcopy(dneck_h5t_c_s1())
        H5Tset_size(type, dneck_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        let aid = H5Acreate2(file, name, type, space, dneck_h5p_default(), dneck_h5p_default())
        value.withCString { cs in
            var pointer: UnsafePointer<CChar>? = cs
            _ = H5Awrite(aid, type, &pointer)
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

    /// Writes the dneck layout (both splits share the activations) to `path`.
    func writeDneck(_ path: String, skip: Set<String> = []) {
        let w = H5Writer(path: path)
        if !skip.contains("format") { w.stringAttribute("format", "dneck-run") }
        w.intAttribute("format_version", 1)
        w.stringAttribute("config", "{}")
        for split in ["train", "test"] { writeSplit(w, root: split, skip: skip) }
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
        for (epoch, layers) in epochs {
            for (i, values) in layers.enumerated() {
                w.dataset("\(root)/\(epoch)/activations/\(i)", shape: [n, units[i]], doubles: values, storage: storage, gzip: gzip)
            }
            if accuracy {
                w.dataset("\(root)/\(epoch)/accuracy/training", shape: [], doubles: [0.5 + Double(epoch) / 1000], storage: .float64)
                w.dataset("\(root)/\(epoch)/accuracy/test", shape: [], doubles: [0.4 + Double(epoch) / 1000], storage: .float64)
            }
        }
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

/// Runs the built `dneck-plot` and returns its exit status and stderr.
func runCLI(_ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = productsFolder().appendingPathComponent("dneck-plot")
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let errorPipe = Pipe()
    process.standardError = errorPipe
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = errorPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func productsFolder() -> URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
    }
    return Bundle.main.bundleURL
}
