// Convolution kh×kw, stride 1, zero padding (top, left, bottom, right), NCHW, weight outC×inC×kh×kw:
// out[b, oc, oy, ox] = bias[oc] + Σ W[oc, ic, ky, kx]·X[b, ic, oy + ky − top, ox + kx − left], X zero outside the
// input; oh = h + top + bottom − kh + 1, ow = w + left + right − kw + 1. The tiled variant computes it as implicit
// GEMMs (no im2col buffer), skipping taps in the padding.
//
// Each work-group computes a CONV_TM×CONV_TN tile of the GEMM's output, CONV_TK steps of the reduction at a
// time staged in local memory; each work item holds a CONV_RM×CONV_RN block of accumulators, its rows and
// columns strided by the thread grid (CONV_TX = TN/RN, CONV_TY = TM/RM) so that local-memory reads are
// conflict-free and global writes coalesce. Tiles past the GEMM's edges are padded with zeros.
//
//   forward:          out[oc, p]  = Σ_kk W[oc, kk] · X̃[kk, p]     (p = (b, oy, ox), kk = (ic, ky, kx))
//   backward data:    dX[ic, p]   = Σ_kk W̃[ic, kk] · dỸ[kk, p]    (p = (b, y, x),   kk = (oc, ky, kx))
//   backward weights: dW[oc, kk]  = Σ_p  dY[oc, p] · X̃[p, kk]      (split over p into `splits` partial sums)
//
// Two variants, chosen per device type by the host (OpenCLKernelConfig):
// - GPUs (default): the local-memory tiled implicit GEMMs below.
// - CPUs (GCNN_CPU_KERNELS defined, e.g. pocl): no local memory and no barriers, which a CPU driver turns into
//   plain loops; each work item keeps a register block of float8 accumulators along x (one AVX2 register each).
//   Padded convolutions run the valid kernels on a zero-padded copy (conv2d_pad_cpu).

#ifdef GCNN_CPU_KERNELS

// Register blocks: the correlation kernel computes CPU_OCB output channels × CPU_XV float8 vectors along x per item;
// the weight-gradient kernel CPU_WOCB channels × CPU_KXB taps (float8 along x each).
#ifndef CPU_OCB
#define CPU_OCB 4
#endif
#ifndef CPU_XV
#define CPU_XV 2
#endif
#define CPU_XB (8 * CPU_XV)

// Lanes row[x + i], i < 8, indices clamped to limit − 1: tail blocks never read past a row (or the buffer's end).
inline float8 conv_load8_clamped(__global const float* row, int x, int limit) {
    float8 v;
    v.s0 = row[min(x + 0, limit - 1)]; v.s1 = row[min(x + 1, limit - 1)];
    v.s2 = row[min(x + 2, limit - 1)]; v.s3 = row[min(x + 3, limit - 1)];
    v.s4 = row[min(x + 4, limit - 1)]; v.s5 = row[min(x + 5, limit - 1)];
    v.s6 = row[min(x + 6, limit - 1)]; v.s7 = row[min(x + 7, limit - 1)];
    return v;
}

// acc[·][j < NV] += the taps of rows ky ∈ [kyBegin, kyEnd) of every input channel; KW: the kernel width, a literal
// where known with KX_HINT CONV_UNROLL (the tap loop unrolls), else the runtime width with KX_HINT CONV_NO_HINT (a
// full unroll of a runtime trip count is impossible, and asking for one makes the compiler warn). NV: CPU_XV, or 1
// for a row's last block when it holds at most 8 outputs.
#define CONV_UNROLL _Pragma("unroll")
#define CONV_NO_HINT
#define CONV_CPU_ACCUMULATE(LOAD, KW, KX_HINT, NV)                                       \
    for (int ic = 0; ic < inC; ++ic) {                                                   \
        __global const float* plane = in + (long)ic * hw;                                \
        __global const float* wic = wBase + ic * kk2 * CPU_OCB;                          \
        for (int ky = kyBegin; ky < kyEnd; ++ky) {                                       \
            __global const float* row = plane + ky * w;                                  \
            KX_HINT for (int kx = 0; kx < KW; ++kx) {                                    \
                float8 v[CPU_XV];                                                        \
                _Pragma("unroll") for (int j = 0; j < NV; ++j) v[j] = LOAD(row, x0 + 8 * j + kx); \
                _Pragma("unroll") for (int o = 0; o < CPU_OCB; ++o) {                    \
                    const float wv = wic[(ky * KW + kx) * CPU_OCB + o];                  \
                    _Pragma("unroll") for (int j = 0; j < NV; ++j) acc[o][j] = fma((float8)(wv), v[j], acc[o][j]); \
                }                                                                        \
            }                                                                            \
        }                                                                                \
    }

