#!/usr/bin/env bash
# The GPU runbook, run from a bundle (scripts/gpu/bundle.sh OUT; then OUT/run.sh) on a machine with an NVIDIA GPU
# and no Swift:
#   1. finds the NVIDIA OpenCL driver (libnvidia-opencl.so.1, wherever the driver installed it) and writes an ICD
#      vendor file for it into a private folder, OCL_ICD_VENDORS pointing there (no root, nothing installed);
#   2. gcnn devices; gcnn check --device gpu; gcnn tune --device gpu (where this gcnn has it);
#   3. gcnn bench epoch --device gpu --profile --json for every architecture preset (gcnn arch list), and
#      PyTorch's CUDA eager epoch of the same network where `torch` with CUDA is importable;
#   4. writes results.md (one Markdown table) and results.json (every raw result) to ${OUT:-./gpu-results}.
# Every step's output is kept there too; a failed step is recorded and the rest still run; the exit status is
# non-zero if any failed. No NVIDIA library: one line saying so, exit 3.
#
#   ./run.sh [--smoke] [--arch NAME]...
#   --smoke       plumbing test: check --quick, a 1-epoch bench of 64 + 32 clips, no tune (figures meaningless)
#   --arch NAME   only these presets (default: all of `gcnn arch list`)
# Environment: OUT (results folder), GCNN (the gcnn binary; default: the bundle's), GCNN_OPENCL_DRIVER (an ICD
# library to use instead of searching for NVIDIA's), PYTHON (default python3).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
smoke=0 archs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1; shift ;;
        --arch) archs+=("$2"); shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
gcnn=${GCNN:-$here/gcnn}
[ -x "$gcnn" ] || { echo "run.sh: no gcnn at $gcnn (build a bundle with scripts/gpu/bundle.sh OUT and run OUT/run.sh, or set GCNN)" >&2; exit 2; }
python=${PYTHON:-python3}
peers=""
for dir in "$here/python" "$here/../.."; do
    [ -f "$dir/Benchmarks/peers/torch_epoch.py" ] && { peers="$dir/Benchmarks/peers"; break; }
done

# 1. The driver: an explicit one, else libnvidia-opencl.so.1 from the loader's cache or the usual install places
# (distribution packages, NVIDIA's .run installer, containers with the driver mounted, the GPU operator, WSL).
find_nvidia() {
    local candidates=()
    if command -v ldconfig >/dev/null || [ -x /sbin/ldconfig ]; then
        while read -r path; do candidates+=("$path"); done < <( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) \
            | awk '/libnvidia-opencl\.so\.1 / && /x86-64|x86_64|AArch64/ { print $NF }')
    fi
    local dir
    for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
               /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu/nvidia/current /usr/lib64/nvidia /usr/lib/nvidia \
               /usr/local/lib /usr/local/lib64 /run/nvidia/driver/usr/lib/x86_64-linux-gnu /run/nvidia/driver/usr/lib64 \
               /usr/lib/wsl/lib /usr/lib/nvidia-* /usr/lib/x86_64-linux-gnu/nvidia-*; do
        candidates+=("$dir/libnvidia-opencl.so.1")
    done
    local path
    for path in "${candidates[@]}"; do [ -f "$path" ] && { echo "$path"; return 0; }; done
    return 1
}
driver=${GCNN_OPENCL_DRIVER:-}
if [ -z "$driver" ]; then
    driver=$(find_nvidia) || {
        echo "run.sh: no NVIDIA OpenCL library (libnvidia-opencl.so.1) on this machine: install the NVIDIA driver with its OpenCL part (e.g. Debian/Ubuntu nvidia-opencl-icd / libnvidia-compute), or set GCNN_OPENCL_DRIVER=/path/to/libnvidia-opencl.so.1" >&2
        exit 3
    }
fi
[ -f "$driver" ] || { echo "run.sh: GCNN_OPENCL_DRIVER=$driver is not a file" >&2; exit 3; }

