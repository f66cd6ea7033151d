import Foundation
import Model

/// One op of an architecture's training step at its shape, ready to run on a backend: what it computes and
/// how much (nominal FLOPs and the least memory traffic it must do), and a closure that enqueues it once.
struct KernelCase {
    let name: String
    /// Useful floating-point operations of one run (a multiply-add counts 2); 0 where not meaningful.
    let flop: Double
    /// Bytes the op must at least read and write once (the memory-bound ops are judged by this).
    let bytes: Double
    let enqueue: () throws -> Void
}

/// The ops `gcnn check` runs for an architecture at batch `n` (`BackendCheckCases.cases(for:batch:)`), each
/// prepared on `backend` when first asked for, so a process that runs one benchmark uploads one op's data.
final class KernelWorkload<B: Backend> {
    let backend: B
    let batch: Int
    let architecture: ResolvedArchitecture
    private let checkCases: [(name: String, testCase: any BackendCheckCase)]
    private var prepared: [String: KernelCase] = [:]

    init(backend: B, architecture: ResolvedArchitecture, batch n: Int) {
        self.backend = backend
        self.architecture = architecture
        batch = n
        checkCases = Self.namedCases(architecture: architecture, batch: n)
    }

    /// The cases of `architecture` at batch `n`, each named by op and shape (numbered where a name repeats).
    static func namedCases(architecture: ResolvedArchitecture, batch n: Int) -> [(name: String, testCase: any BackendCheckCase)] {
        var seen: [String: Int] = [:]
        return BackendCheckCases.cases(for: architecture, batch: n).map { testCase in
            let base = "\(testCase.op) \(testCase.shape)"
            seen[base, default: 0] += 1
            return (seen[base]! == 1 ? base : "\(base) #\(seen[base]!)", testCase)
        }
    }

    /// The case named `name`, its data uploaded to `backend` (once per process).
    func kernelCase(named name: String) throws -> KernelCase? {
        if let made = prepared[name] { return made }
        guard let entry = checkCases.first(where: { $0.name == name }) else { return nil }
        let ready = try entry.testCase.prepare(on: backend)
        try backend.finish()
        let made = KernelCase(name: name, flop: ready.flop, bytes: ready.bytes, enqueue: ready.enqueue)
        prepared[name] = made
        return made
    }

    /// Nominal FLOPs of one whole training step with a sigmoid + BCE head: the cases `Network.trainStep` runs
    /// (not inference batch norm, the other head's loss or the batch gather), with Adam over every trainable
    /// parameter instead of the largest tensor. ReLU backward is counted once per distinct size, as the cases are.
    var trainStepFlop: Double {
        let onStep = checkCases.map(\.testCase).filter { testCase in
            if let batchNorm = testCase as? BatchNormForwardCase { return batchNorm.training }
            if let loss = testCase as? LossCase { return loss.classes == 1 }
            return !(testCase is AdamCase || testCase is GatherRowsCase)
        }
        let adam = AdamCase(count: architecture.parameterCount, step: 1, placement: .keras, seed: 0)
        return onStep.reduce(adam.flop) { $0 + $1.flop }
    }
}
