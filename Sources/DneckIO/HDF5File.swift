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
    /// Bytes before the HDF5 superblock (dataset addresses count from there).
    private let userBlock: UInt64
    /// Read plans of the datasets read so far: a second pass over a run goes straight to
    /// `pread` without asking libhdf5 again. Guarded by `plansLock`, not by libhdf5's lock, so
    /// finding a plan never waits for another thread's libhdf5 call.
    private var plans: [String: ReadPlan] = [:]
    private let plansLock = NSLock()

    /// Opens `path` read-only, telling an absent, empty, non-HDF5 and truncated file apart.
    public init(path: String) throws {
        displayName = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw DneckError.notAFile(file: path)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { throw DneckError.emptyFile(file: path) }
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        guard H5Fis_hdf5(path) > 0 else { throw DneckError.notHDF5(file: path) }
        let fid = H5Fopen(path, dneck_h5f_acc_rdonly(), dneck_h5p_default())
        guard fid >= 0 else {
            throw DneckError.hdf5(file: path, path: "/", detail: "cannot open: " + HDF5File.lastErrorMessage())
        }
        id = fid
        var userBlockSize: hsize_t = 0
        let plist = H5Fget_create_plist(fid)
        H5Pget_userblock(plist, &userBlockSize)
        H5Pclose(plist)
        userBlock = UInt64(userBlockSize)
        descriptor = open(path, O_RDONLY)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        H5Fclose(id)
    }

    /// What an object inside the file is.
    public enum Kind: Sendable { case group, dataset, other }

    /// The kind of the object at `path`, or nil when any component of the path is absent.
    public func kind(_ path: String) -> Kind? {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard H5Lexists(id, prefix, dneck_h5p_default()) > 0 else { return nil }
        }
        let oid = H5Oopen(id, path.isEmpty ? "/" : path, dneck_h5p_default())
        guard oid >= 0 else { return nil }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names of the links in the group at `path`, in HDF5's name order.
    public func members(ofGroup path: String) throws -> [String] {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let gid = H5Gopen2(id, path, dneck_h5p_default())
        guard gid >= 0 else { throw failure(path, "cannot open group") }
        defer { H5Gclose(gid) }
        var info = H5G_info_t()
        guard H5Gget_info(gid, &info) >= 0 else { throw failure(path, "cannot list group") }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, dneck_h5p_default())
            guard length >= 0 else { throw failure(path, "cannot read member name") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, dneck_h5p_default())
            names.append(String(cString: buffer))
        }
        return names
    }

    /// The element class of a dataset's values.
    public enum ElementClass: Sendable { case integer, float, string, other }

    /// Shape and element class of the dataset at `path`.
    public func datasetInfo(_ path: String) throws -> (shape: [Int], element: ElementClass) {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let did = H5Dopen2(id, path, dneck_h5p_default())
        guard did >= 0 else { throw failure(path, "cannot open dataset") }
        defer { H5Dclose(did) }
        return try info(of: did, path)
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

    /// Reads a floating-point dataset in its stored precision: float32 stays float32, anything
    /// else is read as float64. A contiguous, unfiltered little-endian float dataset (the common
    /// case for activations) is read straight from the file with `pread`, outside libhdf5's
    /// lock, so several threads read at once; everything else goes through `H5Dread`.
    public func readMatrixValues(_ path: String) throws -> (shape: [Int], values: Matrix.Storage) {
        try read(path, planned: readPlan(path))
    }

    /// The values of the dataset at `path`, read as `plan` says.
    private func read(_ path: String, planned plan: ReadPlan) throws -> (shape: [Int], values: Matrix.Storage) {
        if let offset = plan.offset {
            let count = plan.shape.reduce(1, *)
            if plan.float32 {
                return (plan.shape, .float32(try readRaw(path, offset: offset, count: count, as: Float.self)))
            }
            return (plan.shape, .float64(try readRaw(path, offset: offset, count: count, as: Double.self)))
        }
        if plan.float32 {
            let (shape, floats) = try read(path, memoryType: dneck_h5t_native_float(), as: Float.self)
            return (shape, .float32(floats))
        }
        let (shape, doubles) = try readDoubles(path)
        return (shape, .float64(doubles))
    }

    /// How to read a dataset: its shape, whether it is float32, and the file offset of its
    /// bytes when they can be read directly (contiguous, unfiltered, IEEE little-endian).
    private struct ReadPlan {
        let shape: [Int]
        let float32: Bool
        let offset: UInt64?
    }

    private func readPlan(_ path: String) throws -> ReadPlan {
        guard let plan = try planIfPresent(path) else { throw failure(path, "cannot open dataset") }
        return plan
    }

    /// The read plan of the dataset at `path`, or nil when libhdf5 cannot open one there.
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
        let gid = H5Gopen2(id, group, dneck_h5p_default())
        guard gid >= 0 else { H5Eclear2(dneck_h5e_default()); return }
        defer { H5Gclose(gid) }
        for (name, path) in zip(names, paths) where plan(path) == nil {
            if (try? makePlan(at: gid, name: name, path: path)) == nil { H5Eclear2(dneck_h5e_default()) }
        }
    }

    /// Opens dataset `name` relative to `location` and records its plan under `path` (the
    /// lock is held by the caller); nil when it cannot be opened.
    private func makePlan(at location: hid_t, name: String, path: String) throws -> ReadPlan? {
        let did = H5Dopen2(location, name, dneck_h5p_default())
        guard did >= 0 else { return nil }
        defer { H5Dclose(did) }
        let (shape, element) = try info(of: did, path)
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        let float32 = element == .float && H5Tget_size(type) == 4
        let direct = H5Tequal(type, dneck_h5t_ieee_f32le()) > 0 || H5Tequal(type, dneck_h5t_ieee_f64le()) > 0
        let address = H5Dget_offset(did)
        let bytes = UInt64(shape.reduce(1, *) * Int(H5Tget_size(type)))
        let contiguous = descriptor >= 0 && direct && address != dneck_haddr_undef() && bytes > 0
            && H5Dget_storage_size(did) == bytes
        let plan = ReadPlan(shape: shape, float32: float32, offset: contiguous ? UInt64(address) + userBlock : nil)
        plansLock.lock(); plans[path] = plan; plansLock.unlock()
        return plan
    }

    /// `count` values of type `T` at `offset` of the file, read with `pread` (no HDF5 lock).
    private func readRaw<T>(_ path: String, offset: UInt64, count: Int, as: T.Type) throws -> [T] {
        let bytes = count * MemoryLayout<T>.stride
        var failure: DneckError?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            while done < bytes {
                let n = pread(descriptor, base + done, bytes - done, off_t(offset) + off_t(done))
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

    /// The string attribute `name` of the object at `path` (variable or fixed length), or nil.
    public func stringAttribute(_ name: String, at path: String = "/") throws -> String? {
        try withAttribute(name, at: path) { aid, fileType in
            guard H5Tget_class(fileType) == H5T_STRING else { return nil }
            let memType = H5Tcopy(dneck_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_cset(memType, H5Tget_cset(fileType))
            if H5Tis_variable_str(fileType) > 0 {
                H5Tset_size(memType, dneck_h5t_variable())
                var pointer: UnsafeMutablePointer<CChar>? = nil
                guard H5Aread(aid, memType, &pointer) >= 0 else { throw failure(path, "cannot read attribute '\(name)'") }
                defer { H5free_memory(pointer) }
                return pointer.map { String(cString: $0) }
            }
            let size = H5Tget_size(fileType)
            H5Tset_size(memType, size + 1)
            var buffer = [CChar](repeating: 0, count: size + 1)
            guard H5Aread(aid, memType, &buffer) >= 0 else { throw failure(path, "cannot read attribute '\(name)'") }
            return String(cString: buffer)
        }
    }

    /// The integer attribute `name` of the object at `path`, or nil when absent or not an integer.
    public func integerAttribute(_ name: String, at path: String = "/") throws -> Int64? {
        try withAttribute(name, at: path) { aid, fileType in
            guard H5Tget_class(fileType) == H5T_INTEGER else { return nil }
            var value: Int64 = 0
            guard H5Aread(aid, dneck_h5t_native_int64(), &value) >= 0 else {
                throw failure(path, "cannot read attribute '\(name)'")
            }
            return value
        }
    }

    /// Opens attribute `name` of the object at `path` and its type for `body`; nil when absent.
    private func withAttribute<T>(_ name: String, at path: String, _ body: (hid_t, hid_t) throws -> T?) throws -> T? {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        guard H5Aexists_by_name(id, path, name, dneck_h5p_default()) > 0 else { return nil }
        let aid = H5Aopen_by_name(id, path, name, dneck_h5p_default(), dneck_h5p_default())
        guard aid >= 0 else { throw failure(path, "cannot open attribute '\(name)'") }
        defer { H5Aclose(aid) }
        let fileType = H5Aget_type(aid)
        defer { H5Tclose(fileType) }
        return try body(aid, fileType)
    }

    // MARK: - Private

    private func read<T>(_ path: String, memoryType: hid_t, as type: T.Type) throws -> (shape: [Int], values: [T]) {
        HDF5File.lockLibrary(); defer { HDF5File.lock.unlock() }
        let did = H5Dopen2(id, path, dneck_h5p_default())
        guard did >= 0 else { throw failure(path, "cannot open dataset") }
        defer { H5Dclose(did) }
        return try read(did, path, memoryType: memoryType, as: type)
    }

    /// Reads the open dataset `did` (the lock is held by the caller).
    private func read<T>(_ did: hid_t, _ path: String, memoryType: hid_t, as: T.Type) throws -> (shape: [Int], values: [T]) {
        let (shape, element) = try info(of: did, path)
        guard element == .float || element == .integer else {
            throw DneckError.badShape(file: displayName, path: trimmed(path), detail: "holds \(element) values, expected numbers")
        }
        let count = shape.reduce(1, *)
        var status: herr_t = 0
        // Uninitialised storage: libhdf5 fills every element (or the read fails and it is dropped).
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                status = H5Dread(did, memoryType, dneck_h5s_all(), dneck_h5s_all(), dneck_h5p_default(), buffer.baseAddress)
            }
            initialized = status >= 0 ? count : 0
        }
        guard status >= 0 else { throw failure(path, "cannot read data") }
        return (shape, values)
    }

    private func info(of did: hid_t, _ path: String) throws -> (shape: [Int], element: ElementClass) {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw failure(path, "cannot read dataspace") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw failure(path, "cannot read dataspace") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        let element: ElementClass
        switch H5Tget_class(type) {
        case H5T_INTEGER: element = .integer
        case H5T_FLOAT: element = .float
        case H5T_STRING: element = .string
        default: element = .other
        }
        return (rank == 0 ? [] : dims.map { Int($0) }, element)
    }

    private func failure(_ path: String, _ what: String) -> DneckError {
        .hdf5(file: displayName, path: trimmed(path), detail: "\(what): \(HDF5File.lastErrorMessage())")
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
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { context in
            _ = H5Ewalk2(dneck_h5e_default(), H5E_WALK_DOWNWARD, { _, error, context in
                guard let error, let context, let desc = error.pointee.desc else { return 0 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: desc))
                return 0
            }, context)
        }
        H5Eclear2(dneck_h5e_default())
        return messages.last ?? "unknown HDF5 error"
    }
}
