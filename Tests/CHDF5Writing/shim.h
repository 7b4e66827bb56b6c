#ifndef DNECK_CHDF5_WRITING_SHIM_H
#define DNECK_CHDF5_WRITING_SHIM_H
// What only the tests need from libhdf5, to write the files they read: macros Swift cannot
// import, as accessors.
#include <hdf5.h>

static inline unsigned dneck_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t dneck_h5t_std_i64le(void) { H5open(); return H5T_STD_I64LE; }
static inline hid_t dneck_h5t_ieee_f32be(void) { H5open(); return H5T_IEEE_F32BE; }
static inline hid_t dneck_h5t_ieee_f64be(void) { H5open(); return H5T_IEEE_F64BE; }
static inline hid_t dneck_h5p_dataset_create(void) { H5open(); return H5P_DATASET_CREATE; }

#endif
