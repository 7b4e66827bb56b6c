#ifndef DNECK_COPENBLAS_SHIM_H
#define DNECK_COPENBLAS_SHIM_H
// OpenBLAS: CBLAS (cblas_dgemm, cblas_dsyrk) for the KDE estimator's pairwise distances, and
// LAPACK's dsyevd (symmetric eigenvalues), which OpenBLAS ships, declared for estimators that
// need a spectrum. Headers come from pkg-config `openblas` (Debian: libopenblas-dev).
#include <cblas.h>

/// OpenBLAS's own thread count for the calls that follow. Callers that run GEMMs on every core
/// themselves set it to 1, so the two kinds of parallelism do not oversubscribe the cores.
static inline void dneck_blas_set_threads(int count) { openblas_set_num_threads(count); }

/// LAPACK dsyevd: eigenvalues (and, with jobz = 'V', eigenvectors) of a real symmetric matrix
/// by divide and conquer; Fortran calling convention, column-major, every argument by pointer.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

#endif
