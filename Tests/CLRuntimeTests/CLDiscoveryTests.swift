import CLRuntime
import XCTest

final class CLDiscoveryTests: XCTestCase {
    func testEveryDeviceReportsItsProperties() throws {
        _ = try OpenCLTestGate.device()
        let devices = try CLDevice.all()
        XCTAssertFalse(devices.isEmpty)
        for (i, device) in devices.enumerated() {
            XCTAssertEqual(device.index, i, "devices are numbered in discovery order")
            XCTAssertFalse(device.name.isEmpty)
            XCTAssertFalse(device.platformName.isEmpty)
            XCTAssertTrue(device.version.hasPrefix("OpenCL"), device.version)
            XCTAssertGreaterThan(device.computeUnits, 0)
            XCTAssertGreaterThan(device.globalMemoryBytes, 0)
            XCTAssertGreaterThan(device.localMemoryBytes, 0)
            XCTAssertGreaterThan(device.maxAllocationBytes, 0)
            XCTAssertLessThanOrEqual(device.maxAllocationBytes, device.globalMemoryBytes)
            XCTAssertGreaterThan(device.maxWorkGroupSize, 0)
            XCTAssertEqual(device.maxWorkItemSizes.count, 3)
        }
    }

    func testPlatformsListTheirDevices() throws {
        _ = try OpenCLTestGate.device()
        let platforms = try CLPlatform.all()
        XCTAssertFalse(platforms.isEmpty)
        let total = try platforms.reduce(0) { $0 + (try $1.devices().count) }
        XCTAssertEqual(total, try CLDevice.all().count)
        XCTAssertTrue(platforms.allSatisfy { !$0.name.isEmpty && $0.version.hasPrefix("OpenCL") })
    }
}