#define CONV_FAST_LOAD(row, x) vload8(0, (row) + (x))
#define CONV_TAIL_LOAD(row, x) conv_load8_clamped((row), (x), w)

// The valid correlation out[b, oc, oy, ox] = Σ W[oc, ic, ky, kx]·in[b, ic, oy + ky, ox + kx] (+ bias[oc] if hasBias,
// then ReLU if relu), for ox < outW ≤ w − kw + 1 (output rows outW wide), with `weight` packed by
// conv2d_pack_weights_cpu. Forward convolution (on a zero-padded input if padded), and backward data on a
// zero-padded dY with flipped weights; input rows outside [rowBegin, rowEnd) are known zeros (the padding) and skipped.
// global: (ceil(outW / CPU_XB), h − kh + 1, n · ceil(outC / CPU_OCB)).
__kernel void conv2d_forward_cpu(__global const float* input, __global const float* weight,
                                 __global const float* bias, __global float* output,
                                 int n, int inC, int h, int w, int outC, int kh, int kw, int relu, int hasBias,
                                 int outW, int rowBegin, int rowEnd) {
    const int oh = h - kh + 1, ow = outW, hw = h * w, kk2 = kh * kw, ohw = oh * ow;
    const int ocBlocks = (outC + CPU_OCB - 1) / CPU_OCB;
    const int xb = get_global_id(0), oy = get_global_id(1), z = get_global_id(2);
    const int x0 = xb * CPU_XB;
    if (x0 >= ow || oy >= oh || z >= n * ocBlocks) return;
    const int b = z / ocBlocks, oc0 = (z - b * ocBlocks) * CPU_OCB;
    const int ocLimit = outC - oc0;
    __global const float* wBase = weight + (long)oc0 * inC * kk2;
    __global const float* in = input + (long)b * inC * hw + oy * w;

    float8 acc[CPU_OCB][CPU_XV];
    _Pragma("unroll") for (int o = 0; o < CPU_OCB; ++o)
        _Pragma("unroll") for (int j = 0; j < CPU_XV; ++j) acc[o][j] = (float8)(0.0f);

    const int kyBegin = clamp(rowBegin - oy, 0, kh), kyEnd = clamp(rowEnd - oy, 0, kh);
    // A block past the row's end reads into the next row (lanes not stored) unless that passes the buffer's end.
    const long lastRead = (((long)b * inC + inC - 1) * h + oy + kh - 1) * w + x0 + CPU_XB + kw - 2;
    const bool narrow = CPU_XV > 1 && x0 + 8 >= ow;
    if (x0 + CPU_XB + kw - 1 > w && lastRead >= (long)n * inC * hw) { CONV_CPU_ACCUMULATE(CONV_TAIL_LOAD, kw, CONV_NO_HINT, CPU_XV) }
    else if (kh == 5 && kw == 5 && narrow) { CONV_CPU_ACCUMULATE(CONV_FAST_LOAD, 5, CONV_UNROLL, 1) }
    else if (kh == 5 && kw == 5) { CONV_CPU_ACCUMULATE(CONV_FAST_LOAD, 5, CONV_UNROLL, CPU_XV) }
    else if (kh == 3 && kw == 3 && narrow) { CONV_CPU_ACCUMULATE(CONV_FAST_LOAD, 3, CONV_UNROLL, 1) }
    else if (kh == 3 && kw == 3) { CONV_CPU_ACCUMULATE(CONV_FAST_LOAD, 3, CONV_UNROLL, CPU_XV) }
    else if (narrow) { CONV_CPU_ACCUMULATE(CONV_FAST_LOAD, kw, CONV_NO_HINT, 1) }
    else { CONV_CPU_ACCUMULATE(CONV_FAST_LOAD, kw, CONV_NO_HINT, CPU_XV) }

    __global float* out = output + ((long)b * outC + oc0) * ohw + oy * ow + x0;
    for (int o = 0; o < CPU_OCB; ++o) {
        if (o >= ocLimit) break;
        const float bv = hasBias ? bias[oc0 + o] : 0.0f;
        for (int j = 0; j < CPU_XV; ++j) {
            float8 v = acc[o][j] + (float8)(bv);
            if (relu) v = select((float8)(0.0f), v, v > (float8)(0.0f));
            const int x = x0 + 8 * j;
            if (x + 8 <= ow) vstore8(v, 0, out + o * ohw + 8 * j);
            else {
                float t[8]; vstore8(v, 0, t);
                for (int i = 0; i < 8 && x + i < ow; ++i) out[o * ohw + 8 * j + i] = t[i];
            }
        }
    }
}

