import Foundation

/// The periodic ("DFT-even") Hann window of `scipy.signal.get_window('hann', n, fftbins=True)`,
/// which librosa's STFT uses: w[k] = 0.5 − 0.5·cos(2πk / n), k = 0 … n−1.
public enum HannWindow {
    /// `n` window values, computed in double precision and rounded to `Float`.
    public static func periodic(_ n: Int) -> [Float] {
        // scipy: a symmetric window of n + 1 points, the last one dropped.
        let m = n + 1
        return (0..<n).map { k in
            let fac = -Double.pi + 2 * Double.pi * Double(k) / Double(m - 1)
            return Float(0.5 + 0.5 * Foundation.cos(fac))
        }
    }
}
