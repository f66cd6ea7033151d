import Foundation

/// librosa 0.11's `power_to_db(S, ref, amin, top_db)` in single precision:
/// `10·log10(max(amin, S)) − 10·log10(max(amin, ref))`, then everything below `max − top_db`
/// raised to `max − top_db`, where `max` is the array's own maximum.
///
/// The logarithm is `FastLog.decibels` (|error| < 1e-5 dB against `log10f`, far inside the 0.05 dB
/// fixture tolerance); values at or below `amin` get `10·log10f(amin)` exactly, so silence is exactly
/// librosa's −100 dB.
public enum PowerToDB {
    /// Converts `values` in place.
    public static func apply(_ values: UnsafeMutableBufferPointer<Float>, ref: Float = 1,
                             amin: Float = 1e-10, topDB: Float? = 80) {
        guard let x = values.baseAddress, values.count > 0 else { return }
        let n = values.count
        let offset = 10 * log10f(max(amin, ref))
        let floorDB = 10 * log10f(amin) - offset
        // Branch-free loops, so that they are vectorised.
        for i in 0..<n {
            let v = x[i]
            let db = FastLog.decibels(max(v, amin)) - offset
            x[i] = v <= amin ? floorDB : db
        }
        guard let topDB else { return }
        var peak = -Float.infinity
        for i in 0..<n { peak = peak > x[i] ? peak : x[i] }
        let floor = peak - topDB
        for i in 0..<n { x[i] = x[i] < floor ? floor : x[i] }
    }

    /// Converts `values` in place with the parameters' `ref`, `amin` and `topDB`.
    public static func apply(_ values: UnsafeMutableBufferPointer<Float>, _ parameters: FeatureParameters) {
        apply(values, ref: parameters.ref, amin: parameters.amin, topDB: parameters.topDB)
    }
}
