#!/usr/bin/env bash
# Benchmark (not a test): one cold `./mediaplane plan --stack dev --json` against the CLI's own
# start (`./mediaplane --help`), run in turn (plan, help, plan, help ...) so both see the same
# machine. Prints both medians and the median of the per-pair ratios. Target: ratio <= 2.0.
#   bench/plan-vs-help.sh [RUNS]   (default 7, after one warm-up pair that builds the jar and trains
#                                   the start-up archive)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

./mediaplane plan --stack dev --json > /dev/null
./mediaplane --help > /dev/null
plans=() helps=() ratios=()
for ((i = 0; i < runs; i++)); do
  t0=$(now); ./mediaplane plan --stack dev --json > /dev/null; t1=$(now)
  ./mediaplane --help > /dev/null; t2=$(now)
  plans+=("$(secs $((t1 - t0)))")
  helps+=("$(secs $((t2 - t1)))")
  ratios+=("$(awk -v p=$((t1 - t0)) -v h=$((t2 - t1)) 'BEGIN { printf "%.3f", p / h }')")
done
echo "# $(date -u +%FT%TZ) $(nproc) cores; command: bench/plan-vs-help.sh $runs"
echo "plan --stack dev --json  median $(printf '%s\n' "${plans[@]}" | median) s  (${plans[*]})"
echo "--help                   median $(printf '%s\n' "${helps[@]}" | median) s  (${helps[*]})"
echo "plan/--help ratio        median $(printf '%s\n' "${ratios[@]}" | median)  (${ratios[*]})"
