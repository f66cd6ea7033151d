#include "cmpi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *MPI_Handle;  // MPI_Comm, MPI_Datatype, MPI_Op: pointers in Open MPI's ABI
typedef void MPI_User_function(void *in, void *inout, int *len, MPI_Handle *type);

static struct {
    int (*init)(int *, char ***);
    int (*comm_rank)(MPI_Handle, int *);
    int (*comm_size)(MPI_Handle, int *);
    int (*allreduce)(const void *, void *, int, MPI_Handle, MPI_Handle, MPI_Handle);
    int (*bcast)(void *, int, MPI_Handle, int, MPI_Handle);
    int (*barrier)(MPI_Handle);
    int (*abort)(MPI_Handle, int);
    int (*finalize)(void);
    int (*op_create)(MPI_User_function *, int, MPI_Handle *);
    int (*error_string)(int, char *, int *);
    MPI_Handle world, floats, doubles, bytes, in_place;
    MPI_Handle sum_floats, sum_doubles;
} mpi;

static void add_floats(void *in, void *inout, int *len, MPI_Handle *type) {
    (void)type;
    const float *a = in;
    float *b = inout;
    for (int i = 0; i < *len; ++i) b[i] = a[i] + b[i];
}

static void add_doubles(void *in, void *inout, int *len, MPI_Handle *type) {
    (void)type;
    const double *a = in;
    double *b = inout;
    for (int i = 0; i < *len; ++i) b[i] = a[i] + b[i];
}

int gcnn_mpi_load(char *error, int capacity) {
    const char *names[3] = {getenv("GCNN_LIBMPI"), "libmpi.so.40", "libmpi.so"};
    void *library = NULL;
    const char *tried = "libmpi.so.40";
    for (int i = 0; i < 3 && !library; ++i) {
        if (!names[i] || !*names[i]) continue;
        tried = names[i];
        // RTLD_GLOBAL: Open MPI's own plug-ins resolve libmpi's symbols from the global scope.
        library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!library && i == 0) break;  // an explicit GCNN_LIBMPI that fails is the answer
    }
    if (!library) {
        snprintf(error, capacity, "cannot load %s (%s)", tried, dlerror());
        return 1;
    }
#define LOAD(field, symbol)                                                                    \
    do {                                                                                       \
        *(void **)&mpi.field = dlsym(library, symbol);                                         \
        if (!mpi.field) {                                                                      \
            snprintf(error, capacity, "%s has no %s: gcnn needs Open MPI (3.0 or later)", tried, symbol); \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)
    LOAD(init, "MPI_Init");
    LOAD(comm_rank, "MPI_Comm_rank");
    LOAD(comm_size, "MPI_Comm_size");
    LOAD(allreduce, "MPI_Allreduce");
    LOAD(bcast, "MPI_Bcast");
    LOAD(barrier, "MPI_Barrier");
    LOAD(abort, "MPI_Abort");
    LOAD(finalize, "MPI_Finalize");
    LOAD(op_create, "MPI_Op_create");
    LOAD(error_string, "MPI_Error_string");
    LOAD(world, "ompi_mpi_comm_world");
    LOAD(floats, "ompi_mpi_float");
    LOAD(doubles, "ompi_mpi_double");
    LOAD(bytes, "ompi_mpi_byte");
#undef LOAD
    mpi.in_place = (MPI_Handle)1;  // Open MPI's MPI_IN_PLACE
    return 0;
}

int gcnn_mpi_init(int *rank, int *size) {
    int code = mpi.init(NULL, NULL);
    if (code) return code;
    if ((code = mpi.comm_rank(mpi.world, rank))) return code;
    if ((code = mpi.comm_size(mpi.world, size))) return code;
    if ((code = mpi.op_create(add_floats, 0, &mpi.sum_floats))) return code;
    return mpi.op_create(add_doubles, 0, &mpi.sum_doubles);
}

int gcnn_mpi_sum_floats(float *values, int count) {
    return mpi.allreduce(mpi.in_place, values, count, mpi.floats, mpi.sum_floats, mpi.world);
}

int gcnn_mpi_sum_doubles(double *values, int count) {
    return mpi.allreduce(mpi.in_place, values, count, mpi.doubles, mpi.sum_doubles, mpi.world);
}

int gcnn_mpi_broadcast(void *bytes, int count, int root) { return mpi.bcast(bytes, count, mpi.bytes, root, mpi.world); }

int gcnn_mpi_barrier(void) { return mpi.barrier(mpi.world); }

void gcnn_mpi_abort(int code) {
    if (mpi.abort) mpi.abort(mpi.world, code);
    exit(code);
}

int gcnn_mpi_finalize(void) { return mpi.finalize(); }

void gcnn_mpi_error_string(int code, char *text, int capacity) {
    if (capacity < 1) return;
    text[0] = 0;
    if (!mpi.error_string) return;
    char buffer[512];
    int length = 0;
    if (mpi.error_string(code, buffer, &length) == 0) snprintf(text, capacity, "%.*s", length, buffer);
}
