import CHDF5
import DneckCore
import Foundation

/// A read-only HDF5 file. Every libhdf5 call of the process goes through `HDF5File.lock` (the
/// library serialises its calls anyway; holding one lock over a sequence of calls keeps its
/// per-thread error stack ours until the message is read); failures become `DneckError`s
/// carrying the library's own message.
public final class HDF5File: @unchecked Sendable {
    /// Serialises every libhdf5 call.
    public static let lock = NSRecursiveLock()

    /// The path as the user gave it, used in messages.
    public let displayName: String
    private let id: hid_t
    /// The file opened again for direct reads of contiguous datasets.
    private let descriptor: Int32
    /// The file's size in bytes: no dataset's data may end beyond it.
    private let fileSize: UInt64
    /// Bytes before the HDF5 superblock (dataset addresses count from there).
    private let userBlock: UInt64
    /// Read plans of the datasets read so far: a second pass over a run goes straight to
    /// `pread` without asking libhdf5 again. Guarded by `plansLock`, not by libhdf5's lock, so
    /// finding a plan never waits for another thread's libhdf5 call.
    private var plans: [String: ReadPlan] = [:]
    private let plansLock = NSLock()

    /// Opens `path` read-only, telling an absent, unreadable, special (FIFO, device, folder),
    /// empty, non-HDF5 and truncated file apart. The file is checked to be a regular file before
    /// libhdf5 sees it, and no link inside it is followed out of it (see `Access`).
    public init(path: String) throws {
        displayName = path
        let input = try InputFile.open(path)
        guard input.size > 0 else {
            close(input.descriptor)
            throw DneckError.emptyFile(file: path)
        }
        descriptor = input.descriptor
        fileSize = UInt64(input.size)
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        guard H5Fis_hdf5(path) > 0 else {
            close(input.descriptor)
            throw DneckError.notHDF5(file: path)
        }
        let fid: hid_t
        do {
            fid = try HDF5File.openReadOnly(path)
        } catch {
            close(input.descriptor)
            throw error
        }
        id = fid
        var userBlockSize: hsize_t = 0
        let plist = H5Fget_create_plist(fid)
        H5Pget_userblock(plist, &userBlockSize)
        H5Pclose(plist)
        userBlock = UInt64(userBlockSize)
    }

    /// Opens `path` read-only for single-writer/multiple-reader access (a format_version 2 run
    /// while it is written, after its writer died, or closed), else, for files whose format
    /// has no SWMR (version 1 runs, dumps), normally. A file another process holds open for
    /// writing without SWMR is `lockedByWriter`. The lock is held by the caller.
    private static func openReadOnly(_ path: String) throws -> hid_t {
        let swmr = dneck_h5p_swmr_file_access()
        defer { H5Pclose(swmr) }
        let live = H5Fopen(path, dneck_h5f_acc_rdonly() | dneck_h5f_acc_swmr_read(), swmr)
        if live >= 0 { return live }
        let swmrFailure = lastErrorMessages()
        let fid = H5Fopen(path, dneck_h5f_acc_rdonly(), dneck_h5p_default())
        if fid >= 0 { return fid }
        let failure = lastErrorMessages()
        // libhdf5: "unable to lock file, errno = 11, error message = 'Resource temporarily unavailable'".
        if (swmrFailure + failure).contains(where: { $0.contains("unable to lock file") }) {
            throw DneckError.lockedByWriter(file: path)
        }
        throw DneckError.hdf5(file: path, path: "/", detail: "cannot open: " + (failure.last ?? "unknown HDF5 error"))
    }

    deinit {
        close(descriptor)
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        H5Fclose(id)
    }

    /// What an object inside the file is.
    public enum Kind: Sendable { case group, dataset, other }

    /// The kind of the object at `path`, or nil when any component of the path is absent.
    /// Throws `linkOutOfFile` when a component is an external (or user-defined) link.
    public func kind(_ path: String) throws -> Kind? {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard H5Lexists(id, prefix, Access.link) > 0 else {
                if let error = linkOutOfFile(prefix) { throw error }
                return nil
            }
        }
        // An external link exists as a link, but opening what it names is refused.
        let oid = H5Oopen(id, path.isEmpty ? "/" : path, Access.link)
        guard oid >= 0 else {
            if let error = linkOutOfFile(path) { throw error }
            return nil
        }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The number of links in the group at `path`, or nil when there is no group there.
    public func memberCount(ofGroup path: String) -> Int? {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        var info = H5G_info_t()
        guard H5Gget_info_by_name(id, path, &info, Access.link) >= 0 else {
            H5Eclear2(dneck_h5e_default())
            return nil
        }
        return Int(clamping: info.nlinks)
    }

