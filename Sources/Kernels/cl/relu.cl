// ReLU forward, y[i] = x[i] < 0 ? 0 : x[i] (NaN stays NaN; y may be x), and backward, in place, from the
// forward output: gradient[i] = output[i] > 0 ? gradient[i] : 0.
#ifdef GCNN_CPU_KERNELS

// CPU devices: 1024 elements per item, float8 at a time. global: (ceil(count / 1024)).
__kernel void relu_forward_cpu(__global const float* input, __global float* output, int count) {
    const int begin = get_global_id(0) * 1024;
    if (begin >= count) return;
    const int end = min(count, begin + 1024);
    int i = begin;
    for (; i + 8 <= end; i += 8) {
        const float8 x = vload8(0, input + i);
        vstore8(select(x, (float8)(0.0f), isless(x, (float8)(0.0f))), 0, output + i);
    }
    for (; i < end; ++i) output[i] = input[i] < 0.0f ? 0.0f : input[i];
}

// CPU devices: 1024 elements per item, float8 at a time. global: (ceil(count / 1024)).
__kernel void relu_backward_cpu(__global const float* output, __global float* gradient, int count) {
    const int begin = get_global_id(0) * 1024;
    if (begin >= count) return;
    const int end = min(count, begin + 1024);
    int i = begin;
    for (; i + 8 <= end; i += 8) {
        const float8 g = vload8(0, gradient + i);
        vstore8(select((float8)(0.0f), g, isgreater(vload8(0, output + i), (float8)(0.0f))), 0, gradient + i);
    }
    for (; i < end; ++i) if (!(output[i] > 0.0f)) gradient[i] = 0.0f;
}

#else

__kernel void relu_forward(__global const float* input, __global float* output, int count) {
    const int i = get_global_id(0);
    if (i < count) output[i] = input[i] < 0.0f ? 0.0f : input[i];
}

__kernel void relu_backward(__global const float* output, __global float* gradient, int count) {
    const int i = get_global_id(0);
    if (i < count && !(output[i] > 0.0f)) gradient[i] = 0.0f;
}

#endif
