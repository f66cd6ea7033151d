import ArgumentParser
import CLRuntime
import Foundation
import Model

/// `gcnn devices`: every OpenCL platform and device with the properties that matter for training.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List every OpenCL platform and device (use the index with --device opencl:N).")

    func run() throws {
        let platforms = try CLPlatform.all()
        var index = 0
        for (p, platform) in platforms.enumerated() {
            print("Platform \(p): \(platform.name) — \(platform.vendor) — \(platform.version)")
            let devices = try platform.devices()
            if devices.isEmpty { print("  (no devices)") }
            for device in devices {
                print("  [opencl:\(index)] \(device.name)")
                let rows: [(String, String)] = [
                    ("type", device.kind.description),
                    ("vendor", device.vendor),
                    ("version", "\(device.version); \(device.openCLCVersion); driver \(device.driverVersion)"),
                    ("compute units", "\(device.computeUnits) @ \(device.maxClockMHz) MHz"),
                    ("global memory", bytes(device.globalMemoryBytes)),
                    ("max allocation", bytes(device.maxAllocationBytes)),
                    ("local memory", bytes(device.localMemoryBytes) + (device.hasDedicatedLocalMemory ? " (on chip)" : " (emulated in global)")),
                    ("max work-group", "\(device.maxWorkGroupSize) items; per dimension \(device.maxWorkItemSizes.map(String.init).joined(separator: "×"))"),
                    ("float vector width", "\(device.preferredFloatVectorWidth)"),
                    ("available", device.isAvailable && device.isCompilerAvailable ? "yes" : (device.isAvailable ? "no compiler" : "no")),
                    ("tuned", KernelTuningCache.standard.summary(for: device)),
                ]
                for (key, value) in rows { print("      " + key.padding(toLength: 20, withPad: " ", startingAt: 0) + value) }
                index += 1
            }
        }
    }

    private func bytes(_ count: Int) -> String {
        let mib = Double(count) / 1_048_576
        return mib >= 1024 ? String(format: "%.2f GiB", mib / 1024) : String(format: "%.1f MiB", mib)
    }
}
