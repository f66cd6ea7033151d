import CLRuntime
import Model
import XCTest

final class DeviceSelectionTests: XCTestCase {
    func testParsesTheDeviceWords() throws {
        XCTAssertEqual(try DeviceSelection(parsing: "gpu"), .gpu)
        XCTAssertEqual(try DeviceSelection(parsing: "CPU"), .cpu)
        XCTAssertEqual(try DeviceSelection(parsing: "opencl"), .opencl(index: 0))
        XCTAssertEqual(try DeviceSelection(parsing: "opencl:3"), .opencl(index: 3))
        for bad in ["cuda", "opencl:", "opencl:-1", "opencl:x", ""] {
            XCTAssertThrowsError(try DeviceSelection(parsing: bad)) { error in
                XCTAssertTrue("\(error)".contains("gpu, opencl"), "\(error)")
            }
        }
    }

    func testGPUFallsBackToTheFirstDeviceWithANotice() throws {
        let backend = try OpenCLTestBackend.shared()
        let devices = try CLDevice.all()
        let resolved = try XCTUnwrap(try DeviceSelection.gpu.resolve(among: devices))
        if devices.contains(where: { $0.kind == .gpu }) {
            XCTAssertEqual(resolved.device.kind, .gpu)
            XCTAssertNil(resolved.notice)
        } else {
            XCTAssertEqual(resolved.device.index, 0)
            let notice = try XCTUnwrap(resolved.notice)
            XCTAssertTrue(notice.contains(devices[0].name) && !notice.contains("\n"), notice)
        }
        XCTAssertFalse(backend.deviceName.isEmpty)
    }

    func testOpenCLIndexOutOfRangeSaysHowManyThereAre() throws {
        _ = try OpenCLTestBackend.shared()
        let devices = try CLDevice.all()
        XCTAssertEqual(try DeviceSelection.opencl(index: 0).resolve(among: devices)?.device.index, 0)
        XCTAssertThrowsError(try DeviceSelection.opencl(index: devices.count).resolve(among: devices)) { error in
            XCTAssertTrue("\(error)".contains("opencl:\(devices.count)") && "\(error)".contains("\(devices.count) OpenCL device"),
                          "\(error)")
        }
        XCTAssertNil(try DeviceSelection.cpu.resolve(among: devices))
    }
}