// Weights repacked for conv2d_forward_cpu: packed[ob][q][kk][o] for output channel p = ob·CPU_OCB + o (zero past
// `pCount`) and input channel q, kk = ky·kw + kx < kk2 = kh·kw. Forward: the source is W[p][q][kk]. Transposed (the
// backward-data correlation, whose output channels are W's input channels): W[q][p][kk2−1−kk], the kernel flipped
// in both axes. global: (kk2, qCount, ceil(pCount / CPU_OCB)·CPU_OCB)
__kernel void conv2d_pack_weights_cpu(__global const float* weight, __global float* packed,
                                      int pCount, int qCount, int kk2, int transposed) {
    const int kk = get_global_id(0), q = get_global_id(1), p = get_global_id(2);
    const int pBlocks = (pCount + CPU_OCB - 1) / CPU_OCB;
    if (kk >= kk2 || q >= qCount || p >= pBlocks * CPU_OCB) return;
    float v = 0.0f;
    if (p < pCount) v = transposed ? weight[((long)q * pCount + p) * kk2 + (kk2 - 1 - kk)] : weight[((long)p * qCount + q) * kk2 + kk];
    const int ob = p / CPU_OCB, o = p - ob * CPU_OCB;
    packed[(((long)ob * qCount + q) * kk2 + kk) * CPU_OCB + o] = v;
}

#ifndef CPU_WOCB
#define CPU_WOCB 2
#endif
#ifndef CPU_KXB
#define CPU_KXB 5
#endif

#define CONV_BWW_STEP(GLOAD, XLOAD)                                                      \
    {                                                                                    \
        float8 g[CPU_WOCB];                                                              \
        _Pragma("unroll") for (int o = 0; o < CPU_WOCB; ++o) g[o] = GLOAD(gRow + gOff[o], x); \
        _Pragma("unroll") for (int j = 0; j < CPU_KXB; ++j) {                            \
            const float8 xv = XLOAD(xRow, x + kxs[j]);                                   \
            _Pragma("unroll") for (int o = 0; o < CPU_WOCB; ++o) acc[o][j] = fma(g[o], xv, acc[o][j]); \
        }                                                                                \
    }
#define CONV_G_LOAD(row, x) vload8(0, (row) + (x))
// The row's last < 8 values, lanes past ow zero (so the finite input lanes they meet, read on past the row, add 0).
#define CONV_G_MASKED_LOAD(row, x) \
    select((float8)(0.0f), vload8(0, (row) + (x)), (int8)(0, 1, 2, 3, 4, 5, 6, 7) + (x) < ow)
// As CONV_G_MASKED_LOAD, with loads clamped to the row (where reading on would pass the tensor's end).
#define CONV_G_TAIL_LOAD(row, x) \
    select((float8)(0.0f), conv_load8_clamped((row), (x), ow), (int8)(0, 1, 2, 3, 4, 5, 6, 7) + (x) < ow)

