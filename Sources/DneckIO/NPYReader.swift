import DneckCore
import Foundation

/// Reads NumPy `.npy` files: a 1-D integer array (class labels) or a 2-D float array (the
/// inputs X of a deep-bottleneck dump).
///
/// The format: the magic `\x93NUMPY`, a major and minor version byte, the header length
/// (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3), an ASCII Python dict
/// with `descr`, `fortran_order` and `shape`, then the raw values.
public enum NPYReader {
    /// The integers of the 1-D array in `path` (a regular file, read whole after checking its
    /// size against `ReadLimits`).
    public static func readIntegers(path: String) throws -> [Int64] {
        try integers(in: readFile(path), file: path)
    }

    /// The values of the 2-D float32 or float64 array in `path`, row-major, in their stored
    /// precision, with its shape [rows, columns].
    public static func readFloatMatrix(path: String) throws -> (shape: [Int], values: Matrix.Storage) {
        try floatMatrix(in: readFile(path), file: path)
    }

    /// The integers of the 1-D array in the `.npy` content `bytes` (of `file`, for messages).
    /// Every size the header declares is checked, overflow included, before it is used.
    public static func integers(in bytes: [UInt8], file: String) throws -> [Int64] {
        let fail = { (detail: String) in DneckError.badLabels(file: file, path: "(npy)", detail: detail) }
        let header = try Header(bytes, fail: fail)
        guard let dims = header.dims, dims.count == 1 else { throw fail("labels must be a 1-D array, found shape \(header.shapeText)") }
        guard header.kind == "i" || header.kind == "u" else {
            throw fail("labels must be integers, found dtype '\(header.descr)'")
        }
        guard [1, 2, 4, 8].contains(header.width) else { throw fail("unsupported dtype '\(header.descr)'") }
        let count = dims[0], width = header.width, kind = header.kind
        try header.checkData(bytes, count: count, memoryStride: MemoryLayout<Int64>.stride, file: file, fail: fail)
        return (0..<count).map { i in
            var raw = header.word(bytes, index: i)
            if kind == "i" && width < 8 && raw & (1 << UInt64(width * 8 - 1)) != 0 {
                raw |= ~((1 << UInt64(width * 8)) - 1)   // sign-extend
            }
            return Int64(bitPattern: raw)
        }
    }

    /// The 2-D float32 or float64 array in the `.npy` content `bytes` (of `file`, for messages),
    /// checked as `integers(in:file:)` checks its array.
    public static func floatMatrix(in bytes: [UInt8], file: String) throws -> (shape: [Int], values: Matrix.Storage) {
        let fail = { (detail: String) in DneckError.badShape(file: file, path: "(npy)", detail: detail) }
        let header = try Header(bytes, fail: fail)
        guard let dims = header.dims, dims.count == 2 else { throw fail("inputs must be a 2-D array, found shape \(header.shapeText)") }
        guard header.kind == "f", [4, 8].contains(header.width) else {
            throw fail("inputs must be float32 or float64, found dtype '\(header.descr)'")
        }
        let (count, overflow) = dims[0].multipliedReportingOverflow(by: dims[1])
        guard !overflow else { throw fail("shape \(header.shapeText) is too large to count") }
        try header.checkData(bytes, count: count, memoryStride: header.width, file: file, fail: fail)
        if header.width == 4 {
            return (dims, .float32((0..<count).map { Float(bitPattern: UInt32(truncatingIfNeeded: header.word(bytes, index: $0))) }))
        }
        return (dims, .float64((0..<count).map { Double(bitPattern: header.word(bytes, index: $0)) }))
    }

    /// The whole of the regular file `path`, its size checked against `ReadLimits`.
    private static func readFile(_ path: String) throws -> [UInt8] {
        let input = try InputFile.open(path)
        defer { close(input.descriptor) }
        return try input.readAll(path: path)
    }

    /// The parsed header of an `.npy` file: dtype, shape and where the values start.
    private struct Header {
        let descr: String
        /// The dtype's kind character: `i`, `u`, `f`, …
        let kind: Character
        /// Bytes per value.
        let width: Int
        let bigEndian: Bool
        /// The shape's lengths, each non-negative; nil when one is not a number Swift can hold.
        let dims: [Int]?
        let shapeText: String
        /// Offset of the first value.
        let body: Int

        init(_ bytes: [UInt8], fail: (String) -> DneckError) throws {
            guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
                throw fail("not a NumPy .npy file (bad magic)")
            }
            let major = bytes[6]
            let headerStart: Int
            let headerLength: Int
            switch major {
            case 1:
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
                headerStart = 10
            case 2, 3:
                guard bytes.count >= 12 else { throw fail("truncated header") }
                headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
                headerStart = 12
            default:
                throw fail("unsupported .npy version \(major)")
            }
            guard bytes.count - headerStart >= headerLength,
                  let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8) else {
                throw fail("truncated header")
            }
            guard let descr = Header.field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }),
                  let shape = Header.field("shape", in: header) else {
                throw fail("header lacks descr or shape")
            }
            if Header.field("fortran_order", in: header) == "True" && shape.contains(",") && !shape.hasSuffix(",)") {
                throw fail("Fortran-ordered arrays are not supported")
            }
            let texts = shape.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let parsed = texts.compactMap { Int($0) }
            let dims = parsed.count == texts.count ? parsed : nil
            guard parsed.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(shape) has a negative length") }
            let code = Array(descr)
            guard code.count >= 3, "<>|=".contains(code[0]), let width = Int(String(code[2...])), width > 0 else {
                throw fail("unsupported dtype '\(descr)'")
            }
            self.descr = descr
            kind = code[1]
            self.width = width
            bigEndian = descr.first == ">"
            self.dims = dims
            shapeText = shape
            body = headerStart + headerLength
        }

        /// Checks that `bytes` hold `count` values and that `count` values of `memoryStride`
        /// bytes each fit the read limit.
        func checkData(_ bytes: [UInt8], count: Int, memoryStride: Int, file: String, fail: (String) -> DneckError) throws {
            let available = (bytes.count - body) / width
            guard count <= available else {
                throw fail("truncated data: header says \(count) values, file holds \(available)")
            }
            try ReadLimits.check(bytes: count * memoryStride, file: file, path: "(npy)", shape: dims ?? [])
        }

        /// The bits of value `index` (at most 8 bytes), in the file's byte order.
        func word(_ bytes: [UInt8], index i: Int) -> UInt64 {
            var raw: UInt64 = 0
            for b in 0..<width {
                let byte = UInt64(bytes[body + i * width + (bigEndian ? width - 1 - b : b)])
                raw |= byte << (8 * UInt64(b))
            }
            return raw
        }

        /// The text of `key`'s value in a Python dict literal (up to the next top-level comma).
        static func field(_ key: String, in header: String) -> String? {
            guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
            var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
            var depth = 0
            var value = ""
            while let c = rest.first {
                if c == "(" { depth += 1 }
                if c == ")" { depth -= 1 }
                if (c == "," && depth == 0) || c == "}" { break }
                value.append(c)
                rest = rest.dropFirst()
            }
            return value.trimmingCharacters(in: .whitespaces)
        }
    }
}
