#!/bin/bash
# What each augmentation does on the built-in corpus's similar pairs: pop-hiphop and rock-country, stratified split,
# BatchNorm momentum 0.9, 2 epochs, seeds 0-4; baseline, --random-crop, --spec-augment 8,2,20,2, --mixup 0.2.
# Finished runs are kept (rerun to continue); then scripts/augment_table.py prints the table.
# usage: scripts/augment_study.sh [GCNN] [OUT] ["SEEDS"] [CONFIGS...]   (default "0 1 2 3 4"; CONFIGS: base crop spec mixup)
set -u
GCNN=${1:-.build/release/gcnn}; OUT=${2:-runs/augment-study}; SEEDS=${3:-0 1 2 3 4}; shift 3 2>/dev/null
CONFIGS=${*:-base crop spec mixup}
mkdir -p "$OUT"
flags() { case $1 in base) ;; crop) echo --random-crop ;; spec) echo --spec-augment 8,2,20,2 ;; mixup) echo --mixup 0.2 ;; esac; }
for seed in $SEEDS; do for task in pop-hiphop rock-country; do for c in $CONFIGS; do
    run="$OUT/$c-$task-s$seed"
    [ -f "$run/metrics.jsonl" ] && [ "$(wc -l < "$run/metrics.jsonl")" -ge 2 ] && continue
    rm -rf "$run"
    "$GCNN" train --device opencl --task $task --bn-momentum 0.9 --epochs 2 --seed $seed $(flags $c) --out "$run" --json \
        > "$run.log" 2>&1 || echo "failed: $run (see $run.log)"
done; done; done
