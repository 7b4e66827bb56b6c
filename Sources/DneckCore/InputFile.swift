import Foundation

/// An input opened for reading after checking that it is a regular file: a FIFO is never
/// waited on (opened non-blocking, then refused), a device or folder never read. Every input
/// opened this way is remembered so that no output replaces it (see `AtomicOutput`).
public struct InputFile: Sendable {
    /// An open descriptor of the file; the caller closes it.
    public let descriptor: Int32
    /// The file's size in bytes when it was opened.
    public let size: Int

    /// Opens `path` read-only, or throws the cause in the user's terms: no such file, permission
    /// denied, not a regular file.
    public static func open(_ path: String) throws -> InputFile {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw DneckError.notAFile(file: path)
            case EACCES, EPERM: throw DneckError.unreadable(file: path, detail: "permission denied")
            default: throw DneckError.unreadable(file: path, detail: String(cString: strerror(errno)))
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let detail = String(cString: strerror(errno))
            close(fd)
            throw DneckError.unreadable(file: path, detail: detail)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw DneckError.notRegularFile(file: path, kind: FileKind(mode: info.st_mode).description)
        }
        // Reads block normally from here on (O_NONBLOCK only kept a FIFO from stalling the open).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        InputFiles.shared.register(path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        return InputFile(descriptor: fd, size: Int(info.st_size))
    }

    /// Every byte of the file, after checking its size against `ReadLimits.maxBytes`.
    public func readAll(path: String) throws -> [UInt8] {
        try ReadLimits.check(bytes: size, file: path, path: "(file)", shape: [size])
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DneckError.unreadable(file: path, detail: n == 0 ? "file shrank while reading" : String(cString: strerror(errno)))
            }
            done += n
        }
        return bytes
    }
}

/// The kind of a file system object, as messages name it.
public enum FileKind: Sendable, CustomStringConvertible {
    case regular, directory, fifo, characterDevice, blockDevice, socket, symbolicLink, other

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }

    public var description: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a folder"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .symbolicLink: return "a symbolic link"
        case .other: return "a special file"
        }
    }
}

/// The inputs the process has opened: an output must never be one of them.
public final class InputFiles: @unchecked Sendable {
    public static let shared = InputFiles()
    private let lock = NSLock()
    private var files: [(path: String, device: UInt64, inode: UInt64)] = []

    /// Records an input by its device and inode (and the path the user gave, for messages).
    public func register(path: String, device: UInt64, inode: UInt64) {
        lock.lock(); defer { lock.unlock() }
        guard live(device: device, inode: inode) == nil else { return }
        files.append((path, device, inode))
    }

    /// The path of the input that is the file `device`/`inode`, if any: one whose path still
    /// names that file (an input since deleted may have left its inode number to a new file).
    public func input(device: UInt64, inode: UInt64) -> String? {
        lock.lock(); defer { lock.unlock() }
        return live(device: device, inode: inode)
    }

    /// The registered path that still names the file `device`/`inode` (the lock held).
    private func live(device: UInt64, inode: UInt64) -> String? {
        files.first { file in
            var info = stat()
            return file.device == device && file.inode == inode && stat(file.path, &info) == 0
                && UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
        }?.path
    }
}

/// How much memory one read may take. A dataset or file whose declared size is over the limit
/// is refused before anything is allocated.
public enum ReadLimits {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var limit = defaultMaxBytes

    /// The most bytes one dataset (or one labels file) may take once read. Default: an eighth
    /// of the memory the process may use (physical memory, or the cgroup's limit when lower):
    /// two workers each hold a layer, a float32 layer is also widened to float64 in places, and
    /// the figures need their own memory.
    public static var maxBytes: Int {
        get { lock.lock(); defer { lock.unlock() }; return limit }
        set { lock.lock(); limit = max(newValue, 1); lock.unlock() }
    }

    /// An eighth of the usable memory.
    public static var defaultMaxBytes: Int {
        var usable = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let cgroup = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), cgroup > 0 {
            usable = min(usable, cgroup)
        }
        return max(usable / 8, 1 << 20)
    }

    /// Caps the process's address space (the soft `RLIMIT_AS`) at `bytes`, by default twice
    /// `maxBytes` plus 2 GiB (two layers being read, plus figures, libraries and stacks), never
    /// above the hard limit. The readers check every size they allocate from; this bounds what
    /// libhdf5 allocates inside itself from a corrupt file's metadata (libhdf5 1.10.8 loops
    /// allocating over a local heap's corrupt free list): that allocation then fails and becomes
    /// the library's "memory allocation failed" error instead of taking the machine's memory.
    public static func capAddressSpace(_ bytes: Int? = nil) {
        let (doubled, overflow) = maxBytes.multipliedReportingOverflow(by: 2)
        let cap = bytes ?? (overflow ? Int.max : doubled).addingReportingOverflow(2 << 30).partialValue
        var limit = rlimit()
        guard getrlimit(RLIMIT_AS_RESOURCE, &limit) == 0 else { return }
        limit.rlim_cur = min(rlim_t(max(cap, 1 << 30)), limit.rlim_max)
        setrlimit(RLIMIT_AS_RESOURCE, &limit)
    }

    /// The soft address-space limit of the process (`rlim_t.max`: none).
    public static var addressSpaceCap: rlim_t {
        var limit = rlimit()
        return getrlimit(RLIMIT_AS_RESOURCE, &limit) == 0 ? limit.rlim_cur : rlim_t.max
    }

    /// `RLIMIT_AS`, which Glibc imports as an enum case.
    private static let RLIMIT_AS_RESOURCE = __rlimit_resource_t(RLIMIT_AS.rawValue)

    /// The number of elements of `shape`, or nil when a dimension is negative or the product
    /// overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// The bytes of `shape` elements of `elementSize` bytes, or nil on overflow.
    public static func byteCount(_ shape: [Int], elementSize: Int) -> Int? {
        guard let count = elementCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        return overflow ? nil : bytes
    }

    /// Throws `tooLarge` when `bytes` (nil: too large to count) exceed `maxBytes`.
    public static func check(bytes: Int?, file: String, path: String, shape: [Int]) throws {
        let limit = maxBytes
        guard let bytes, bytes <= limit else {
            throw DneckError.tooLarge(file: file, path: path, shape: shape, bytes: bytes, limit: limit)
        }
    }
}
