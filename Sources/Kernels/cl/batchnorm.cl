// Batch normalisation over the channels of NCHW tensors (n, c, hw = h·w; m = n·hw values per channel).
// Statistics are reduced by one work-group of REDUCE_WG items per channel in a fixed order (deterministic).
//
// Two variants (see conv2d.cl): work-group reductions for GPUs; for CPU devices (GCNN_CPU_KERNELS) one item
// per channel summing float8 partials per image, then the images in order, and elementwise kernels that run
// one item per (sample, channel) plane with float8 loops.

#ifdef GCNN_CPU_KERNELS

// Statistics of one plane: Kahan-compensated float8 lanes plus a scalar tail (per-channel sums run over
// ~10⁵–10⁶ values; compensation keeps the mean accurate where plain float lanes would drift), then the lanes
// added in a fixed order. `mean` is subtracted and the differences squared when `squares`.
inline float bn_plane_sum(__global const float* x, int hw, float mean, int squares) {
    float8 sum = (float8)(0.0f), carry = (float8)(0.0f);
    float tail = 0.0f;
    int i = 0;
    for (; i + 8 <= hw; i += 8) {
        float8 v = vload8(0, x + i);
        if (squares) { v -= (float8)(mean); v *= v; }
        const float8 y = v - carry, t = sum + y;
        carry = (t - sum) - y;
        sum = t;
    }
    for (; i < hw; ++i) { const float d = squares ? (x[i] - mean) * (x[i] - mean) : x[i]; tail += d; }
    return hsum8(sum) + tail;
}

// Training forward, part 1 (as batchnorm_stats). global: (c).
__kernel void batchnorm_stats_cpu(__global const float* input, int n, int c, int hw,
                                  __global float* saveMean, __global float* saveInvStd,
                                  __global float* runningMean, __global float* runningVariance,
                                  float momentum, float epsilon, int unbiased) {
    const int channel = get_global_id(0);
    if (channel >= c) return;
    const float m = (float)n * (float)hw;
    float sum = 0.0f;
    for (int b = 0; b < n; ++b) sum += bn_plane_sum(input + ((long)b * c + channel) * hw, hw, 0.0f, 0);
    const float mean = sum / m;
    float squares = 0.0f;
    for (int b = 0; b < n; ++b) squares += bn_plane_sum(input + ((long)b * c + channel) * hw, hw, mean, 1);
    const float variance = squares / m;
    saveMean[channel] = mean;
    saveInvStd[channel] = 1.0f / sqrt(variance + epsilon);
    const float runningVar = (unbiased && m > 1.0f) ? variance * (m / (m - 1.0f)) : variance;
    runningMean[channel] = runningMean[channel] * momentum + mean * (1.0f - momentum);
    runningVariance[channel] = runningVariance[channel] * momentum + runningVar * (1.0f - momentum);
}

// output = (input − shift)·scale·γ + β over one plane; `scale` is invStd (training) or 1/√(var + ε) (inference).
inline void bn_plane_normalize(__global const float* x, __global float* y, int hw, float shift, float scale,
                               float gamma, float beta) {
    int i = 0;
    for (; i + 8 <= hw; i += 8)
        vstore8((vload8(0, x + i) - (float8)(shift)) * (float8)(scale) * (float8)(gamma) + (float8)(beta), 0, y + i);
    for (; i < hw; ++i) y[i] = (x[i] - shift) * scale * gamma + beta;
}

// Training forward, part 2 (as batchnorm_normalize). global: (n·c).
__kernel void batchnorm_normalize_cpu(__global const float* input, __global float* output,
                                      __global const float* gamma, __global const float* beta,
                                      __global const float* mean, __global const float* invStd,
                                      int n, int c, int hw) {
    const int plane = get_global_id(0);
    if (plane >= n * c) return;
    const int ch = plane % c;
    const long at = (long)plane * hw;
    bn_plane_normalize(input + at, output + at, hw, mean[ch], invStd[ch], gamma[ch], beta[ch]);
}

// Inference forward (as batchnorm_inference). global: (n·c).
__kernel void batchnorm_inference_cpu(__global const float* input, __global float* output,
                                      __global const float* gamma, __global const float* beta,
                                      __global const float* runningMean, __global const float* runningVariance,
                                      int n, int c, int hw, float epsilon) {
    const int plane = get_global_id(0);
    if (plane >= n * c) return;
    const int ch = plane % c;
    const long at = (long)plane * hw;
    bn_plane_normalize(input + at, output + at, hw, runningMean[ch], 1.0f / sqrt(runningVariance[ch] + epsilon),
                       gamma[ch], beta[ch]);
}

