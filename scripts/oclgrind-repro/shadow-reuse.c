// oclgrind's --uninitialized check keeps a buffer's shadow memory after clReleaseMemObject, and oclgrind
// reuses the released buffer's address for the next clCreateBuffer: the new buffer inherits the old
// shadow (its size and its state). Usage: shadow-reuse MODE, run as `oclgrind --uninitialized shadow-reuse MODE`.
//   keep:   A (2 floats) written by a kernel and kept; B (9 floats) written by a kernel, then read: 0 reports.
//   reuse:  the same with A released before B is created: B's floats 2–8 are reported uninitialised.
//   fresh:  B never written, then read (A kept): 9 reports, as they should be.
//   hidden: A (9 floats) written and released, B never written, then read: 0 reports, where 9 are due.
// The kernels' results are checked in every mode; the program exits non-zero if any is wrong.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* source =
    "__kernel void write_n(__global float* b, int n) {\n"
    "    const int i = get_global_id(0);\n"
    "    if (i < n) b[i] = (float)i;\n"
    "}\n"
    "__kernel void copy_n(__global const float* src, __global float* dst, int n) {\n"
    "    const int i = get_global_id(0);\n"
    "    if (i < n) dst[i] = src[i] + 1.0f;\n"
    "}\n";

#define CHECK(call) do { cl_int s_ = (call); if (s_ != CL_SUCCESS) { fprintf(stderr, "%s: %d\n", #call, s_); exit(2); } } while (0)

static cl_context context; static cl_command_queue queue; static cl_kernel writeN, copyN;

static cl_mem buffer(int n) {
    cl_int status;
    cl_mem b = clCreateBuffer(context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &status);
    CHECK(status);
    return b;
}

static void run(cl_kernel k, int n) {
    size_t global = (size_t)n;
    CHECK(clEnqueueNDRangeKernel(queue, k, 1, NULL, &global, NULL, 0, NULL, NULL));
    CHECK(clFinish(queue));
}

static void writeAll(cl_mem b, int n) {
    CHECK(clSetKernelArg(writeN, 0, sizeof b, &b)); CHECK(clSetKernelArg(writeN, 1, sizeof n, &n));
    run(writeN, n);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    int keep = !strcmp(mode, "keep"), reuse = !strcmp(mode, "reuse"), fresh = !strcmp(mode, "fresh"),
        hidden = !strcmp(mode, "hidden");
    if (!keep && !reuse && !fresh && !hidden) { fprintf(stderr, "usage: %s keep|reuse|fresh|hidden\n", argv[0]); return 2; }
    cl_platform_id platform; cl_device_id device; cl_int status;
    CHECK(clGetPlatformIDs(1, &platform, NULL));
    CHECK(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    context = clCreateContext(NULL, 1, &device, NULL, NULL, &status); CHECK(status);
    queue = clCreateCommandQueue(context, device, 0, &status); CHECK(status);
    cl_program program = clCreateProgramWithSource(context, 1, &source, NULL, &status); CHECK(status);
    CHECK(clBuildProgram(program, 1, &device, "", NULL, NULL));
    writeN = clCreateKernel(program, "write_n", &status); CHECK(status);
    copyN = clCreateKernel(program, "copy_n", &status); CHECK(status);

    const int small = hidden ? 9 : 2, n = 9;
    cl_mem a = buffer(small);
    writeAll(a, small);
    if (reuse || hidden) CHECK(clReleaseMemObject(a));
    cl_mem b = buffer(n), c = buffer(n);
    if (!fresh && !hidden) writeAll(b, n);
    CHECK(clSetKernelArg(copyN, 0, sizeof b, &b)); CHECK(clSetKernelArg(copyN, 1, sizeof c, &c));
    CHECK(clSetKernelArg(copyN, 2, sizeof n, &n));
    run(copyN, n);

    float out[9];
    CHECK(clEnqueueReadBuffer(queue, c, CL_TRUE, 0, sizeof out, out, 0, NULL, NULL));
    int wrong = 0;
    // oclgrind zero-fills new buffers, so B's values are i when written and 0 when not.
    for (int i = 0; i < n; ++i) wrong += out[i] != (fresh || hidden ? 1.0f : (float)i + 1.0f);
    printf("%s: %s\n", mode, wrong ? "WRONG results" : "results as expected");
    return wrong ? 1 : 0;
}
