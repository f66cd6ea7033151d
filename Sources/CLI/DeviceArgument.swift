import ArgumentParser
import Model

/// `--device gpu|opencl[:N]|cpu`: parsed with the arguments, so a bad word fails before any work and
/// `--help` lists the forms.
extension DeviceSelection: ExpressibleByArgument {
    public init?(argument: String) {
        guard let selection = try? DeviceSelection(parsing: argument) else { return nil }
        self = selection
    }

    public static var allValueStrings: [String] { ["gpu", "opencl", "opencl:N", "cpu"] }

    public var defaultValueDescription: String { description }
}
