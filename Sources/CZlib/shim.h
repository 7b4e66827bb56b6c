#ifndef DNECK_CZLIB_SHIM_H
#define DNECK_CZLIB_SHIM_H
#include <zlib.h>

/// deflateInit2 is a macro in zlib.h; this is it as a function.
static inline int dneck_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
#endif
