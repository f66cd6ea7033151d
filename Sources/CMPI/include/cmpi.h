// Open MPI, loaded at run time: gcnn links no MPI library, so one binary runs with or without Open MPI.
// Handles are Open MPI's (pointers to its predefined objects, found by dlsym); every call returns an MPI
// error code (0: success) unless noted.
#ifndef GCNN_CMPI_H
#define GCNN_CMPI_H

/// Loads libmpi (GCNN_LIBMPI, else libmpi.so.40, else libmpi.so) and its symbols. 0: loaded; otherwise a
/// reason is written to `error` (NUL-terminated, at most `capacity` bytes).
int gcnn_mpi_load(char *error, int capacity);
/// MPI_Init, then the world's rank and size and the ordered-sum operations.
int gcnn_mpi_init(int *rank, int *size);
/// Elementwise sum over every rank, in rank order (a non-commutative MPI operation, so the order of the
/// additions is fixed), delivered to every rank: MPI_Allreduce in place.
int gcnn_mpi_sum_floats(float *values, int count);
int gcnn_mpi_sum_doubles(double *values, int count);
/// MPI_Bcast of `count` bytes from `root`.
int gcnn_mpi_broadcast(void *bytes, int count, int root);
int gcnn_mpi_barrier(void);
/// MPI_Abort on the world: ends every rank.
void gcnn_mpi_abort(int code);
int gcnn_mpi_finalize(void);
/// MPI_Error_string into `text`.
void gcnn_mpi_error_string(int code, char *text, int capacity);

#endif
