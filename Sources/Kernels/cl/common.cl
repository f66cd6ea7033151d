// Shared by every gcnn kernel file; built first, in one program with the others.
//
// Tile and work-group sizes are #defines the host passes as build options per device type (see
// OpenCLKernelConfig.swift); the defaults here are for GPUs. Every kernel bound-checks its indices, so
// global sizes need not be multiples of a tile.

#ifndef REDUCE_WG
#define REDUCE_WG 256   // work-group size of the reduction kernels; a power of two
#endif

// The sum of `value` over a work-group of REDUCE_WG items in a fixed tree order (deterministic run to run).
// Every item receives the total. `scratch` holds REDUCE_WG floats; it may be reused after the call.
float workgroup_sum(float value, __local float* scratch) {
    const int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] += scratch[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

// The sum of v's lanes as ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)). The last addition is written
// dot(b, 1), exactly b.x + b.y: LLVM turns `b.x + b.y` into a shuffle with an undefined lane, which oclgrind's
// uninitialised-value check reads out of bounds, crashing (scripts/oclgrind-repro/shuffle-undef.c).
inline float hsum8(float8 v) {
    const float4 a = v.lo + v.hi;
    const float2 b = a.lo + a.hi;
    return dot(b, (float2)(1.0f));
}
