// Max pool 2×2, stride 2, floor mode. `planes` = n·c; input planes h×w, output (h/2)×(w/2).

// Index 0…3 (row-major) of the first maximum of the window at the top-left corner `p`.
int window_argmax(__global const float* p, int w) {
    float best = p[0];
    int arg = 0;
    if (p[1] > best) { best = p[1]; arg = 1; }
    if (p[w] > best) { best = p[w]; arg = 2; }
    if (p[w + 1] > best) { arg = 3; }
    return arg;
}

// Two variants (see conv2d.cl): one item per element for GPUs; for CPU devices (GCNN_CPU_KERNELS) one item per
// output row, four windows at a time as float8 loads split into even and odd columns.

#ifdef GCNN_CPU_KERNELS

// One output row. global: (h / 2, planes).
__kernel void maxpool_forward_cpu(__global const float* input, __global float* output, int planes, int h, int w) {
    const int oh = h / 2, ow = w / 2;
    const int oy = get_global_id(0), plane = get_global_id(1);
    if (oy >= oh || plane >= planes) return;
    __global const float* r0 = input + ((long)plane * h + 2 * oy) * w;
    __global const float* r1 = r0 + w;
    __global float* out = output + ((long)plane * oh + oy) * ow;
    int ox = 0;
    for (; ox + 4 <= ow; ox += 4) {
        const float8 a = vload8(0, r0 + 2 * ox), b = vload8(0, r1 + 2 * ox);
        vstore4(fmax(fmax(a.even, a.odd), fmax(b.even, b.odd)), 0, out + ox);
    }
    for (; ox < ow; ++ox) out[ox] = fmax(fmax(r0[2 * ox], r0[2 * ox + 1]), fmax(r1[2 * ox], r1[2 * ox + 1]));
}

// Input rows 2·oy and 2·oy + 1 (an odd last row alone, all zeros). global: ((h + 1) / 2, planes).
__kernel void maxpool_backward_cpu(__global const float* input, __global const float* gradOutput,
                                   __global float* gradInput, int planes, int h, int w) {
    const int oh = h / 2, ow = w / 2;
    const int oy = get_global_id(0), plane = get_global_id(1);
    if (oy >= (h + 1) / 2 || plane >= planes) return;
    __global float* d0 = gradInput + ((long)plane * h + 2 * oy) * w;
    if (oy >= oh) {
        for (int x = 0; x < w; ++x) d0[x] = 0.0f;
        return;
    }
    __global float* d1 = d0 + w;
    __global const float* r0 = input + ((long)plane * h + 2 * oy) * w;
    __global const float* r1 = r0 + w;
    __global const float* g = gradOutput + ((long)plane * oh + oy) * ow;
    int ox = 0;
    for (; ox + 4 <= ow; ox += 4) {
        const float8 top = vload8(0, r0 + 2 * ox), bottom = vload8(0, r1 + 2 * ox);
        const float4 a = top.even, b = top.odd, c = bottom.even, d = bottom.odd, gv = vload4(0, g + ox);
        // The first maximum in row-major order, as window_argmax.
        float4 best = a;
        int4 arg = (int4)(0);
        int4 m = isgreater(b, best); best = select(best, b, m); arg = select(arg, (int4)(1), m);
        m = isgreater(c, best); best = select(best, c, m); arg = select(arg, (int4)(2), m);
        m = isgreater(d, best); arg = select(arg, (int4)(3), m);
        const float4 zero = (float4)(0.0f);
        const float4 ga = select(zero, gv, arg == 0), gb = select(zero, gv, arg == 1);
        const float4 gc = select(zero, gv, arg == 2), gd = select(zero, gv, arg == 3);
        vstore8((float8)(ga.s0, gb.s0, ga.s1, gb.s1, ga.s2, gb.s2, ga.s3, gb.s3), 0, d0 + 2 * ox);
        vstore8((float8)(gc.s0, gd.s0, gc.s1, gd.s1, gc.s2, gd.s2, gc.s3, gd.s3), 0, d1 + 2 * ox);
    }
    for (; ox < ow; ++ox) {
        const int arg = window_argmax(r0 + 2 * ox, w);
        const float gv = g[ox];
        d0[2 * ox] = arg == 0 ? gv : 0.0f;
        d0[2 * ox + 1] = arg == 1 ? gv : 0.0f;
        d1[2 * ox] = arg == 2 ? gv : 0.0f;
        d1[2 * ox + 1] = arg == 3 ? gv : 0.0f;
    }
    for (int x = 2 * ow; x < w; ++x) { d0[x] = 0.0f; d1[x] = 0.0f; }
}

#else

__kernel void maxpool_forward(__global const float* input, __global float* output, int planes, int h, int w) {
    const int oh = h / 2, ow = w / 2;
    const int ox = get_global_id(0), oy = get_global_id(1), plane = get_global_id(2);
    if (ox >= ow || oy >= oh || plane >= planes) return;
    __global const float* p = input + (long)plane * h * w + (2 * oy) * w + 2 * ox;
    output[(long)plane * oh * ow + oy * ow + ox] = fmax(fmax(p[0], p[1]), fmax(p[w], p[w + 1]));
}

// One work item per input element: it receives its window's gradient if it is the window's first maximum.
__kernel void maxpool_backward(__global const float* input, __global const float* gradOutput,
                               __global float* gradInput, int planes, int h, int w) {
    const int oh = h / 2, ow = w / 2;
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);
    if (x >= w || y >= h || plane >= planes) return;
    const int oy = y / 2, ox = x / 2;
    float g = 0.0f;
    if (oy < oh && ox < ow) {
        __global const float* p = input + (long)plane * h * w + (2 * oy) * w + 2 * ox;
        if (window_argmax(p, w) == (y & 1) * 2 + (x & 1)) g = gradOutput[(long)plane * oh * ow + oy * ow + ox];
    }
    gradInput[(long)plane * h * w + y * w + x] = g;
}

#endif
