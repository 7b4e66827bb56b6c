#ifndef DNECK_CMALLOC_SHIM_H
#define DNECK_CMALLOC_SHIM_H
// glibc's allocator tuning and the kernel's memory calls (mallopt, mmap, madvise), which Swift's
// Glibc module does not all export.
#include <malloc.h>
#include <sys/mman.h>

/// Keeps freed large blocks in the heap for reuse instead of unmapping them.
static inline void dneck_reuse_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}

/// `bytes` of fresh zero-filled memory straight from the kernel (pages cost nothing until
/// written), marked for transparent huge pages; NULL when out of memory.
static inline void *dneck_map_zeroed(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

static inline void dneck_unmap(void *p, size_t bytes) { munmap(p, bytes); }
#endif
