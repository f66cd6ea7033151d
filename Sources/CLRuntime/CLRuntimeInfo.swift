import COpenCL
/// Swift over the OpenCL C API (filled in by the compute-core work).
public enum CLRuntimeInfo { public static let apiVersion = CL_VERSION_1_2 }