// Partial weight gradients of the valid correlation (padded convolutions pass a zero-padded X):
// partial[z][oc][ic][ky][kx] = Σ over images [z·chunk, (z+1)·chunk) and output positions of
// dY[b, oc, oy, ox]·X[b, ic, oy + ky, ox + kx]. Each item: CPU_WOCB channels × CPU_KXB taps of one (ic, ky),
// accumulated as float8 along ox in a fixed order. global: (inC·kh, ceil(outC / CPU_WOCB), splits).
__kernel void conv2d_backward_weights_cpu(__global const float* input, __global const float* gradOutput,
                                          __global float* partial, int n, int inC, int h, int w, int outC, int kh,
                                          int kw, int chunk) {
    const int oh = h - kh + 1, ow = w - kw + 1, ohw = oh * ow, hw = h * w, kk2 = kh * kw;
    const int icky = get_global_id(0), ocb = get_global_id(1), z = get_global_id(2);
    const int ic = icky / kh, ky = icky - ic * kh, oc0 = ocb * CPU_WOCB;
    if (ic >= inC || oc0 >= outC) return;
    const int bBegin = z * chunk, bEnd = min(n, bBegin + chunk);
    // A partial channel block reads its last real channel again (results not stored).
    int gOff[CPU_WOCB];
    _Pragma("unroll") for (int o = 0; o < CPU_WOCB; ++o) gOff[o] = (min(oc0 + o, outC - 1) - oc0) * ohw;
    const int ow8 = ow & ~7;
    for (int kx0 = 0; kx0 < kw; kx0 += CPU_KXB) {
        int kxs[CPU_KXB];
        _Pragma("unroll") for (int j = 0; j < CPU_KXB; ++j) kxs[j] = min(kx0 + j, kw - 1);
        float8 acc[CPU_WOCB][CPU_KXB];
        _Pragma("unroll") for (int o = 0; o < CPU_WOCB; ++o)
            _Pragma("unroll") for (int j = 0; j < CPU_KXB; ++j) acc[o][j] = (float8)(0.0f);
        for (int b = bBegin; b < bEnd; ++b) {
            for (int oy = 0; oy < oh; ++oy) {
                __global const float* gRow = gradOutput + ((long)b * outC + oc0) * ohw + oy * ow;
                __global const float* xRow = input + ((long)b * inC + ic) * hw + (oy + ky) * w;
                int x = 0;
                for (; x < ow8; x += 8) CONV_BWW_STEP(CONV_G_LOAD, CONV_FAST_LOAD)
                if (x < ow) {
                    // The tail's loads read on past the row; clamped only where that would pass the tensors' end.
                    const long gEnd = ((long)b * outC + oc0) * ohw + gOff[CPU_WOCB - 1] + oy * ow + x + 8;
                    const long xEnd = ((long)b * inC + ic) * hw + (oy + ky) * w + x + kxs[CPU_KXB - 1] + 8;
                    if (gEnd <= (long)n * outC * ohw && xEnd <= (long)n * inC * hw) CONV_BWW_STEP(CONV_G_MASKED_LOAD, CONV_FAST_LOAD)
                    else CONV_BWW_STEP(CONV_G_TAIL_LOAD, CONV_TAIL_LOAD)
                }
            }
        }
        __global float* out = partial + (long)z * outC * inC * kk2;
        _Pragma("unroll") for (int o = 0; o < CPU_WOCB; ++o) {
            const int oc = oc0 + o;
            if (oc >= outC) continue;
            _Pragma("unroll") for (int j = 0; j < CPU_KXB; ++j)
                if (kx0 + j < kw) out[((long)oc * inC + ic) * kk2 + ky * kw + kx0 + j] = hsum8(acc[o][j]);
        }
    }
}

