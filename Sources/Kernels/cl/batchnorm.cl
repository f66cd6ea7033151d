// Batch normalisation over the channels of NCHW tensors (n, c, hw = h·w; m = n·hw values per channel).
// Statistics are reduced by one work-group of REDUCE_WG items per channel in a fixed order (deterministic).

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
    for (int b = 0; b < n; ++b) {
        __global const float* x = input + ((long)b * c + channel) * hw;
        for (int i = lid; i < hw; i += REDUCE_WG) sum += x[i];
    }
    const float mean = workgroup_sum(sum, scratch) / m;
    float squares = 0.0f;
    for (int b = 0; b < n; ++b) {
        __global const float* x = input + ((long)b * c + channel) * hw;
        for (int i = lid; i < hw; i += REDUCE_WG) { const float d = x[i] - mean; squares += d * d; }
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
    for (int b = 0; b < n; ++b) {
        const long base = ((long)b * c + channel) * hw;
        for (int i = lid; i < hw; i += REDUCE_WG) {
            const float dy = gradOutput[base + i];
            sumDy += dy;
            sumDyXhat += dy * ((input[base + i] - mean) * invStd);
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
