import Model

/// The check that keeps a data-parallel run honest: every rank's parameters are bit for bit rank 0's, at
/// the start (every rank read the same folder) and after every epoch (the ranks took the same steps).
public enum ReplicaAgreement {
    /// A 52-bit digest of every value's bits and of `epochsDone` (exact in a `Double`).
    static func digest(_ parameters: ParameterSet, epochsDone: Int) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(epochsDone)
        for tensor in parameters.tensors {
            for value in tensor.values {
                hash = (hash ^ UInt64(value.bitPattern)) &* 0x0000_0100_0000_01B3
            }
        }
        return Double(hash >> 12)
    }

    /// Throws on the ranks whose parameters differ from rank 0's. `epoch` nil: the check before training.
    public static func check(_ parameters: ParameterSet, epochsDone: Int, group: ReplicaGroup, folder: String, epoch: Int?) throws {
        let mine = digest(parameters, epochsDone: epochsDone)
        var root = [mine]
        try group.broadcast(&root, root: 0)
        guard root[0] == mine else {
            if let epoch {
                throw TrainingError.unsupported("rank \(group.rank)'s parameters differ from rank 0's after epoch \(epoch): the ranks diverged; rerun with one process to check the device")
            }
            throw TrainingError.unsupported("rank \(group.rank) does not see the state rank 0 starts from in \(folder): to --resume on several machines, put the run folder on a filesystem every rank reads")
        }
    }
}
