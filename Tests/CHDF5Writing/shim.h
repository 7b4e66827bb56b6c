#ifndef DNECK_CHDF5_WRITING_SHIM_H
#define DNECK_CHDF5_WRITING_SHIM_H
// What only the tests need from libhdf5, to write the files they read: macros Swift cannot
// import, as accessors.
#include <hdf5/serial/hdf5.h>  // Debian's serial libhdf5 (no pkg-config: linked statically, see Package.swift)

static inline unsigned dneck_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t dneck_h5t_std_i64le(void) { H5open(); return H5T_STD_I64LE; }
static inline hid_t dneck_h5t_ieee_f32be(void) { H5open(); return H5T_IEEE_F32BE; }
static inline hid_t dneck_h5t_ieee_f64be(void) { H5open(); return H5T_IEEE_F64BE; }
static inline hid_t dneck_h5t_std_i32le(void) { H5open(); return H5T_STD_I32LE; }
/// IEEE half precision, little-endian, made as h5py makes it for numpy's float16 (libhdf5 1.10
/// has no predefined one); created once.
static inline hid_t dneck_h5t_ieee_f16le(void) {
    static hid_t type = -1;
    if (type < 0) {
        H5open();
        type = H5Tcopy(H5T_IEEE_F32LE);
        H5Tset_fields(type, 15, 10, 5, 0, 10);
        H5Tset_size(type, 2);
        H5Tset_ebias(type, 15);
    }
    return type;
}
static inline hid_t dneck_h5p_dataset_create(void) { H5open(); return H5P_DATASET_CREATE; }

#endif
