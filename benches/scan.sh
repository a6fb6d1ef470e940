#!/usr/bin/env bash
# Whole-program benchmark: `bounceaudit scan` of one mbox with all reports.
# Prints messages per second, MB per second and peak resident memory, and,
# as the floor to compare with, the time of `grep -c '^From '` on the same
# file. Messages are counted by that grep, which is exact for archives
# written with mboxrd quoting (such as those of the make-archive example).
#
#   benches/scan.sh ARCHIVE [BINARY]      (BINARY: target/release/bounceaudit)
set -euo pipefail

archive=${1:?usage: benches/scan.sh ARCHIVE [BINARY]}
bin=${2:-target/release/bounceaudit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bytes=$(stat -c %s "$archive")
cat "$archive" >/dev/null # the page cache holds the file for both runs

start=$(date +%s.%N)
messages=$(grep -c '^From ' "$archive")
end=$(date +%s.%N)

/usr/bin/time -f "%e %M %U %S" -o "$work/time" \
    "$bin" scan "$archive" --out "$work/report" --quiet
read -r wall rss user sys <"$work/time"

awk -v n="$messages" -v b="$bytes" -v w="$wall" -v k="$rss" \
    -v u="$user" -v s="$sys" -v g0="$start" -v g1="$end" 'BEGIN {
    printf "archive     %d messages, %.1f MB\n", n, b / 1e6
    printf "scan        %.2f s wall, %.2f s CPU (user %.2f + sys %.2f)\n", w, u + s, u, s
    printf "throughput  %.0f messages/s, %.1f MB/s\n", n / w, b / 1e6 / w
    printf "per CPU     %.0f messages per CPU-second\n", n / (u + s)
    printf "peak RSS    %.1f MB\n", k / 1024
    printf "floor       grep -c ^From: %.2f s (%.0f messages/s)\n", g1 - g0, n / (g1 - g0)
}'