out=${OUT:-./gpu-results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
icd="$out/icd"
mkdir -p "$icd"
echo "$driver" > "$icd/gpu.icd"
export OCL_ICD_VENDORS="$icd"
# The driver's own dependencies usually sit beside it (e.g. /usr/local/nvidia/lib64 in containers).
gcnn_env=(env "LD_LIBRARY_PATH=$(dirname "$driver")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
echo "run.sh: OpenCL driver $driver (ICD file $icd/gpu.icd); results in $out" >&2

failures=()
step() {  # name, command…: runs it with gcnn's environment, output to $out/name.txt (and the terminal)
    local name="$1"; shift
    echo "== $name: $*" >&2
    local status=0
    "${gcnn_env[@]}" "$@" > "$out/$name.txt" 2> "$out/$name.log" || status=$?
    cat "$out/$name.txt"; [ -s "$out/$name.log" ] && cat "$out/$name.log" >&2
    if [ "$status" -ne 0 ]; then failures+=("$name (exit $status)"); echo "run.sh: $name failed (exit $status)" >&2; fi
    return "$status"
}

# 2. Devices, check, tune.
step devices "$gcnn" devices || { echo "run.sh: the OpenCL driver $driver does not load or lists no device; see $out/devices.log" >&2; exit 1; }
if ! grep -q 'type  *GPU' "$out/devices.txt"; then
    if [ "$smoke" -eq 1 ]; then echo "run.sh: no OpenCL GPU (smoke test: continuing on the device listed)" >&2
    else echo "run.sh: $driver lists no GPU device (see $out/devices.txt)" >&2; exit 1; fi
fi
if [ "$smoke" -eq 1 ]; then step check "$gcnn" check --device gpu --quick; else step check "$gcnn" check --device gpu; fi
if "${gcnn_env[@]}" "$gcnn" tune --help >/dev/null 2>&1; then
    if [ "$smoke" -eq 1 ]; then echo "run.sh: smoke test: tune skipped" >&2; else step tune "$gcnn" tune --device gpu; fi
else
    echo "run.sh: this gcnn has no \`tune\` command; skipped" >&2
fi

# 3. Epochs per preset, gcnn and PyTorch CUDA.
[ ${#archs[@]} -gt 0 ] || while read -r name; do archs+=("$name"); done < <("$gcnn" arch list | awk 'NR > 1 { print $1 }')
bench_size=() torch_size=()
if [ "$smoke" -eq 1 ]; then
    bench_size=(--train-clips 64 --val-clips 32 --epochs 1 --warmup 0)
    torch_size=(--train-clips 64 --val-clips 32 --epochs 1 --warmup 0)
fi
torch_ok=0 torch_note="PyTorch: not run (no python3)"
if command -v "$python" >/dev/null; then
    if [ -z "$peers" ]; then torch_note="PyTorch: not run (torch_epoch.py is not beside run.sh)"
    elif torch_version=$("$python" -c 'import sys, torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0)) if torch.cuda.is_available() else sys.exit(1)' 2>/dev/null); then
        torch_ok=1 torch_note="PyTorch $torch_version (CUDA eager)"
    else torch_note="PyTorch: not run (torch with CUDA is not importable by $python)"; fi
fi
echo "run.sh: $torch_note" >&2
for arch in "${archs[@]}"; do
    "$gcnn" arch show "$arch" --json > "$out/arch-$arch.json" 2> "$out/arch-$arch.log" || { failures+=("arch show $arch"); continue; }
    rm -f "$out/bench-$arch.json"
    step "bench-$arch" "$gcnn" bench epoch --device gpu --arch "$arch" --profile --json "${bench_size[@]}" \
        && mv "$out/bench-$arch.txt" "$out/bench-$arch.json"
    if [ "$torch_ok" -eq 1 ]; then
        echo "== torch-$arch" >&2
        if "$python" "$peers/torch_epoch.py" --device cuda --arch "$out/arch-$arch.json" "${torch_size[@]}" \
            > "$out/torch-$arch.json" 2> "$out/torch-$arch.log"; then cat "$out/torch-$arch.json"
        else failures+=("torch-$arch"); rm -f "$out/torch-$arch.json"; tail -n 3 "$out/torch-$arch.log" >&2; fi
    fi
done

# 4. One table and one JSON.
field() {  # file, key: the first number after "key": in a JSON file
    [ -f "$1" ] && grep -o "\"$2\": *[-0-9.eE+]*" "$1" | head -n 1 | sed 's/.*: *//'
}
fmt() { if [ -n "$1" ]; then awk -v x="$1" 'BEGIN { printf "%.4f", x }'; else echo "—"; fi; }
{
    echo "# gcnn on $(grep -m1 -o '\] .*' "$out/devices.txt" | sed 's/^\] //') — $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "OpenCL driver: \`$driver\`; $(grep -m1 'version' "$out/devices.txt" | sed 's/^ *version *//'); $torch_note."
    echo "gcnn check: $(tail -n 1 "$out/check.txt" 2>/dev/null)"
    [ -f "$out/tune.txt" ] && echo "gcnn tune: $(tail -n 1 "$out/tune.txt")"
    [ "$smoke" -eq 1 ] && echo "**Smoke test (--smoke): short epochs, figures meaningless.**"
    echo
    echo "| preset | gcnn epoch s (median) | train s | validation s | kernels s (profile) | PyTorch CUDA epoch s | gcnn ÷ PyTorch |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for arch in "${archs[@]}"; do
        g=$(field "$out/bench-$arch.json" median_epoch_seconds) t=$(field "$out/torch-$arch.json" median_epoch_seconds)
        tr=$(field "$out/bench-$arch.json" median_train_seconds) va=$(field "$out/bench-$arch.json" median_validation_seconds)
        k=$([ -f "$out/bench-$arch.json" ] && grep -o '"milliseconds":[-0-9.eE+]*' "$out/bench-$arch.json" | awk -F: '{ s += $2 } END { if (NR) printf "%.4f", s / 1000 }')
        ratio=$(awk -v g="$g" -v t="$t" 'BEGIN { if (g != "" && t != "" && t > 0) printf "%.2f×", g / t; else print "—" }')
        echo "| \`$arch\` | $(fmt "$g") | $(fmt "$tr") | $(fmt "$va") | ${k:-—} | $(fmt "$t") | $ratio |"
    done
    echo
    echo "Raw results: results.json; every step's output: *.txt / *.log beside it."
    [ ${#failures[@]} -eq 0 ] || echo "**Failed steps:** ${failures[*]}"
} > "$out/results.md"
{
    echo "{\"driver\": \"$driver\", \"smoke\": $([ "$smoke" -eq 1 ] && echo true || echo false), \"failures\": ["
    first=1
    for f in "${failures[@]}"; do [ $first -eq 1 ] || echo ","; first=0; printf '"%s"' "$f"; done
    echo "], \"presets\": {"
    first=1
    for arch in "${archs[@]}"; do
        [ $first -eq 1 ] || echo ","; first=0
        printf '"%s": {"gcnn": %s, "torch_cuda": %s}' "$arch" \
            "$( [ -s "$out/bench-$arch.json" ] && cat "$out/bench-$arch.json" || echo null)" \
            "$( [ -s "$out/torch-$arch.json" ] && cat "$out/torch-$arch.json" || echo null)"
    done
    echo "}}"
} > "$out/results.json"
cat "$out/results.md"
[ ${#failures[@]} -eq 0 ] || { echo "run.sh: failed: ${failures[*]}" >&2; exit 1; }
