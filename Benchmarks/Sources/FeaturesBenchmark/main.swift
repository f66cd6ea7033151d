import Audio
import Dispatch
import Foundation

// Log-mel throughput of gcnn's feature extractor (librosa 0.11's power_to_db(melspectrogram(...)) with
// n_fft 512, hop 256, 64 mels) on 30-s tracks and on 2-s clips at 22 050 Hz, signals already in memory
// (decoding excluded, as in the librosa peer). Work is spread over `--threads` threads with
// DispatchQueue.concurrentPerform; each figure is the median of `--repeats` timed runs after one warm-up.
//
//   features-benchmark [--threads N] [--repeats R] [--tracks T] [--clips C]

func argument(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}

let cores = ProcessInfo.processInfo.activeProcessorCount
let threads = argument("--threads", cores)
let repeats = argument("--repeats", 7)
let trackCount = argument("--tracks", 16 * threads)
let clipCount = argument("--clips", 128 * threads)
let sr = 22_050

/// Deterministic test signal: three tones and LCG noise (content does not change the work done).
func signal(seconds: Double, seed: UInt64) -> [Float] {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1
    let n = Int(seconds * Double(sr))
    return (0..<n).map { i in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let noise = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        let t = Float(i) / Float(sr)
        return 0.3 * sinf(2 * .pi * 220 * t) + 0.2 * sinf(2 * .pi * 1_330 * t) + 0.1 * sinf(2 * .pi * 5_100 * t) + 0.05 * noise
    }
}

let extractor = try! LogMelExtractor(.paper)
let tracks = (0..<min(trackCount, 8)).map { signal(seconds: 30, seed: UInt64($0)) }
let clips = (0..<min(clipCount, 64)).map { signal(seconds: 2, seed: UInt64(1000 + $0)) }

/// Items per second: `count` inputs (cycling through `inputs`) over `threads` threads; median of runs.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Items per second of wall time (median) and CPU microseconds per item (median).
func throughput(_ inputs: [[Float]], count: Int, threads: Int) -> (median: Double, cpuMicros: Double) {
    let frames = extractor.frameCount(samples: inputs[0].count)
    let per = extractor.parameters.nMels * frames
    let chunk = (count + threads - 1) / threads
    func run() -> (Double, Double) {
        let cpu0 = cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            let scratch = extractor.stft.makeScratch()
            var out = [Float](repeating: 0, count: per)
            out.withUnsafeMutableBufferPointer { o in
                for i in (w * chunk)..<min(count, (w + 1) * chunk) {
                    inputs[i % inputs.count].withUnsafeBufferPointer { extractor.compute($0, into: o, scratch: scratch) }
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (Double(count) / seconds, (cpuSeconds() - cpu0) / Double(count) * 1e6)
    }
    _ = run()
    let all = (0..<repeats).map { _ in run() }
    return (all.map(\.0).sorted()[all.count / 2], all.map(\.1).sorted()[all.count / 2])
}

print("gcnn features benchmark: \(threads) thread(s) of \(cores) core(s), median of \(repeats) runs")
let t = throughput(tracks, count: trackCount, threads: threads)
print(String(format: "gcnn tracks_per_s %.1f  (30-s tracks, %d per run; %.0f CPU µs per track)", t.median, trackCount, t.cpuMicros))
let c = throughput(clips, count: clipCount, threads: threads)
print(String(format: "gcnn clips_per_s %.1f  (2-s clips, %d per run; %.0f CPU µs per clip)", c.median, clipCount, c.cpuMicros))
