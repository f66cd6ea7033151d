import COpenCL

/// An OpenCL context on one device. Released when the last reference goes away.
public final class CLContext: @unchecked Sendable {
    public let id: cl_context
    public let device: CLDevice

    /// A context holding `device` alone.
    public init(device: CLDevice) throws {
        var status: cl_int = 0
        var deviceID: cl_device_id? = device.id
        guard let id = clCreateContext(nil, 1, &deviceID, nil, nil, &status), status == 0 else {
            throw CLError.call("clCreateContext(\(device.name))", status: CLStatus(status))
        }
        self.id = id
        self.device = device
        CLObjectCounter.created(.context)
    }

    deinit { clReleaseContext(id); CLObjectCounter.released(.context) }
}
