import Foundation

/// Writes an artifact all at once or not at all: the content goes to a temporary file in the
/// target's folder, which is renamed onto the target only when it is complete. The temporary
/// file is removed on any failure and on SIGINT, SIGTERM and SIGHUP. A target that is one of
/// the inputs (`InputFiles`), or that exists and is not a regular file, is refused.
public enum AtomicOutput {
    /// Runs `body` with a temporary path beside `target`, then renames it onto `target`.
    public static func write<T>(to target: URL, _ body: (URL) throws -> T) throws -> T {
        let folder = target.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw DneckError.unwritable(file: target.path, detail: "folder \(folder.path) does not exist")
        }
        try checkReplaceable(target)
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        // Registered before it exists: a signal arriving as it is created still removes it.
        let slot = TemporaryFiles.shared.register(temporary.path)
        defer {
            unlink(temporary.path)
            TemporaryFiles.shared.unregister(slot)
        }
        let created = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard created >= 0 else {
            throw DneckError.unwritable(file: target.path, detail: "folder \(folder.path) is not writable")
        }
        close(created)
        let result = try body(temporary)
        // The target may have appeared (or been replaced) while the artifact was made.
        try checkReplaceable(target)
        guard rename(temporary.path, target.path) == 0 else {
            throw DneckError.unwritable(file: target.path, detail: String(cString: strerror(errno)))
        }
        return result
    }

    /// Writes `text` to `target` atomically.
    public static func write(text: String, to target: URL) throws {
        try write(bytes: Array(text.utf8), to: target)
    }

    /// Writes `bytes` to `target` atomically; a failed or short write (a full disk, a file size
    /// limit) is an error and leaves nothing.
    public static func write(bytes: [UInt8], to target: URL) throws {
        try write(to: target) { temporary in try writeAll(bytes, to: temporary, reportingAs: target) }
    }

    /// Writes `bytes` to the file `url` (created or truncated; inside `write(to:)`, the
    /// temporary), checking every `write`; errors name `target`.
    public static func writeAll(_ bytes: [UInt8], to url: URL, reportingAs target: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DneckError.unwritable(file: target.path, detail: String(cString: strerror(errno))) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let detail = n == 0 ? "short write" : String(cString: strerror(errno))
                close(fd)
                throw DneckError.unwritable(file: target.path, detail: detail)
            }
            done += n
        }
        guard close(fd) == 0 else { throw DneckError.unwritable(file: target.path, detail: String(cString: strerror(errno))) }
    }

    /// Throws unless `target` is absent or a regular file that no input of this process is
    /// (same device and inode: through symbolic and hard links alike).
    static func checkReplaceable(_ target: URL) throws {
        var info = stat()
        guard stat(target.path, &info) == 0 else { return }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular else {
            throw DneckError.unwritable(file: target.path, detail: "it is \(kind), not a regular file")
        }
        if let input = InputFiles.shared.input(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) {
            throw DneckError.unwritable(file: target.path, detail: "it is the input \(input)")
        }
    }
}

/// The temporary files being written, removed by a signal handler when the user interrupts.
/// The paths live in a fixed table of C strings so that the handler only reads memory and calls
/// `unlink` (both safe in a signal handler). A slot's string is never freed (a handler on
/// another thread may be reading it): a few bytes per artifact.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    /// Artifacts written at once at most (charts write five).
    private static let capacity = 64
    private let lock = NSLock()
    private let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    /// Set (to 1) by the signal handler: a plain word, written and read without a lock.
    fileprivate let exiting = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)

    private init() {
        slots.initialize(repeating: nil, count: Self.capacity)
        exiting.initialize(to: 0)
    }

    /// Records `path`; returns its slot for `unregister` (nil when the table is full: the file
    /// is then still removed on failure, only not on a signal).
    func register(_ path: String) -> Int? {
        // Once a signal is being handled no new temporary file is begun: this thread waits
        // for the process to end.
        while exiting.pointee != 0 { usleep(1_000) }
        lock.lock(); defer { lock.unlock() }
        guard let slot = (0..<Self.capacity).first(where: { slots[$0] == nil }) else { return nil }
        slots[slot] = strdup(path)
        return slot
    }

    func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.lock(); defer { lock.unlock() }
        slots[slot] = nil
    }

    /// Installs SIGINT, SIGTERM and SIGHUP handlers that remove every registered temporary file
    /// and exit with the conventional status 128 + signal.
    public static func removeOnSignals() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { received in
                // No new temporary file from here; one another thread was creating as the
                // signal came is removed by the second sweep, after it had time to appear.
                TemporaryFiles.shared.exiting.pointee = 1
                TemporaryFiles.shared.removeAll()
                var pause = timespec(tv_sec: 0, tv_nsec: 30_000_000)
                nanosleep(&pause, nil)
                TemporaryFiles.shared.removeAll()
                _exit(128 + received)
            }
        }
    }

    private func removeAll() {
        // Runs in a signal handler: no lock (the interrupted thread may hold it), only unlink.
        for slot in 0..<Self.capacity { if let path = slots[slot] { unlink(path) } }
    }
}
