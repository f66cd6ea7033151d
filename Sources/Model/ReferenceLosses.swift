import Foundation

/// Losses from logits on the host, in `Double`, in the numerically stable forms.
extension ReferenceBackend {
    public func sigmoidBinaryCrossEntropy(logits: ReferenceBuffer, labels: ReferenceBuffer, classWeights: ReferenceBuffer?,
                                          batch: Int, gradLogits: ReferenceBuffer, losses: ReferenceBuffer,
                                          probabilities: ReferenceBuffer, resultOffset: Int) throws {
        let op = "sigmoidBinaryCrossEntropy"
        precondition(batch > 0, "\(op): batch \(batch) must be positive")
        precondition(resultOffset >= 0, "\(op): negative resultOffset \(resultOffset)")
        require(logits, batch, op: op, role: "logits")
        require(labels, batch, op: op, role: "labels")
        require(gradLogits, batch, op: op, role: "gradLogits")
        require(losses, resultOffset + batch, op: op, role: "losses")
        require(probabilities, resultOffset + batch, op: op, role: "probabilities")
        if let classWeights { require(classWeights, 2, op: op, role: "classWeights") }
        for n in 0..<batch {
            let z = Double(logits.base[n]), y = Double(labels.base[n])
            let w = classWeights.map { Double($0.base[labels.base[n] == 1 ? 1 : 0]) } ?? 1
            // −y·log σ(z) − (1−y)·log(1−σ(z)) = max(z, 0) − z·y + log(1 + e^−|z|), exact for large |z|.
            let loss = Swift.max(z, 0) - z * y + log1p(exp(-abs(z)))
            let p = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
            losses.base[resultOffset + n] = Float(loss)
            probabilities.base[resultOffset + n] = Float(p)
            gradLogits.base[n] = Float(w * (p - y) / Double(batch))
        }
    }

    public func softmaxCrossEntropy(logits: ReferenceBuffer, labels: ReferenceBuffer, classWeights: ReferenceBuffer?,
                                    batch: Int, classes: Int, gradLogits: ReferenceBuffer, losses: ReferenceBuffer,
                                    probabilities: ReferenceBuffer, resultOffset: Int) throws {
        let op = "softmaxCrossEntropy"
        precondition(batch > 0 && classes > 0, "\(op): batch \(batch) and classes \(classes) must be positive")
        precondition(resultOffset >= 0, "\(op): negative resultOffset \(resultOffset)")
        require(logits, batch * classes, op: op, role: "logits")
        require(labels, batch, op: op, role: "labels")
        require(gradLogits, batch * classes, op: op, role: "gradLogits")
        require(losses, resultOffset + batch, op: op, role: "losses")
        require(probabilities, (resultOffset + batch) * classes, op: op, role: "probabilities")
        if let classWeights { require(classWeights, classes, op: op, role: "classWeights") }
        for n in 0..<batch {
            let label = labels.base[n]
            precondition(label >= 0 && label < Float(classes) && label == label.rounded(),
                         "\(op): label \(label) of sample \(n) in '\(labels.label)' is not a class index "
                         + "in 0..<\(classes)")
            let target = Int(label)
            let w = classWeights.map { Double($0.base[target]) } ?? 1
            let z = logits.base + n * classes
            var largest = -Double.infinity
            for j in 0..<classes { largest = Swift.max(largest, Double(z[j])) }
            var sum = 0.0
            for j in 0..<classes { sum += exp(Double(z[j]) - largest) }
            let logSumExp = largest + log(sum)
            losses.base[resultOffset + n] = Float(logSumExp - Double(z[target]))
            let p = probabilities.base + (resultOffset + n) * classes
            let dz = gradLogits.base + n * classes
            for j in 0..<classes {
                let probability = exp(Double(z[j]) - logSumExp)
                p[j] = Float(probability)
                dz[j] = Float(w * (probability - (j == target ? 1 : 0)) / Double(batch))
            }
        }
    }
}
