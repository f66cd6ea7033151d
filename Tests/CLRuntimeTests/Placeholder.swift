import XCTest
final class CLRuntimeTestsPlaceholder: XCTestCase { func testBuilds() {} }
