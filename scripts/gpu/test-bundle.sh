#!/usr/bin/env bash
# Builds the GPU bundle (scripts/gpu/bundle.sh), moves it elsewhere, and runs it as a machine without Swift would:
# `env -i PATH=/usr/bin:/bin`, the OpenCL device found through /etc/OpenCL/vendors (pocl here). Checks that
#   - gcnn devices lists a device and gcnn check --device opencl --quick passes;
#   - run.sh without an NVIDIA library says so in one line and exits 3;
#   - run.sh --smoke on pocl's driver (GCNN_OPENCL_DRIVER) runs every step and writes results.md and results.json.
# Usage: scripts/gpu/test-bundle.sh [WORK_DIR]   (default: a temporary folder, removed afterwards)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ge 1 ]; then work=$1; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
work=$(cd "$work" && pwd)
fail() { echo "test-bundle: FAILED: $*" >&2; exit 1; }
clean=(env -i PATH=/usr/bin:/bin)

start=$SECONDS
bash "$root/scripts/gpu/bundle.sh" "$work/built"
echo "test-bundle: bundle built in $((SECONDS - start)) s"
rm -rf "$work/moved"; mv "$work/built" "$work/moved"
bundle="$work/moved"

"${clean[@]}" "$bundle/gcnn" devices > "$work/devices.txt" || fail "gcnn devices exited $?"
grep -q '\[opencl:0\]' "$work/devices.txt" || fail "gcnn devices lists no OpenCL device: $(cat "$work/devices.txt")"
"${clean[@]}" "$bundle/gcnn" check --device opencl --quick > "$work/check.txt" || { tail -n 5 "$work/check.txt"; fail "gcnn check --device opencl --quick"; }
echo "test-bundle: env -i: gcnn devices ok ($(grep -m1 '\[opencl:0\]' "$work/devices.txt" | sed 's/^ *//')); check: $(tail -n 1 "$work/check.txt")"

if ! ldconfig -p | grep -q 'libnvidia-opencl\.so\.1'; then
    status=0
    "${clean[@]}" OUT="$work/no-nvidia" "$bundle/run.sh" > "$work/no-nvidia.out" 2> "$work/no-nvidia.err" || status=$?
    [ "$status" -eq 3 ] || fail "run.sh without an NVIDIA library exited $status, not 3"
    [ "$(wc -l < "$work/no-nvidia.err")" -eq 1 ] || fail "run.sh without an NVIDIA library printed more than one line: $(cat "$work/no-nvidia.err")"
    echo "test-bundle: run.sh without NVIDIA: exit 3, \"$(cat "$work/no-nvidia.err")\""
fi

pocl=$(ldconfig -p | awk '/libpocl\.so/ { print $NF; exit }')
[ -n "$pocl" ] || fail "no pocl library to smoke-test run.sh with"
status=0
"${clean[@]}" OUT="$work/smoke" GCNN_OPENCL_DRIVER="$pocl" "$bundle/run.sh" --smoke --arch paper \
    > "$work/smoke.out" 2> "$work/smoke.err" || status=$?
[ "$status" -eq 0 ] || { tail -n 20 "$work/smoke.err"; fail "run.sh --smoke exited $status"; }
grep -q '^| `paper` | [0-9]' "$work/smoke/results.md" || fail "results.md has no timed paper row: $(cat "$work/smoke/results.md")"
if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["presets"]["paper"]["gcnn"]["results"][0]["median_epoch_seconds"] > 0' \
        "$work/smoke/results.json" || fail "results.json does not hold the paper epoch"
fi
echo "test-bundle: run.sh --smoke on pocl: results.md and results.json written; all checks passed ($((SECONDS - start)) s)"
