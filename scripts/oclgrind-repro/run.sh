#!/usr/bin/env bash
# Builds the two oclgrind reproducers (see each .c file's header) and runs every mode under
# `oclgrind --uninitialized`, printing the exit status and the number of reports. Needs gcc, the OpenCL
# headers and oclgrind. Usage: scripts/oclgrind-repro/run.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for name in shadow-reuse shuffle-undef; do
    gcc -O1 -Wall -o "$work/$name" "$here/$name.c" -lOpenCL || exit 2
done
run() {
    local name=$1 mode=$2 rc=0
    oclgrind --uninitialized --log "$work/log" "$work/$name" "$mode" >"$work/out" 2>&1 || rc=$?
    echo "$name $mode: exit $rc, $(grep -c $'^\tKernel: ' "$work/log") reports; $(grep -E '^[a-z]+: ' "$work/out" || echo 'no result (crashed)')"
}
for mode in keep reuse fresh hidden; do run shadow-reuse "$mode"; done
for mode in halves lanes dot; do run shuffle-undef "$mode"; done