// padded[plane][y][x] = source[plane][y − top][x − left], zero outside the source: planes sh×sw placed in planes
// ph×pw with offsets top, left, which may be negative (cropping). Forward and weight gradient of a padded
// convolution: the input padded by the convolution's padding; backward data: dY padded by (kh − 1 − top, kw − 1 −
// left), so that the valid correlation with the flipped kernel yields ∂L/∂X. global: (ph, planes).
__kernel void conv2d_pad_cpu(__global const float* source, __global float* padded, int planes, int sh, int sw,
                             int ph, int pw, int top, int left) {
    const int y = get_global_id(0), plane = get_global_id(1);
    if (y >= ph || plane >= planes) return;
    __global float* out = padded + ((long)plane * ph + y) * pw;
    const int sy = y - top;
    if (sy < 0 || sy >= sh) {
        for (int x = 0; x < pw; ++x) out[x] = 0.0f;
        return;
    }
    __global const float* in = source + ((long)plane * sh + sy) * sw;
    const int xBegin = clamp(left, 0, pw), xEnd = clamp(left + sw, xBegin, pw);
    for (int x = 0; x < xBegin; ++x) out[x] = 0.0f;
    for (int x = xBegin; x < xEnd; ++x) out[x] = in[x - left];
    for (int x = xEnd; x < pw; ++x) out[x] = 0.0f;
}

// gradBias[oc] = Σ over batch and positions of gradOutput[b, oc, ·]: one item per channel, float8 partial sums
// in a fixed order. global: (outC).
__kernel void conv2d_backward_bias_cpu(__global const float* gradOutput, __global float* gradBias, int n, int outC,
                                       int ohw) {
    const int oc = get_global_id(0);
    if (oc >= outC) return;
    float8 acc = (float8)(0.0f);
    float tail = 0.0f;
    for (int b = 0; b < n; ++b) {
        __global const float* g = gradOutput + ((long)b * outC + oc) * ohw;
        int s = 0;
        for (; s + 8 <= ohw; s += 8) acc += vload8(0, g + s);
        for (; s < ohw; ++s) tail += g[s];
    }
    gradBias[oc] = hsum8(acc) + tail;
}

#else

#ifndef CONV_TM
#define CONV_TM 64
#endif
#ifndef CONV_TN
#define CONV_TN 64
#endif
#ifndef CONV_TK
#define CONV_TK 16
#endif
#ifndef CONV_RM
#define CONV_RM 4
#endif
#ifndef CONV_RN
#define CONV_RN 4
#endif

#define CONV_TX (CONV_TN / CONV_RN)
#define CONV_TY (CONV_TM / CONV_RM)
#define CONV_NT (CONV_TX * CONV_TY)
#define CONV_PAD 1

#if CONV_TM % CONV_RM != 0 || CONV_TN % CONV_RN != 0
#error "CONV_TM and CONV_TN must be multiples of CONV_RM and CONV_RN"
#endif
#if CONV_NT % CONV_TN != 0 || CONV_TK % (CONV_NT / CONV_TN) != 0
#error "the thread count must be a multiple of CONV_TN, and CONV_TK a multiple of their ratio"
#endif
#if CONV_NT % CONV_TK != 0 || CONV_TM % (CONV_NT / CONV_TK) != 0 || CONV_TN % (CONV_NT / CONV_TK) != 0
#error "the thread count must be a multiple of CONV_TK, and CONV_TM, CONV_TN multiples of their ratio"
#endif

// Rows loaded per pass when a thread's column is fixed (B tiles of the forward/backward-data GEMMs) …
#define CONV_ROWS_PER_PASS (CONV_NT / CONV_TN)
// … and when a thread's reduction index is fixed (A tiles; both tiles of the weight-gradient GEMM).
#define CONV_K_PASS (CONV_NT / CONV_TK)

// acc += As[kq][rows] ⊗ Bs[kq][cols] over one staged CONV_TK slice.
#define CONV_MULTIPLY_TILE(acc, As, Bs, tx, ty)                                   \
    for (int kq = 0; kq < CONV_TK; ++kq) {                                        \
        float a[CONV_RM], bv[CONV_RN];                                            \
        for (int i = 0; i < CONV_RM; ++i) a[i] = As[kq][ty + i * CONV_TY];        \
        for (int j = 0; j < CONV_RN; ++j) bv[j] = Bs[kq][tx + j * CONV_TX];       \
        for (int i = 0; i < CONV_RM; ++i)                                         \
            for (int j = 0; j < CONV_RN; ++j) acc[i][j] += a[i] * bv[j];          \
    }

