#ifndef DNECK_CCRYPTO_SHIM_H
#define DNECK_CCRYPTO_SHIM_H
// Only libcrypto's message digests, for the manifest's SHA-256 of every file.
#include <openssl/evp.h>
#endif
