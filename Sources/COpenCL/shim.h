#ifndef GCNN_COPENCL_SHIM_H
#define GCNN_COPENCL_SHIM_H
// OpenCL 1.2 API surface: what pocl, NVIDIA and every other ICD implement.
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#endif
