// In-place sum, target[i] += addend[i] (synchronised batch norm's correction of ∂L/∂x).
#ifdef GCNN_CPU_KERNELS

// CPU devices: 1024 elements per item, float8 at a time. global: (ceil(count / 1024)).
__kernel void add_in_place_cpu(__global const float* addend, __global float* target, int count) {
    const int begin = get_global_id(0) * 1024;
    if (begin >= count) return;
    const int end = min(count, begin + 1024);
    int i = begin;
    for (; i + 8 <= end; i += 8) vstore8(vload8(0, target + i) + vload8(0, addend + i), 0, target + i);
    for (; i < end; ++i) target[i] += addend[i];
}

#else

__kernel void add_in_place(__global const float* addend, __global float* target, int count) {
    const int i = get_global_id(0);
    if (i < count) target[i] += addend[i];
}

#endif