__kernel __attribute__((reqd_work_group_size(CONV_TX, CONV_TY, 1)))
void conv2d_forward(__global const float* input, __global const float* weight, __global const float* bias,
                    __global float* output, int n, int inC, int h, int w, int outC, int kh, int kw,
                    int top, int left, int bottom, int right, int relu) {
    __local float As[CONV_TK][CONV_TM + CONV_PAD];
    __local float Bs[CONV_TK][CONV_TN + CONV_PAD];
    const int oh = h + top + bottom - kh + 1, ow = w + left + right - kw + 1, ohw = oh * ow, hw = h * w, kk2 = kh * kw;
    const bool padded = (top | left | bottom | right) != 0;
    const int M = outC, N = n * ohw, K = inC * kk2;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * CONV_TX + tx;
    const int col0 = get_group_id(0) * CONV_TN, row0 = get_group_id(1) * CONV_TM;

    // This thread's column of the B tile: an output position p, whose input window starts at row iy0, column ix0
    // (negative in the padding), xBase.
    // Remainders as x − (x / d)·d: LLVM turns a `%` beside a `/` of the same operands into a `freeze`, which
    // oclgrind's uninitialised-value checker cannot run.
    const int bRow = lid / CONV_TN, bCol = lid - bRow * CONV_TN;
    const int p = col0 + bCol;
    const bool pValid = p < N;
    int xBase = 0, iy0 = 0, ix0 = 0;
    if (pValid) {
        const int b = p / ohw, s = p - b * ohw, oy = s / ow, ox = s - oy * ow;
        iy0 = oy - top; ix0 = ox - left;
        xBase = b * inC * hw + iy0 * w + ix0;
    }
    const int aRow = lid / CONV_TK, aK = lid - aRow * CONV_TK;

    float acc[CONV_RM][CONV_RN];
    for (int i = 0; i < CONV_RM; ++i) for (int j = 0; j < CONV_RN; ++j) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += CONV_TK) {
        const int ka = k0 + aK;
        for (int r = aRow; r < CONV_TM; r += CONV_K_PASS) {
            const int m = row0 + r;
            As[aK][r] = (m < M && ka < K) ? weight[m * K + ka] : 0.0f;
        }
        for (int r = bRow; r < CONV_TK; r += CONV_ROWS_PER_PASS) {
            const int kk = k0 + r;
            float v = 0.0f;
            if (pValid && kk < K) {
                const int ic = kk / kk2, rem = kk - ic * kk2, ky = rem / kw, kx = rem - ky * kw;
                if (!padded || ((uint)(iy0 + ky) < (uint)h && (uint)(ix0 + kx) < (uint)w))
                    v = input[xBase + ic * hw + ky * w + kx];
            }
            Bs[r][bCol] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        CONV_MULTIPLY_TILE(acc, As, Bs, tx, ty)
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int j = 0; j < CONV_RN; ++j) {
        const int q = col0 + tx + j * CONV_TX;
        if (q >= N) continue;
        const int b = q / ohw, s = q - b * ohw;
        __global float* out = output + (long)b * outC * ohw + s;
        for (int i = 0; i < CONV_RM; ++i) {
            const int m = row0 + ty + i * CONV_TY;
            if (m >= M) continue;
            float v = acc[i][j] + bias[m];
            if (relu && !(v > 0.0f)) v = 0.0f;
            out[m * ohw] = v;
        }
    }
}

