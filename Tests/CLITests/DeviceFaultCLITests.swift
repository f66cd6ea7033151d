import Foundation
import Training
import XCTest

/// Device faults on the real binary, each while resuming a run folder that holds one finished epoch:
/// no OpenCL platform, a kernel that does not compile, a buffer beyond the device's largest allocation,
/// and `CL_OUT_OF_RESOURCES` in the middle of an epoch. Each ends with a one-line error (exit 1) and the
/// folder as it was: every file byte-identical (config.json may only record the new device and epoch
/// count, and only once the device has accepted the run) and the checkpoint loading.
final class DeviceFaultCLITests: XCTestCase {
    private func arguments(_ device: String, out: URL, epochs: Int) -> [String] {
        ["train", "--device", device, "--task", "metal-jazz", "--synthetic-tracks", "3", "--clip-seconds", "0.25",
         "--clips-per-track", "2", "--batch-size", "2", "--epochs", String(epochs), "--out", out.path]
    }

    /// A folder with one finished epoch on `device`.
    private func oneEpoch(_ device: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fault-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let run = try GCNNProcess(arguments(device, out: out, epochs: 1))
        XCTAssertTrue(run.wait(seconds: 300))
        XCTAssertEqual(run.process.terminationStatus, 0, run.stderr)
        return out
    }

    /// Resumes `out` for a second epoch on `device` with `environment` set; expects exit 1 and an `Error:`
    /// line containing every one of `expected`; returns that line.
    @discardableResult
    private func failingResume(_ out: URL, device: String, environment: [String: String], expected: [String],
                               configMayChange: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let before = try RunFolderChecks.snapshot(out)
        let run = try GCNNProcess(arguments(device, out: out, epochs: 2) + ["--resume"], environment: environment)
        XCTAssertTrue(run.wait(seconds: 300), file: file, line: line)
        XCTAssertEqual(run.process.terminationStatus, 1, run.stderr, file: file, line: line)
        let error = try XCTUnwrap(run.stderr.split(separator: "\n").first { $0.hasPrefix("Error: ") }.map(String.init), run.stderr,
                                  file: file, line: line)
        for word in expected { XCTAssertTrue(error.contains(word), "'\(word)' missing from: \(error)", file: file, line: line) }
        let after = try RunFolderChecks.snapshot(out)
        XCTAssertEqual(Set(after.keys), Set(before.keys), "no file added or removed", file: file, line: line)
        for (name, data) in before where name != "config.json" || !configMayChange {
            XCTAssertEqual(after[name], data, "\(name) changed", file: file, line: line)
        }
        if configMayChange {
            let old = try JSONDecoder().decode(RunConfig.self, from: before["config.json"]!)
            let new = try JSONDecoder().decode(RunConfig.self, from: try XCTUnwrap(after["config.json"]))
            XCTAssertEqual(try old.conflicts(with: new), [], file: file, line: line)
        }
        XCTAssertEqual(try RunFolderChecks.assertLoads(out), 1, file: file, line: line)
        return error
    }

    func testNoOpenCLPlatformIsOneLineAndChangesNothing() throws {
        let out = try oneEpoch("cpu")
        let empty = out.deletingLastPathComponent().appendingPathComponent("no-vendors")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        // ocl-icd reads its drivers from OCL_ICD_VENDORS instead of /etc/OpenCL/vendors: an empty folder is
        // a machine without OpenCL.
        let noOpenCL = ["OCL_ICD_VENDORS": empty.path, "OCL_ICD_FILENAMES": ""]
        for device in ["opencl", "gpu"] {
            try failingResume(out, device: device, environment: noOpenCL,
                              expected: ["no OpenCL platform found", "pocl-opencl-icd", "clinfo -l"])
        }
        let devices = try GCNNProcess(["devices"], environment: noOpenCL)
        XCTAssertTrue(devices.wait(seconds: 60))
        XCTAssertNotEqual(devices.process.terminationStatus, 0)
        XCTAssertTrue(devices.stderr.contains("no OpenCL platform found"), devices.stderr)
        // The reference path needs no OpenCL at all.
        let cpu = try GCNNProcess(arguments("cpu", out: out, epochs: 2) + ["--resume"], environment: noOpenCL)
        XCTAssertTrue(cpu.wait(seconds: 300))
        XCTAssertEqual(cpu.process.terminationStatus, 0, cpu.stderr)
    }

    func testKernelThatFailsToBuildIsNamedAndChangesNothing() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        let out = try oneEpoch("opencl")
        // A reduction size that is no number: every kernel variant (tiled or CPU) uses REDUCE_WG, so the
        // compiler fails on any device (GCNN_TEST_KERNEL_DEFINES is a test hook).
        let error = try failingResume(out, device: "opencl",
                                      environment: ["GCNN_TEST_KERNEL_DEFINES": "-DREDUCE_WG=gcnn_test_broken_define"],
                                      expected: ["OpenCL program failed to build for", "error"])
        let firstLine = try XCTUnwrap(error.components(separatedBy: "full build log").first)
        XCTAssertTrue(firstLine.contains("gcnn_test_broken_define"), "the first line names the compiler's error: \(error)")
    }

    func testBufferBeyondTheDeviceLimitIsNamedWithSizeAndLimit() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        let out = try oneEpoch("opencl")
        // A device whose largest allocation is 64 KiB (GCNN_TEST_MAX_ALLOC_BYTES is a test hook): the first buffer
        // over it, conv1's output for the batch (the network allocates layer by layer), is refused before
        // clCreateBuffer is called.
        try failingResume(out, device: "opencl", environment: ["GCNN_TEST_MAX_ALLOC_BYTES": "65536"],
                          expected: ["device buffer 'conv1 output'", "552960 bytes", "at most 64.0 KiB (65536 bytes)",
                                     "CL_DEVICE_MAX_MEM_ALLOC_SIZE"])
    }

    /// The 40th kernel launch of the process (inside epoch 2's first batches) fails with CL_OUT_OF_RESOURCES
    /// (GCNN_TEST_FAIL_DISPATCH is a test hook; pocl never runs out): the error names the epoch, the kernel,
    /// its buffers and the status, says what the folder still holds and how to continue; continuing works.
    func testOutOfResourcesDuringAnEpochKeepsTheLastCheckpoint() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        let out = try oneEpoch("opencl")
        let error = try failingResume(out, device: "opencl", environment: ["GCNN_TEST_FAIL_DISPATCH": "40"],
                                      expected: ["epoch 2 failed", "clEnqueueNDRangeKernel", "CL_OUT_OF_RESOURCES (-5)",
                                                 "still holds epoch 1", "--resume"], configMayChange: true)
        XCTAssertTrue(error.contains("'"), "the buffers the launch used are named: \(error)")
        let resumed = try GCNNProcess(arguments("opencl", out: out, epochs: 2) + ["--resume"])
        XCTAssertTrue(resumed.wait(seconds: 300))
        XCTAssertEqual(resumed.process.terminationStatus, 0, resumed.stderr)
        XCTAssertEqual(try RunFolderChecks.assertLoads(out), 2)
    }
}
