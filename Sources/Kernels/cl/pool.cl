// Max and average pooling over any window: planes = n·c of h×w, windows sh×sw at strides th×tw, output oh×ow
// (floor: windows crossing the bottom/right edge are dropped). The 2×2/2 max pool of the paper network has
// its own kernels (maxpool.cl).
//
// Backward passes: max pool with non-overlapping windows scatters each window's gradient to its first maximum
// after the host zero-fills gradInput; overlapping max pool and every average pool gather, one input per step,
// over the at most ⌈sh/th⌉·⌈sw/tw⌉ windows containing it. Neither is quadratic in the window (global pooling
// is one scan of the plane).
//
// Two variants (see conv2d.cl): one item per element for GPUs; for CPU devices (GCNN_CPU_KERNELS) one item per
// row of elements.

// Offset (r·w + c) from `p` of the first maximum of the sh×sw window at `p`, scanned row-major as PyTorch: a
// later element wins only if strictly greater, or if it is NaN (NaN propagates).
int pool_argmax(__global const float* p, int w, int sh, int sw) {
    float best = p[0];
    int arg = 0;
    for (int r = 0; r < sh; ++r) {
        __global const float* row = p + r * w;
        for (int c = 0; c < sw; ++c) {
            const float v = row[c];
            if (v > best || isnan(v)) { best = v; arg = r * w + c; }
        }
    }
    return arg;
}

float pool_mean(__global const float* p, int w, int sh, int sw) {
    float sum = 0.0f;
    for (int r = 0; r < sh; ++r) {
        __global const float* row = p + r * w;
        for (int c = 0; c < sw; ++c) sum += row[c];
    }
    return sum / (float)(sh * sw);
}

// First and last window (inclusive) along one axis that contain input position y.
int2 pool_windows(int y, int size, int stride, int outSize) {
    return (int2)(y < size ? 0 : (y - size) / stride + 1, min(outSize - 1, y / stride));
}

// Max pool backward at input (x, y) of `plane`: the sum of the gradients of the windows whose first maximum it is.
float pool_max_gather(__global const float* input, __global const float* gradOutput, int plane, int x, int y,
                             int h, int w, int oh, int ow, int sh, int sw, int th, int tw) {
    __global const float* src = input + (long)plane * h * w;
    __global const float* g = gradOutput + (long)plane * oh * ow;
    const int2 rows = pool_windows(y, sh, th, oh), cols = pool_windows(x, sw, tw, ow);
    const int self = y * w + x;
    float sum = 0.0f;
    for (int oy = rows.x; oy <= rows.y; ++oy) {
        for (int ox = cols.x; ox <= cols.y; ++ox) {
            const int corner = oy * th * w + ox * tw;
            if (corner + pool_argmax(src + corner, w, sh, sw) == self) sum += g[oy * ow + ox];
        }
    }
    return sum;
}

// Average pool backward at input (x, y) of `plane`.
float pool_avg_gather(__global const float* gradOutput, int plane, int x, int y,
                             int oh, int ow, int sh, int sw, int th, int tw) {
    __global const float* g = gradOutput + (long)plane * oh * ow;
    const int2 rows = pool_windows(y, sh, th, oh), cols = pool_windows(x, sw, tw, ow);
    float sum = 0.0f;
    for (int oy = rows.x; oy <= rows.y; ++oy)
        for (int ox = cols.x; ox <= cols.y; ++ox) sum += g[oy * ow + ox];
    return sum / (float)(sh * sw);
}

#ifdef GCNN_CPU_KERNELS

// One output row. global: (oh, planes).
__kernel void pool_max_forward_cpu(__global const float* input, __global float* output, int planes, int h, int w,
                                   int oh, int ow, int sh, int sw, int th, int tw) {
    const int oy = get_global_id(0), plane = get_global_id(1);
    if (oy >= oh || plane >= planes) return;
    __global const float* src = input + (long)plane * h * w + oy * th * w;
    __global float* out = output + ((long)plane * oh + oy) * ow;
    for (int ox = 0; ox < ow; ++ox) {
        __global const float* p = src + ox * tw;
        out[ox] = p[pool_argmax(p, w, sh, sw)];
    }
}

// One output row. global: (oh, planes).
__kernel void pool_avg_forward_cpu(__global const float* input, __global float* output, int planes, int h, int w,
                                   int oh, int ow, int sh, int sw, int th, int tw) {
    const int oy = get_global_id(0), plane = get_global_id(1);
    if (oy >= oh || plane >= planes) return;
    __global const float* src = input + (long)plane * h * w + oy * th * w;
    __global float* out = output + ((long)plane * oh + oy) * ow;
    for (int ox = 0; ox < ow; ++ox) out[ox] = pool_mean(src + ox * tw, w, sh, sw);
}

