import Foundation

/// librosa 0.11's `power_to_db(S, ref, amin, top_db)` in single precision:
/// `10·log10(max(amin, S)) − 10·log10(max(amin, ref))`, then everything below `max − top_db`
/// raised to `max − top_db`, where `max` is the array's own maximum.
public enum PowerToDB {
    /// Converts `values` in place.
    public static func apply(_ values: UnsafeMutableBufferPointer<Float>, ref: Float = 1,
                             amin: Float = 1e-10, topDB: Float? = 80) {
        guard let base = values.baseAddress, values.count > 0 else { return }
        let offset = 10 * log10f(max(amin, ref))
        var top = -Float.infinity
        for i in 0..<values.count {
            let db = 10 * log10f(max(amin, base[i])) - offset
            base[i] = db
            top = max(top, db)
        }
        if let topDB {
            let floor = top - topDB
            for i in 0..<values.count where base[i] < floor { base[i] = floor }
        }
    }

    /// Converts `values` in place with the parameters' `ref`, `amin` and `topDB`.
    public static func apply(_ values: UnsafeMutableBufferPointer<Float>, _ parameters: FeatureParameters) {
        apply(values, ref: parameters.ref, amin: parameters.amin, topDB: parameters.topDB)
    }
}
