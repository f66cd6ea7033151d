// Inverted dropout: y[i] = keep(i) ? x[i]·scale : 0 (forward on activations, backward on gradients: the same
// mask, recomputed). keep(i): word 0 of Philox4x32-10 (Salmon et al. 2011, Random123 constants) with key
// (k0, k1) and counter (i, layer, s0, s1); u = (word0 >> 8)·2⁻²⁴; kept iff u ≥ rate. The host passes
// scale = 1/(1 − rate) computed in float32 (Model/Philox.swift defines the mask; scripts/gcnn_philox.py too).

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

// Ten rounds on counters (c0, c1, c2, c3) of type T (uint or uintN) under key (k0, k1); leaves word 0 in c0.
#define PHILOX4X32_10(T, c0, c1, c2, c3, k0, k1)                                          \
    for (int philox_round = 0; philox_round < 10; ++philox_round) {                                            \
        if (philox_round > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }                              \
        const T hi0 = mul_hi((T)(PHILOX_M0), c0), lo0 = (T)(PHILOX_M0) * c0;              \
        const T hi1 = mul_hi((T)(PHILOX_M1), c2), lo1 = (T)(PHILOX_M1) * c2;              \
        c0 = hi1 ^ c1 ^ (T)(k0); c1 = lo1; c2 = hi0 ^ c3 ^ (T)(k1); c3 = lo0;             \
    }

float dropout_one(float x, uint i, float rate, float scale, uint k0, uint k1, uint layer, uint s0, uint s1) {
    uint c0 = i, c1 = layer, c2 = s0, c3 = s1;
    PHILOX4X32_10(uint, c0, c1, c2, c3, k0, k1)
    return (float)(c0 >> 8) * 0x1p-24f >= rate ? x * scale : 0.0f;
}

#ifdef GCNN_CPU_KERNELS

// 1024 elements per item, eight counters at a time. global: (ceil(count / 1024)).
__kernel void dropout_cpu(__global const float* input, __global float* output, int count, float rate, float scale,
                          uint k0, uint k1, uint layer, uint s0, uint s1) {
    const int begin = get_global_id(0) * 1024;
    if (begin >= count) return;
    const int end = min(count, begin + 1024);
    int i = begin;
    for (; i + 8 <= end; i += 8) {
        uint8 c0 = (uint8)((uint)i) + (uint8)(0, 1, 2, 3, 4, 5, 6, 7), c1 = (uint8)(layer), c2 = (uint8)(s0), c3 = (uint8)(s1);
        uint key0 = k0, key1 = k1;
        PHILOX4X32_10(uint8, c0, c1, c2, c3, key0, key1)
        const float8 u = convert_float8(c0 >> 8) * (float8)(0x1p-24f);
        vstore8(select((float8)(0.0f), vload8(0, input + i) * (float8)(scale), isgreaterequal(u, (float8)(rate))),
                0, output + i);
    }
    for (; i < end; ++i) output[i] = dropout_one(input[i], (uint)i, rate, scale, k0, k1, layer, s0, s1);
}

#else

__kernel void dropout(__global const float* input, __global float* output, int count, float rate, float scale,
                      uint k0, uint k1, uint layer, uint s0, uint s1) {
    const int i = get_global_id(0);
    if (i < count) output[i] = dropout_one(input[i], (uint)i, rate, scale, k0, k1, layer, s0, s1);
}

#endif
