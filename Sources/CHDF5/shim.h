#ifndef GCNN_CHDF5_SHIM_H
#define GCNN_CHDF5_SHIM_H
// libhdf5's predefined types, property lists and flags are macros Swift cannot import; these inline
// functions name them. File images (the core driver) let gcnn read and write HDF5 bytes in memory.
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

/// Opens the library and turns off its automatic error-stack printing (gcnn reports failures in one line).
/// No exit handler: libhdf5's would wait forever on a thread stuck in a damaged file (gcnn holds files in
/// memory only, so there is nothing to flush at exit).
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

/// A read-only file over `size` bytes at `bytes` (copied by the library), or a negative id.
static inline hid_t gcnn_h5_open_image(const void *bytes, size_t size) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    hid_t file = -1;
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 && H5Pset_file_image(fapl, (void *)bytes, size) >= 0)
        file = H5Fopen("gcnn-image.h5", H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return file;
}

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

/// 1 if `loc` has a link `name` to a group, 2 to a dataset, 0 if none, -1 for anything else or an error.
static inline int gcnn_h5_child_kind(hid_t loc, const char *name) {
    htri_t exists = H5Lexists(loc, name, H5P_DEFAULT);
    if (exists <= 0) return exists == 0 ? 0 : -1;
    hid_t object = H5Oopen(loc, name, H5P_DEFAULT);
    if (object < 0) return -1;
    H5I_type_t type = H5Iget_type(object);
    H5Oclose(object);
    return type == H5I_GROUP ? 1 : type == H5I_DATASET ? 2 : -1;
}

/// The number of links in group `group`, or -1.
static inline long long gcnn_h5_link_count(hid_t group) {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0) return -1;
    return (long long)info.nlinks;
}

/// The name of link `index` (by name order) of `group`, malloc'ed into `*out`; -1 on failure.
static inline int gcnn_h5_link_name(hid_t group, hsize_t index, char **out) {
    ssize_t size = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, NULL, 0, H5P_DEFAULT);
    if (size < 0 || size > 65536) return -1;
    char *name = malloc((size_t)size + 1);
    if (!name) return -1;
    if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, name, (size_t)size + 1, H5P_DEFAULT) < 0) {
        free(name); return -1;
    }
    name[size] = 0;
    *out = name;
    return 0;
}

/// Reads string attribute `name` of `object` (a scalar or a 1-D array; fixed or variable length) as
/// `count` NUL-terminated strings one after another, malloc'ed into `*out` (`*length` bytes). Returns the
/// string count, -2 if there is no such attribute, -3 if it is not a string, -1 on another failure.
static inline long long gcnn_h5_read_string_attribute(hid_t object, const char *name, char **out, size_t *length,
                                                      size_t max_bytes) {
    htri_t exists = H5Aexists(object, name);
    if (exists == 0) return -2;
    if (exists < 0) return -1;
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return -1;
    long long result = -1;
    hid_t type = H5Aget_type(attribute), space = H5Aget_space(attribute), memtype = -1;
    if (type < 0 || space < 0) goto done;
    int rank = H5Sget_simple_extent_ndims(space);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (rank < 0 || rank > 1 || count < 0 || count > 1000000) goto done;
    // h5py writes an empty list as an empty float64 array (Keras 2's weight_names of a layer without weights).
    if (count == 0) { *out = NULL; *length = 0; result = 0; goto done; }
    if (H5Tget_class(type) != H5T_STRING) { result = -3; goto done; }
    htri_t variable = H5Tis_variable_str(type);
    if (variable < 0) goto done;
    memtype = H5Tcopy(H5T_C_S1);
    if (memtype < 0) goto done;
    if (variable) {
        if (H5Tset_size(memtype, H5T_VARIABLE) < 0) goto done;
        char **strings = calloc((size_t)count + 1, sizeof(char *));
        if (!strings) goto done;
        if (H5Aread(attribute, memtype, strings) < 0) { free(strings); goto done; }
        size_t total = 0;
        for (hssize_t i = 0; i < count; i++) total += (strings[i] ? strlen(strings[i]) : 0) + 1;
        char *joined = total <= max_bytes ? malloc(total + 1) : NULL;
        if (joined) {
            size_t at = 0;
            for (hssize_t i = 0; i < count; i++) {
                size_t n = strings[i] ? strlen(strings[i]) : 0;
                if (n) memcpy(joined + at, strings[i], n);
                joined[at + n] = 0;
                at += n + 1;
            }
            *out = joined; *length = total; result = count;
        }
        H5Dvlen_reclaim(memtype, space, H5P_DEFAULT, strings);
        free(strings);
    } else {
        size_t size = H5Tget_size(type);
        if (size == 0 || size > max_bytes || (size_t)count * (size + 1) > max_bytes) goto done;
        if (H5Tset_size(memtype, size + 1) < 0 || H5Tset_strpad(memtype, H5T_STR_NULLTERM) < 0) goto done;
        char *raw = calloc((size_t)count * (size + 1) + 1, 1);
        if (!raw) goto done;
        if (H5Aread(attribute, memtype, raw) < 0) { free(raw); goto done; }
        char *joined = malloc((size_t)count * (size + 1) + 1);
        if (!joined) { free(raw); goto done; }
        size_t at = 0;
        for (hssize_t i = 0; i < count; i++) {
            const char *s = raw + (size_t)i * (size + 1);
            size_t n = strnlen(s, size);
            memcpy(joined + at, s, n);
            joined[at + n] = 0;
            at += n + 1;
        }
        free(raw);
        *out = joined; *length = at; result = count;
    }
done:
    if (memtype >= 0) H5Tclose(memtype);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attribute);
    return result;
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

/// The rank and dimensions (up to 8) of dataset `dataset`, and whether its type is a float; -1 on failure.
static inline int gcnn_h5_dataset_shape(hid_t dataset, hsize_t dims[8], int *is_float) {
    hid_t space = H5Dget_space(dataset), type = H5Dget_type(dataset);
    int rank = -1;
    if (space >= 0 && type >= 0) {
        int r = H5Sget_simple_extent_ndims(space);
        if (r >= 0 && r <= 8 && H5Sget_simple_extent_dims(space, dims, NULL) >= 0) rank = r;
        *is_float = H5Tget_class(type) == H5T_FLOAT;
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    return rank;
}

/// Reads a whole float dataset as native float32 into `out` (`count` values).
static inline herr_t gcnn_h5_read_floats(hid_t dataset, float *out) {
    return H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
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
