#!/usr/bin/env bash
# Profile-guided build of bounceaudit: the `dist` build, compiled a second
# time with the branch and call counts of a training run. The training
# input is a synthetic archive from the make-archive example (made-up
# bounces, no corpus), so a benchmark on other archives does not measure
# its own training data. Needs the llvm-tools component
# (`rustup component add llvm-tools`) for llvm-profdata.
#
#   benches/pgo.sh            -> target/pgo/dist/bounceaudit
set -euo pipefail

host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata
if [ ! -x "$profdata" ]; then
    echo "pgo.sh: $profdata not found; run: rustup component add llvm-tools" >&2
    exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --profile dist --example make-archive
target/dist/examples/make-archive --messages 20000 --out "$work/train.mbox"

RUSTFLAGS="-Cprofile-generate=$work/raw" \
    cargo build --profile dist --bin bounceaudit --target-dir target/pgo-gen
target/pgo-gen/dist/bounceaudit scan "$work/train.mbox" --out "$work/o" --quiet
target/pgo-gen/dist/bounceaudit scan samples --out "$work/o" --quiet
"$profdata" merge -o "$work/merged.profdata" "$work/raw"

RUSTFLAGS="-Cprofile-use=$work/merged.profdata" \
    cargo build --profile dist --bin bounceaudit --target-dir target/pgo
echo "pgo.sh: built target/pgo/dist/bounceaudit" >&2
