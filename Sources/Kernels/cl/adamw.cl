// One AdamW step in place: decoupled weight decay (decay = 1 − lr·λ, from the host), then adam.cl's update
// with the same folded scalars:  w ← w·decay − stepSize · m / (√v/vScale + ε).
__kernel void adamw_step(__global float* parameter, __global const float* gradient, __global float* m,
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
