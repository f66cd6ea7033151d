import Foundation

/// Draws a log-mel spectrogram as the paper's Table 1 picture: mel bands upwards (lowest at the
/// bottom), time to the right, colours from a perceptual colormap over the array's own dB range
/// (max − top_db … max), a time axis in seconds, a frequency axis with Hz ticks at their mel positions,
/// a colour bar in dB and a title, all lettered with the built-in bitmap font.
public enum SpectrogramImage {
    /// Renders `spectrogram` (computed with `parameters`) under `title`.
    public static func render(_ spectrogram: LogMelSpectrogram, parameters: FeatureParameters,
                              title: String = "", colormap: Colormap = .magma) -> RGBImage {
        let mels = spectrogram.mels, frames = spectrogram.frames
        let rowHeight = max(2, 384 / mels)
        let plotH = rowHeight * mels
        // Up to 4 px per frame for short clips; long files are sampled down to about 1 200 px.
        let pxPerFrame = frames <= 1200 ? max(1, min(4, 1000 / max(frames, 1))) : 1
        let plotW = frames <= 1200 ? frames * pxPerFrame : 1200
        let scale = 2, charH = BitmapFont.height * scale
        let left = 16 + BitmapFont.textWidth("10000", scale: scale) + 10
        let top = 14 + charH + 14 + charH + 12, bottom = 16 + charH + 12 + charH + 16
        let barW = 18, barGap = 18
        let right = barGap + barW + 8 + BitmapFont.textWidth("-100", scale: scale) + 16
        var img = RGBImage(width: left + plotW + right, height: top + plotH + bottom)
        let black: (UInt8, UInt8, UInt8) = (0, 0, 0)

        // dB range: the array's own maximum down to the top_db floor (or its minimum).
        let hi = spectrogram.values.max() ?? 0
        var lo = spectrogram.values.min() ?? -80
        if let topDB = parameters.topDB { lo = max(lo, hi - topDB) }
        let span = max(hi - lo, 1e-6)

        // Pixels.
        for x in 0..<plotW {
            let t = min(frames - 1, x * frames / plotW)
            for m in 0..<mels {
                let c = colormap.color((spectrogram[m, t] - lo) / span)
                let y0 = top + (mels - 1 - m) * rowHeight
                for dy in 0..<rowHeight { img.set(left + x, y0 + dy, c) }
            }
        }
        // Frame.
        img.fill(x: left - 1, y: top - 1, width: plotW + 2, height: 1, color: black)
        img.fill(x: left - 1, y: top + plotH, width: plotW + 2, height: 1, color: black)
        img.fill(x: left - 1, y: top - 1, width: 1, height: plotH + 2, color: black)
        img.fill(x: left + plotW, y: top - 1, width: 1, height: plotH + 2, color: black)

        // Time axis: frame t is centred at t · hop / sr seconds.
        let secondsPerFrame = Double(parameters.hopLength) / Double(parameters.sampleRate)
        let duration = Double(frames - 1) * secondsPerFrame
        let step = niceStep(duration, ticks: 6)
        var s = 0.0
        while s <= duration + 1e-9 {
            let x = left + Int((s / secondsPerFrame + 0.5) * Double(plotW) / Double(frames))
            img.fill(x: x, y: top + plotH + 1, width: 1, height: 6, color: black)
            let label = format(s, step: step)
            img.text(label, x: x - BitmapFont.textWidth(label, scale: scale) / 2, y: top + plotH + 10, scale: scale)
            s += step
        }
        let xTitle = "TIME (S)"
        img.text(xTitle, x: left + plotW / 2 - BitmapFont.textWidth(xTitle, scale: scale) / 2,
                 y: top + plotH + 10 + charH + 12, scale: scale)

        // Frequency axis: Hz ticks at their place on the mel scale (band m's centre is at mel
        // edge m + 1 of librosa's mel_frequencies).
        let edges = MelFilterbank.bandEdges(melCount: mels, fMin: parameters.fMin, fMax: parameters.effectiveFMax)
        let melLo = MelFilterbank.hzToMel(edges[1]), melHi = MelFilterbank.hzToMel(edges[mels])
        for hz in [0.0, 250, 500, 1000, 2000, 4000, 8000, 16000] where hz >= edges[1] - 1e-9 && hz <= edges[mels] + 1e-9 {
            let band = (MelFilterbank.hzToMel(hz) - melLo) / (melHi - melLo) * Double(mels - 1)
            let y = top + plotH - Int((band + 0.5) * Double(rowHeight))
            img.fill(x: left - 7, y: y, width: 6, height: 1, color: black)
            let label = String(Int(hz))
            img.text(label, x: left - 10 - BitmapFont.textWidth(label, scale: scale), y: y - charH / 2, scale: scale)
        }
        img.text("HZ", x: left - 10 - BitmapFont.textWidth("HZ", scale: scale), y: top - charH - 8, scale: scale)

        // Colour bar in dB.
        let barX = left + plotW + barGap
        for y in 0..<plotH {
            let c = colormap.color(1 - Float(y) / Float(max(plotH - 1, 1)))
            img.fill(x: barX, y: top + y, width: barW, height: 1, color: c)
        }
        let dbStep = Float(niceStep(Double(span), ticks: 5))
        var db = (lo / dbStep).rounded(.up) * dbStep
        while db <= hi + 1e-3 {
            let y = top + Int((hi - db) / span * Float(plotH - 1))
            img.fill(x: barX + barW, y: y, width: 5, height: 1, color: black)
            img.text(String(Int(db.rounded())), x: barX + barW + 8, y: y - charH / 2, scale: scale)
            db += dbStep
        }
        img.text("DB", x: barX, y: top - charH - 8, scale: scale)

        // Title.
        img.text(title, x: left, y: 14, scale: scale)
        return img
    }

    /// 1, 2 or 5 × 10^k, so that about `ticks` steps span `range`.
    static func niceStep(_ range: Double, ticks: Int) -> Double {
        guard range > 0 else { return 1 }
        let raw = range / Double(ticks)
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    static func format(_ v: Double, step: Double) -> String {
        step >= 1 ? String(Int(v.rounded())) : String(format: step >= 0.1 ? "%.1f" : "%.2f", v)
    }
}
