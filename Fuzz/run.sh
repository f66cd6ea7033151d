#!/usr/bin/env bash
# Runs one libFuzzer target (coverage-guided, with AddressSanitizer) for a while; see docs/fuzzing.md.
#   Fuzz/run.sh <npy|safetensors|manifest|audio|arch|keras> [seconds=600] [extra libFuzzer flags...]
# Corpus: Fuzz/corpus/<target>/ (seeded from gcnn's own writers, grows across runs; not committed).
# A crash leaves Fuzz/findings/<target>/crash-* : add it to ParserFuzzTests as a regression case.
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: Fuzz/run.sh <npy|safetensors|manifest|audio|arch|keras> [seconds] [libFuzzer flags...]}"
seconds="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))
nice -n 10 swift build -c release --scratch-path .build --product "fuzz-$target" -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp >&2
bin=".build/release/fuzz-$target"
mkdir -p "corpus/$target" "findings/$target"
GCNN_FUZZ_WRITE_SEEDS="corpus/$target" "$bin"
# One job, nice'd: the machine is shared. -rss_limit_mb bounds memory per input; -timeout flags hangs.
exec nice -n 10 "$bin" "corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="findings/$target/" -print_final_stats=1 "$@"
