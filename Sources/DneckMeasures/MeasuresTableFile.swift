import DneckCore
import DneckIO
import Foundation

/// A measures CSV read back (`--measures FILE`): the table one estimator made of one run's
/// split, as `dneck-plot measures` writes it, so that a figure can be drawn from a table made
/// before (or by another tool) without measuring the run again.
///
/// Read: `epoch`, `layer` and the value columns of the estimator's quantity (`MI_XM`, `MI_YM`,
/// or `HSIC_XM`, `HSIC_YM`; the generic `XM`, `YM` of a CSV of several estimators, whose
/// `estimator` column picks the rows), then `*_lower` and `*_se` when present and `states`.
/// Every other column (`layer_name`, the health flags) is ignored: the saturation flags are
/// worked out again from the ceilings, which for information in bits are log2 N and H(Y) of
/// the run's labels, as the estimators set them. A table of several runs (`run`) is refused.
public struct MeasuresTableFile {
    /// The largest table read: some 3 million rows.
    public static let maximumBytes = 256 << 20

    public let path: String
    /// The table, its epochs increasing, every layer of each.
    public let table: MeasureTable

    /// Reads `path` as the table of `estimator` (its quantity names the value columns) for a
    /// run of `layers` layers whose split has `labels`.
    public init(path: String, estimator: any MIEstimator, labels: [Int], layers: Int) throws {
        self.path = path
        let input = try InputFile.open(path)
        defer { close(input.descriptor) }
        guard input.size <= Self.maximumBytes else {
            throw DneckError.badShape(file: path, path: "/", detail: "a measures table is at most \(Self.maximumBytes >> 20) MiB, this one is \(input.size) bytes")
        }
        let descriptor = estimator.descriptor
        var lines = CSVLines(try input.readAll(path: path))
        guard let header = try lines.next(file: path) else { throw DneckError.emptyFile(file: path) }
        let columns = Columns(header.cells, prefix: descriptor.quantity.columnPrefix)
        if header.cells.contains("run") {
            throw DneckError.badShape(file: path, path: "line 1", detail: "a table of several runs (column run): give the table of one run")
        }
        for required in ["epoch", "layer", "XM", "YM"] where columns[required] == nil {
            let name = ["XM", "YM"].contains(required) ? descriptor.quantity.columnPrefix + required : required
            throw DneckError.missing(file: path, path: "line 1", what: "column \(name) (the header of a `dneck-plot measures` CSV of \(descriptor.name))")
        }
        let estimatorColumn = header.cells.firstIndex(of: "estimator")
        let ceilings = descriptor.quantity.bitsCeilings ? ClassCounts(labels) : nil
        var points: [InformationPoint] = []
        var seen = Set<[Int]>()
        while let line = try lines.next(file: path) {
            guard line.cells.count == header.cells.count else {
                throw DneckError.badShape(file: path, path: "line \(line.number)", detail: "\(line.cells.count) cells under a header of \(header.cells.count)")
            }
            if let estimatorColumn, line.cells[estimatorColumn] != descriptor.name { continue }
            let cell = { (name: String) -> (String, String)? in columns[name].map { (line.cells[$0], columns.names[$0]) } }
            func integer(_ name: String, in range: Range<Int>) throws -> Int {
                let (text, column) = cell(name)!
                guard let value = Int(text), range.contains(value) else {
                    throw DneckError.badShape(file: path, path: "line \(line.number), column \(column)",
                                              detail: "'\(text.prefix(40))' is not an integer from \(range.lowerBound) to \(range.upperBound - 1)")
                }
                return value
            }
            func number(_ name: String) throws -> Double? {
                guard let (text, column) = cell(name), !(text.isEmpty && name != "XM" && name != "YM") else { return nil }
                guard let value = Double(text), !value.isInfinite else {
                    throw DneckError.badShape(file: path, path: "line \(line.number), column \(column)", detail: "'\(text.prefix(40))' is not a number")
                }
                return value
            }
            let epoch = try integer("epoch", in: -1..<Int(Int32.max)), layer = try integer("layer", in: 0..<layers)
            guard seen.insert([epoch, layer]).inserted else {
                throw DneckError.badShape(file: path, path: "line \(line.number)", detail: "epoch \(epoch), layer \(layer) given twice")
            }
            let lower = (try number("XM_lower"), try number("YM_lower")), error = (try number("XM_se"), try number("YM_se"))
            var estimate = MIEstimate(ixm: try number("XM")!, iym: try number("YM")!, ceilingX: ceilings?.ceilingX, ceilingY: ceilings?.entropy)
            if let x = lower.0, let y = lower.1 { estimate.lowerBound = .init(ixm: x, iym: y) }
            if let x = error.0, let y = error.1 { estimate.standardError = .init(ixm: x, iym: y) }
            if columns["states"] != nil { estimate.states = Int(cell("states")!.0) }
            points.append(InformationPoint(epoch: epoch, layer: layer, estimate: estimate))
        }
        guard !points.isEmpty else {
            throw DneckError.missing(file: path, path: "/", what: "rows\(estimatorColumn == nil ? "" : " of estimator \(descriptor.name)")")
        }
        let byEpoch = Dictionary(grouping: points, by: \.epoch)
        if let (epoch, held) = byEpoch.first(where: { $0.value.count != layers }).map({ ($0.key, $0.value.count) }) {
            throw DneckError.badShape(file: path, path: "epoch \(epoch)", detail: "\(held) of the run's \(layers) layers: a table holds every layer of each epoch")
        }
        table = MeasureTable(points: points.sorted { ($0.epoch, $0.layer) < ($1.epoch, $1.layer) })
    }

