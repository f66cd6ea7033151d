// One SGD step in place, torch.optim.SGD's form (dampening 0):
//   g ← g + λ·w;  b ← μ·b + g;  g ← nesterov ? g + μ·b : b;  w ← w − lr·g.
// With μ = 0 the momentum buffer is neither read nor written.
__kernel void sgd_step(__global float* parameter, __global const float* gradient, __global float* buffer,
                       int count, float lr, float momentum, float weightDecay, int nesterov) {
    const int i = get_global_id(0);
    if (i >= count) return;
    const float w = parameter[i];
    float g = gradient[i];
    if (weightDecay != 0.0f) g += weightDecay * w;
    if (momentum != 0.0f) {
        const float b = momentum * buffer[i] + g;
        buffer[i] = b;
        g = nesterov ? g + momentum * b : b;
    }
    parameter[i] = w - lr * g;
}
