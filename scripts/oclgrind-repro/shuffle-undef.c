// oclgrind's --uninitialized check mishandles a `shufflevector` whose mask has an undefined lane: LLVM marks
// such a lane -1, the check compares it with an unrelated constant (llvm::Value::UndefValueVal), takes it for
// lane -9 of the second operand and copies shadow from ~4 GiB past it: garbage, or a SIGSEGV. Clang emits that
// shuffle for the last step of a horizontal sum, `b.x + b.y` of a float2 (only lane 0 of the shuffled sum is
// used, so the other lane is left undefined). Usage: `oclgrind --uninitialized shuffle-undef MODE`, MODE:
//   halves: a = v.lo + v.hi; b = a.lo + a.hi; b.x + b.y (gcnn's former shape): crashes.
//   lanes:  the same additions in the same order written lane by lane: LLVM vectorises them back; crashes.
//   dot:    halves with the last step dot(b, 1) (gcnn's shape, exactly b.x + b.y): no shuffle left; 0 reports.
// Every input is written by the host; the program checks the sum and exits non-zero if it is wrong.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* source =
    "__kernel void hsum8(__global const float* x, __global float* out) {\n"
    "    const float8 v = vload8(0, x);\n"
    "#ifdef LANES\n"
    "    const float a0 = v.s0 + v.s4, a1 = v.s1 + v.s5, a2 = v.s2 + v.s6, a3 = v.s3 + v.s7;\n"
    "    out[0] = (a0 + a2) + (a1 + a3);\n"
    "#else\n"
    "    const float4 a = v.lo + v.hi;\n"
    "    const float2 b = a.lo + a.hi;\n"
    "#ifdef DOT\n"
    "    out[0] = dot(b, (float2)(1.0f));\n"
    "#else\n"
    "    out[0] = b.x + b.y;\n"
    "#endif\n"
    "#endif\n"
    "}\n";

#define CHECK(call) do { cl_int s_ = (call); if (s_ != CL_SUCCESS) { fprintf(stderr, "%s: %d\n", #call, s_); exit(2); } } while (0)

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    const char* options = !strcmp(mode, "halves") ? "" : !strcmp(mode, "lanes") ? "-DLANES" : !strcmp(mode, "dot") ? "-DDOT" : NULL;
    if (!options) { fprintf(stderr, "usage: %s halves|lanes|dot\n", argv[0]); return 2; }
    cl_platform_id platform; cl_device_id device; cl_int status;
    CHECK(clGetPlatformIDs(1, &platform, NULL));
    CHECK(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, &status); CHECK(status);
    cl_command_queue queue = clCreateCommandQueue(context, device, 0, &status); CHECK(status);
    cl_program program = clCreateProgramWithSource(context, 1, &source, NULL, &status); CHECK(status);
    CHECK(clBuildProgram(program, 1, &device, options, NULL, NULL));
    cl_kernel kernel = clCreateKernel(program, "hsum8", &status); CHECK(status);
    const float values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cl_mem x = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof values, (void*)values, &status);
    CHECK(status);
    cl_mem out = clCreateBuffer(context, CL_MEM_WRITE_ONLY, sizeof(float), NULL, &status); CHECK(status);
    CHECK(clSetKernelArg(kernel, 0, sizeof x, &x)); CHECK(clSetKernelArg(kernel, 1, sizeof out, &out));
    size_t global = 1;
    CHECK(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL));
    float sum = 0;
    CHECK(clEnqueueReadBuffer(queue, out, CL_TRUE, 0, sizeof sum, &sum, 0, NULL, NULL));
    printf("%s: sum %g (%s)\n", mode, sum, sum == 36.0f ? "right" : "WRONG");
    return sum == 36.0f ? 0 : 1;
}
