import COpenCL

/// One installed OpenCL platform (an ICD: pocl, NVIDIA, …) and its devices.
public struct CLPlatform: @unchecked Sendable, CustomStringConvertible {
    public let id: cl_platform_id
    public let name: String
    public let vendor: String
    public let version: String

    init(id: cl_platform_id) throws {
        self.id = id
        func text(_ param: Int32) throws -> String {
            try CLInfo.string("clGetPlatformInfo") { clGetPlatformInfo(id, cl_platform_info(param), $0, $1, $2) }
        }
        name = try text(CL_PLATFORM_NAME)
        vendor = try text(CL_PLATFORM_VENDOR)
        version = try text(CL_PLATFORM_VERSION)
    }

    /// Every platform the ICD loader knows. Throws `CLError.noPlatform` when there is none.
    public static func all() throws -> [CLPlatform] {
        var count: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &count)
        // ocl-icd answers CL_PLATFORM_NOT_FOUND_KHR (-1001) when no ICD is installed.
        if status == CLStatus.platformNotFoundKHR.rawValue || (status == 0 && count == 0) { throw CLError.noPlatform }
        try CLError.check(status, "clGetPlatformIDs")
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        try CLError.check(clGetPlatformIDs(count, &ids, nil), "clGetPlatformIDs")
        return try ids.compactMap { $0 }.map { try CLPlatform(id: $0) }
    }

    /// This platform's devices of every type (empty when it has none).
    public func devices() throws -> [CLDevice] {
        var count: cl_uint = 0
        let all = cl_device_type(CL_DEVICE_TYPE_ALL)
        let status = clGetDeviceIDs(id, all, 0, nil, &count)
        if status == CLStatus.deviceNotFound.rawValue || count == 0 { return [] }
        try CLError.check(status, "clGetDeviceIDs")
        var ids = [cl_device_id?](repeating: nil, count: Int(count))
        try CLError.check(clGetDeviceIDs(id, all, count, &ids, nil), "clGetDeviceIDs")
        return try ids.compactMap { $0 }.map { try CLDevice(id: $0, platform: self) }
    }

    public var description: String { "\(name) (\(vendor), \(version))" }
}
