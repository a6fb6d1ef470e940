#!/usr/bin/env bash
# Profile-guided build of the benchmark binary: the `dist` build, compiled a
# second time with the branch and call counts of a training scan. The
# training input is made-up mail only (a make-archive archive, the bundled
# samples and the fixtures in tests/), never the corpus archive the README
# measures. Needs the toolchain's llvm-profdata (`rustup component add
# llvm-tools`).
#
#   benches/pgo.sh            -> target/pgo/dist/bounceaudit
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
[ -x "$profdata" ] || {
    echo "pgo.sh: $profdata not found; run: rustup component add llvm-tools" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. An instrumented build, and a make-archive to train on.
RUSTFLAGS="-Cprofile-generate=$work/raw" \
    cargo build --profile dist --bin bounceaudit --target-dir target/pgo/gen
cargo build --profile dist --example make-archive
target/dist/examples/make-archive --messages 20000 --out "$work/train.mbox"

# 2. Training scans: every report, one and two threads.
gen=target/pgo/gen/dist/bounceaudit
for threads in 1 2; do
    RAYON_NUM_THREADS=$threads "$gen" scan "$work/train.mbox" samples \
        tests/cases --out "$work/out" --quiet
done
"$profdata" merge -o "$work/merged.profdata" "$work/raw"

# 3. The optimised build, using those counts.
RUSTFLAGS="-Cprofile-use=$work/merged.profdata" \
    cargo build --profile dist --bin bounceaudit --target-dir target/pgo
echo "pgo.sh: built target/pgo/dist/bounceaudit"
