import Cluster
import Foundation

/// `train` and `experiment` under an MPI launcher (`mpirun -np N gcnn …`): this process's place in the
/// world, and how a failure ends it.
struct MPIRun {
    /// Nil when no MPI launcher started gcnn.
    let world: MPIWorld?
    var rank: Int { world?.rank ?? 0 }
    var size: Int { world?.size ?? 1 }
    /// The ranks a data-parallel run splits its batches over (nil for one process, `-np 1` included).
    var replicas: MPIWorld? { size > 1 ? world : nil }

    /// Joins the MPI world when a launcher started gcnn. Started so without a usable Open MPI, it prints
    /// one line (from rank 0 only, not once per rank) and exits.
    static func start() -> MPIRun {
        do {
            return MPIRun(world: try MPIWorld.join())
        } catch {
            if MPIWorld.environmentRank() == 0 { printError("Error: \(error)") }
            exit(1)
        }
    }

    /// Runs `body` and finalises MPI. With several ranks, a failure on any rank prints one line naming the
    /// rank and the cause and ends every rank (MPI_Abort); a rank other than 0 waits a moment first, so a
    /// failure every rank meets alike (a bad option, a NaN loss) is reported once, by rank 0.
    func run(_ body: () throws -> Void) throws {
        guard let world, world.size > 1 else {
            try body()
            try world?.finalize()
            return
        }
        do {
            try body()
        } catch {
            if world.rank != 0 { Thread.sleep(forTimeInterval: 2) }
            printError("Error: rank \(world.rank) of \(world.size): \(error)")
            world.abort(code: 1)
        }
        try world.finalize()
    }
}
