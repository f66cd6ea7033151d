import Foundation

/// Data augmentation (random crops, SpecAugment masks, mixup) and the soft-target loss on the host.
extension ReferenceBackend {
    public func cropWindows(source: ReferenceBuffer, rowStride: Int, starts: ReferenceIndexBuffer,
                            indices: ReferenceIndexBuffer, indexOffset: Int, rows: Int, mels: Int, frames: Int,
                            topDB: Float, into destination: ReferenceBuffer) throws {
        let op = "cropWindows"
        precondition(rows >= 0 && mels > 0 && frames > 0 && rowStride >= frames,
                     "\(op): rows \(rows), mels \(mels), frames \(frames), rowStride \(rowStride) are inconsistent")
        precondition(topDB >= 0, "\(op): topDB \(topDB) is negative")
        precondition(indexOffset >= 0 && indexOffset + rows <= indices.count,
                     "\(op): index buffer '\(indices.label)' holds \(indices.count) indices; needs \(rows) from \(indexOffset)")
        let per = mels * frames
        require(destination, rows * per, op: op, role: "destination")
        for r in 0..<rows {
            let slot = Int(indices.values[indexOffset + r])
            precondition(slot >= 0 && slot < starts.count, "\(op): slot \(slot) is outside '\(starts.label)'")
            let start = Int(starts.values[slot])
            precondition(start >= 0 && start + (mels - 1) * rowStride + frames <= source.count,
                         "\(op): window at \(start) runs past '\(source.label)' (\(source.count) elements)")
            let out = destination.base + r * per
            var peak = -Float.infinity
            for m in 0..<mels {
                let row = source.base + start + m * rowStride
                for t in 0..<frames {
                    out[m * frames + t] = row[t]
                    peak = Swift.max(peak, row[t])
                }
            }
            let floor = peak - topDB
            for i in 0..<per where out[i] < floor { out[i] = floor }
        }
    }

    public func maskSpectrograms(_ data: ReferenceBuffer, rows: Int, mels: Int, frames: Int, masks: ReferenceIndexBuffer,
                                 indices: ReferenceIndexBuffer, indexOffset: Int, frequencyMasks: Int, timeMasks: Int,
                                 rowMeans: ReferenceBuffer) throws {
        let op = "maskSpectrograms"
        precondition(rows >= 0 && mels > 0 && frames > 0 && frequencyMasks >= 0 && timeMasks >= 0,
                     "\(op): rows \(rows), mels \(mels), frames \(frames), masks \(frequencyMasks)+\(timeMasks) are invalid")
        precondition(indexOffset >= 0 && indexOffset + rows <= indices.count,
                     "\(op): index buffer '\(indices.label)' holds \(indices.count) indices; needs \(rows) from \(indexOffset)")
        let per = mels * frames, width = 2 * (frequencyMasks + timeMasks)
        require(data, rows * per, op: op, role: "data")
        require(rowMeans, rows, op: op, role: "rowMeans")
        for r in 0..<rows {
            let slot = Int(indices.values[indexOffset + r])
            precondition(slot >= 0 && (slot + 1) * width <= masks.count, "\(op): slot \(slot) is outside '\(masks.label)'")
            let x = data.base + r * per
            var sum = 0.0
            for i in 0..<per { sum += Double(x[i]) }
            let mean = Float(sum / Double(per))
            rowMeans.base[r] = mean
            let m = masks.values[(slot * width)..<((slot + 1) * width)].map(Int.init)
            for k in 0..<frequencyMasks {
                let lo = Swift.max(m[2 * k], 0), hi = Swift.min(m[2 * k] + m[2 * k + 1], mels)
                if lo < hi { for band in lo..<hi { for t in 0..<frames { x[band * frames + t] = mean } } }
            }
            for k in 0..<timeMasks {
                let first = m[2 * (frequencyMasks + k)], count = m[2 * (frequencyMasks + k) + 1]
                let lo = Swift.max(first, 0), hi = Swift.min(first + count, frames)
                if lo < hi { for t in lo..<hi { for band in 0..<mels { x[band * frames + t] = mean } } }
            }
        }
    }

