#ifndef DNECK_CHDF5_SHIM_H
#define DNECK_CHDF5_SHIM_H
// libhdf5, plus accessors for what Swift cannot import: cast macros and the
// H5T_NATIVE_* globals (which are -1 until H5open() runs).
#include <hdf5/serial/hdf5.h>  // Debian's serial libhdf5 (no pkg-config: linked statically, see Package.swift)

static inline hid_t dneck_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t dneck_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t dneck_h5s_all(void) { return H5S_ALL; }
static inline unsigned dneck_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned dneck_h5f_acc_swmr_read(void) { return H5F_ACC_SWMR_READ; }

/// A file access property list for single-writer/multiple-reader reads: libver (v110, latest),
/// as the format_version 2 writer creates its files. The caller closes it.
static inline hid_t dneck_h5p_swmr_file_access(void) {
    H5open();
    hid_t plist = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(plist, H5F_LIBVER_V110, H5F_LIBVER_LATEST);
    return plist;
}
static inline hid_t dneck_h5t_native_double(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t dneck_h5t_native_float(void) { H5open(); return H5T_NATIVE_FLOAT; }
static inline hid_t dneck_h5t_native_int64(void) { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t dneck_h5t_c_s1(void) { H5open(); return H5T_C_S1; }
static inline hid_t dneck_h5t_ieee_f32le(void) { H5open(); return H5T_IEEE_F32LE; }
static inline hid_t dneck_h5t_ieee_f64le(void) { H5open(); return H5T_IEEE_F64LE; }
static inline size_t dneck_h5t_variable(void) { return H5T_VARIABLE; }
static inline haddr_t dneck_haddr_undef(void) { return HADDR_UNDEF; }

/// Refuses to traverse an external link (libhdf5 would otherwise open the other file itself,
/// even a FIFO or a device).
static inline herr_t dneck_refuse_external_link(const char *parent_file, const char *parent_group,
                                                const char *child_file, const char *child_object,
                                                unsigned *flags, hid_t fapl, void *data) {
    (void)parent_file; (void)parent_group; (void)child_file; (void)child_object;
    (void)flags; (void)fapl; (void)data;
    return -1;
}

/// Access property lists (for links, datasets, groups) that refuse every external link.
static inline hid_t dneck_h5p_local_access(hid_t cls) {
    hid_t plist = H5Pcreate(cls);
    H5Pset_elink_cb(plist, dneck_refuse_external_link, NULL);
    return plist;
}
static inline hid_t dneck_h5p_local_link_access(void) { H5open(); return dneck_h5p_local_access(H5P_LINK_ACCESS); }
static inline hid_t dneck_h5p_local_dataset_access(void) { H5open(); return dneck_h5p_local_access(H5P_DATASET_ACCESS); }
static inline hid_t dneck_h5p_local_group_access(void) { H5open(); return dneck_h5p_local_access(H5P_GROUP_ACCESS); }

#endif
