import Foundation

/// Seed inputs for a fuzz target: with `GCNN_FUZZ_WRITE_SEEDS=<dir>` in the environment, the target's
/// `LLVMFuzzerInitialize` writes its seeds (valid files made by gcnn's own writers) to `<dir>` and exits,
/// so `run.sh` can start each corpus from well-formed files.
public enum SeedWriter {
    public static func writeIfAsked(_ seeds: () throws -> [String: [UInt8]]) {
        guard let dir = ProcessInfo.processInfo.environment["GCNN_FUZZ_WRITE_SEEDS"] else { return }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (name, bytes) in try seeds() {
                try Data(bytes).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
            }
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(dir): cannot write fuzz seeds: \(error)\n".utf8))
            exit(1)
        }
    }
}
