/// Every failure a user can meet, as a typed value with a one-line message that names the
/// file, the path inside it (where there is one) and what is wrong.
public enum DneckError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case notAFile(file: String)
    /// The path is a folder, FIFO, device or socket; `kind` names which ("a FIFO").
    case notRegularFile(file: String, kind: String)
    /// The file exists but cannot be read (`detail`: "permission denied", or the system's reason).
    case unreadable(file: String, detail: String)
    /// The file has zero bytes.
    case emptyFile(file: String)
    /// The file is not an HDF5 file (no HDF5 signature).
    case notHDF5(file: String)
    /// libhdf5 refused an operation; `detail` is the library's own message.
    case hdf5(file: String, path: String, detail: String)
    /// Another process holds the file open for writing without SWMR (libhdf5's file lock).
    case lockedByWriter(file: String)
    /// The file is HDF5 but neither a dneck run file nor a deep-bottleneck dump.
    case unknownLayout(file: String, detail: String)
    /// A group or dataset the command needs is not there.
    case missing(file: String, path: String, what: String)
    /// A dataset has the wrong rank, size or element type.
    case badShape(file: String, path: String, detail: String)
    /// A dataset (or file) declares more than the memory limit allows, or more than can be
    /// counted (`bytes` nil); refused before allocating.
    case tooLarge(file: String, path: String, shape: [Int], bytes: Int?, limit: Int)
    /// A link or storage that leads out of the file (external link, external storage, virtual dataset).
    case linkOutOfFile(file: String, path: String, detail: String)
    /// A dataset holds NaN or ±Inf: at `cell` of a matrix, or as its one value (`cell` nil).
    case nonFinite(file: String, path: String, cell: Cell?, value: Double)
    /// Labels are missing, of the wrong shape or the wrong count.
    case badLabels(file: String, path: String, detail: String)
    /// A deep-bottleneck dump holds one split, `holds` (its name says which), and `--split`
    /// asked for the other.
    case splitContradicted(file: String, holds: Split, asked: Split)
    /// The runs of one command are of different splits: `file` of `split`, `other` of `otherSplit`.
    case mixedSplits(file: String, split: Split, other: String, otherSplit: Split)
    /// An output could not be written.
    case unwritable(file: String, detail: String)
    /// A command-line value is invalid.
    case invalidOption(name: String, detail: String)
    /// Drawing an artifact failed inside the renderer.
    case render(file: String, detail: String)
    /// Encoding a movie failed inside libav*.
    case encode(file: String, detail: String)
    /// A chart has nothing of the run to draw; `reason` says why.
    case nothingToDraw(file: String, chart: String, reason: String)

    /// A row and a column of a matrix.
    public struct Cell: Equatable, Sendable {
        public let row: Int
        public let column: Int
        public init(row: Int, column: Int) { self.row = row; self.column = column }
    }

    /// The message, on one line: control characters in what it quotes (a newline in a file name,
    /// an attribute value or a dtype) are escaped.
    /// The dataset inside the file that holds what is wrong with its values: NaN or ±Inf, a
    /// wrong shape, or a read libhdf5 refused (nil for the other errors).
    public var datasetPath: String? {
        switch self {
        case .nonFinite(_, let path, _, _), .badShape(_, let path, _), .hdf5(_, let path, _): return path
        default: return nil
        }
    }

    /// This error told of the artifact `file` where drawing or encoding named only a stand-in
    /// (`(raster)`, `(frame)`) or the temporary file the artifact is written to.
    public func naming(_ file: String) -> DneckError {
        switch self {
        case .render(_, let detail): return .render(file: file, detail: detail)
        case .encode(_, let detail): return .encode(file: file, detail: detail)
        default: return self
        }
    }

    /// This error told of the dataset shown as `path` (e.g. one epoch's rows of the dataset it named).
    public func at(dataset path: String) -> DneckError {
        switch self {
        case .badShape(let file, _, let detail): return .badShape(file: file, path: path, detail: detail)
        case .hdf5(let file, _, let detail): return .hdf5(file: file, path: path, detail: detail)
        default: return self
        }
    }

    public var description: String {
        DneckError.escapingControlCharacters(message)
    }

    private var message: String {
        switch self {
        case .notAFile(let file): return "\(file): no such file"
        case .notRegularFile(let file, let kind): return "\(file): is \(kind), not a regular file"
        case .unreadable(let file, let detail): return "\(file): cannot read (\(detail))"
        case .tooLarge(let file, let path, let shape, let bytes, let limit):
            let size = bytes.map { "needs \(DneckError.byteText($0))" } ?? "is too large to count"
            return "\(file): \(path): declared shape \(shape) \(size), over the limit of \(DneckError.byteText(limit)) per read"
        case .linkOutOfFile(let file, let path, let detail): return "\(file): \(path): \(detail) (links out of the file are refused)"
        case .emptyFile(let file): return "\(file): file is empty (0 bytes)"
        case .notHDF5(let file): return "\(file): not an HDF5 file (no HDF5 signature)"
        case .hdf5(let file, let path, let detail): return "\(file): \(path): \(detail)"
        case .lockedByWriter(let file):
            return "\(file): locked by a process writing it without SWMR: the writer must open it in SWMR mode (as the dneck Python package does) or close it; on NFS set HDF5_USE_FILE_LOCKING=FALSE and have the writer close the file after each epoch"
        case .unknownLayout(let file, let detail): return "\(file): /: not a dneck run file nor a deep-bottleneck dump (\(detail))"
        case .missing(let file, let path, let what): return "\(file): \(path): missing \(what)"
        case .badShape(let file, let path, let detail): return "\(file): \(path): \(detail)"
        case .nonFinite(let file, let path, let cell, let value):
            let position = cell.map { " at row \($0.row), column \($0.column)" } ?? ""
            return "\(file): \(path): contains \(value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf"))\(position)"
        case .badLabels(let file, let path, let detail): return "\(file): \(path): \(detail)"
        case .splitContradicted(let file, let holds, let asked):
            return "\(file): the dump holds the \(holds.rawValue) split (its name says so); --split \(asked.rawValue) contradicts it"
        case .mixedSplits(let file, let split, let other, let otherSplit):
            return "\(file): reads the \(split.rawValue) split but \(other) the \(otherSplit.rawValue) split: give runs of one split (a dump is the split its name says)"
        case .unwritable(let file, let detail): return "\(file): cannot write output (\(detail))"
        case .invalidOption(let name, let detail): return "\(name): \(detail)"
        case .render(let file, let detail): return "\(file): rendering failed (\(detail))"
        case .encode(let file, let detail): return "\(file): encoding failed (\(detail))"
        case .nothingToDraw(let file, let chart, let reason): return "\(file): \(chart): nothing to draw (\(reason))"
        }
    }

    /// `text` with newlines, tabs and other control characters written as `\\n`, `\\t`, `\\u{1B}`.
    static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A byte count for messages: "5.8 GB", "12 kB" (decimal units, as `ls -lh --si`).
    static func byteText(_ bytes: Int) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