// Backward, part 1 (as batchnorm_backward_reduce). global: (c).
__kernel void batchnorm_backward_reduce_cpu(__global const float* input, __global const float* gradOutput,
                                            __global const float* saveMean, __global const float* saveInvStd,
                                            __global float* gradGamma, __global float* gradBeta, int n, int c, int hw) {
    const int channel = get_global_id(0);
    if (channel >= c) return;
    const float mean = saveMean[channel], invStd = saveInvStd[channel];
    float sumDy = 0.0f, sumDyXhat = 0.0f;
    for (int b = 0; b < n; ++b) {
        const long base = ((long)b * c + channel) * hw;
        __global const float* x = input + base;
        __global const float* dy = gradOutput + base;
        float8 accDy = (float8)(0.0f), accDyXhat = (float8)(0.0f);
        float tailDy = 0.0f, tailDyXhat = 0.0f;
        int i = 0;
        for (; i + 8 <= hw; i += 8) {
            const float8 g = vload8(0, dy + i);
            accDy += g;
            accDyXhat = fma(g, (vload8(0, x + i) - (float8)(mean)) * (float8)(invStd), accDyXhat);
        }
        for (; i < hw; ++i) { tailDy += dy[i]; tailDyXhat += dy[i] * ((x[i] - mean) * invStd); }
        sumDy += hsum8(accDy) + tailDy;
        sumDyXhat += hsum8(accDyXhat) + tailDyXhat;
    }
    gradBeta[channel] = sumDy;
    gradGamma[channel] = sumDyXhat;
}

// Backward, part 2 (as batchnorm_backward_data). global: (n·c).
__kernel void batchnorm_backward_data_cpu(__global const float* input, __global const float* gradOutput,
                                          __global const float* gamma, __global const float* saveMean,
                                          __global const float* saveInvStd, __global const float* gradGamma,
                                          __global const float* gradBeta, __global float* gradInput,
                                          int n, int c, int hw) {
    const int plane = get_global_id(0);
    if (plane >= n * c) return;
    const int ch = plane % c;
    const long at = (long)plane * hw;
    __global const float* x = input + at;
    __global const float* dy = gradOutput + at;
    __global float* dx = gradInput + at;
    const float m = (float)n * (float)hw;
    const float invStd = saveInvStd[ch], mean = saveMean[ch], scale = gamma[ch] * invStd;
    const float meanDy = gradBeta[ch] / m, meanDyXhat = gradGamma[ch] / m;
    int i = 0;
    for (; i + 8 <= hw; i += 8) {
        const float8 xhat = (vload8(0, x + i) - (float8)(mean)) * (float8)(invStd);
        vstore8((float8)(scale) * (vload8(0, dy + i) - (float8)(meanDy) - xhat * (float8)(meanDyXhat)), 0, dx + i);
    }
    for (; i < hw; ++i) {
        const float xhat = (x[i] - mean) * invStd;
        dx[i] = scale * (dy[i] - meanDy - xhat * meanDyXhat);
    }
}

#else

// Planes smaller than a work-group (h·w = 1: batch norm over features): the items stride over all n·hw values
// of the channel instead of over one plane at a time, which would leave all but hw items idle. `at` is the
// value's index in the tensor.
#define BN_FLAT_LOOP(body)                                                    \
    for (int j = lid; j < n * hw; j += REDUCE_WG) {                           \
        const int b = j / hw;                                                 \
        const long at = ((long)b * c + channel) * hw + (j - b * hw);          \
        body                                                                  \
    }

// Training forward, part 1: per-channel mean and biased variance (two passes over the data for accuracy),
// saved for the backward pass as mean and 1/√(var + ε); running statistics updated with Keras' momentum:
// running = running·momentum + batch·(1 − momentum), the variance unbiased (·m/(m−1)) if `unbiased`.
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void batchnorm_stats(__global const float* input, int n, int c, int hw,
                     __global float* saveMean, __global float* saveInvStd,
                     __global float* runningMean, __global float* runningVariance,
                     float momentum, float epsilon, int unbiased) {
    __local float scratch[REDUCE_WG];
    const int channel = get_group_id(0), lid = get_local_id(0);
    const float m = (float)n * (float)hw;
    float sum = 0.0f;
    if (hw < REDUCE_WG) {
        BN_FLAT_LOOP(sum += input[at];)
    } else {
        for (int b = 0; b < n; ++b) {
            __global const float* x = input + ((long)b * c + channel) * hw;
            for (int i = lid; i < hw; i += REDUCE_WG) sum += x[i];
        }
    }
    const float mean = workgroup_sum(sum, scratch) / m;
    float squares = 0.0f;
    if (hw < REDUCE_WG) {
        BN_FLAT_LOOP(const float d = input[at] - mean; squares += d * d;)
    } else {
        for (int b = 0; b < n; ++b) {
            __global const float* x = input + ((long)b * c + channel) * hw;
            for (int i = lid; i < hw; i += REDUCE_WG) { const float d = x[i] - mean; squares += d * d; }
        }
    }
    const float variance = workgroup_sum(squares, scratch) / m;
    if (lid == 0) {
        saveMean[channel] = mean;
        saveInvStd[channel] = 1.0f / sqrt(variance + epsilon);
        const float runningVar = (unbiased && m > 1.0f) ? variance * (m / (m - 1.0f)) : variance;
        runningMean[channel] = runningMean[channel] * momentum + mean * (1.0f - momentum);
        runningVariance[channel] = runningVariance[channel] * momentum + runningVar * (1.0f - momentum);
    }
}