    public func mixBatch(input: ReferenceBuffer, labels: ReferenceBuffer, rows: Int, rowLength: Int, classes: Int,
                         partners: ReferenceIndexBuffer, partnerOffset: Int, lambdas: ReferenceBuffer, lambdaIndex: Int,
                         output: ReferenceBuffer, targets: ReferenceBuffer) throws {
        let op = "mixBatch"
        precondition(rows >= 0 && rowLength >= 0 && classes >= 1, "\(op): rows \(rows), rowLength \(rowLength), classes \(classes)")
        precondition(partnerOffset >= 0 && partnerOffset + rows <= partners.count,
                     "\(op): partner buffer '\(partners.label)' holds \(partners.count); needs \(rows) from \(partnerOffset)")
        require(input, rows * rowLength, op: op, role: "input")
        require(labels, rows, op: op, role: "labels")
        require(lambdas, lambdaIndex + 1, op: op, role: "lambdas")
        require(output, rows * rowLength, op: op, role: "output")
        require(targets, rows * classes, op: op, role: "targets")
        let lambda = lambdas.base[lambdaIndex], rest = 1 - lambda
        for r in 0..<rows {
            let p = Int(partners.values[partnerOffset + r])
            precondition(p >= 0 && p < rows, "\(op): partner \(p) of row \(r) is outside the batch of \(rows)")
            let a = input.base + r * rowLength, b = input.base + p * rowLength, y = output.base + r * rowLength
            for j in 0..<rowLength { y[j] = Float(Double(lambda) * Double(a[j]) + Double(rest) * Double(b[j])) }
            if classes == 1 {
                targets.base[r] = Float(Double(lambda) * Double(labels.base[r]) + Double(rest) * Double(labels.base[p]))
            } else {
                let la = Int(labels.base[r]), lb = Int(labels.base[p])
                precondition((0..<classes).contains(la) && (0..<classes).contains(lb), "\(op): labels \(la), \(lb) are not class indices")
                for c in 0..<classes {
                    targets.base[r * classes + c] = Float((c == la ? Double(lambda) : 0) + (c == lb ? Double(rest) : 0))
                }
            }
        }
    }

    public func softmaxCrossEntropySoft(logits: ReferenceBuffer, targets: ReferenceBuffer, batch: Int, classes: Int,
                                        gradLogits: ReferenceBuffer, losses: ReferenceBuffer,
                                        probabilities: ReferenceBuffer, resultOffset: Int) throws {
        let op = "softmaxCrossEntropySoft"
        precondition(batch > 0 && classes > 0, "\(op): batch \(batch) and classes \(classes) must be positive")
        precondition(resultOffset >= 0, "\(op): negative resultOffset \(resultOffset)")
        require(logits, batch * classes, op: op, role: "logits")
        require(targets, batch * classes, op: op, role: "targets")
        require(gradLogits, batch * classes, op: op, role: "gradLogits")
        require(losses, resultOffset + batch, op: op, role: "losses")
        require(probabilities, (resultOffset + batch) * classes, op: op, role: "probabilities")
        for n in 0..<batch {
            let z = logits.base + n * classes, t = targets.base + n * classes
            var largest = -Double.infinity
            for j in 0..<classes { largest = Swift.max(largest, Double(z[j])) }
            var sum = 0.0
            for j in 0..<classes { sum += exp(Double(z[j]) - largest) }
            let logSumExp = largest + log(sum)
            var loss = 0.0
            let p = probabilities.base + (resultOffset + n) * classes
            let dz = gradLogits.base + n * classes
            for j in 0..<classes {
                loss += Double(t[j]) * (logSumExp - Double(z[j]))
                let probability = exp(Double(z[j]) - logSumExp)
                p[j] = Float(probability)
                dz[j] = Float((probability - Double(t[j])) / Double(batch))
            }
            losses.base[resultOffset + n] = Float(loss)
        }
    }
}
