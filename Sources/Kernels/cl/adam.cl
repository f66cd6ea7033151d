// One Adam step in place. The host folds the bias corrections into two scalars:
//   Keras:   stepSize = lr·√(1−β2ᵗ)/(1−β1ᵗ), vScale = 1        → w −= stepSize · m / (√v + ε)
//   PyTorch: stepSize = lr/(1−β1ᵗ),          vScale = √(1−β2ᵗ) → w −= stepSize · m / (√v/vScale + ε)
__kernel void adam_step(__global float* parameter, __global const float* gradient, __global float* m,
                        __global float* v, int count, float beta1, float beta2, float epsilon,
                        float stepSize, float vScale) {
    const int i = get_global_id(0);
    if (i >= count) return;
    const float g = gradient[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * (g * g);
    m[i] = mi;
    v[i] = vi;
    parameter[i] -= stepSize * (mi / (sqrt(vi) / vScale + epsilon));
}
