#!/usr/bin/env bash
# Data-parallel scaling on one machine, side by side in one run: the paper's epoch (1 120 training + 480
# validation clips, batch 32) on pocl as one process with T threads, and under mpirun as 1 and N ranks of one
# thread each (pocl's thread count pinned per process). Reports the median epoch time of the epochs after the
# first, epochs per second, the ratio to one process with T threads, and the seconds each epoch spent staging
# and summing gradients over the ranks (`allreduce_seconds` in metrics.jsonl) with their share of the epoch.
# Validation statistics are the running ones (--bn-statistics running): precise BN re-estimates them with one
# forward pass over the training set on every rank, which does not shrink with more ranks.
#
#   Benchmarks/mpi-scale.sh [--gcnn .build/release/gcnn] [--ranks 2] [--threads 2] [--epochs 3] [--arch paper] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
gcnn=.build/release/gcnn ranks=2 threads=2 epochs=3 arch=paper out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --gcnn) gcnn="$2"; shift 2 ;;
        --ranks) ranks="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        --arch) arch="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "mpi-scale.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
command -v mpirun >/dev/null || { echo "mpi-scale.sh: no mpirun (install openmpi-bin)" >&2; exit 1; }
out=${out:-$(mktemp -d /tmp/gcnn-mpi-scale.XXXXXX)}
mkdir -p "$out"
args=(train --device opencl --task metal-jazz --arch "$arch" --epochs "$epochs" --bn-statistics running --json)
# pocl's CPU device: POCL_CPU_MAX_CU_NUM (pocl ≥ 1.6) and POCL_MAX_PTHREAD_COUNT (older) bound its threads.
pin() { echo "POCL_CPU_MAX_CU_NUM=$1 POCL_MAX_PTHREAD_COUNT=$1"; }
mpi=(mpirun --oversubscribe --allow-run-as-root --bind-to none)
env $(pin "$threads") "$gcnn" "${args[@]}" --out "$out/one-process" > "$out/one-process.log" 2>&1
"${mpi[@]}" -np 1 -x POCL_CPU_MAX_CU_NUM=1 -x POCL_MAX_PTHREAD_COUNT=1 "$gcnn" "${args[@]}" --out "$out/np1" > "$out/np1.log" 2>&1
"${mpi[@]}" -np "$ranks" -x POCL_CPU_MAX_CU_NUM=1 -x POCL_MAX_PTHREAD_COUNT=1 "$gcnn" "${args[@]}" --out "$out/np$ranks" > "$out/np$ranks.log" 2>&1
python3 - "$out" "$threads" "$ranks" <<'PY'
import json, statistics, sys
out, threads, ranks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def epochs(name):
    rows = [json.loads(l) for l in open(f"{out}/{name}/metrics.jsonl")]
    later = rows[1:] or rows
    return statistics.median(r["seconds"] for r in later), statistics.median(r.get("allreduce_seconds") or 0 for r in later)
base, _ = epochs("one-process")
print("| run | epoch (median, s) | epochs/s | vs one process, %d threads | allreduce per epoch (s) | share |" % threads)
print("|---|---:|---:|---:|---:|---:|")
for name, label in [("one-process", f"one process, {threads} threads"), ("np1", "mpirun -np 1, 1 thread"),
                    (f"np{ranks}", f"mpirun -np {ranks}, 1 thread each")]:
    s, a = epochs(name)
    print(f"| {label} | {s:.2f} | {1/s:.3f} | {base/s:.2f}× | {a:.3f} | {100*a/s:.1f} % |")
PY
echo "raw: $out" >&2
