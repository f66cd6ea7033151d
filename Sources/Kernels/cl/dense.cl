// Dense layer: input batch×in, weight out×in (PyTorch's layout), bias out, output batch×out.

// output[b, o] = Σᵢ input[b, i]·weight[o, i] + bias[o]: one work-group per (o, b), a fixed-order reduction.
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void dense_forward(__global const float* input, __global const float* weight, __global const float* bias,
                   __global float* output, int batch, int inFeatures, int outFeatures) {
    __local float scratch[REDUCE_WG];
    const int o = get_group_id(0), b = get_group_id(1), lid = get_local_id(0);
    __global const float* x = input + (long)b * inFeatures;
    __global const float* wo = weight + (long)o * inFeatures;
    float sum = 0.0f;
    for (int i = lid; i < inFeatures; i += REDUCE_WG) sum += x[i] * wo[i];
    const float total = workgroup_sum(sum, scratch);
    if (lid == 0) output[b * outFeatures + o] = total + bias[o];
}

// gradInput[b, i] = Σₒ gradOutput[b, o]·weight[o, i].
__kernel void dense_backward_input(__global const float* weight, __global const float* gradOutput,
                                   __global float* gradInput, int batch, int inFeatures, int outFeatures) {
    const int i = get_global_id(0), b = get_global_id(1);
    if (i >= inFeatures || b >= batch) return;
    float sum = 0.0f;
    for (int o = 0; o < outFeatures; ++o) sum += gradOutput[b * outFeatures + o] * weight[(long)o * inFeatures + i];
    gradInput[(long)b * inFeatures + i] = sum;
}

// gradWeight[o, i] = Σ_b gradOutput[b, o]·input[b, i].
__kernel void dense_backward_weight(__global const float* input, __global const float* gradOutput,
                                    __global float* gradWeight, int batch, int inFeatures, int outFeatures) {
    const int i = get_global_id(0), o = get_global_id(1);
    if (i >= inFeatures || o >= outFeatures) return;
    float sum = 0.0f;
    for (int b = 0; b < batch; ++b) sum += gradOutput[b * outFeatures + o] * input[(long)b * inFeatures + i];
    gradWeight[(long)o * inFeatures + i] = sum;
}

// gradBias[o] = Σ_b gradOutput[b, o].
__kernel void dense_backward_bias(__global const float* gradOutput, __global float* gradBias,
                                  int batch, int outFeatures) {
    const int o = get_global_id(0);
    if (o >= outFeatures) return;
    float sum = 0.0f;
    for (int b = 0; b < batch; ++b) sum += gradOutput[b * outFeatures + o];
    gradBias[o] = sum;
}
