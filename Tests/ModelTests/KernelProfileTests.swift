import CLRuntime
import Model
import XCTest

/// `OpenCLBackend.startProfiling()`/`stopProfiling()`: every launch counted once under its kernel and global
/// size, device times recorded, nothing recorded outside a profile.
final class KernelProfileTests: XCTestCase {
    func testProfileCountsEachLaunchUnderItsKernelAndSize() throws {
        let b = try OpenCLTestBackend.shared()
        let small = PoolShape(input: Shape4(n: 2, c: 3, h: 7, w: 9)), large = PoolShape(input: Shape4(n: 3, c: 5, h: 11, w: 13))
        func pool(_ shape: PoolShape) throws {
            let input = try b.makeBuffer((0..<shape.input.count).map { Float(($0 * 37) % 101) }, label: "in")
            let output = try b.makeBuffer(count: shape.output.count, label: "out")
            try b.maxPoolForward(input: input, output: output, shape: shape)
        }
        try pool(small)                                   // before the profile: not recorded
        b.startProfiling()
        for _ in 0..<3 { try pool(small) }
        try pool(large)
        let profile = try b.stopProfiling()
        let pools = profile.filter { $0.kernel.hasPrefix("maxpool_forward") }
        XCTAssertEqual(pools.map(\.calls).sorted(), [1, 3], "\(profile)")
        XCTAssertEqual(Set(pools.map(\.global)).count, 2, "one row per launch size: \(profile)")
        XCTAssertEqual(profile.reduce(0) { $0 + $1.calls }, 4, "only the profiled launches: \(profile)")
        for k in profile { XCTAssertTrue(k.milliseconds >= 0 && k.milliseconds.isFinite, "\(k)") }
        XCTAssertEqual(profile.map(\.milliseconds), profile.map(\.milliseconds).sorted(by: >), "longest first")

        try pool(small)                                   // after it: nothing is kept
        b.startProfiling()
        XCTAssertEqual(try b.stopProfiling(), [])
    }
}
