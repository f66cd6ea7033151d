// Losses from logits, computed stably; gradients are of the batch-mean loss, each sample's weighted by its
// class's weight when `weighted` (classWeights[label]; the losses written stay unweighted).

// Sigmoid + binary cross-entropy: loss = max(z,0) − z·y + log(1 + e^−|z|).
__kernel void sigmoid_bce(__global const float* logits, __global const float* labels, int batch,
                          __global float* gradLogits, __global float* losses, __global float* probabilities,
                          int resultOffset, __global const float* classWeights, int weighted) {
    const int b = get_global_id(0);
    if (b >= batch) return;
    const float z = logits[b], y = labels[b];
    const float w = weighted ? classWeights[(int)y] : 1.0f;
    const float e = exp(-fabs(z));                     // in (0, 1]: never overflows
    const float p = z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    losses[resultOffset + b] = fmax(z, 0.0f) - z * y + log1p(e);
    probabilities[resultOffset + b] = p;
    gradLogits[b] = w * (p - y) / (float)batch;
}

// Softmax + cross-entropy over `classes` logits per sample; labels are class indices stored as float.
__kernel void softmax_ce(__global const float* logits, __global const float* labels, int batch, int classes,
                         __global float* gradLogits, __global float* losses, __global float* probabilities,
                         int resultOffset, __global const float* classWeights, int weighted) {
    const int b = get_global_id(0);
    if (b >= batch) return;
    __global const float* z = logits + b * classes;
    float zmax = z[0];
    for (int c = 1; c < classes; ++c) zmax = fmax(zmax, z[c]);
    float sum = 0.0f;
    for (int c = 0; c < classes; ++c) sum += exp(z[c] - zmax);
    const float logSum = zmax + log(sum);
    const int label = (int)labels[b];
    const float w = weighted ? classWeights[label] : 1.0f;
    losses[resultOffset + b] = logSum - z[label];
    __global float* p = probabilities + (resultOffset + b) * classes;
    for (int c = 0; c < classes; ++c) {
        const float pc = exp(z[c] - logSum);
        p[c] = pc;
        gradLogits[b * classes + c] = w * (pc - (c == label ? 1.0f : 0.0f)) / (float)batch;
    }
}
