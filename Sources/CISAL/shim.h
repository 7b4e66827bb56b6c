#ifndef DNECK_CISAL_SHIM_H
#define DNECK_CISAL_SHIM_H
#include <isa-l/igzip_lib.h>

/// Bytes of the work buffer level 1 wants for its default (large) token buffer: a macro
/// expression that Swift does not import.
static inline uint32_t dneck_isal_level1_buffer_size(void) { return ISAL_DEF_LVL1_DEFAULT; }
#endif
