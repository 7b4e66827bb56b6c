#ifndef DNECK_CPNG_SHIM_H
#define DNECK_CPNG_SHIM_H
#include <png.h>
#include <stdio.h>
#endif
