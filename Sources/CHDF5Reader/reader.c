#define _GNU_SOURCE
#include "gcnn_h5_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_OBJECTS = 20000, MAX_DEPTH = 64, MAX_LINKS = 1000000, MAX_ATTRIBUTES = 100000 };
static const size_t max_attribute_bytes = (size_t)64 << 20, max_all_attribute_bytes = (size_t)512 << 20;

/// The child's state: its buffered output and the objects it has met (by address in the file).
typedef struct {
    int fd;
    unsigned char buffer[1 << 16];
    size_t used;
    int failed;
    unsigned char (*keys)[16];
    uint32_t objects;
    uint64_t max_values, values_left;
    size_t attribute_bytes;
} dumper;

static void flush_buffer(dumper *d) {
    size_t at = 0;
    while (at < d->used && !d->failed) {
        ssize_t n = write(d->fd, d->buffer + at, d->used - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { d->failed = 1; break; }
        at += (size_t)n;
    }
    d->used = 0;
}

static void put(dumper *d, const void *bytes, size_t n) {
    const unsigned char *p = bytes;
    while (n > 0 && !d->failed) {
        if (d->used == sizeof d->buffer) flush_buffer(d);
        size_t chunk = sizeof d->buffer - d->used < n ? sizeof d->buffer - d->used : n;
        memcpy(d->buffer + d->used, p, chunk);
        d->used += chunk; p += chunk; n -= chunk;
    }
}
static void put_u8(dumper *d, uint8_t v) { put(d, &v, 1); }
static void put_u32(dumper *d, uint32_t v) { put(d, &v, 4); }
static void put_i32(dumper *d, int32_t v) { put(d, &v, 4); }
static void put_i64(dumper *d, int64_t v) { put(d, &v, 8); }
static void put_u64(dumper *d, uint64_t v) { put(d, &v, 8); }
static void put_string(dumper *d, const char *s, size_t n) { put_u32(d, (uint32_t)n); put(d, s, n); }

/// The object's identity in the file (its header address), or -1.
static int object_key(hid_t object, unsigned char key[16]) {
    memset(key, 0, 16);
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_BASIC) < 0) return -1;
    memcpy(key, &info.token, sizeof info.token < 16 ? sizeof info.token : 16);
#else
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) return -1;
    memcpy(key, &info.addr, sizeof info.addr);
#endif
    return 0;
}

/// Reads attribute `name` of `object` as strings (a scalar or a 1-D array; fixed or variable length),
/// NUL-terminated one after another in `*out` (`*length` bytes). Returns the string count, -3 if it is not a
/// string, -1 on another failure.
static long long read_string_attribute(hid_t object, const char *name, char **out, size_t *length, size_t max_bytes) {
    *out = NULL; *length = 0;
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return -1;
    long long result = -1;
    hid_t type = H5Aget_type(attribute), space = H5Aget_space(attribute), memtype = -1;
    if (type < 0 || space < 0) goto done;
    int rank = H5Sget_simple_extent_ndims(space);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (rank < 0 || rank > 1 || count < 0 || count > 1000000) goto done;
    // h5py writes an empty list as an empty float64 array (Keras 2's weight_names of a layer without weights).
    if (count == 0) { result = 0; goto done; }
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

typedef struct { dumper *d; uint32_t id; int count; } attribute_walk;

static herr_t dump_attribute(hid_t object, const char *name, const H5A_info_t *info, void *context) {
    (void)info;
    attribute_walk *walk = context;
    dumper *d = walk->d;
    if (++walk->count > MAX_ATTRIBUTES) return -1;
    char *bytes = NULL;
    size_t length = 0;
    size_t budget = max_all_attribute_bytes - d->attribute_bytes;
    long long result = read_string_attribute(object, name, &bytes, &length,
                                             budget < max_attribute_bytes ? budget : max_attribute_bytes);
    d->attribute_bytes += length;
    put_u8(d, GCNN_H5_RECORD_ATTRIBUTE);
    put_u32(d, walk->id);
    put_string(d, name, strlen(name));
    put_i64(d, result);
    put_string(d, bytes ? bytes : "", length);
    free(bytes);
    return d->failed ? -1 : 0;
}

static void dump_attributes(dumper *d, hid_t object, uint32_t id) {
    attribute_walk walk = {d, id, 0};
    hsize_t index = 0;
    if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, dump_attribute, &walk) < 0) {
        put_u8(d, GCNN_H5_RECORD_ATTRIBUTES_INCOMPLETE);
        put_u32(d, id);
    }
}

