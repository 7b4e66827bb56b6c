import CMalloc

/// Keeps freed large buffers in the process heap for reuse instead of returning them to the
/// kernel: one layer's activations are allocated and freed per task, and without this every
/// task pays for fresh zeroed pages (about a quarter of the binning time on a 3000-epoch run).
public func reuseFreedMemory() {
    dneck_reuse_freed_memory()
}

/// A large block of raw memory (uninitialised) on transparent huge pages where the kernel
/// offers them, freed with the object: for whole images, which would otherwise take one page
/// fault per 4 KiB when first drawn into.
public final class LargeBuffer: @unchecked Sendable {
    public let bytes: UnsafeMutableRawPointer
    public let count: Int

    /// Nil when the memory cannot be had.
    public init?(count: Int) {
        guard count > 0, let p = dneck_allocate_large(count) else { return nil }
        bytes = p
        self.count = count
    }

    deinit { free(bytes) }
}