// Elementwise kernels run over (position, channel, sample), so the channel needs no division.

// Training forward, part 2: output = (input − mean)·invStd·γ + β with the saved batch statistics.
__kernel void batchnorm_normalize(__global const float* input, __global float* output,
                                  __global const float* gamma, __global const float* beta,
                                  __global const float* mean, __global const float* invStd,
                                  int n, int c, int hw) {
    const int i = get_global_id(0), ch = get_global_id(1), b = get_global_id(2);
    if (i >= hw || ch >= c || b >= n) return;
    const long at = ((long)b * c + ch) * hw + i;
    output[at] = (input[at] - mean[ch]) * invStd[ch] * gamma[ch] + beta[ch];
}

// Inference forward: normalises with the running statistics.
__kernel void batchnorm_inference(__global const float* input, __global float* output,
                                  __global const float* gamma, __global const float* beta,
                                  __global const float* runningMean, __global const float* runningVariance,
                                  int n, int c, int hw, float epsilon) {
    const int i = get_global_id(0), ch = get_global_id(1), b = get_global_id(2);
    if (i >= hw || ch >= c || b >= n) return;
    const long at = ((long)b * c + ch) * hw + i;
    output[at] = (input[at] - runningMean[ch]) * (1.0f / sqrt(runningVariance[ch] + epsilon)) * gamma[ch] + beta[ch];
}

// Backward, part 1: gradBeta = Σ dy, gradGamma = Σ dy·x̂ per channel, x̂ = (x − mean)·invStd.
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void batchnorm_backward_reduce(__global const float* input, __global const float* gradOutput,
                               __global const float* saveMean, __global const float* saveInvStd,
                               __global float* gradGamma, __global float* gradBeta, int n, int c, int hw) {
    __local float scratch[REDUCE_WG];
    const int channel = get_group_id(0), lid = get_local_id(0);
    const float mean = saveMean[channel], invStd = saveInvStd[channel];
    float sumDy = 0.0f, sumDyXhat = 0.0f;
    if (hw < REDUCE_WG) {
        BN_FLAT_LOOP(const float dy = gradOutput[at]; sumDy += dy; sumDyXhat += dy * ((input[at] - mean) * invStd);)
    } else {
        for (int b = 0; b < n; ++b) {
            const long base = ((long)b * c + channel) * hw;
            for (int i = lid; i < hw; i += REDUCE_WG) {
                const float dy = gradOutput[base + i];
                sumDy += dy;
                sumDyXhat += dy * ((input[base + i] - mean) * invStd);
            }
        }
    }
    const float beta = workgroup_sum(sumDy, scratch);
    const float gamma = workgroup_sum(sumDyXhat, scratch);
    if (lid == 0) { gradBeta[channel] = beta; gradGamma[channel] = gamma; }
}

// Backward, part 2: dx = γ·invStd·(dy − Σdy/m − x̂·Σ(dy·x̂)/m).
__kernel void batchnorm_backward_data(__global const float* input, __global const float* gradOutput,
                                      __global const float* gamma, __global const float* saveMean,
                                      __global const float* saveInvStd, __global const float* gradGamma,
                                      __global const float* gradBeta, __global float* gradInput,
                                      int n, int c, int hw) {
    const int i = get_global_id(0), ch = get_global_id(1), b = get_global_id(2);
    if (i >= hw || ch >= c || b >= n) return;
    const long at = ((long)b * c + ch) * hw + i;
    const float m = (float)n * (float)hw;
    const float invStd = saveInvStd[ch];
    const float xhat = (input[at] - saveMean[ch]) * invStd;
    gradInput[at] = gamma[ch] * invStd * (gradOutput[at] - gradBeta[ch] / m - xhat * (gradGamma[ch] / m));
}

#endif