    /// The rows of `epochs` (the run's epochs the command uses), after checking that every
    /// epoch of the table is one `reader`'s split logged. Throws when none is left.
    public func table(of reader: RunReader, epochs: [Int]) throws -> MeasureTable {
        let logged = Set(reader.epochs)
        if let stranger = table.epochs.first(where: { !logged.contains($0) }) {
            throw DneckError.badShape(file: path, path: "epoch \(stranger)",
                                      detail: "not an epoch of \(reader.file)'s \(reader.split.rawValue) split: a table goes with the run and split it was measured from")
        }
        let kept = Set(epochs)
        let rows = MeasureTable(points: table.points.filter { kept.contains($0.epoch) })
        guard !rows.points.isEmpty else {
            throw DneckError.missing(file: path, path: "/", what: "rows of the epochs chosen (\(epochs.count) epochs from \(epochs.first ?? 0))")
        }
        return rows
    }

    /// The value columns of a header by generic name (`XM` for `MI_XM`, or for `XM` itself).
    private struct Columns {
        let names: [String]
        private let index: [String: Int]

        init(_ names: [String], prefix: String) {
            self.names = names
            var index: [String: Int] = [:]
            for (i, name) in names.enumerated() {
                let generic = name.hasPrefix(prefix) && MeasureRows.valueColumns.contains(String(name.dropFirst(prefix.count)))
                    ? String(name.dropFirst(prefix.count)) : name
                if index[generic] == nil { index[generic] = i }
            }
            self.index = index
        }

        subscript(_ name: String) -> Int? { index[name] }
    }
}

/// The records of a CSV text, cells unquoted (RFC 4180: a quoted cell may hold commas, quotes
/// doubled and line breaks), `\r\n` or `\n` line ends, blank lines skipped.
struct CSVLines {
    struct Line {
        /// Its line number in the file (of its first line), from 1.
        let number: Int
        let cells: [String]
    }

    private let bytes: [UInt8]
    private var position = 0
    private var lineNumber = 1

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next record, nil at the end; throws on a quote left open or a cell that is not UTF-8.
    mutating func next(file: String) throws -> Line? {
        guard let raw = try nextCells(file: file) else { return nil }
        return Line(number: raw.number, cells: try raw.cells.map { cell in
            guard let text = String(validating: cell, as: UTF8.self) else {
                throw DneckError.badShape(file: file, path: "line \(raw.number)", detail: "not UTF-8 text: expected a measures CSV")
            }
            return text
        })
    }

    /// The next record's cells as bytes, with the number of its first line.
    private mutating func nextCells(file: String) throws -> (number: Int, cells: [[UInt8]])? {
        while position < bytes.count, bytes[position] == UInt8(ascii: "\n") || bytes[position] == UInt8(ascii: "\r") {
            if bytes[position] == UInt8(ascii: "\n") { lineNumber += 1 }
            position += 1
        }
        guard position < bytes.count else { return nil }
        let first = lineNumber
        var cells: [[UInt8]] = [], cell: [UInt8] = [], quoted = false, wasQuoted = false
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if position < bytes.count, bytes[position] == UInt8(ascii: "\"") { cell.append(byte); position += 1 } else { quoted = false }
                } else {
                    if byte == UInt8(ascii: "\n") { lineNumber += 1 }
                    cell.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\"") where cell.isEmpty && !wasQuoted: quoted = true; wasQuoted = true
            case UInt8(ascii: ","): cells.append(cell); cell = []; wasQuoted = false
            case UInt8(ascii: "\n"):
                lineNumber += 1
                cells.append(cell)
                return (first, cells)
            case UInt8(ascii: "\r"): break
            default: cell.append(byte)
            }
        }
        guard !quoted else { throw DneckError.badShape(file: file, path: "line \(first)", detail: "a quoted cell is never closed") }
        cells.append(cell)
        return (first, cells)
    }
}
