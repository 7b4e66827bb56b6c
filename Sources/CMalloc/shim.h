#ifndef DNECK_CMALLOC_SHIM_H
#define DNECK_CMALLOC_SHIM_H
// glibc's allocator tuning (mallopt, madvise), which Swift's Glibc module does not export.
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>

/// `bytes` of memory on 2 MiB boundaries, marked for transparent huge pages (fewer page faults
/// when a large image is first touched); NULL when out of memory. Free with free().
static inline void *dneck_allocate_large(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    size_t rounded = (bytes + huge - 1) & ~(huge - 1);
    void *p = NULL;
    if (posix_memalign(&p, huge, rounded) != 0) return NULL;
    madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

/// Keeps freed large blocks in the heap for reuse instead of unmapping them.
static inline void dneck_reuse_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}
#endif
