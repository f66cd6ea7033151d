// Convolution k×k, stride 1, valid, NCHW, weight outC×inC×k×k, as implicit GEMMs (no im2col buffer).
//
// Each work-group computes a CONV_TM×CONV_TN tile of the GEMM's output, CONV_TK steps of the reduction at a
// time staged in local memory; each work item holds a CONV_RM×CONV_RN block of accumulators, its rows and
// columns strided by the thread grid (CONV_TX = TN/RN, CONV_TY = TM/RM) so that local-memory reads are
// conflict-free and global writes coalesce. Tiles past the GEMM's edges are padded with zeros.
//
//   forward:          out[oc, p]  = Σ_kk W[oc, kk] · X̃[kk, p]     (p = (b, oy, ox), kk = (ic, ky, kx))
//   backward data:    dX[ic, p]   = Σ_kk W̃[ic, kk] · dỸ[kk, p]    (p = (b, y, x),   kk = (oc, ky, kx))
//   backward weights: dW[oc, kk]  = Σ_p  dY[oc, p] · X̃[p, kk]      (split over p into `splits` partial sums)

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
                    __global float* output, int n, int inC, int h, int w, int outC, int k, int relu) {
    __local float As[CONV_TK][CONV_TM + CONV_PAD];
    __local float Bs[CONV_TK][CONV_TN + CONV_PAD];
    const int oh = h - k + 1, ow = w - k + 1, ohw = oh * ow, hw = h * w, kk2 = k * k;
    const int M = outC, N = n * ohw, K = inC * kk2;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * CONV_TX + tx;
    const int col0 = get_group_id(0) * CONV_TN, row0 = get_group_id(1) * CONV_TM;

    // This thread's column of the B tile: an output position p, whose input window starts at xBase.
    const int bCol = lid % CONV_TN, bRow = lid / CONV_TN;
    const int p = col0 + bCol;
    const bool pValid = p < N;
    int xBase = 0;
    if (pValid) {
        const int b = p / ohw, s = p - b * ohw, oy = s / ow, ox = s - oy * ow;
        xBase = b * inC * hw + oy * w + ox;
    }
    const int aK = lid % CONV_TK, aRow = lid / CONV_TK;

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
                const int ic = kk / kk2, rem = kk - ic * kk2, ky = rem / k, kx = rem - ky * k;
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
// kk = (oc, ky, kx), the term is W[oc, ic, ky, kx] · dY[oc, y − ky, x − kx] where that lies inside dY.
__kernel __attribute__((reqd_work_group_size(CONV_TX, CONV_TY, 1)))
void conv2d_backward_data(__global const float* gradOutput, __global const float* weight,
                          __global float* gradInput, int n, int inC, int h, int w, int outC, int k) {
    __local float As[CONV_TK][CONV_TM + CONV_PAD];
    __local float Bs[CONV_TK][CONV_TN + CONV_PAD];
    const int oh = h - k + 1, ow = w - k + 1, ohw = oh * ow, hw = h * w, kk2 = k * k;
    const int M = inC, N = n * hw, K = outC * kk2;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * CONV_TX + tx;
    const int col0 = get_group_id(0) * CONV_TN, row0 = get_group_id(1) * CONV_TM;

    const int bCol = lid % CONV_TN, bRow = lid / CONV_TN;
    const int p = col0 + bCol;
    const bool pValid = p < N;
    int y = 0, x = 0, gBase = 0;
    if (pValid) {
        const int b = p / hw, s = p - b * hw;
        y = s / w; x = s - y * w;
        gBase = b * outC * ohw + y * ow + x;
    }
    const int aK = lid % CONV_TK, aRow = lid / CONV_TK;

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
                const int oc = kk / kk2, rem = kk - oc * kk2, ky = rem / k, kx = rem - ky * k;
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
                             __global float* partial, int n, int inC, int h, int w, int outC, int k, int chunk) {
    __local float As[CONV_TK][CONV_TM + CONV_PAD];
    __local float Bs[CONV_TK][CONV_TN + CONV_PAD];
    const int oh = h - k + 1, ow = w - k + 1, ohw = oh * ow, hw = h * w, kk2 = k * k;
    const int M = outC, N = inC * kk2, P = n * ohw;
    const int tx = get_local_id(0), ty = get_local_id(1), lid = ty * CONV_TX + tx;
    const int col0 = get_group_id(0) * CONV_TN, row0 = get_group_id(1) * CONV_TM, z = get_group_id(2);
    const int pBegin = z * chunk, pEnd = min(P, pBegin + chunk);

    // Both tiles: this thread's reduction index is pq = lid % CONV_TK; its columns of X̃ are fixed.
    const int pq = lid % CONV_TK, first = lid / CONV_TK;
    int colOffset[CONV_TN / CONV_K_PASS];
    for (int c = first, j = 0; c < CONV_TN; c += CONV_K_PASS, ++j) {
        const int kk = col0 + c;
        if (kk < N) {
            const int ic = kk / kk2, rem = kk - ic * kk2, ky = rem / k, kx = rem - ky * k;
            colOffset[j] = ic * hw + ky * w + kx;
        } else {
            colOffset[j] = -1;
        }
    }

    float acc[CONV_RM][CONV_RN];
    for (int i = 0; i < CONV_RM; ++i) for (int j = 0; j < CONV_RN; ++j) acc[i][j] = 0.0f;

    for (int p0 = pBegin; p0 < pEnd; p0 += CONV_TK) {
        const int p = p0 + pq;
        const bool pValid = p < pEnd;
        int gBase = 0, xBase = 0;
        if (pValid) {
            const int b = p / ohw, s = p - b * ohw, oy = s / ow, ox = s - oy * ow;
            gBase = b * outC * ohw + s;
            xBase = b * inC * hw + oy * w + ox;
        }
        for (int r = first; r < CONV_TM; r += CONV_K_PASS) {
            const int oc = row0 + r;
            As[pq][r] = (pValid && oc < M) ? gradOutput[gBase + oc * ohw] : 0.0f;
        }
        for (int c = first, j = 0; c < CONV_TN; c += CONV_K_PASS, ++j) {
            Bs[pq][c] = (pValid && colOffset[j] >= 0) ? input[xBase + colOffset[j]] : 0.0f;
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

// gradWeight[i] = Σ_z partial[z][i], z in order (deterministic).
__kernel void conv2d_sum_splits(__global const float* partial, __global float* gradWeight, int count, int splits) {
    const int i = get_global_id(0);
    if (i >= count) return;
    float sum = 0.0f;
    for (int z = 0; z < splits; ++z) sum += partial[(long)z * count + i];
    gradWeight[i] = sum;
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
