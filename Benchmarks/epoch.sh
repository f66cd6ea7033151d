#!/usr/bin/env bash
# Whole training epochs of the seed's setup (1 120 + 480 clips of 64×173, batch 32, Adam), side by side in one
# run: gcnn on every OpenCL device `gcnn devices` lists, gcnn's reference path (scaled down, extrapolated and
# labelled so), Keras 3 on TensorFlow and PyTorch eager (Benchmarks/peers/, skipped with a note when not
# installed), and the machine's 2-thread sgemm with the epoch's FLOPs (the sgemm floor: FLOPs ÷ numpy's rate). Everyone is pinned to the same thread count. Prints a
# Markdown table of medians and ratios to Keras-TF; raw JSON goes to --out. --train-clips/--val-clips scale
# gcnn's OpenCL epochs down for slow kernels (then extrapolated and labelled so); --peer-train-clips/--peer-val-clips
# do the same for the peers (default: the seed's full epoch), so a heavy architecture can be timed side by side
# on the same scaled epoch; the table then also gives gcnn's ratio to PyTorch's faster memory format. --arch NAME|FILE.json benchmarks an architecture spec instead of the paper's network
# (NAME: the preset Sources/Model/Data/NAME.json); gcnn gets the argument as given, the peers the file.
#
#   Benchmarks/epoch.sh [--arch NAME|FILE.json] [--threads 2] [--epochs 3] [--warmup 1] [--train-clips 1120]
#                       [--val-clips 480] [--cpu-train-clips 32] [--cpu-val-clips 32] [--cpu-epochs 1] [--no-cpu] [--no-peers]
#                       [--peer-train-clips 1120] [--peer-val-clips 480] [--torch-channels-last] [--out DIR] [--scratch-path PATH]
set -euo pipefail
cd "$(dirname "$0")/.."

threads=2 epochs=3 warmup=1 cl_train=1120 cl_val=480 cpu_train=32 cpu_val=32 cpu_epochs=1 run_cpu=1 run_peers=1 channels_last=0 out="" scratch=".build" arch="" peer_train=1120 peer_val=480
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) threads="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --train-clips) cl_train="$2"; shift 2 ;;
        --val-clips) cl_val="$2"; shift 2 ;;
        --cpu-train-clips) cpu_train="$2"; shift 2 ;;
        --cpu-val-clips) cpu_val="$2"; shift 2 ;;
        --cpu-epochs) cpu_epochs="$2"; shift 2 ;;
        --no-cpu) run_cpu=0; shift ;;
        --no-peers) run_peers=0; shift ;;
        --torch-channels-last) channels_last=1; shift ;;
        --out) out="$2"; shift 2 ;;
        --scratch-path) scratch="$2"; shift 2 ;;
        --arch) arch="$2"; shift 2 ;;
        --peer-train-clips) peer_train="$2"; shift 2 ;;
        --peer-val-clips) peer_val="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "epoch.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
gcnn_arch=() peer_arch=()
if [ -n "$arch" ]; then
    case "$arch" in
        *.json) arch_file="$arch" ;;
        *) arch_file="Sources/Model/Data/$arch.json" ;;
    esac
    [ -f "$arch_file" ] || { echo "epoch.sh: no architecture spec $arch_file" >&2; exit 2; }
    gcnn_arch=(--arch "$arch") peer_arch=(--arch "$arch_file")
fi
out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/gcnn-epoch-bench.XXXXXX")}"
mkdir -p "$out"

# The same thread count for everyone: pocl's CPU device (its variable's old and new names), OpenMP/BLAS pools, TensorFlow's pools; and
# where the machine has more cores than that, the same cores (the reference path's Dispatch pool and
# pocl size themselves from the CPUs they may use).
export POCL_MAX_PTHREAD_COUNT="$threads" POCL_CPU_MAX_CU_COUNT="$threads" OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
export TF_NUM_INTRAOP_THREADS="$threads" TF_NUM_INTEROP_THREADS="$threads"
pin=()
if [ "$(nproc)" -gt "$threads" ] && command -v taskset >/dev/null; then
    pin=(taskset -c "0-$((threads - 1))")
fi

echo "building gcnn (release)…" >&2
swift build -c release --scratch-path "$scratch" --product gcnn >&2
gcnn="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/gcnn"

run_json() {  # name, command…: runs it, keeps its JSON in $out/name.json, or a note in $out/name.skipped
    local name="$1"; shift
    echo "running $name…" >&2
    local status=0
    "${pin[@]}" "$@" > "$out/$name.json" 2> "$out/$name.log" || status=$?
    if [ "$status" -ne 0 ]; then
        rm -f "$out/$name.json"
        if [ "$status" -eq 3 ]; then tail -1 "$out/$name.log" > "$out/$name.skipped"
        else echo "$name failed (exit $status): $(tail -1 "$out/$name.log")" > "$out/$name.skipped"; fi
        echo "  $(cat "$out/$name.skipped")" >&2
    fi
}

devices=$("$gcnn" devices 2>/dev/null | sed -n 's/.*\[\(opencl:[0-9]*\)\].*/\1/p' || true)
[ -n "$devices" ] || echo "note: no OpenCL device; only the reference path is timed" >&2
for d in $devices; do
    run_json "gcnn-${d/:/}" "$gcnn" bench epoch "${gcnn_arch[@]}" --device "$d" --epochs "$epochs" --warmup "$warmup" \
        --train-clips "$cl_train" --val-clips "$cl_val" --json
done
if [ "$run_cpu" -eq 1 ]; then
    # The reference path runs minutes per seed's epoch: a scaled-down epoch without warm-up (it compiles
    # nothing), extrapolated from its per-clip rates and labelled so in the table.
    run_json gcnn-cpu "$gcnn" bench epoch "${gcnn_arch[@]}" --device cpu --epochs "$cpu_epochs" --warmup 0 \
        --train-clips "$cpu_train" --val-clips "$cpu_val" --json
fi
if [ "$run_peers" -eq 1 ]; then
    peer_args=("${peer_arch[@]}" --threads "$threads" --epochs "$epochs" --warmup "$warmup"
               --train-clips "$peer_train" --val-clips "$peer_val")
    run_json keras-tf python3 Benchmarks/peers/keras_epoch.py "${peer_args[@]}"
    run_json torch-eager python3 Benchmarks/peers/torch_epoch.py "${peer_args[@]}"
    if [ "$channels_last" -eq 1 ]; then
        run_json torch-eager-channels-last python3 Benchmarks/peers/torch_epoch.py "${peer_args[@]}" --channels-last
    fi
fi
# The sgemm floor, always: the epoch's conv and matrix-product FLOPs (counted by PyTorch) over numpy's sgemm rate.
run_json sgemm python3 Benchmarks/peers/sgemm.py --threads "$threads"
run_json epoch-flop python3 Benchmarks/peers/epoch_flop.py "${peer_arch[@]}"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $threads thread(s) used of $(nproc); load average before the table: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "architecture: ${arch:-paper}"
echo "raw results: $out"
echo
python3 Benchmarks/epoch_table.py "$out"
