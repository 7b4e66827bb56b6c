/// Every failure a user can meet, as a typed value with a one-line message that names the
/// file, the path inside it (where there is one) and what is wrong.
public enum DneckError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist or is a folder.
    case notAFile(file: String)
    /// The file has zero bytes.
    case emptyFile(file: String)
    /// The file is not an HDF5 file (no HDF5 signature).
    case notHDF5(file: String)
    /// libhdf5 refused an operation; `detail` is the library's own message.
    case hdf5(file: String, path: String, detail: String)
    /// The file is HDF5 but neither a dneck run file nor a deep-bottleneck dump.
    case unknownLayout(file: String, detail: String)
    /// A group or dataset the command needs is not there.
    case missing(file: String, path: String, what: String)
    /// A dataset has the wrong rank, size or element type.
    case badShape(file: String, path: String, detail: String)
    /// A dataset holds NaN or ±Inf.
    case nonFinite(file: String, path: String, row: Int, column: Int, value: Double)
    /// Labels are missing, of the wrong shape or the wrong count.
    case badLabels(file: String, path: String, detail: String)
    /// An output could not be written.
    case unwritable(file: String, detail: String)
    /// A command-line value is invalid.
    case invalidOption(name: String, detail: String)
    /// Drawing an artifact failed inside the renderer.
    case render(file: String, detail: String)
    /// Encoding a movie failed inside libav*.
    case encode(file: String, detail: String)

    public var description: String {
        switch self {
        case .notAFile(let file): return "\(file): no such file"
        case .emptyFile(let file): return "\(file): file is empty (0 bytes)"
        case .notHDF5(let file): return "\(file): not an HDF5 file (no HDF5 signature)"
        case .hdf5(let file, let path, let detail): return "\(file): \(path): \(detail)"
        case .unknownLayout(let file, let detail): return "\(file): /: not a dneck run file nor a deep-bottleneck dump (\(detail))"
        case .missing(let file, let path, let what): return "\(file): \(path): missing \(what)"
        case .badShape(let file, let path, let detail): return "\(file): \(path): \(detail)"
        case .nonFinite(let file, let path, let row, let column, let value):
            return "\(file): \(path): contains \(value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")) at row \(row), column \(column)"
        case .badLabels(let file, let path, let detail): return "\(file): \(path): \(detail)"
        case .unwritable(let file, let detail): return "\(file): cannot write output (\(detail))"
        case .invalidOption(let name, let detail): return "\(name): \(detail)"
        case .render(let file, let detail): return "\(file): rendering failed (\(detail))"
        case .encode(let file, let detail): return "\(file): encoding failed (\(detail))"
        }
    }
}
