// Data augmentation on batches already on the device. The random numbers (window starts, mask positions,
// partners and mixing coefficients) are tables drawn on the host once per epoch (Model/AugmentationDraws.swift);
// these kernels only apply them. Row r of a batch uses slot indices[indexOffset + r] of the per-clip tables.

// Random crops: one work-group of REDUCE_WG items per row copies the mels × frames window at element
// starts[slot] of `source` (rows rowStride apart) and raises it to its own maximum − topDB (max is exact in any
// order, so the result does not depend on the reduction). global: (REDUCE_WG · rows), local: (REDUCE_WG).
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void crop_windows(__global const float* source, int rowStride, __global const int* starts,
                  __global const int* indices, int indexOffset, int mels, int frames, float topDB,
                  __global float* destination) {
    __local float scratch[REDUCE_WG];
    const int r = get_group_id(0), lid = get_local_id(0), per = mels * frames;
    const long start = starts[indices[indexOffset + r]];
    float peak = -INFINITY;
    // Remainders as i − (i / frames)·frames (see conv2d.cl: a `%` beside a `/` becomes a `freeze` oclgrind cannot run).
    for (int i = lid; i < per; i += REDUCE_WG) {
        const int row = i / frames;
        peak = fmax(peak, source[start + (long)row * rowStride + (i - row * frames)]);
    }
    scratch[lid] = peak;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] = fmax(scratch[lid], scratch[lid + stride]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float floorValue = scratch[0] - topDB;
    __global float* out = destination + (long)r * per;
    for (int i = lid; i < per; i += REDUCE_WG) {
        const int row = i / frames;
        const float v = source[start + (long)row * rowStride + (i - row * frames)];
        out[i] = v < floorValue ? floorValue : v;
    }
}

// SpecAugment masks in place: one work-group per row sums the row (fixed tree order), writes its mean to
// rowMeans[r] and sets every value inside one of the row's masks to it. masks: per slot, frequencyMasks pairs
// (first band, bands) then timeMasks pairs (first frame, frames). global: (REDUCE_WG · rows), local: (REDUCE_WG).
__kernel __attribute__((reqd_work_group_size(REDUCE_WG, 1, 1)))
void mask_spectrograms(__global float* data, int mels, int frames, __global const int* masks,
                       __global const int* indices, int indexOffset, int frequencyMasks, int timeMasks,
                       __global float* rowMeans) {
    __local float scratch[REDUCE_WG];
    const int r = get_group_id(0), lid = get_local_id(0), per = mels * frames;
    __global float* x = data + (long)r * per;
    float sum = 0.0f;
    for (int i = lid; i < per; i += REDUCE_WG) sum += x[i];
    const float mean = workgroup_sum(sum, scratch) / (float)per;
    if (lid == 0) rowMeans[r] = mean;
    __global const int* m = masks + (long)indices[indexOffset + r] * (2 * (frequencyMasks + timeMasks));
    for (int i = lid; i < per; i += REDUCE_WG) {
        const int band = i / frames, t = i - band * frames;
        bool masked = false;
        for (int k = 0; k < frequencyMasks; ++k) masked |= band >= m[2 * k] && band < m[2 * k] + m[2 * k + 1];
        for (int k = frequencyMasks; k < frequencyMasks + timeMasks; ++k) masked |= t >= m[2 * k] && t < m[2 * k] + m[2 * k + 1];
        if (masked) x[i] = mean;
    }
}

// Mixup within a batch: output[r, j] = λ·input[r, j] + (1 − λ)·input[p, j], p = partners[partnerOffset + r],
// λ = lambdas[lambdaIndex]; targets as Backend.mixBatch documents (classes == 1: mixed 0/1 labels; else mixed
// one-hot rows of `classes`). global: (max(rowLength, classes), rows).
__kernel void mix_batch(__global const float* input, __global const float* labels, int rows, int rowLength, int classes,
                        __global const int* partners, int partnerOffset, __global const float* lambdas, int lambdaIndex,
                        __global float* output, __global float* targets) {
    const int j = get_global_id(0), r = get_global_id(1);
    if (r >= rows) return;
    const int p = partners[partnerOffset + r];
    const float lambda = lambdas[lambdaIndex], rest = 1.0f - lambda;
    if (j < rowLength) output[(long)r * rowLength + j] = lambda * input[(long)r * rowLength + j] + rest * input[(long)p * rowLength + j];
    if (j < classes) {
        if (classes == 1) {
            targets[r] = lambda * labels[r] + rest * labels[p];
        } else {
            const int a = (int)labels[r], b = (int)labels[p];
            targets[r * classes + j] = (j == a ? lambda : 0.0f) + (j == b ? rest : 0.0f);
        }
    }
}