// Non-overlapping windows, after gradInput is zero-filled: one output row. global: (oh, planes).
__kernel void pool_max_backward_scatter_cpu(__global const float* input, __global const float* gradOutput,
                                            __global float* gradInput, int planes, int h, int w,
                                            int oh, int ow, int sh, int sw, int th, int tw) {
    const int oy = get_global_id(0), plane = get_global_id(1);
    if (oy >= oh || plane >= planes) return;
    const long base = (long)plane * h * w + oy * th * w;
    __global const float* g = gradOutput + ((long)plane * oh + oy) * ow;
    for (int ox = 0; ox < ow; ++ox) {
        const long corner = base + ox * tw;
        gradInput[corner + pool_argmax(input + corner, w, sh, sw)] = g[ox];
    }
}

// One input row. global: (h, planes).
__kernel void pool_max_backward_gather_cpu(__global const float* input, __global const float* gradOutput,
                                           __global float* gradInput, int planes, int h, int w,
                                           int oh, int ow, int sh, int sw, int th, int tw) {
    const int y = get_global_id(0), plane = get_global_id(1);
    if (y >= h || plane >= planes) return;
    __global float* out = gradInput + ((long)plane * h + y) * w;
    for (int x = 0; x < w; ++x)
        out[x] = pool_max_gather(input, gradOutput, plane, x, y, h, w, oh, ow, sh, sw, th, tw);
}

// One input row. global: (h, planes).
__kernel void pool_avg_backward_cpu(__global const float* gradOutput, __global float* gradInput, int planes,
                                    int h, int w, int oh, int ow, int sh, int sw, int th, int tw) {
    const int y = get_global_id(0), plane = get_global_id(1);
    if (y >= h || plane >= planes) return;
    __global float* out = gradInput + ((long)plane * h + y) * w;
    for (int x = 0; x < w; ++x) out[x] = pool_avg_gather(gradOutput, plane, x, y, oh, ow, sh, sw, th, tw);
}

#else

// global: (ow, oh, planes).
__kernel void pool_max_forward(__global const float* input, __global float* output, int planes, int h, int w,
                               int oh, int ow, int sh, int sw, int th, int tw) {
    const int ox = get_global_id(0), oy = get_global_id(1), plane = get_global_id(2);
    if (ox >= ow || oy >= oh || plane >= planes) return;
    __global const float* p = input + (long)plane * h * w + oy * th * w + ox * tw;
    output[((long)plane * oh + oy) * ow + ox] = p[pool_argmax(p, w, sh, sw)];
}

// global: (ow, oh, planes).
__kernel void pool_avg_forward(__global const float* input, __global float* output, int planes, int h, int w,
                               int oh, int ow, int sh, int sw, int th, int tw) {
    const int ox = get_global_id(0), oy = get_global_id(1), plane = get_global_id(2);
    if (ox >= ow || oy >= oh || plane >= planes) return;
    output[((long)plane * oh + oy) * ow + ox] = pool_mean(input + (long)plane * h * w + oy * th * w + ox * tw, w, sh, sw);
}

// Non-overlapping windows, after gradInput is zero-filled. global: (ow, oh, planes).
__kernel void pool_max_backward_scatter(__global const float* input, __global const float* gradOutput,
                                        __global float* gradInput, int planes, int h, int w,
                                        int oh, int ow, int sh, int sw, int th, int tw) {
    const int ox = get_global_id(0), oy = get_global_id(1), plane = get_global_id(2);
    if (ox >= ow || oy >= oh || plane >= planes) return;
    const long corner = (long)plane * h * w + oy * th * w + ox * tw;
    gradInput[corner + pool_argmax(input + corner, w, sh, sw)] = gradOutput[((long)plane * oh + oy) * ow + ox];
}

// global: (w, h, planes).
__kernel void pool_max_backward_gather(__global const float* input, __global const float* gradOutput,
                                       __global float* gradInput, int planes, int h, int w,
                                       int oh, int ow, int sh, int sw, int th, int tw) {
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);
    if (x >= w || y >= h || plane >= planes) return;
    gradInput[((long)plane * h + y) * w + x] = pool_max_gather(input, gradOutput, plane, x, y, h, w, oh, ow, sh, sw, th, tw);
}

// global: (w, h, planes).
__kernel void pool_avg_backward(__global const float* gradOutput, __global float* gradInput, int planes,
                                int h, int w, int oh, int ow, int sh, int sw, int th, int tw) {
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);
    if (x >= w || y >= h || plane >= planes) return;
    gradInput[((long)plane * h + y) * w + x] = pool_avg_gather(gradOutput, plane, x, y, oh, ow, sh, sw, th, tw);
}

#endif