    /// The names of the links in the group at `path`, in HDF5's name order.
    public func members(ofGroup path: String) throws -> [String] {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let gid = H5Gopen2(id, path, Access.group)
        guard gid >= 0 else { throw failure(path, "cannot open group") }
        defer { H5Gclose(gid) }
        var info = H5G_info_t()
        guard H5Gget_info(gid, &info) >= 0 else { throw failure(path, "cannot list group") }
        // A corrupt count fails at the first absent index below (no loop over 2^64 links).
        var names: [String] = []
        var index: hsize_t = 0
        while index < info.nlinks {
            let length = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, Access.link)
            guard length >= 0, length < Int(Int32.max) else { throw failure(path, "cannot read member name") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, Access.link)
            names.append(String(cString: buffer))
            index += 1
        }
        return names
    }

    /// The element class of a dataset's values.
    public enum ElementClass: Sendable, CustomStringConvertible {
        case integer, float, string, other

        public var description: String {
            switch self {
            case .integer: return "integer"
            case .float: return "floating-point"
            case .string: return "string"
            case .other: return "non-numeric"
            }
        }
    }

    /// Shape and element class of the dataset at `path` (checked as for a read).
    /// - Parameter storedRows: the rows (first dimension) whose storage is checked; nil: all.
    ///   A growing dataset's rows past its commit marker need not be stored yet.
    public func datasetInfo(_ path: String, storedRows: Range<Int>? = nil) throws -> (shape: [Int], element: ElementClass) {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let did = try open(dataset: path)
        defer { H5Dclose(did) }
        let info = try self.info(of: did, path, rows: storedRows)
        return (info.shape, info.element)
    }

    /// Rows `rows` (along the first dimension) of the floating-point dataset at `path`, in
    /// float32 when stored in 32 bits or fewer, else float64, with the shape read ([rows.count,
    /// …]). `check` sees the dataset's whole shape first and throws when it is not what the
    /// caller expects; `rows` must then lie inside it. Only the chunks of `rows` need to be
    /// stored: the rest of a growing dataset may be written later. A failure to read the rows
    /// names the dataset as `shownAs` (e.g. with the epoch they hold).
    public func readRows(_ path: String, _ rows: Range<Int>, shownAs: String,
                         check: ([Int]) throws -> Void) throws -> (shape: [Int], values: Matrix.Storage) {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let did = try open(dataset: path)
        defer { H5Dclose(did) }
        let info = try self.info(of: did, path, rows: 0..<0)
        guard info.element == .float else {
            throw unexpected(path, info.element, expected: "floating-point ones (float16, float32 or float64)")
        }
        try check(info.shape)
        do {
            if info.elementSize <= 4 {
                let (shape, values) = try read(did, path, rows: rows, memoryType: dneck_h5t_native_float(), as: Float.self)
                return (shape, .float32(values))
            }
            let (shape, values) = try read(did, path, rows: rows, memoryType: dneck_h5t_native_double(), as: Double.self)
            return (shape, .float64(values))
        } catch let error as DneckError {
            throw error.at(dataset: shownAs)
        }
    }

    /// The 1-D dataset of strings at `path` (variable- or fixed-length), checked against the
    /// read limit.
    public func readStrings(_ path: String) throws -> [String] {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let did = try open(dataset: path)
        defer { H5Dclose(did) }
        let info = try self.info(of: did, path)
        guard info.element == .string else { throw unexpected(path, info.element, expected: "strings") }
        guard info.shape.count == 1 else {
            throw DneckError.badShape(file: displayName, path: trimmed(path), detail: "expected a 1-D array of strings, found shape \(info.shape)")
        }
        let fileType = H5Dget_type(did)
        defer { H5Tclose(fileType) }
        _ = try memoryBytes(path, shape: info.shape, elementSize: max(info.elementSize + 1, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride))
        return try strings(info.count, of: fileType, path, reading: "data",
                           tooLong: { DneckError.badShape(file: displayName, path: trimmed(path), detail: "holds fixed-length strings of \($0) bytes, expected at most \(HDF5File.maxAttributeString)") },
                           read: { H5Dread(did, $0, dneck_h5s_all(), dneck_h5s_all(), dneck_h5p_default(), $1) })
    }

    /// Reads the dataset at `path` as float64 (libhdf5 converts float32 and integers exactly).
    public func readDoubles(_ path: String) throws -> (shape: [Int], values: [Double]) {
        try read(path, memoryType: dneck_h5t_native_double(), as: Double.self)
    }

    /// Reads the dataset at `path` as float64, or nil when there is no dataset there (a single
    /// open attempt, cheaper than checking every component of the path first). Float data is
    /// read in its stored precision and widened here: libhdf5's own conversion would allocate
    /// and clear a 1 MiB buffer for every read.
    public func readDoublesIfPresent(_ path: String) throws -> (shape: [Int], values: [Double])? {
        guard let plan = try planIfPresent(path) else { return nil }
        let (shape, values) = try read(path, planned: plan)
        switch values {
        case .float32(let v): return (shape, v.map(Double.init))
        case .float64(let v): return (shape, v)
        }
    }

    /// Reads a floating-point dataset in float32 when it is stored in 32 bits or fewer (float16
    /// is widened exactly), else in float64; integers are refused. A contiguous, unfiltered
    /// little-endian float dataset (the common case for activations) is read straight from the
    /// file with `pread`, outside libhdf5's lock, so several threads read at once; everything
    /// else goes through `H5Dread`.
    public func readMatrixValues(_ path: String) throws -> (shape: [Int], values: Matrix.Storage) {
        let plan = try readPlan(path)
        guard plan.element == .float else {
            throw unexpected(path, plan.element, expected: "floating-point ones (float16, float32 or float64)")
        }
        return try read(path, planned: plan)
    }

    /// The values of the dataset at `path`, read as `plan` says.
    private func read(_ path: String, planned plan: ReadPlan) throws -> (shape: [Int], values: Matrix.Storage) {
        if let offset = plan.offset {
            if plan.float32 {
                return (plan.shape, .float32(try readRaw(path, offset: offset, shape: plan.shape, as: Float.self)))
            }
            return (plan.shape, .float64(try readRaw(path, offset: offset, shape: plan.shape, as: Double.self)))
        }
        if plan.float32 {
            let (shape, floats) = try read(path, memoryType: dneck_h5t_native_float(), as: Float.self)
            return (shape, .float32(floats))
        }
        let (shape, doubles) = try readDoubles(path)
        return (shape, .float64(doubles))
    }

    /// How to read a dataset: its shape, its element class, whether to read it as float32 (a
    /// float of 2 or 4 bytes), and the file offset of its bytes when they can be read directly
    /// (contiguous, unfiltered, IEEE little-endian).
    private struct ReadPlan {
        let shape: [Int]
        let element: ElementClass
        let float32: Bool
        let offset: UInt64?
    }

    private func readPlan(_ path: String) throws -> ReadPlan {
        guard let plan = try planIfPresent(path) else { throw failure(path, "cannot open dataset") }
        return plan
    }

    /// The read plan of the dataset at `path`, or nil when there is no dataset there.
    private func planIfPresent(_ path: String) throws -> ReadPlan? {
        if let plan = plan(path) { return plan }
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        return try plan(path) ?? makePlan(at: id, name: path, path: path)
    }

    private func plan(_ path: String) -> ReadPlan? {
        plansLock.lock(); defer { plansLock.unlock() }
        return plans[path]
    }

    /// Plans the reads of the datasets `names` of the group at `group` in one go (one lock, one
    /// walk to the group), so reading them afterwards asks libhdf5 nothing. Names that are
    /// absent or unreadable are left to fail, with their message, when they are read.
    public func preparePlans(inGroup group: String, names: [String]) {
        let paths = names.map { group + "/" + $0 }
        guard paths.contains(where: { plan($0) == nil }) else { return }
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let gid = H5Gopen2(id, group, Access.group)
        guard gid >= 0 else { H5Eclear2(dneck_h5e_default()); return }
        defer { H5Gclose(gid) }
        for (name, path) in zip(names, paths) where plan(path) == nil {
            if (try? makePlan(at: gid, name: name, path: path)) == nil { H5Eclear2(dneck_h5e_default()) }
        }
    }

    /// Opens dataset `name` relative to `location` and records its plan under `path` (the
    /// lock is held by the caller); nil when there is no dataset there.
    private func makePlan(at location: hid_t, name: String, path: String) throws -> ReadPlan? {
        let did = H5Dopen2(location, name, Access.dataset)
        guard did >= 0 else {
            if let error = linkOutOfFile(path) { throw error }
            return nil
        }
        defer { H5Dclose(did) }
        let info = try self.info(of: did, path)
        guard info.element == .float || info.element == .integer else { throw unexpected(path, info.element, expected: "numbers") }
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        let float32 = info.element == .float && info.elementSize <= 4
        let direct = H5Tequal(type, dneck_h5t_ieee_f32le()) > 0 || H5Tequal(type, dneck_h5t_ieee_f64le()) > 0
        let contiguous = direct && info.contiguousOffset != nil && info.count > 0
        let plan = ReadPlan(shape: info.shape, element: info.element, float32: float32, offset: contiguous ? info.contiguousOffset : nil)
        plansLock.lock(); plans[path] = plan; plansLock.unlock()
        return plan
    }

    /// The values of `shape` of type `T` at `offset` of the file, read with `pread` (no HDF5
    /// lock). The plan checked that they lie inside the file.
    private func readRaw<T>(_ path: String, offset: UInt64, shape: [Int], as: T.Type) throws -> [T] {
        let bytes = try memoryBytes(path, shape: shape, elementSize: MemoryLayout<T>.stride)
        let count = bytes / MemoryLayout<T>.stride
        var failure: DneckError?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < bytes, let base = buffer.baseAddress.map(UnsafeMutableRawPointer.init) {
                let n = pread(descriptor, base + done, bytes - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = .badShape(file: displayName, path: trimmed(path),
                                        detail: n == 0 ? "data end beyond the end of the file (truncated file?)"
                                                       : "cannot read data: \(String(cString: strerror(errno)))")
                    break
                }
                done += n
            }
            initialized = failure == nil ? count : 0
        }
        if let failure { throw failure }
        return values
    }

    /// Reads the dataset at `path` as int64.
    public func readInt64s(_ path: String) throws -> (shape: [Int], values: [Int64]) {
        try read(path, memoryType: dneck_h5t_native_int64(), as: Int64.self)
    }

    /// The string attribute `name` of the object at `path` (variable or fixed length, one
    /// string: a scalar or a one-element array), or nil when absent. Any other type or shape is
    /// an error naming what was expected.
    public func stringAttribute(_ name: String, at path: String = "/") throws -> String? {
        try withAttribute(name, at: path, expecting: H5T_STRING, "a string") { aid, fileType in
            try strings(1, of: fileType, path, reading: "attribute '\(name)'",
                        tooLong: { badAttribute(path, name, "is a fixed-length string of \($0) bytes, expected at most \(HDF5File.maxAttributeString)") },
                        read: { H5Aread(aid, $0, $1) })[0]
        }
    }

    /// `count` strings of the file string type `fileType` that `read(memoryType, buffer)` reads
    /// (an attribute's or a dataset's): variable-length (freed here) or fixed-length of at most
    /// `maxAttributeString` bytes (`tooLong` makes the error for longer ones). `what` names
    /// what is read in the error of a failed read. The lock is held by the caller.
    private func strings(_ count: Int, of fileType: hid_t, _ path: String, reading what: String, tooLong: (Int) -> DneckError,
                         read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
        let memType = H5Tcopy(dneck_h5t_c_s1())
        defer { H5Tclose(memType) }
        H5Tset_cset(memType, H5Tget_cset(fileType) == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII)
        guard count > 0 else { return [] }
        if H5Tis_variable_str(fileType) > 0 {
            H5Tset_size(memType, dneck_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memType, $0.baseAddress!) }
            defer { pointers.forEach { H5free_memory($0) } }
            guard status >= 0 else { throw failure(path, "cannot read \(what)") }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(fileType)
        guard size > 0, size <= HDF5File.maxAttributeString else { throw tooLong(size) }
        H5Tset_size(memType, size + 1)
        H5Tset_strpad(memType, H5T_STR_NULLTERM)
        var buffer = [CChar](repeating: 0, count: count * (size + 1))
        guard buffer.withUnsafeMutableBytes({ read(memType, $0.baseAddress!) }) >= 0 else { throw failure(path, "cannot read \(what)") }
        return (0..<count).map { i in
            let bytes = buffer[i * (size + 1)..<(i + 1) * (size + 1)].map { UInt8(bitPattern: $0) }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The integer attribute `name` of the object at `path` (a scalar or one-element array),
    /// or nil when absent. Any other type or shape is an error naming what was expected.
    public func integerAttribute(_ name: String, at path: String = "/") throws -> Int64? {
        try withAttribute(name, at: path, expecting: H5T_INTEGER, "an integer") { aid, _ in
            var value: Int64 = 0
            guard H5Aread(aid, dneck_h5t_native_int64(), &value) >= 0 else {
                throw failure(path, "cannot read attribute '\(name)'")
            }
            return value
        }
    }

    /// The longest fixed-length string attribute (or link value) read: a dneck attribute is a short name.
    static let maxAttributeString = 1 << 16

    /// Opens attribute `name` of the object at `path`, checks that it holds one value of
    /// `typeClass` (`expected` names it in the error), and hands it and its type to `body`;
    /// nil when absent.
    private func withAttribute<T>(_ name: String, at path: String, expecting typeClass: H5T_class_t, _ expected: String,
                                  _ body: (hid_t, hid_t) throws -> T?) throws -> T? {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        guard H5Aexists_by_name(id, path, name, Access.link) > 0 else { H5Eclear2(dneck_h5e_default()); return nil }
        let aid = H5Aopen_by_name(id, path, name, dneck_h5p_default(), Access.link)
        guard aid >= 0 else { throw failure(path, "cannot open attribute '\(name)'") }
        defer { H5Aclose(aid) }
        let fileType = H5Aget_type(aid)
        guard fileType >= 0 else { throw failure(path, "cannot read the type of attribute '\(name)'") }
        defer { H5Tclose(fileType) }
        let found = H5Tget_class(fileType)
        guard found == typeClass else {
            throw badAttribute(path, name, "holds \(HDF5File.elementClass(found)) values, expected \(expected)")
        }
        let space = H5Aget_space(aid)
        guard space >= 0 else { throw failure(path, "cannot read the dataspace of attribute '\(name)'") }
        defer { H5Sclose(space) }
        let shape = try extent(of: space, path)
        guard H5Sget_simple_extent_type(space) != H5S_NULL, ReadLimits.elementCount(shape) == 1 else {
            throw badAttribute(path, name, "has shape \(shape), expected \(expected)")
        }
        return try body(aid, fileType)
    }

    private func badAttribute(_ path: String, _ name: String, _ detail: String) -> DneckError {
        .badShape(file: displayName, path: trimmed(path), detail: "attribute '\(name)' \(detail)")
    }

    // MARK: - Private

    /// What libhdf5 opens datasets, groups and links with: access property lists that refuse
    /// to follow external links (created once, kept for the process).
    private enum Access {
        static let link = dneck_h5p_local_link_access()
        static let dataset = dneck_h5p_local_dataset_access()
        static let group = dneck_h5p_local_group_access()
    }

    /// The error for the first component of `path` that is an external or user-defined link
    /// (nil when there is none); the lock is held by the caller. Called after a failure, whose
    /// message it clears from libhdf5's error stack.
    private func linkOutOfFile(_ path: String) -> DneckError? {
        defer { H5Eclear2(dneck_h5e_default()) }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var info = H5L_info_t()
            guard H5Lget_info(id, prefix, &info, Access.link) >= 0 else { break }
            guard info.type != H5L_TYPE_HARD, info.type != H5L_TYPE_SOFT else { continue }
            var detail = "user-defined link (type \(info.type.rawValue))"
            if info.type == H5L_TYPE_EXTERNAL {
                let size = min(info.u.val_size, HDF5File.maxAttributeString)
                var value = [UInt8](repeating: 0, count: size)
                var file: UnsafePointer<CChar>? = nil, object: UnsafePointer<CChar>? = nil
                if size > 0, H5Lget_val(id, prefix, &value, size, Access.link) >= 0,
                   H5Lunpack_elink_val(&value, size, nil, &file, &object) >= 0, let file, let object {
                    detail = "external link to '\(String(cString: file))' object '\(String(cString: object))'"
                } else {
                    detail = "external link"
                }
            }
            return .linkOutOfFile(file: displayName, path: trimmed(prefix), detail: detail)
        }
        return nil
    }

    /// Opens the dataset at `path` (the lock is held by the caller).
    private func open(dataset path: String) throws -> hid_t {
        let did = H5Dopen2(id, path, Access.dataset)
        guard did >= 0 else { throw failure(path, "cannot open dataset") }
        return did
    }

    private func read<T>(_ path: String, memoryType: hid_t, as type: T.Type) throws -> (shape: [Int], values: [T]) {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let did = try open(dataset: path)
        defer { H5Dclose(did) }
        return try read(did, path, rows: nil, memoryType: memoryType, as: type)
    }

    /// Reads the open dataset `did`, all of it or only `rows` of its first dimension (the lock
    /// is held by the caller); returns the shape read.
    private func read<T>(_ did: hid_t, _ path: String, rows: Range<Int>?, memoryType: hid_t, as: T.Type) throws -> (shape: [Int], values: [T]) {
        // The whole storage is checked first; only `rows`' once the selection is known to fit in
        // memory (their chunks are counted).
        let info = try self.info(of: did, path, rows: rows == nil ? nil : 0..<0)
        guard info.element == .float || info.element == .integer else { throw unexpected(path, info.element, expected: "numbers") }
        var shape = info.shape
        if let rows {
            guard let rowCount = shape.first, rows.lowerBound >= 0, rows.upperBound <= rowCount else {
                throw DneckError.badShape(file: displayName, path: trimmed(path), detail: "has shape \(shape), without rows \(rows.lowerBound)..<\(rows.upperBound)")
            }
            shape[0] = rows.count
        }
        let count = try memoryBytes(path, shape: shape, elementSize: MemoryLayout<T>.stride) / MemoryLayout<T>.stride
        if rows != nil { _ = try self.info(of: did, path, rows: rows) }
        let fileSpace = try selection(did, path, rows: rows, shape: shape)
        defer { if fileSpace != dneck_h5s_all() { H5Sclose(fileSpace) } }
        var dims = shape.map { hsize_t($0) }
        let memorySpace = rows == nil ? dneck_h5s_all() : H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { if memorySpace != dneck_h5s_all() { H5Sclose(memorySpace) } }
        var status: herr_t = 0
        // Uninitialised storage: libhdf5 fills every element (or the read fails and it is dropped).
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                status = H5Dread(did, memoryType, memorySpace, fileSpace, dneck_h5p_default(), buffer.baseAddress)
            }
            initialized = status >= 0 ? count : 0
        }
        guard status >= 0 else { throw failure(path, "cannot read data") }
        return (shape, values)
    }

    /// The file dataspace of `did` with `rows` selected (`shape`: the selection's), or H5S_ALL
    /// when `rows` is nil; the caller closes it.
    private func selection(_ did: hid_t, _ path: String, rows: Range<Int>?, shape: [Int]) throws -> hid_t {
        guard let rows else { return dneck_h5s_all() }
        let space = H5Dget_space(did)
        guard space >= 0 else { throw failure(path, "cannot read dataspace") }
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(rows.lowerBound)
        var count = shape.map { hsize_t($0) }
        guard H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nil, &count, nil) >= 0 else {
            H5Sclose(space)
            throw failure(path, "cannot select rows")
        }
        return space
    }

    /// The bytes `shape` takes in memory as elements of `elementSize` bytes, checked against
    /// `ReadLimits` (overflow included) before anything is allocated.
    private func memoryBytes(_ path: String, shape: [Int], elementSize: Int) throws -> Int {
        let bytes = ReadLimits.byteCount(shape, elementSize: elementSize)
        try ReadLimits.check(bytes: bytes, file: displayName, path: trimmed(path), shape: shape)
        return bytes ?? 0
    }

    private func unexpected(_ path: String, _ element: ElementClass, expected: String) -> DneckError {
        .badShape(file: displayName, path: trimmed(path), detail: "holds \(element) values, expected \(expected)")
    }

    /// A dataset as checked before any read: its shape, element class and size, element count,
    /// and for contiguous storage the file offset of its data.
    private struct DatasetInfo {
        let shape: [Int]
        let element: ElementClass
        let elementSize: Int
        let count: Int
        let contiguousOffset: UInt64?
    }

    /// Checks the open dataset `did` (the lock is held by the caller): a dataspace of at most
    /// 32 dimensions whose element count fits an `Int`; for numbers, an integer of 1-8 bytes or
    /// a float of 2, 4 or 8 bytes whose storage lies in the file and holds every declared
    /// element (not sparse, not external, not virtual).
    /// With `rows`, only the chunks holding those rows (first dimension) need to be stored.
    private func info(of did: hid_t, _ path: String, rows: Range<Int>? = nil) throws -> DatasetInfo {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw failure(path, "cannot read dataspace") }
        defer { H5Sclose(space) }
        let shape = try extent(of: space, path)
        guard H5Sget_simple_extent_type(space) != H5S_NULL else {
            throw DneckError.badShape(file: displayName, path: trimmed(path), detail: "has a null dataspace (no values)")
        }
        let type = H5Dget_type(did)
        guard type >= 0 else { throw failure(path, "cannot read datatype") }
        defer { H5Tclose(type) }
        let element = HDF5File.elementClass(H5Tget_class(type))
        let elementSize = H5Tget_size(type)
        guard let count = ReadLimits.elementCount(shape) else {
            throw DneckError.tooLarge(file: displayName, path: trimmed(path), shape: shape, bytes: nil, limit: ReadLimits.maxBytes)
        }
        guard element == .integer || element == .float else {
            return DatasetInfo(shape: shape, element: element, elementSize: elementSize, count: count, contiguousOffset: nil)
        }
        let sizes = element == .integer ? [1, 2, 4, 8] : [2, 4, 8]
        guard sizes.contains(elementSize) else {
            throw DneckError.badShape(file: displayName, path: trimmed(path),
                                      detail: "holds \(elementSize)-byte \(element) values, expected \(sizes.map(String.init).joined(separator: ", ")) bytes")
        }
        let offset = try checkStorage(did, space, path, shape: shape, count: count, elementSize: elementSize, rows: rows)
        return DatasetInfo(shape: shape, element: element, elementSize: elementSize, count: count, contiguousOffset: offset)
    }

    /// The dimensions of a dataspace ([] for a scalar), each one an `Int`.
    private func extent(of space: hid_t, _ path: String) throws -> [Int] {
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else { throw failure(path, "cannot read dataspace") }
        guard rank > 0 else { return [] }
        var dims = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { throw failure(path, "cannot read dataspace") }
        guard dims.allSatisfy({ $0 <= hsize_t(Int.max) }) else {
            throw DneckError.badShape(file: displayName, path: trimmed(path), detail: "declares dimensions \(dims), too large to count")
        }
        return dims.map { Int($0) }
    }

    /// Checks that the dataset's storage (`space`: its dataspace) is inside this file and holds
    /// all `count` elements (chunked: those of `rows`, when given);
    /// returns the file offset of the data when it is contiguous (nil otherwise).
    private func checkStorage(_ did: hid_t, _ space: hid_t, _ path: String, shape: [Int], count: Int, elementSize: Int,
                              rows: Range<Int>?) throws -> UInt64? {
        let plist = H5Dget_create_plist(did)
        guard plist >= 0 else { throw failure(path, "cannot read storage properties") }
        defer { H5Pclose(plist) }
        let external = H5Pget_external_count(plist)
        if external != 0 {
            var name = [CChar](repeating: 0, count: 256)
            var offset: off_t = 0
            var size: hsize_t = 0
            let described = external > 0 && H5Pget_external(plist, 0, name.count, &name, &offset, &size) >= 0
            throw DneckError.linkOutOfFile(file: displayName, path: trimmed(path),
                                           detail: described ? "data stored in external file '\(String(cString: name))'" : "data stored in external files")
        }
        let layout = H5Pget_layout(plist)
        if layout == H5D_VIRTUAL {
            throw DneckError.linkOutOfFile(file: displayName, path: trimmed(path), detail: "virtual dataset (data mapped from other files)")
        }
        guard count > 0 else { return nil }
        guard let declared = ReadLimits.byteCount(shape, elementSize: elementSize) else {
            throw DneckError.tooLarge(file: displayName, path: trimmed(path), shape: shape, bytes: nil, limit: ReadLimits.maxBytes)
        }
        let stored = H5Dget_storage_size(did)
        func sparse(_ detail: String) -> DneckError {
            .badShape(file: displayName, path: trimmed(path),
                      detail: "declared shape \(shape) needs \(declared) bytes but \(detail): corrupt or sparse dataset")
        }
        switch layout {
        case H5D_CONTIGUOUS, H5D_COMPACT:
            guard stored == hsize_t(declared) else { throw sparse("only \(stored) are stored") }
            guard layout == H5D_CONTIGUOUS else { return nil }
            let address = H5Dget_offset(did)
            guard address != dneck_haddr_undef() else { throw sparse("no data is stored") }
            let (start, overflowStart) = UInt64(address).addingReportingOverflow(userBlock)
            let (end, overflowEnd) = start.addingReportingOverflow(UInt64(declared))
            guard !overflowStart, !overflowEnd, end <= fileSize else {
                throw DneckError.badShape(file: displayName, path: trimmed(path),
                                          detail: "data end beyond the end of the file (truncated file?)")
            }
            return start
        case H5D_CHUNKED:
            var chunk = [hsize_t](repeating: 0, count: shape.count)
            guard H5Pget_chunk(plist, Int32(shape.count), &chunk) == Int32(shape.count), !chunk.contains(0) else {
                throw failure(path, "cannot read chunk sizes")
            }
            var expected = 1
            for (dimension, size) in zip(shape, chunk) {
                let chunks = (dimension + Int(clamping: size) - 1) / Int(clamping: size)
                let (product, overflow) = expected.multipliedReportingOverflow(by: chunks)
                guard !overflow else { throw sparse("its chunks cannot be counted") }
                expected = product
            }
            if let rows {
                try checkChunks(did, path, shape: shape, chunk: chunk.map { Int(clamping: $0) }, rows: rows)
                return nil
            }
            var allocated: hsize_t = 0
            // libhdf5 1.10 mishandles H5S_ALL here; its documentation says to pass the dataspace.
            guard H5Dget_num_chunks(did, space, &allocated) >= 0 else { throw failure(path, "cannot count chunks") }
            guard allocated >= hsize_t(expected) else { throw sparse("only \(allocated) of its \(expected) chunks are stored") }
            return nil
        default:
            throw failure(path, "unknown storage layout")
        }
    }

    /// Checks that every chunk holding part of `rows` (first dimension, inside `shape`) is
    /// stored: a growing dataset is read a few rows at a time, and its later rows may not be
    /// written yet. The caller bounded the rows' size, hence the number of lookups.
    private func checkChunks(_ did: hid_t, _ path: String, shape: [Int], chunk: [Int], rows: Range<Int>) throws {
        guard !rows.isEmpty, !shape.contains(0) else { return }
        let first = rows.lowerBound / chunk[0] * chunk[0]
        var offset = [hsize_t](repeating: 0, count: shape.count)
        offset[0] = hsize_t(first)
        while Int(offset[0]) < rows.upperBound {
            var mask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
            guard H5Dget_chunk_info_by_coord(did, &offset, &mask, &address, &size) >= 0 else { throw failure(path, "cannot look up a chunk") }
            guard address != dneck_haddr_undef() else {
                throw DneckError.badShape(file: displayName, path: trimmed(path),
                                          detail: "rows \(rows.lowerBound)..<\(rows.upperBound) are declared but their chunk at \(offset) is not stored: corrupt or sparse dataset")
            }
            // The next chunk, last dimension fastest.
            var d = shape.count - 1
            while d > 0 {
                offset[d] += hsize_t(chunk[d])
                if Int(offset[d]) < shape[d] { break }
                offset[d] = 0
                d -= 1
            }
            if d == 0 { offset[0] += hsize_t(chunk[0]) }
        }
    }

    private static func elementClass(_ typeClass: H5T_class_t) -> ElementClass {
        switch typeClass {
        case H5T_INTEGER: return .integer
        case H5T_FLOAT: return .float
        case H5T_STRING: return .string
        default: return .other
        }
    }

    private func failure(_ path: String, _ what: String) -> DneckError {
        let message = HDF5File.lastErrorMessage()
        return linkOutOfFile(path) ?? .hdf5(file: displayName, path: trimmed(path), detail: "\(what): \(message)")
    }

    private func trimmed(_ path: String) -> String {
        path == "/" ? "/" : String(path.drop { $0 == "/" })
    }

    /// Takes `lock` and turns off libhdf5's printing of errors to stderr for the calling thread
    /// (Debian's libhdf5 is built thread-safe, with an error stack per thread): failures are
    /// reported as `DneckError`s, and a probe for an absent dataset is no failure at all.
    private static func lockLibrary() {
        lock.lock()
        H5Eset_auto2(dneck_h5e_default(), nil, nil)
    }

    /// The most specific message on libhdf5's error stack (the deepest entry), then clears it.
    private static func lastErrorMessage() -> String {
        lastErrorMessages().last ?? "unknown HDF5 error"
    }

    /// Every message on libhdf5's error stack, outermost first, then clears it.
    private static func lastErrorMessages() -> [String] {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { context in
            _ = H5Ewalk2(dneck_h5e_default(), H5E_WALK_DOWNWARD, { _, error, context in
                guard let error, let context, let desc = error.pointee.desc else { return 0 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: desc))
                return 0
            }, context)
        }
        H5Eclear2(dneck_h5e_default())
        return messages
    }
}
