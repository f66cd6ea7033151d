/// A Keras file gcnn cannot read or write, as one line naming the file, the layer and option at fault, and
/// the fix.
public struct KerasError: Error, Equatable, CustomStringConvertible {
    /// The file as given.
    public var file: String
    public var message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