// gradInput = full correlation of gradOutput with the flipped kernel: for input position (y, x) and
// kk = (oc, ky, kx), the term is W[oc, ic, ky, kx] · dY[oc, y + top − ky, x + left − kx] where that lies inside dY.
__kernel __attribute__((reqd_work_group_size(CONV_TX, CONV_TY, 1)))
void conv2d_backward_data(__global const float* gradOutput, __global const float* weight,
                          __global float* gradInput, int n, int inC, int h, int w, int outC, int kh, int kw,
                          int top, int left, int bottom, int right) {
    __local float As[CONV_TK][CONV_TM + CONV_PAD];
    __local float Bs[CONV_TK][CONV_TN + CONV_PAD];
    const int oh = h + top + bottom - kh + 1, ow = w + left + right - kw + 1, ohw = oh * ow, hw = h * w, kk2 = kh * kw;
    const int M = inC, N = n * hw, K = outC * kk2;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * CONV_TX + tx;
    const int col0 = get_group_id(0) * CONV_TN, row0 = get_group_id(1) * CONV_TM;

    const int bRow = lid / CONV_TN, bCol = lid - bRow * CONV_TN;
    const int p = col0 + bCol;
    const bool pValid = p < N;
    // (y, x): this column's input position shifted into dY's coordinates.
    int y = 0, x = 0, gBase = 0;
    if (pValid) {
        const int b = p / hw, s = p - b * hw;
        y = s / w; x = s - y * w;
        y += top; x += left;
        gBase = b * outC * ohw + y * ow + x;
    }
    const int aRow = lid / CONV_TK, aK = lid - aRow * CONV_TK;

    float acc[CONV_RM][CONV_RN];
    for (int i = 0; i < CONV_RM; ++i) for (int j = 0; j < CONV_RN; ++j) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += CONV_TK) {
        const int ka = k0 + aK;
        const int aOc = ka / kk2, aRem = ka - aOc * kk2;
        for (int r = aRow; r < CONV_TM; r += CONV_K_PASS) {
            const int ic = row0 + r;
            As[aK][r] = (ic < M && ka < K) ? weight[(aOc * inC + ic) * kk2 + aRem] : 0.0f;
        }
        for (int r = bRow; r < CONV_TK; r += CONV_ROWS_PER_PASS) {
            const int kk = k0 + r;
            float v = 0.0f;
            if (pValid && kk < K) {
                const int oc = kk / kk2, rem = kk - oc * kk2, ky = rem / kw, kx = rem - ky * kw;
                const int yy = y - ky, xx = x - kx;
                if (yy >= 0 && yy < oh && xx >= 0 && xx < ow) v = gradOutput[gBase + oc * ohw - ky * ow - kx];
            }
            Bs[r][bCol] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        CONV_MULTIPLY_TILE(acc, As, Bs, tx, ty)
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int j = 0; j < CONV_RN; ++j) {
        const int q = col0 + tx + j * CONV_TX;
        if (q >= N) continue;
        const int b = q / hw, s = q - b * hw;
        __global float* out = gradInput + (long)b * inC * hw + s;
        for (int i = 0; i < CONV_RM; ++i) {
            const int ic = row0 + ty + i * CONV_TY;
            if (ic < M) out[ic * hw] = acc[i][j];
        }
    }
}

