// Softmax + cross-entropy against soft targets (rows summing to 1, e.g. mixup's mixed one-hots):
// loss = Σ_c t_c·(logSumExp − z_c), gradLogits = (p − t)/batch. One item per sample.
__kernel void softmax_ce_soft(__global const float* logits, __global const float* targets, int batch, int classes,
                              __global float* gradLogits, __global float* losses, __global float* probabilities,
                              int resultOffset) {
    const int b = get_global_id(0);
    if (b >= batch) return;
    __global const float* z = logits + b * classes;
    __global const float* t = targets + b * classes;
    float zmax = z[0];
    for (int c = 1; c < classes; ++c) zmax = fmax(zmax, z[c]);
    float sum = 0.0f;
    for (int c = 0; c < classes; ++c) sum += exp(z[c] - zmax);
    const float logSum = zmax + log(sum);
    float loss = 0.0f;
    __global float* p = probabilities + (resultOffset + b) * classes;
    for (int c = 0; c < classes; ++c) {
        const float pc = exp(z[c] - logSum);
        p[c] = pc;
        loss += t[c] * (logSum - z[c]);
        gradLogits[b * classes + c] = (pc - t[c]) / (float)batch;
    }
    losses[resultOffset + b] = loss;
}
