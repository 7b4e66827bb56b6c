import CCrypto
import DneckCore
import Foundation

/// The SHA-256 of a file (libcrypto), read in 1 MiB pieces.
public enum FileDigest {
    /// The lowercase hexadecimal SHA-256 of the file at `path` and its size in bytes.
    public static func sha256(of path: String) throws -> (hex: String, size: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DneckError.unreadable(file: path, detail: "cannot open it to hash it")
        }
        defer { try? handle.close() }
        guard let context = EVP_MD_CTX_new() else { throw DneckError.unreadable(file: path, detail: "libcrypto: no digest context") }
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        var size = 0
        while true {
            let piece: Data
            do { piece = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw DneckError.unreadable(file: path, detail: "read failed while hashing: \(error.localizedDescription)")
            }
            if piece.isEmpty { break }
            size += piece.count
            _ = piece.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, piece.count) }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return (digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined(), size)
    }
}
