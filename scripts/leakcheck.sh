#!/usr/bin/env bash
# Leak check (not in CI): one short epoch of `gcnn train` on the reference path under valgrind's memcheck.
# Fails on memory definitely or indirectly lost; "possibly lost" blocks are listed but allowed (the Swift
# runtime's type-metadata caches and libdispatch's worker threads live as long as the process).
# Needs valgrind (apt-get install valgrind); ~2 min on 2 cores.
#
#   scripts/leakcheck.sh                        # builds and checks .build/release/gcnn
#   GCNN_BIN=path/to/gcnn scripts/leakcheck.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${GCNN_BIN:-}" ]]; then
    swift build -c release --product gcnn >&2
    GCNN_BIN=.build/release/gcnn
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gcnn-leak.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"
SHAPE=(--task metal-jazz --synthetic-tracks 3 --clip-seconds 0.25 --clips-per-track 2 --batch-size 2)
# Corpus and features first, outside valgrind (FFTW planning under valgrind takes minutes).
"$GCNN_BIN" train --device cpu "${SHAPE[@]}" --epochs 1 --out "$WORK/warm" >/dev/null 2>&1
nice -n 10 valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=3 --num-callers=20 --log-file="$WORK/valgrind.log" \
    "$GCNN_BIN" train --device cpu "${SHAPE[@]}" --epochs 1 --out "$WORK/run" >/dev/null 2>&1 && status=0 || status=$?
sed -n '/LEAK SUMMARY/,/suppressed/p; /ERROR SUMMARY/p' "$WORK/valgrind.log"
if [[ $status -ne 0 ]]; then
    echo "leak check failed (status $status); valgrind's report:" >&2
    grep -A22 -E "(definitely|indirectly) lost in loss record|Invalid (read|write)" "$WORK/valgrind.log" >&2 || true
    exit 1
fi
echo "no memory definitely or indirectly lost"
