/// Per-class loss weights (`NetworkConfig.classWeights`).
public enum ClassWeights {
    /// scikit-learn's `compute_class_weight("balanced")`: n_samples / (n_classes · bincount) for
    /// `max(classes, 2)` classes, in double precision; a class without examples gets 0 (it never weighs a
    /// gradient). Labels outside the classes are not counted as any class but count as samples.
    public static func balanced(labels: [Int], classes: Int) -> [Float] {
        let k = max(classes, 2)
        var counts = [Int](repeating: 0, count: k)
        for label in labels where (0..<k).contains(label) { counts[label] += 1 }
        return counts.map { $0 == 0 ? 0 : Float(Double(labels.count) / (Double(k) * Double($0))) }
    }
}
