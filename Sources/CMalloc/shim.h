#ifndef DNECK_CMALLOC_SHIM_H
#define DNECK_CMALLOC_SHIM_H
// glibc's allocator tuning (mallopt), which Swift's Glibc module does not export.
#include <malloc.h>

/// Keeps freed large blocks in the heap for reuse instead of unmapping them.
static inline void dneck_reuse_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}
#endif
