#ifndef DNECK_COPENBLAS_SHIM_H
#define DNECK_COPENBLAS_SHIM_H
// OpenBLAS: CBLAS (cblas_dgemm, cblas_dsyrk) for the KDE estimator's pairwise distances, and
// LAPACK's dsyevd (symmetric eigenvalues), which OpenBLAS ships, declared for estimators that
// need a spectrum. Headers come from pkg-config `openblas` (Debian: libopenblas-dev).
//
// Loaded with dlopen the first time one of its functions is called rather than linked: OpenBLAS
// starts its worker threads as it is loaded, and they spin on sched_yield for a while, which
// every command paid for (some 30 ms of CPU, a fifth of `snr`'s time on two cores) though only
// a few estimators call it. The functions used keep their names: cblas.h declares them under
// other names (`dneck_declared_<name>`, for their types) and each is defined here as a call
// through a pointer looked up once. A function not defined here is not reachable.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define cblas_ddot dneck_declared_cblas_ddot
#define cblas_dgemm dneck_declared_cblas_dgemm
#define cblas_sgemm dneck_declared_cblas_sgemm
#define cblas_dsyrk dneck_declared_cblas_dsyrk
#define cblas_ssyrk dneck_declared_cblas_ssyrk
#define openblas_set_num_threads dneck_declared_openblas_set_num_threads
#include <cblas.h>
#undef cblas_ddot
#undef cblas_dgemm
#undef cblas_sgemm
#undef cblas_dsyrk
#undef cblas_ssyrk
#undef openblas_set_num_threads

void dneck_declared_dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                            double *work, const int *lwork, int *iwork, const int *liwork, int *info);

#define DNECK_BLAS_SONAME "libopenblas.so.0"

// (Globals in a header are not emitted for Swift; statics inside inline functions are.)
static inline void **dneck_blas_library(void) {
    static void *library;
    return &library;
}

static inline void dneck_blas_open(void) { *dneck_blas_library() = dlopen(DNECK_BLAS_SONAME, RTLD_NOW | RTLD_LOCAL); }

/// The address of OpenBLAS's function `name`. Without the library (the executable used to be
/// refused at start-up then) the process ends with one line on stderr.
static inline void *dneck_blas_symbol(const char *name) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, dneck_blas_open);
    void *library = *dneck_blas_library();
    void *symbol = library ? dlsym(library, name) : NULL;
    if (!symbol) {
        const char *why = dlerror();
        fprintf(stderr, "dneck-plot: error: cannot load %s from %s: %s\n", name, DNECK_BLAS_SONAME, why ? why : "not found");
        exit(1);
    }
    return symbol;
}

/// `dneck_blas_<name>()`: OpenBLAS's `name`, looked up on the first call.
#define DNECK_BLAS_FUNCTION(name) \
    static inline __typeof__(dneck_declared_##name) *dneck_blas_##name(void) { \
        static __typeof__(dneck_declared_##name) *function; \
        __typeof__(dneck_declared_##name) *found = __atomic_load_n(&function, __ATOMIC_ACQUIRE); \
        if (!found) { \
            found = (__typeof__(dneck_declared_##name) *)dneck_blas_symbol(#name); \
            __atomic_store_n(&function, found, __ATOMIC_RELEASE); \
        } \
        return found; \
    }

DNECK_BLAS_FUNCTION(cblas_ddot)
DNECK_BLAS_FUNCTION(cblas_dgemm)
DNECK_BLAS_FUNCTION(cblas_sgemm)
DNECK_BLAS_FUNCTION(cblas_dsyrk)
DNECK_BLAS_FUNCTION(cblas_ssyrk)
DNECK_BLAS_FUNCTION(openblas_set_num_threads)
DNECK_BLAS_FUNCTION(dsyevd_)

static inline double cblas_ddot(const blasint n, const double *x, const blasint incx, const double *y, const blasint incy) {
    return dneck_blas_cblas_ddot()(n, x, incx, y, incy);
}

static inline void cblas_dgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE transA, const enum CBLAS_TRANSPOSE transB,
                               const blasint m, const blasint n, const blasint k, const double alpha, const double *a,
                               const blasint lda, const double *b, const blasint ldb, const double beta, double *c, const blasint ldc) {
    dneck_blas_cblas_dgemm()(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static inline void cblas_sgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE transA, const enum CBLAS_TRANSPOSE transB,
                               const blasint m, const blasint n, const blasint k, const float alpha, const float *a,
                               const blasint lda, const float *b, const blasint ldb, const float beta, float *c, const blasint ldc) {
    dneck_blas_cblas_sgemm()(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static inline void cblas_dsyrk(const enum CBLAS_ORDER order, const enum CBLAS_UPLO uplo, const enum CBLAS_TRANSPOSE trans,
                               const blasint n, const blasint k, const double alpha, const double *a, const blasint lda,
                               const double beta, double *c, const blasint ldc) {
    dneck_blas_cblas_dsyrk()(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
}

static inline void cblas_ssyrk(const enum CBLAS_ORDER order, const enum CBLAS_UPLO uplo, const enum CBLAS_TRANSPOSE trans,
                               const blasint n, const blasint k, const float alpha, const float *a, const blasint lda,
                               const float beta, float *c, const blasint ldc) {
    dneck_blas_cblas_ssyrk()(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
}

/// OpenBLAS's own thread count for the calls that follow. Callers that run GEMMs on every core
/// themselves set it to 1, so the two kinds of parallelism do not oversubscribe the cores.
static inline void dneck_blas_set_threads(int count) { dneck_blas_openblas_set_num_threads()(count); }

/// LAPACK dsyevd: eigenvalues (and, with jobz = 'V', eigenvectors) of a real symmetric matrix
/// by divide and conquer; Fortran calling convention, column-major, every argument by pointer.
static inline void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                           double *work, const int *lwork, int *iwork, const int *liwork, int *info) {
    dneck_blas_dsyevd_()(jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info);
}

#endif
