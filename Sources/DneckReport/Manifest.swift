import DneckCore
import Foundation

/// `manifest.json`: what made a folder of artifacts and what each file is, with keys sorted
/// and no timestamps, so that the same inputs and options give the same bytes.
public struct Manifest: Sendable {
    /// The version of dneck-plot written into every manifest.
    public static let toolVersion = "0.1.0"

    /// One file of the folder (or an input), hashed.
    public struct Entry: Sendable {
        public var name: String
        /// Relative to the folder (artifacts) or the file name (inputs).
        public var path: String
        public var kind: String
        public var split: String?
        public var sha256: String
        public var size: Int

        /// `path` in `folder`, hashed now.
        public static func hashing(_ path: String, in folder: URL, name: String, kind: String, split: String?) throws -> Entry {
            let (hex, size) = try FileDigest.sha256(of: folder.appendingPathComponent(path).path)
            return Entry(name: name, path: path, kind: kind, split: split, sha256: hex, size: size)
        }

        /// The input file `path`, hashed now, named by its file name (not its folder, so the
        /// manifest does not depend on where the run lies).
        public static func input(_ path: String) throws -> Entry {
            let (hex, size) = try FileDigest.sha256(of: path)
            let name = URL(fileURLWithPath: path).lastPathComponent
            return Entry(name: name, path: name, kind: "run", split: nil, sha256: hex, size: size)
        }

        var json: [String: Any] {
            var object: [String: Any] = ["name": name, "path": path, "kind": kind, "sha256": sha256, "size": size]
            if let split { object["split"] = split }
            return object
        }
    }

    public var inputs: [Entry] = []
    /// Every option as the command resolved it, by its command-line name.
    public var options: [String: String] = [:]
    public var artifacts: [Entry] = []
    /// The artifacts that failed, by file name, with the reason.
    public var failures: [String: String] = [:]

    public init() {}

    /// The JSON text: sorted keys, two-space indentation, a final newline.
    public func json() -> String {
        let object: [String: Any] = [
            "tool": ["name": "dneck-plot", "version": Self.toolVersion],
            "inputs": inputs.map { $0.json }, "options": options,
            "artifacts": artifacts.map { $0.json }, "failures": failures,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
