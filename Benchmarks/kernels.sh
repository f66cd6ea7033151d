#!/usr/bin/env bash
# Per-kernel microbenchmarks of one architecture (ordo-one/benchmark): every op `gcnn check` runs for it, named
# by op and shape, and the whole training step, on an OpenCL device at batch 32 and on the reference path
# (smaller batch), with wall-clock time and MFLOP/s, MB/s per op. Threads pinned as in epoch.sh.
#   Benchmarks/kernels.sh [--arch paper|fcn|short-chunk|FILE.json] [--threads 2] [--device gpu|opencl:N]
#                         [--reference-batch 8 (0: skip)] [--scratch-path P]
#                         [-- extra arguments for `swift package benchmark`, e.g. --filter 'conv2d forward.*']
set -euo pipefail
arch=paper threads=2 device=gpu reference_batch=8 scratch=".build"
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --device) device="$2"; shift 2 ;;
        --reference-batch) reference_batch="$2"; shift 2 ;;
        --scratch-path) scratch="$2"; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "kernels.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
# A spec file is found from the caller's directory; the harness runs elsewhere.
if [ -f "$arch" ]; then arch="$(realpath "$arch")"; fi
cd "$(dirname "$0")"
export POCL_MAX_PTHREAD_COUNT="$threads" POCL_CPU_MAX_CU_COUNT="$threads"
export GCNN_BENCH_ARCH="$arch" GCNN_BENCH_DEVICE="$device" GCNN_BENCH_REFERENCE_BATCH="$reference_batch"
pin=()
if [ "$(nproc)" -gt "$threads" ] && command -v taskset >/dev/null; then pin=(taskset -c "0-$((threads - 1))"); fi
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $threads thread(s) of $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"${pin[@]}" swift package --scratch-path "$scratch" benchmark --target KernelBenchmarks --grouping metric \
    --format markdown --no-progress "$@"
