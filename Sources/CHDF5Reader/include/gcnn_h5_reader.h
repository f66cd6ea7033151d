#ifndef GCNN_H5_READER_H
#define GCNN_H5_READER_H
#include <stddef.h>
#include <stdint.h>

/// How a snapshot ended.
enum gcnn_h5_snapshot_status {
    GCNN_H5_SNAPSHOT_OK = 0,
    /// The reader ran past the time limit and was killed (libhdf5 loops on some damaged files).
    GCNN_H5_SNAPSHOT_TIMED_OUT = 1,
    /// The reader died of a signal (`*detail`): libhdf5 crashed on a damaged file.
    GCNN_H5_SNAPSHOT_CRASHED = 2,
    /// The reader gave up with exit code `*detail` (a `GCNN_H5_READER_*` code).
    GCNN_H5_SNAPSHOT_FAILED = 3,
    /// No reader process could be started (`*detail`: errno).
    GCNN_H5_SNAPSHOT_NOT_STARTED = 4,
};

/// The reader's exit codes other than 0.
enum {
    GCNN_H5_READER_CANNOT_OPEN = 10,
    GCNN_H5_READER_NO_ROOT = 11,
    GCNN_H5_READER_OUT_OF_MEMORY = 12,
    GCNN_H5_READER_WRITE_FAILED = 13,
};

/// The record tags of a snapshot stream (native byte order; strings are a u32 length and bytes).
enum {
    /// u32 group, u32 links: the group's links follow as LINK records (in name order).
    GCNN_H5_RECORD_GROUP = 1,
    /// u32 group, string name, i32 kind (1 group, 2 dataset, -1 neither or unreadable), u32 target object.
    GCNN_H5_RECORD_LINK = 2,
    /// u32 object, string name, i64 result (string count, -3 not a string, -1 unreadable), string bytes
    /// (the strings one after another, each NUL-terminated).
    GCNN_H5_RECORD_ATTRIBUTE = 3,
    /// u32 object: its attributes could not all be listed.
    GCNN_H5_RECORD_ATTRIBUTES_INCOMPLETE = 4,
    /// u32 dataset, i32 rank (-1: unreadable shape), u64 dims[rank], i32 is_float, i32 values (1: u64 count
    /// and count f32 follow; 0: not read, too large; -1: the read failed).
    GCNN_H5_RECORD_DATASET = 5,
    /// u32 group whose links cannot be listed.
    GCNN_H5_RECORD_GROUP_UNLISTABLE = 6,
    /// The end of a complete snapshot.
    GCNN_H5_RECORD_END = 7,
};

/// Reads the HDF5 file in `bytes` in a child process and returns, malloc'ed in `*out` (`*out_size` bytes),
/// a stream of records: every group's links, every object's attributes read as strings, and every float
/// dataset of at most `max_values` values (at most `max_total_values` in all) read as float32. Object 0 is
/// the root group. libhdf5 can crash or loop forever on a damaged file; in the child that costs nothing
/// but the child, which is killed after `seconds`. Returns a `gcnn_h5_snapshot_status`.
int gcnn_h5_snapshot(const void *bytes, size_t size, uint64_t max_values, uint64_t max_total_values,
                     double seconds, unsigned char **out, size_t *out_size, int *detail);

#endif
