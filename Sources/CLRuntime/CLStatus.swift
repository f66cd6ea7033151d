/// An OpenCL status code (`cl_int`) with its name from the specification, e.g. `CL_OUT_OF_RESOURCES`.
public struct CLStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let success = CLStatus(0)
    public static let deviceNotFound = CLStatus(-1)
    public static let deviceNotAvailable = CLStatus(-2)
    public static let compilerNotAvailable = CLStatus(-3)
    public static let memObjectAllocationFailure = CLStatus(-4)
    public static let outOfResources = CLStatus(-5)
    public static let outOfHostMemory = CLStatus(-6)
    public static let profilingInfoNotAvailable = CLStatus(-7)
    public static let memCopyOverlap = CLStatus(-8)
    public static let imageFormatMismatch = CLStatus(-9)
    public static let imageFormatNotSupported = CLStatus(-10)
    public static let buildProgramFailure = CLStatus(-11)
    public static let mapFailure = CLStatus(-12)
    public static let misalignedSubBufferOffset = CLStatus(-13)
    public static let execStatusErrorForEventsInWaitList = CLStatus(-14)
    public static let compileProgramFailure = CLStatus(-15)
    public static let linkerNotAvailable = CLStatus(-16)
    public static let linkProgramFailure = CLStatus(-17)
    public static let devicePartitionFailed = CLStatus(-18)
    public static let kernelArgInfoNotAvailable = CLStatus(-19)
    public static let invalidValue = CLStatus(-30)
    public static let invalidDeviceType = CLStatus(-31)
    public static let invalidPlatform = CLStatus(-32)
    public static let invalidDevice = CLStatus(-33)
    public static let invalidContext = CLStatus(-34)
    public static let invalidQueueProperties = CLStatus(-35)
    public static let invalidCommandQueue = CLStatus(-36)
    public static let invalidHostPtr = CLStatus(-37)
    public static let invalidMemObject = CLStatus(-38)
    public static let invalidImageFormatDescriptor = CLStatus(-39)
    public static let invalidImageSize = CLStatus(-40)
    public static let invalidSampler = CLStatus(-41)
    public static let invalidBinary = CLStatus(-42)
    public static let invalidBuildOptions = CLStatus(-43)
    public static let invalidProgram = CLStatus(-44)
    public static let invalidProgramExecutable = CLStatus(-45)
    public static let invalidKernelName = CLStatus(-46)
    public static let invalidKernelDefinition = CLStatus(-47)
    public static let invalidKernel = CLStatus(-48)
    public static let invalidArgIndex = CLStatus(-49)
    public static let invalidArgValue = CLStatus(-50)
    public static let invalidArgSize = CLStatus(-51)
    public static let invalidKernelArgs = CLStatus(-52)
    public static let invalidWorkDimension = CLStatus(-53)
    public static let invalidWorkGroupSize = CLStatus(-54)
    public static let invalidWorkItemSize = CLStatus(-55)
    public static let invalidGlobalOffset = CLStatus(-56)
    public static let invalidEventWaitList = CLStatus(-57)
    public static let invalidEvent = CLStatus(-58)
    public static let invalidOperation = CLStatus(-59)
    public static let invalidGlObject = CLStatus(-60)
    public static let invalidBufferSize = CLStatus(-61)
    public static let invalidMipLevel = CLStatus(-62)
    public static let invalidGlobalWorkSize = CLStatus(-63)
    public static let invalidProperty = CLStatus(-64)
    public static let invalidImageDescriptor = CLStatus(-65)
    public static let invalidCompilerOptions = CLStatus(-66)
    public static let invalidLinkerOptions = CLStatus(-67)
    public static let invalidDevicePartitionCount = CLStatus(-68)
    public static let invalidPipeSize = CLStatus(-69)
    public static let invalidDeviceQueue = CLStatus(-70)
    public static let invalidSpecId = CLStatus(-71)
    public static let maxSizeRestrictionExceeded = CLStatus(-72)
    public static let platformNotFoundKHR = CLStatus(-1001)

    /// The specification's name (`CL_OUT_OF_RESOURCES`), or `CL_UNKNOWN_ERROR(<code>)`.
    public var name: String {
        switch rawValue {
        case 0: return "CL_SUCCESS"
        case -1: return "CL_DEVICE_NOT_FOUND"
        case -2: return "CL_DEVICE_NOT_AVAILABLE"
        case -3: return "CL_COMPILER_NOT_AVAILABLE"
        case -4: return "CL_MEM_OBJECT_ALLOCATION_FAILURE"
        case -5: return "CL_OUT_OF_RESOURCES"
        case -6: return "CL_OUT_OF_HOST_MEMORY"
        case -7: return "CL_PROFILING_INFO_NOT_AVAILABLE"
        case -8: return "CL_MEM_COPY_OVERLAP"
        case -9: return "CL_IMAGE_FORMAT_MISMATCH"
        case -10: return "CL_IMAGE_FORMAT_NOT_SUPPORTED"
        case -11: return "CL_BUILD_PROGRAM_FAILURE"
        case -12: return "CL_MAP_FAILURE"
        case -13: return "CL_MISALIGNED_SUB_BUFFER_OFFSET"
        case -14: return "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"
        case -15: return "CL_COMPILE_PROGRAM_FAILURE"
        case -16: return "CL_LINKER_NOT_AVAILABLE"
        case -17: return "CL_LINK_PROGRAM_FAILURE"
        case -18: return "CL_DEVICE_PARTITION_FAILED"
        case -19: return "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"
        case -30: return "CL_INVALID_VALUE"
        case -31: return "CL_INVALID_DEVICE_TYPE"
        case -32: return "CL_INVALID_PLATFORM"
        case -33: return "CL_INVALID_DEVICE"
        case -34: return "CL_INVALID_CONTEXT"
        case -35: return "CL_INVALID_QUEUE_PROPERTIES"
        case -36: return "CL_INVALID_COMMAND_QUEUE"
        case -37: return "CL_INVALID_HOST_PTR"
        case -38: return "CL_INVALID_MEM_OBJECT"
        case -39: return "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"
        case -40: return "CL_INVALID_IMAGE_SIZE"
        case -41: return "CL_INVALID_SAMPLER"
        case -42: return "CL_INVALID_BINARY"
        case -43: return "CL_INVALID_BUILD_OPTIONS"
        case -44: return "CL_INVALID_PROGRAM"
        case -45: return "CL_INVALID_PROGRAM_EXECUTABLE"
        case -46: return "CL_INVALID_KERNEL_NAME"
        case -47: return "CL_INVALID_KERNEL_DEFINITION"
        case -48: return "CL_INVALID_KERNEL"
        case -49: return "CL_INVALID_ARG_INDEX"
        case -50: return "CL_INVALID_ARG_VALUE"
        case -51: return "CL_INVALID_ARG_SIZE"
        case -52: return "CL_INVALID_KERNEL_ARGS"
        case -53: return "CL_INVALID_WORK_DIMENSION"
        case -54: return "CL_INVALID_WORK_GROUP_SIZE"
        case -55: return "CL_INVALID_WORK_ITEM_SIZE"
        case -56: return "CL_INVALID_GLOBAL_OFFSET"
        case -57: return "CL_INVALID_EVENT_WAIT_LIST"
        case -58: return "CL_INVALID_EVENT"
        case -59: return "CL_INVALID_OPERATION"
        case -60: return "CL_INVALID_GL_OBJECT"
        case -61: return "CL_INVALID_BUFFER_SIZE"
        case -62: return "CL_INVALID_MIP_LEVEL"
        case -63: return "CL_INVALID_GLOBAL_WORK_SIZE"
        case -64: return "CL_INVALID_PROPERTY"
        case -65: return "CL_INVALID_IMAGE_DESCRIPTOR"
        case -66: return "CL_INVALID_COMPILER_OPTIONS"
        case -67: return "CL_INVALID_LINKER_OPTIONS"
        case -68: return "CL_INVALID_DEVICE_PARTITION_COUNT"
        case -69: return "CL_INVALID_PIPE_SIZE"
        case -70: return "CL_INVALID_DEVICE_QUEUE"
        case -71: return "CL_INVALID_SPEC_ID"
        case -72: return "CL_MAX_SIZE_RESTRICTION_EXCEEDED"
        case -1001: return "CL_PLATFORM_NOT_FOUND_KHR"
        default: return "CL_UNKNOWN_ERROR(\(rawValue))"
        }
    }

    public var description: String { rawValue == 0 || name.hasPrefix("CL_UNKNOWN") ? name : "\(name) (\(rawValue))" }
}
