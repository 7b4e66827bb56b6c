import Foundation

/// Writes an artifact all at once or not at all: the content goes to a temporary file in the
/// target's folder, which is renamed onto the target only when it is complete. The temporary
/// file is removed on any failure and on SIGINT/SIGTERM.
public enum AtomicOutput {
    /// Runs `body` with a temporary path beside `target`, then renames it onto `target`.
    public static func write<T>(to target: URL, _ body: (URL) throws -> T) throws -> T {
        let folder = target.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw DneckError.unwritable(file: target.path, detail: "folder \(folder.path) does not exist")
        }
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDir), isDir.boolValue {
            throw DneckError.unwritable(file: target.path, detail: "it is a folder")
        }
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw DneckError.unwritable(file: target.path, detail: "folder \(folder.path) is not writable")
        }
        TemporaryFiles.shared.register(temporary.path)
        defer {
            unlink(temporary.path)
            TemporaryFiles.shared.unregister(temporary.path)
        }
        let result = try body(temporary)
        guard rename(temporary.path, target.path) == 0 else {
            throw DneckError.unwritable(file: target.path, detail: String(cString: strerror(errno)))
        }
        return result
    }

    /// Writes `text` to `target` atomically.
    public static func write(text: String, to target: URL) throws {
        try write(to: target) { temporary in
            do { try Data(text.utf8).write(to: temporary) } catch {
                throw DneckError.unwritable(file: target.path, detail: error.localizedDescription)
            }
        }
    }
}

/// The temporary files being written, removed by a signal handler when the user interrupts.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths: Set<String> = []

    func register(_ path: String) { lock.lock(); paths.insert(path); lock.unlock() }
    func unregister(_ path: String) { lock.lock(); paths.remove(path); lock.unlock() }

    /// Installs SIGINT/SIGTERM handlers that remove every registered temporary file and exit
    /// with the conventional status 128 + signal.
    public static func removeOnSignals() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                TemporaryFiles.shared.removeAll()
                _exit(128 + received)
            }
        }
    }

    private func removeAll() {
        // Runs in a signal handler: no lock (the interrupted thread may hold it), only unlink.
        for path in paths { unlink(path) }
    }
}
