import COpenCL

/// One OpenCL device and the properties gcnn uses to describe it and to size its kernels' tiles.
public struct CLDevice: @unchecked Sendable, CustomStringConvertible {
    public let id: cl_device_id
    /// Position in `CLDevice.all()` (platforms in loader order, then devices): the `N` of `opencl:N`.
    public internal(set) var index: Int = 0
    public let platformName: String
    public let name: String
    public let vendor: String
    /// `CL_DEVICE_VERSION`, e.g. `OpenCL 3.0 CUDA`.
    public let version: String
    public let driverVersion: String
    /// `CL_DEVICE_OPENCL_C_VERSION`, e.g. `OpenCL C 1.2`.
    public let openCLCVersion: String
    public let kind: CLDeviceKind
    public let computeUnits: Int
    public let maxClockMHz: Int
    public let globalMemoryBytes: Int
    public let localMemoryBytes: Int
    /// Whether local memory is dedicated on-chip memory (`CL_LOCAL`) rather than emulated in global memory.
    public let hasDedicatedLocalMemory: Bool
    public let maxAllocationBytes: Int
    public let maxWorkGroupSize: Int
    public let maxWorkItemSizes: [Int]
    public let preferredFloatVectorWidth: Int
    public let isAvailable: Bool
    public let isCompilerAvailable: Bool
    public let extensions: [String]

    init(id: cl_device_id, platform: CLPlatform) throws {
        self.id = id
        platformName = platform.name
        func text(_ param: Int32) throws -> String {
            try CLInfo.string("clGetDeviceInfo") { clGetDeviceInfo(id, cl_device_info(param), $0, $1, $2) }
        }
        func value<T>(_ param: Int32, _ zero: T) throws -> T {
            try CLInfo.scalar("clGetDeviceInfo", T.self, zero: zero) { clGetDeviceInfo(id, cl_device_info(param), $0, $1, $2) }
        }
        name = try text(CL_DEVICE_NAME)
        vendor = try text(CL_DEVICE_VENDOR)
        version = try text(CL_DEVICE_VERSION)
        driverVersion = try text(CL_DRIVER_VERSION)
        openCLCVersion = try text(CL_DEVICE_OPENCL_C_VERSION)
        kind = CLDeviceKind(bits: try value(CL_DEVICE_TYPE, cl_device_type(0)))
        computeUnits = Int(try value(CL_DEVICE_MAX_COMPUTE_UNITS, cl_uint(0)))
        maxClockMHz = Int(try value(CL_DEVICE_MAX_CLOCK_FREQUENCY, cl_uint(0)))
        globalMemoryBytes = Int(try value(CL_DEVICE_GLOBAL_MEM_SIZE, cl_ulong(0)))
        localMemoryBytes = Int(try value(CL_DEVICE_LOCAL_MEM_SIZE, cl_ulong(0)))
        hasDedicatedLocalMemory = try value(CL_DEVICE_LOCAL_MEM_TYPE, cl_device_local_mem_type(0))
            == cl_device_local_mem_type(CL_LOCAL)
        let maxAllocation = Int(try value(CL_DEVICE_MAX_MEM_ALLOC_SIZE, cl_ulong(0)))
        maxAllocationBytes = CLTestHooks.maxAllocationBytes.map { min($0, maxAllocation) } ?? maxAllocation
        maxWorkGroupSize = try value(CL_DEVICE_MAX_WORK_GROUP_SIZE, 0)
        maxWorkItemSizes = try CLInfo.array("clGetDeviceInfo", Int.self, zero: 0) {
            clGetDeviceInfo(id, cl_device_info(CL_DEVICE_MAX_WORK_ITEM_SIZES), $0, $1, $2)
        }
        preferredFloatVectorWidth = Int(try value(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, cl_uint(0)))
        isAvailable = try value(CL_DEVICE_AVAILABLE, cl_bool(0)) != 0
        isCompilerAvailable = try value(CL_DEVICE_COMPILER_AVAILABLE, cl_bool(0)) != 0
        extensions = try text(CL_DEVICE_EXTENSIONS).split(separator: " ").map(String.init)
    }

    /// Every device of every platform, numbered in that order. Throws `CLError.noPlatform` when there is
    /// no OpenCL platform at all.
    public static func all() throws -> [CLDevice] {
        var devices: [CLDevice] = []
        for platform in try CLPlatform.all() {
            for var device in try platform.devices() {
                device.index = devices.count
                devices.append(device)
            }
        }
        return devices
    }

    /// `pthread-haswell (CPU, Portable Computing Language)`.
    public var description: String { "\(name) (\(kind), \(platformName))" }
}
