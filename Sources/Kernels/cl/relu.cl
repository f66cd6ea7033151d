// ReLU backward, in place, from the forward output: gradient[i] = output[i] > 0 ? gradient[i] : 0.
__kernel void relu_backward(__global const float* output, __global float* gradient, int count) {
    const int i = get_global_id(0);
    if (i < count && !(output[i] > 0.0f)) gradient[i] = 0.0f;
}
