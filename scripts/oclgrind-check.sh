#!/usr/bin/env bash
# `gcnn check --tiny` under oclgrind, the OpenCL device simulator, once per kernel family (tiled, cpu): it reports
# data races, out-of-bounds and invalid accesses, barrier divergence, API misuse and uses of uninitialised values.
# oclgrind exits 0 whatever it finds, so its log decides: any message in it fails the run, as does a failed check
# or a check that did not run on oclgrind's device. Usage: scripts/oclgrind-check.sh [GCNN_BINARY]
# OCLGRIND_CHECKS: oclgrind's checks (default --data-races --check-api --uninitialized). GCNN_CL_KEEP_BUFFERS=1
# keeps every device buffer to the end of the run: oclgrind 21.10 gives a released buffer's address, with its
# stale uninitialised-value shadow, to the next allocation (see the README's oclgrind section).
set -euo pipefail
cd "$(dirname "$0")/.."
gcnn=${1:-.build/release/gcnn}
if ! command -v oclgrind >/dev/null; then
    echo "oclgrind-check: oclgrind is not installed (apt-get install oclgrind, or scripts/setup-debian.sh)" >&2; exit 2
fi
if [ ! -x "$gcnn" ]; then echo "oclgrind-check: no gcnn binary at $gcnn (swift build -c release)" >&2; exit 2; fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
status=0
for kernels in tiled cpu; do
    log="$work/$kernels.log" out="$work/$kernels.out" start=$SECONDS
    rc=0
    # shellcheck disable=SC2086
    GCNN_CL_KEEP_BUFFERS=1 timeout 3600 oclgrind --log "$log" ${OCLGRIND_CHECKS:---data-races --check-api --uninitialized} \
        "$gcnn" check --device gpu --tiny --kernels "$kernels" >"$out" 2>&1 || rc=$?
    seconds=$((SECONDS - start))
    if ! grep -q '^device: .*Oclgrind' "$out"; then
        cat "$out"; echo "oclgrind-check: --kernels $kernels did not run on oclgrind's device (exit $rc)" >&2; status=1; continue
    fi
    if [ "$rc" -ne 0 ]; then
        cat "$out"; echo "oclgrind-check: gcnn check --tiny --kernels $kernels failed under oclgrind (exit $rc)" >&2; status=1
    fi
    if [ -s "$log" ] && grep -q '[^[:space:]]' "$log"; then
        # One line per kind of report and kernel (addresses and work-items dropped), then the first reports in full.
        echo "oclgrind-check: oclgrind reported problems with --kernels $kernels:" >&2
        awk '/^[^\t ]/ { head = $0; sub(/ (at )?(global|local|private|constant) memory address.*/, "", head) }
             /^\tKernel: / { print "  " head " — kernel " $2 }' "$log" | sort | uniq -c | sort -rn >&2
        head -n 60 "$log" >&2
        status=1
    fi
    echo "oclgrind --kernels $kernels: $(tail -n 1 "$out") oclgrind log: $( [ -s "$log" ] && grep -c '^\tKernel: ' "$log" || echo 0) reports; ${seconds} s"
done
exit $status
