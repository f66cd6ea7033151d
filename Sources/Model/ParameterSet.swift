/// One named host tensor of a model, in PyTorch's name, shape and layout.
public struct NamedTensor: Equatable, Sendable {
    /// How a checkpoint stores the tensor. The values are `Float` in memory either way.
    public enum StorageType: String, Equatable, Sendable, Codable {
        case float32
        /// An integer counter (PyTorch's `num_batches_tracked` is int64); held as an integral `Float`,
        /// exact up to 2²⁴.
        case int64
    }

    public var name: String
    /// Dimensions, outermost first; `[]` for a scalar.
    public var shape: [Int]
    /// Row-major values; `shape`'s product elements (1 for a scalar).
    public var values: [Float]
    public var storage: StorageType

    public init(name: String, shape: [Int], values: [Float], storage: StorageType = .float32) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NamedTensor '\(name)': negative dimension in \(shape)")
        precondition(values.count == shape.reduce(1, *),
                     "NamedTensor '\(name)': shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.name = name; self.shape = shape; self.values = values; self.storage = storage
    }

    /// Number of elements.
    public var count: Int { values.count }
}

/// A model's host-side tensors: an ordered list of uniquely named tensors (parameters, buffers such as
/// BatchNorm's running statistics, gradients or optimiser moments), in PyTorch's `state_dict` names.
public struct ParameterSet: Equatable, Sendable {
    public private(set) var tensors: [NamedTensor]

    public init(_ tensors: [NamedTensor] = []) {
        self.tensors = []
        for tensor in tensors { append(tensor) }
    }

    /// Adds `tensor` at the end; its name must be new.
    public mutating func append(_ tensor: NamedTensor) {
        precondition(self[tensor.name] == nil, "ParameterSet: duplicate tensor name '\(tensor.name)'")
        tensors.append(tensor)
    }

    /// The names, in order.
    public var names: [String] { tensors.map(\.name) }

    /// The tensor named `name`, or nil.
    public subscript(name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }

    /// The tensor named `name`, or `ParameterSetError.missing`.
    public func tensor(named name: String) throws -> NamedTensor {
        guard let tensor = self[name] else { throw ParameterSetError.missing(name: name, available: names) }
        return tensor
    }

    /// The values of `name`, checked against `shape`.
    public func values(of name: String, shape: [Int]) throws -> [Float] {
        let tensor = try tensor(named: name)
        guard tensor.shape == shape else {
            throw ParameterSetError.shapeMismatch(name: name, expected: shape, found: tensor.shape)
        }
        return tensor.values
    }

    /// Replaces the values of the existing tensor `name` (same element count).
    public mutating func replaceValues(of name: String, with values: [Float]) throws {
        guard let index = tensors.firstIndex(where: { $0.name == name }) else {
            throw ParameterSetError.missing(name: name, available: names)
        }
        guard tensors[index].count == values.count else {
            throw ParameterSetError.shapeMismatch(name: name, expected: tensors[index].shape, found: [values.count])
        }
        tensors[index].values = values
    }
}

/// A tensor that a model needs is absent from, or has the wrong shape in, a `ParameterSet`.
public enum ParameterSetError: Error, Equatable, CustomStringConvertible {
    case missing(name: String, available: [String])
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .missing(name, available):
            return "tensor '\(name)' is missing (the set has: \(available.joined(separator: ", "))); "
                + "was it saved by a different model?"
        case let .shapeMismatch(name, expected, found):
            return "tensor '\(name)' has shape \(found), the model needs \(expected); "
                + "check the input size, filters and classes of the model configuration"
        }
    }
}
