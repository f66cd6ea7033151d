// destination[r, j] = source[indices[indexOffset + r], j] for r < rows, j < rowLength.
__kernel void gather_rows(__global const float* source, int rowLength, __global const int* indices,
                          int indexOffset, int rows, __global float* destination) {
    const int j = get_global_id(0), r = get_global_id(1);
    if (j >= rowLength || r >= rows) return;
    const long row = indices[indexOffset + r];
    destination[(long)r * rowLength + j] = source[row * rowLength + j];
}
