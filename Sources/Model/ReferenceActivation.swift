/// ReLU forward on the host (its backward, from the output, is with the convolutions).
extension ReferenceBackend {
    public func reluForward(input: ReferenceBuffer, output: ReferenceBuffer, count: Int) throws {
        require(input, count, op: "reluForward", role: "input")
        require(output, count, op: "reluForward", role: "output")
        let (x, y) = (input.base, output.base)
        for i in 0..<count { y[i] = x[i] < 0 ? 0 : x[i] }
    }
}
