import Foundation

/// Four-part (SATB) voice leading of a functional progression: each chord's upper voices are the
/// chord-tone voicing nearest the previous one, complete (root, third, and seventh when present),
/// within each voice's range, without crossing, and penalising parallel fifths and octaves.
enum VoiceLeading {
    static let ranges: [ClosedRange<Int>] = [40...60, 48...67, 55...74, 60...81]  // B, T, A, S

    /// Returns one array of four MIDI pitches (bass, tenor, alto, soprano) per span.
    static func satb(_ spans: [ChordSpan], rng: inout SynthRandom) -> [[Int]] {
        var result: [[Int]] = []
        var previous: [Int]? = nil
        for span in spans {
            let pcs = Set(span.pitchClasses)
            let bassTarget = previous?[0] ?? 48
            let bassPC = (span.root + span.bassInterval) % 12
            let bassOptions = ranges[0].filter { $0 % 12 == bassPC }
            let bass = bassOptions.min(by: { abs($0 - bassTarget) < abs($1 - bassTarget) }) ?? 48
            let options = (1...3).map { v in ranges[v].filter { pcs.contains($0 % 12) } }
            var best: [Int] = [bass, 55, 60, 67]
            var bestCost = Double.infinity
            let required: Set<Int> = {
                var r: Set<Int> = [span.root % 12, (span.root + span.third) % 12]
                if let seventh = span.quality.intervals.first(where: { $0 == 10 || $0 == 11 }) {
                    r.insert((span.root + seventh) % 12)
                }
                return r
            }()
            for t in options[0] where t > bass {
                for a in options[1] where a > t && a - t <= 12 {
                    for s in options[2] where s > a && s - a <= 12 {
                        let voices = [bass, t, a, s]
                        guard required.isSubset(of: Set(voices.map { $0 % 12 })) else { continue }
                        var cost = 0.0
                        if let prev = previous {
                            for v in 1...3 { cost += Double(abs(voices[v] - prev[v])) }
                            cost += parallelPenalty(prev, voices)
                        } else {
                            cost = Double(abs(s - 72) + abs(a - 65) + abs(t - 57))
                        }
                        cost += rng.uniform() * 0.5
                        if cost < bestCost { bestCost = cost; best = voices }
                    }
                }
            }
            result.append(best)
            previous = best
        }
        return result
    }

    private static func parallelPenalty(_ a: [Int], _ b: [Int]) -> Double {
        var penalty = 0.0
        for i in 0..<4 {
            for j in (i + 1)..<4 {
                let before = (a[j] - a[i]) % 12, after = (b[j] - b[i]) % 12
                let moved = a[i] != b[i] && a[j] != b[j]
                if moved && before == after && (after == 7 || after == 0) { penalty += 8 }
            }
        }
        return penalty
    }
}
