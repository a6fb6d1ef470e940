#!/usr/bin/env bash
# Fills fuzz/corpus/<target> with seeds from the project's own fixtures:
# the case messages and samples for the decoder, the sample mbox for the
# splitter, the default rule files for the rule loader. The corpus folders
# are not committed (.gitignore).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/decode corpus/split corpus/rules
cp ../tests/cases/*/*.eml corpus/decode/
find ../samples/maildir -type f -exec cp {} corpus/decode/ \;
cp ../samples/bounces.mbox corpus/split/
head -c 20000 ../samples/bounces.mbox > corpus/split/head.mbox
tr -d '\r' < ../samples/bounces.mbox | sed 's/$/\r/' > corpus/split/crlf.mbox
cp ../rules/*.toml corpus/rules/
