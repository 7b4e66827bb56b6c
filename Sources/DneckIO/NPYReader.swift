import DneckCore
import Foundation

/// Reads a NumPy `.npy` file holding a 1-D integer array (class labels).
///
/// The format: the magic `\x93NUMPY`, a major and minor version byte, the header length
/// (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3), an ASCII Python dict
/// with `descr`, `fortran_order` and `shape`, then the raw values.
public enum NPYReader {
    /// The integers of the 1-D array in `path` (a regular file, read whole after checking its
    /// size against `ReadLimits`).
    public static func readIntegers(path: String) throws -> [Int64] {
        let input = try InputFile.open(path)
        defer { close(input.descriptor) }
        return try integers(in: input.readAll(path: path), file: path)
    }

    /// The integers of the 1-D array in the `.npy` content `bytes` (of `file`, for messages).
    /// Every size the header declares is checked, overflow included, before it is used.
    public static func integers(in bytes: [UInt8], file: String) throws -> [Int64] {
        let fail = { (detail: String) in DneckError.badLabels(file: file, path: "(npy)", detail: detail) }
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
        guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }),
              let shape = field("shape", in: header) else {
            throw fail("header lacks descr or shape")
        }
        if field("fortran_order", in: header) == "True" && shape.contains(",") && !shape.hasSuffix(",)") {
            throw fail("Fortran-ordered arrays are not supported")
        }
        let dims = shape.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 1, let count = Int(dims[0]) else {
            throw fail("labels must be a 1-D array, found shape \(shape)")
        }
        guard count >= 0 else { throw fail("shape \(shape) has a negative length") }
        let code = Array(descr)
        guard code.count >= 3, "<>|=".contains(code[0]), let width = Int(String(code[2...])) else {
            throw fail("unsupported dtype '\(descr)'")
        }
        let kind = code[1]
        guard kind == "i" || kind == "u" else {
            throw fail("labels must be integers, found dtype '\(descr)'")
        }
        guard [1, 2, 4, 8].contains(width) else { throw fail("unsupported dtype '\(descr)'") }
        let bigEndian = descr.first == ">"
        let body = headerStart + headerLength
        let available = (bytes.count - body) / width
        guard count <= available else {
            throw fail("truncated data: header says \(count) values, file holds \(available)")
        }
        try ReadLimits.check(bytes: count * MemoryLayout<Int64>.stride, file: file, path: "(npy)", shape: [count])
        return (0..<count).map { i in
            var raw: UInt64 = 0
            for b in 0..<width {
                let byte = UInt64(bytes[body + i * width + (bigEndian ? width - 1 - b : b)])
                raw |= byte << (8 * UInt64(b))
            }
            if kind == "i" && width < 8 && raw & (1 << UInt64(width * 8 - 1)) != 0 {
                raw |= ~((1 << UInt64(width * 8)) - 1)   // sign-extend
            }
            return Int64(bitPattern: raw)
        }
    }

    /// The text of `key`'s value in a Python dict literal (up to the next top-level comma).
    private static func field(_ key: String, in header: String) -> String? {
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
