// One Adam step in place, with AdamW's decoupled weight decay folded in (decay = 1 − lr·λ from the host;
// exactly 1 for Adam, where w·1 = w). The host folds the bias corrections into two scalars:
//   Keras:   stepSize = lr·√(1−β2ᵗ)/(1−β1ᵗ), vScale = 1        → w ← w·decay − stepSize · m / (√v + ε)
//   PyTorch: stepSize = lr/(1−β1ᵗ),          vScale = √(1−β2ᵗ) → w ← w·decay − stepSize · m / (√v/vScale + ε)
__kernel void adam_step(__global float* parameter, __global const float* gradient, __global float* m,
                        __global float* v, int count, float beta1, float beta2, float epsilon,
                        float stepSize, float vScale, float decay) {
    const int i = get_global_id(0);
    if (i >= count) return;
    const float g = gradient[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * (g * g);
    m[i] = mi;
    v[i] = vi;
    const float w = parameter[i] * decay;
    parameter[i] = w - stepSize * (mi / (sqrt(vi) / vScale + epsilon));
}