// Partial weight gradients: work-group (tile, split z) sums p over [z·chunk, min((z+1)·chunk, P)), P = n·oh·ow,
// into partial[z][oc][kk]. `chunk` is a multiple of CONV_TK. With one split, `partial` is gradWeight itself.
__kernel __attribute__((reqd_work_group_size(CONV_TX, CONV_TY, 1)))
void conv2d_backward_weights(__global const float* input, __global const float* gradOutput,
                             __global float* partial, int n, int inC, int h, int w, int outC, int kh, int kw,
                             int top, int left, int bottom, int right, int chunk) {
    __local float As[CONV_TK][CONV_TM + CONV_PAD];
    __local float Bs[CONV_TK][CONV_TN + CONV_PAD];
    const int oh = h + top + bottom - kh + 1, ow = w + left + right - kw + 1, ohw = oh * ow, hw = h * w, kk2 = kh * kw;
    const bool padded = (top | left | bottom | right) != 0;
    const int M = outC, N = inC * kk2, P = n * ohw;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * CONV_TX + tx;
    const int col0 = get_group_id(0) * CONV_TN, row0 = get_group_id(1) * CONV_TM, z = get_group_id(2);
    const int pBegin = z * chunk, pEnd = min(P, pBegin + chunk);

    // Both tiles: this thread's reduction index is pq = lid % CONV_TK; its columns of X̃ are fixed (taps (ky, kx)
    // packed as ky·65536 + kx for the padding test).
    const int first = lid / CONV_TK, pq = lid - first * CONV_TK;
    int colOffset[CONV_TN / CONV_K_PASS], colTap[CONV_TN / CONV_K_PASS];
    for (int c = first, j = 0; c < CONV_TN; c += CONV_K_PASS, ++j) {
        const int kk = col0 + c;
        if (kk < N) {
            const int ic = kk / kk2, rem = kk - ic * kk2, ky = rem / kw, kx = rem - ky * kw;
            colOffset[j] = ic * hw + ky * w + kx;
            colTap[j] = (ky << 16) | kx;
        } else {
            colOffset[j] = -1;
            colTap[j] = 0;
        }
    }

    float acc[CONV_RM][CONV_RN];
    for (int i = 0; i < CONV_RM; ++i) for (int j = 0; j < CONV_RN; ++j) acc[i][j] = 0.0f;

    for (int p0 = pBegin; p0 < pEnd; p0 += CONV_TK) {
        const int p = p0 + pq;
        const bool pValid = p < pEnd;
        int gBase = 0, xBase = 0, iy0 = 0, ix0 = 0;
        if (pValid) {
            const int b = p / ohw, s = p - b * ohw, oy = s / ow, ox = s - oy * ow;
            iy0 = oy - top; ix0 = ox - left;
            gBase = b * outC * ohw + s;
            xBase = b * inC * hw + iy0 * w + ix0;
        }
        for (int r = first; r < CONV_TM; r += CONV_K_PASS) {
            const int oc = row0 + r;
            As[pq][r] = (pValid && oc < M) ? gradOutput[gBase + oc * ohw] : 0.0f;
        }
        for (int c = first, j = 0; c < CONV_TN; c += CONV_K_PASS, ++j) {
            bool inside = pValid && colOffset[j] >= 0;
            if (padded && inside)
                inside = (uint)(iy0 + (colTap[j] >> 16)) < (uint)h && (uint)(ix0 + (colTap[j] & 0xffff)) < (uint)w;
            Bs[pq][c] = inside ? input[xBase + colOffset[j]] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        CONV_MULTIPLY_TILE(acc, As, Bs, tx, ty)
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    __global float* out = partial + (long)z * M * N;
    for (int i = 0; i < CONV_RM; ++i) {
        const int oc = row0 + ty + i * CONV_TY;
        if (oc >= M) continue;
        for (int j = 0; j < CONV_RN; ++j) {
            const int kk = col0 + tx + j * CONV_TX;
            if (kk < N) out[oc * N + kk] = acc[i][j];
        }
    }
}

// gradBias[oc] = Σ over batch and positions of gradOutput[b, oc, ·]: one work-group per channel.
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void conv2d_backward_bias(__global const float* gradOutput, __global float* gradBias, int n, int outC, int ohw) {
    __local float scratch[REDUCE_WG];
    const int oc = get_group_id(0), lid = get_local_id(0);
    float sum = 0.0f;
    for (int b = 0; b < n; ++b) {
        __global const float* g = gradOutput + ((long)b * outC + oc) * ohw;
        for (int s = lid; s < ohw; s += REDUCE_WG) sum += g[s];
    }
    const float total = workgroup_sum(sum, scratch);
    if (lid == 0) gradBias[oc] = total;
}

#endif

// gradWeight[i] = Σ_z partial[z][i], z in order (deterministic).
__kernel void conv2d_sum_splits(__global const float* partial, __global float* gradWeight, int count, int splits) {
    const int i = get_global_id(0);
    if (i >= count) return;
    float sum = 0.0f;
    for (int z = 0; z < splits; ++z) sum += partial[(long)z * count + i];
    gradWeight[i] = sum;
}
