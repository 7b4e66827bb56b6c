import CMalloc

/// Keeps freed large buffers in the process heap for reuse instead of returning them to the
/// kernel: one layer's activations are allocated and freed per task, and without this every
/// task pays for fresh zeroed pages (about a quarter of the binning time on a 3000-epoch run).
public func reuseFreedMemory() {
    dneck_reuse_freed_memory()
}
