import CMPI
import Foundation
import Model

/// Open MPI could not be used, or one of its calls failed.
public enum MPIError: Error, CustomStringConvertible, Equatable {
    /// Started by an MPI launcher (`launcher` names the variable that says so) but libmpi cannot be loaded.
    case unavailable(launcher: String, reason: String)
    case call(String, code: Int32, text: String)
    public var description: String {
        switch self {
        case let .unavailable(launcher, reason):
            return "gcnn was started by an MPI launcher (\(launcher)) but cannot use Open MPI: \(reason); install Open MPI (Debian: openmpi-bin libopenmpi3) or set GCNN_LIBMPI to libmpi.so's path"
        case let .call(name, code, text):
            return "\(name) failed (MPI error \(code)\(text.isEmpty ? "" : ": \(text)"))"
        }
    }
}

/// `MPI_COMM_WORLD` of Open MPI, loaded at run time (`CMPI`): gcnn links no MPI library, so the same binary
/// runs alone or under `mpirun`. Sums use a non-commutative user operation, so MPI adds the ranks'
/// values in rank order and every rank receives the same bits on every run.
public final class MPIWorld: ReplicaGroup, Sendable {
    public let rank: Int
    public let size: Int
    /// This process's rank among those on its machine (`OMPI_COMM_WORLD_LOCAL_RANK`, else 0): it picks the GPU.
    public let localRank: Int

    private static var joined: MPIWorld?

    /// The environment variable an MPI launcher (Open MPI's mpirun, PMIx or PMI, as Slurm's srun sets) gave
    /// this process, as `NAME=value`; nil when it was not started by one.
    public static func launcher(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"] {
            if let value = environment[key] { return "\(key)=\(value)" }
        }
        return nil
    }

    /// The rank the launcher's environment gives, before MPI is initialised (0 when it gives none).
    public static func environmentRank(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        for key in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"] {
            if let value = environment[key].flatMap(Int.init) { return value }
        }
        return 0
    }

    /// The world this process belongs to when an MPI launcher started it (MPI is initialised on the first
    /// call); nil when none did.
    public static func join() throws -> MPIWorld? {
        if let joined { return joined }
        guard let launcher = launcher() else { return nil }
        var error = [CChar](repeating: 0, count: 512)
        guard gcnn_mpi_load(&error, Int32(error.count)) == 0 else {
            throw MPIError.unavailable(launcher: launcher, reason: String(cString: error))
        }
        var rank: Int32 = 0, size: Int32 = 0
        let code = gcnn_mpi_init(&rank, &size)
        guard code == 0 else { throw MPIError.call("MPI_Init", code: code, text: text(code)) }
        let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap(Int.init) ?? 0
        let world = MPIWorld(rank: Int(rank), size: Int(size), localRank: local)
        joined = world
        return world
    }

    private init(rank: Int, size: Int, localRank: Int) {
        self.rank = rank; self.size = size; self.localRank = localRank
    }

    public func sum(_ values: inout [Float]) throws {
        try checked("MPI_Allreduce") { values.withUnsafeMutableBufferPointer { gcnn_mpi_sum_floats($0.baseAddress, Int32($0.count)) } }
    }

    public func sum(_ values: inout [Double]) throws {
        try checked("MPI_Allreduce") { values.withUnsafeMutableBufferPointer { gcnn_mpi_sum_doubles($0.baseAddress, Int32($0.count)) } }
    }

    public func broadcast(_ values: inout [Double], root: Int) throws {
        try checked("MPI_Bcast") {
            values.withUnsafeMutableBytes { gcnn_mpi_broadcast($0.baseAddress, Int32($0.count), Int32(root)) }
        }
    }

    public func barrier() throws { try checked("MPI_Barrier") { gcnn_mpi_barrier() } }

    /// Ends every rank of the world (MPI_Abort) with `code`.
    public func abort(code: Int32) -> Never {
        gcnn_mpi_abort(code)
        exit(code)
    }

    /// MPI_Finalize, once the work of every rank is done.
    public func finalize() throws {
        let code = gcnn_mpi_finalize()
        guard code == 0 else { throw MPIError.call("MPI_Finalize", code: code, text: Self.text(code)) }
        Self.joined = nil
    }

    private func checked(_ name: String, _ call: () -> Int32) throws {
        let code = call()
        guard code == 0 else { throw MPIError.call(name, code: code, text: Self.text(code)) }
    }

    private static func text(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        gcnn_mpi_error_string(code, &buffer, Int32(buffer.count))
        return String(cString: buffer)
    }
}
