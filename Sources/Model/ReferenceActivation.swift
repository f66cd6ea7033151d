/// ReLU forward on the host (its backward, from the output, is with the convolutions), and the elementwise sum.
extension ReferenceBackend {
    public func addInPlace(_ addend: ReferenceBuffer, to target: ReferenceBuffer, count: Int) throws {
        require(addend, count, op: "addInPlace", role: "addend")
        require(target, count, op: "addInPlace", role: "target")
        let (a, t) = (addend.base, target.base)
        for i in 0..<count { t[i] += a[i] }
    }

    public func reluForward(input: ReferenceBuffer, output: ReferenceBuffer, count: Int) throws {
        require(input, count, op: "reluForward", role: "input")
        require(output, count, op: "reluForward", role: "output")
        let (x, y) = (input.base, output.base)
        for i in 0..<count { y[i] = x[i] < 0 ? 0 : x[i] }
    }
}
