#ifndef DNECK_CZLIB_SHIM_H
#define DNECK_CZLIB_SHIM_H
#include <zlib.h>
#endif
