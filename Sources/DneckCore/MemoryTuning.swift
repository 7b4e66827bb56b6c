import CMalloc

/// Keeps freed large buffers in the process heap for reuse instead of returning them to the
/// kernel: one layer's activations are allocated and freed per task, and without this every
/// task pays for fresh zeroed pages (about a quarter of the binning time on a 3000-epoch run).
public func reuseFreedMemory() {
    dneck_reuse_freed_memory()
}

/// A large block of zero-filled memory straight from the kernel, on transparent huge pages
/// where the kernel offers them, returned with the object: for whole images. Pages that are
/// never written are never materialised (reading them sees the kernel's shared zero page).
public final class LargeBuffer: @unchecked Sendable {
    public let bytes: UnsafeMutableRawPointer
    public let count: Int

    /// Nil when the memory cannot be had.
    public init?(count: Int) {
        guard count > 0, let p = dneck_map_zeroed(count) else { return nil }
        bytes = p
        self.count = count
    }

    deinit { dneck_unmap(bytes, count) }
}
