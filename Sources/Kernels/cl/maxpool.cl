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
