#ifndef GCNN_CHDF5_SHIM_H
#define GCNN_CHDF5_SHIM_H
// libhdf5's predefined types, property lists and flags are macros Swift cannot import; these inline
// functions name them. File images (the core driver) let gcnn write HDF5 bytes in memory; files gcnn reads
// are read in a child process by CHDF5Reader.
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

/// Opens the library and turns off its automatic error-stack printing (gcnn reports failures in one line).
/// No exit handler: gcnn holds files in memory only, so there is nothing to flush at exit.
static inline herr_t gcnn_h5_init(void) {
    if (H5dont_atexit() < 0) return -1;
    if (H5open() < 0) return -1;
    return H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
/// Turns off error-stack printing for the calling thread (a thread-safe libhdf5 keeps it per thread).
static inline herr_t gcnn_h5_quiet_thread(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline hid_t gcnn_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t gcnn_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t gcnn_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }

/// A new, empty file held in memory; `gcnn_h5_image` returns its bytes.
static inline hid_t gcnn_h5_create_image(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    hid_t file = -1;
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0)
        file = H5Fcreate("gcnn-new.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    return file;
}

/// The bytes of an in-memory file (malloc'ed into `*out`, the caller frees); -1 on failure.
static inline ssize_t gcnn_h5_image(hid_t file, void **out) {
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) return -1;
    ssize_t size = H5Fget_file_image(file, NULL, 0);
    if (size <= 0) return -1;
    void *buffer = malloc((size_t)size);
    if (!buffer) return -1;
    if (H5Fget_file_image(file, buffer, (size_t)size) != size) { free(buffer); return -1; }
    *out = buffer;
    return size;
}

/// Writes a scalar variable-length UTF-8 string attribute; negative on failure.
static inline herr_t gcnn_h5_write_string_attribute(hid_t object, const char *name, const char *value) {
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) return -1;
    herr_t status = -1;
    hid_t space = H5Screate(H5S_SCALAR);
    if (space >= 0 && H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
        hid_t attribute = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (attribute >= 0) {
            status = H5Awrite(attribute, type, &value);
            H5Aclose(attribute);
        }
    }
    if (space >= 0) H5Sclose(space);
    H5Tclose(type);
    return status;
}

/// Creates dataset `name` in `loc`: little-endian float32 of shape `dims` (rank 0: a scalar), from `values`.
static inline herr_t gcnn_h5_write_floats(hid_t loc, const char *name, int rank, const hsize_t *dims, const float *values) {
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    if (space < 0) return -1;
    herr_t status = -1;
    hid_t dataset = H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (dataset >= 0) {
        status = H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
        H5Dclose(dataset);
    }
    H5Sclose(space);
    return status;
}
#endif