static void dump_dataset(dumper *d, hid_t dataset, uint32_t id) {
    put_u8(d, GCNN_H5_RECORD_DATASET);
    put_u32(d, id);
    hid_t space = H5Dget_space(dataset), type = H5Dget_type(dataset);
    hsize_t dims[8];
    int rank = -1, is_float = 0;
    if (space >= 0 && type >= 0) {
        int r = H5Sget_simple_extent_ndims(space);
        if (r >= 0 && r <= 8 && H5Sget_simple_extent_dims(space, dims, NULL) >= 0) rank = r;
        is_float = H5Tget_class(type) == H5T_FLOAT;
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    put_i32(d, rank);
    if (rank < 0) return;
    uint64_t count = 1;
    int fits = 1;
    for (int i = 0; i < rank; i++) {
        put_u64(d, dims[i]);
        if (dims[i] != 0 && count > d->max_values / dims[i]) fits = 0;
        else count *= dims[i];
    }
    put_i32(d, is_float);
    if (!is_float) return;
    if (!fits || count > d->max_values || count > d->values_left) { put_i32(d, 0); return; }
    float *values = count ? malloc((size_t)count * sizeof(float)) : NULL;
    if (count && !values) { put_i32(d, 0); return; }
    if (count && H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
        free(values);
        put_i32(d, -1);
        return;
    }
    d->values_left -= count;
    put_i32(d, 1);
    put_u64(d, count);
    put(d, values, (size_t)count * sizeof(float));
    free(values);
}

/// The id of the object with `key`, and whether it was met before; UINT32_MAX when there are too many.
static uint32_t register_object(dumper *d, const unsigned char key[16], int *seen) {
    for (uint32_t i = 0; i < d->objects; i++) {
        if (memcmp(d->keys[i], key, 16) == 0) { *seen = 1; return i; }
    }
    *seen = 0;
    if (d->objects == MAX_OBJECTS) return UINT32_MAX;
    memcpy(d->keys[d->objects], key, 16);
    return d->objects++;
}

static void dump_object(dumper *d, hid_t object, uint32_t id, int depth);

static void dump_group(dumper *d, hid_t group, uint32_t id, int depth) {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0 || info.nlinks > MAX_LINKS) {
        put_u8(d, GCNN_H5_RECORD_GROUP_UNLISTABLE);
        put_u32(d, id);
        return;
    }
    hsize_t count = info.nlinks;
    char **names = calloc(count ? (size_t)count : 1, sizeof(char *));
    if (!names) { d->failed = 1; return; }
    int listed = 1;
    for (hsize_t i = 0; i < count && listed; i++) {
        ssize_t size = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        if (size < 0 || size > 65536 || !(names[i] = malloc((size_t)size + 1))) { listed = 0; break; }
        if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, names[i], (size_t)size + 1, H5P_DEFAULT) < 0) listed = 0;
        else names[i][size] = 0;
    }
    if (!listed) {
        put_u8(d, GCNN_H5_RECORD_GROUP_UNLISTABLE);
        put_u32(d, id);
    } else {
        put_u8(d, GCNN_H5_RECORD_GROUP);
        put_u32(d, id);
        put_u32(d, (uint32_t)count);
        for (hsize_t i = 0; i < count && !d->failed; i++) {
            int32_t kind = -1;
            uint32_t target = 0;
            hid_t child = H5Oopen(group, names[i], H5P_DEFAULT);
            unsigned char key[16];
            int seen = 0;
            if (child >= 0 && depth < MAX_DEPTH && object_key(child, key) == 0) {
                H5I_type_t type = H5Iget_type(child);
                if (type == H5I_GROUP || type == H5I_DATASET) {
                    target = register_object(d, key, &seen);
                    if (target != UINT32_MAX) kind = type == H5I_GROUP ? 1 : 2;
                    else target = 0;
                }
            }
            put_u8(d, GCNN_H5_RECORD_LINK);
            put_u32(d, id);
            put_string(d, names[i], strlen(names[i]));
            put_i32(d, kind);
            put_u32(d, target);
            if (kind > 0 && !seen) dump_object(d, child, target, depth + 1);
            if (child >= 0) H5Oclose(child);
        }
    }
    for (hsize_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

static void dump_object(dumper *d, hid_t object, uint32_t id, int depth) {
    dump_attributes(d, object, id);
    if (H5Iget_type(object) == H5I_DATASET) dump_dataset(d, object, id);
    else dump_group(d, object, id, depth);
}

/// The child's work: open the image, write every record, end with END. Returns the exit code.
static int dump_file(const void *bytes, size_t size, uint64_t max_values, uint64_t max_total_values, int fd) {
    if (H5open() < 0) return GCNN_H5_READER_CANNOT_OPEN;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    dumper *d = calloc(1, sizeof *d);
    if (!d || !(d->keys = calloc(MAX_OBJECTS, 16))) return GCNN_H5_READER_OUT_OF_MEMORY;
    d->fd = fd;
    d->max_values = max_values;
    d->values_left = max_total_values;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t file = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 && H5Pset_file_image(fapl, (void *)bytes, size) >= 0)
        file = H5Fopen("gcnn-image.h5", H5F_ACC_RDONLY, fapl);
    if (file < 0) return GCNN_H5_READER_CANNOT_OPEN;
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    unsigned char key[16];
    int seen = 0;
    if (root < 0 || object_key(root, key) < 0) return GCNN_H5_READER_NO_ROOT;
    register_object(d, key, &seen);
    dump_object(d, root, 0, 0);
    put_u8(d, GCNN_H5_RECORD_END);
    flush_buffer(d);
    return d->failed ? GCNN_H5_READER_WRITE_FAILED : 0;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int wait_for(pid_t pid, int *status) {
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return 0;
}

int gcnn_h5_snapshot(const void *bytes, size_t size, uint64_t max_values, uint64_t max_total_values,
                     double seconds, unsigned char **out, size_t *out_size, int *detail) {
    *out = NULL; *out_size = 0; *detail = 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) { *detail = errno; return GCNN_H5_SNAPSHOT_NOT_STARTED; }
    pid_t pid = fork();
    if (pid < 0) {
        *detail = errno;
        close(fds[0]); close(fds[1]);
        return GCNN_H5_SNAPSHOT_NOT_STARTED;
    }
    if (pid == 0) {
        // A crash here must end only this process, silently: no inherited crash reporter or stop handler.
        int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGINT, SIGTERM, SIGPIPE};
        for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], SIG_DFL);
        // Nor a word on the terminal: glibc reports the heap damage it detects on standard error.
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 2) close(null); }
        close(fds[0]);
        _exit(dump_file(bytes, size, max_values, max_total_values, fds[1]));
    }
    close(fds[1]);
    size_t capacity = 1 << 16, used = 0;
    unsigned char *buffer = malloc(capacity);
    int result = GCNN_H5_SNAPSHOT_OK;
    double deadline = now_seconds() + seconds;
    while (buffer) {
        double left = deadline - now_seconds();
        if (left <= 0) { result = GCNN_H5_SNAPSHOT_TIMED_OUT; break; }
        struct pollfd p = {fds[0], POLLIN, 0};
        int ready = poll(&p, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) { *detail = errno; result = GCNN_H5_SNAPSHOT_NOT_STARTED; break; }
        if (ready == 0) continue;
        if (used == capacity) {
            unsigned char *grown = capacity < ((size_t)1 << 34) ? realloc(buffer, capacity * 2) : NULL;
            if (!grown) { free(buffer); buffer = NULL; break; }
            buffer = grown; capacity *= 2;
        }
        ssize_t n = read(fds[0], buffer + used, capacity - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        used += (size_t)n;
    }
    close(fds[0]);
    if (!buffer || result != GCNN_H5_SNAPSHOT_OK) kill(pid, SIGKILL);
    int status = 0;
    if (wait_for(pid, &status) < 0 && result == GCNN_H5_SNAPSHOT_OK) { *detail = errno; result = GCNN_H5_SNAPSHOT_NOT_STARTED; }
    if (!buffer && result == GCNN_H5_SNAPSHOT_OK) { *detail = GCNN_H5_READER_OUT_OF_MEMORY; result = GCNN_H5_SNAPSHOT_FAILED; }
    if (result == GCNN_H5_SNAPSHOT_OK) {
        if (WIFSIGNALED(status)) { *detail = WTERMSIG(status); result = GCNN_H5_SNAPSHOT_CRASHED; }
        else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) { *detail = WEXITSTATUS(status); result = GCNN_H5_SNAPSHOT_FAILED; }
    }
    if (result != GCNN_H5_SNAPSHOT_OK) { free(buffer); return result; }
    *out = buffer; *out_size = used;
    return GCNN_H5_SNAPSHOT_OK;
}
