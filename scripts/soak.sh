#!/usr/bin/env bash
# Soak test (not in CI): a 50-epoch `gcnn train` on a small built-in synthetic corpus, on OpenCL and on the
# reference path, with the process's resident memory (VmRSS of /proc/PID/status) and its live OpenCL
# objects (CLRuntime's counter) sampled after every epoch (GCNN_DEBUG_RESOURCES=1). Both must be flat after
# epoch 1: the live objects exactly constant, the memory within SOAK_RSS_SLACK_KIB (default 4096) of its
# epoch-2 value. Prints a table and exits non-zero on growth.
#
#   scripts/soak.sh                        # both devices, 50 epochs (~5 min on 2 busy cores)
#   EPOCHS=200 DEVICES=opencl scripts/soak.sh
#   GCNN_BIN=path/to/gcnn scripts/soak.sh  # default: builds and uses .build/release/gcnn
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-50}
DEVICES=${DEVICES:-"opencl cpu"}
SLACK=${SOAK_RSS_SLACK_KIB:-4096}
if [[ -z "${GCNN_BIN:-}" ]]; then
    swift build -c release --product gcnn >&2
    GCNN_BIN=.build/release/gcnn
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gcnn-soak.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"
# 3 tracks per genre, four 0.5-s clips each: 16 training / 8 validation clips, 4 batches of 4 an epoch.
SHAPE=(--task metal-jazz --synthetic-tracks 3 --clip-seconds 0.5 --clips-per-track 4 --batch-size 4)

status=0
for device in $DEVICES; do
    echo "== $device: $EPOCHS epochs" >&2
    GCNN_DEBUG_RESOURCES=1 nice -n 10 "$GCNN_BIN" train --device "$device" "${SHAPE[@]}" --epochs "$EPOCHS" \
        --out "$WORK/run-$device" --json >"$WORK/$device.jsonl" 2>"$WORK/$device.err" || {
        echo "gcnn train --device $device failed:" >&2; cat "$WORK/$device.err" >&2; exit 1; }
    # resources: epoch N rss_kib X cl_objects Y (contexts …)
    awk -v device="$device" -v slack="$SLACK" '
        /^resources: epoch / {
            e = $3; rss[e] = $5; obj[e] = $7; last = e
            detail[e] = substr($0, index($0, "("))
        }
        END {
            printf "%-7s %6s %10s %11s\n", "device", "epoch", "rss_kib", "cl_objects"
            for (e = 1; e <= last; e++) if (e <= 3 || e % 5 == 0 || e == last) printf "%-7s %6d %10d %11d\n", device, e, rss[e], obj[e]
            lo = rss[2]; hi = rss[2]
            for (e = 2; e <= last; e++) { if (rss[e] < lo) lo = rss[e]; if (rss[e] > hi) hi = rss[e] }
            objectsFlat = 1
            for (e = 2; e <= last; e++) if (obj[e] != obj[1]) objectsFlat = 0
            printf "%s: epoch 1 rss %d KiB; epochs 2-%d rss %d..%d KiB (spread %d KiB, last - epoch 2 = %+d KiB); live OpenCL objects %d at epoch 1, %s after %s\n",
                device, rss[1], last, lo, hi, hi - lo, rss[last] - rss[2], obj[1], objectsFlat ? "unchanged" : "CHANGED", detail[last]
            if (!objectsFlat || hi - rss[2] > slack || last < 2) exit 1
        }' "$WORK/$device.err" || { echo "$device: NOT FLAT" >&2; status=1; }
done
exit $status
