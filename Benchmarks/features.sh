#!/usr/bin/env bash
# Log-mel throughput: gcnn (release build, all cores) against librosa 0.11 (one process per core),
# same inputs and core count; prints both and the ratios.
#   Benchmarks/features.sh [cores]      (default: all)
set -euo pipefail
cd "$(dirname "$0")"
cores="${1:-$(nproc)}"
swift build -c release --product features-benchmark >/dev/null
gcnn=$(.build/release/features-benchmark --threads "$cores")
librosa=$(python3 peers/librosa_features.py --processes "$cores")
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $cores core(s) used of $(nproc)"
echo "$gcnn"
echo "$librosa"
ratio() { awk -v a="$(echo "$gcnn" | awk -v k="$1" '$2==k {print $3}')" \
              -v b="$(echo "$librosa" | awk -v k="$1" '$2==k {print $3}')" 'BEGIN {printf "%.1f", a / b}'; }
echo "ratio gcnn/librosa: tracks $(ratio tracks_per_s)x, clips $(ratio clips_per_s)x"
cpu() { awk -v a="$(echo "$gcnn" | awk -v k="$1" '$2==k {print $(NF-4)}')" \
            -v b="$(echo "$librosa" | awk -v k="$1" '$2==k {print $(NF-4)}')" 'BEGIN {printf "%.1f", b / a}'; }
echo "ratio of CPU time per item (librosa/gcnn; robust to a busy machine): tracks $(cpu tracks_per_s)x, clips $(cpu clips_per_s)x"
