#!/usr/bin/env bash
# Benchmark (not a test): one cold `./mediaplane plan --stack dev --json` against the CLI's own
# start (`./mediaplane --help`), run in turn (plan, help, plan, help ...) so both see the same
# machine. Prints both medians and the median of the per-pair ratios. Target: ratio <= 2.0.
#   bench/plan-vs-help.sh [RUNS [BASE]]   (default 7 runs, after one warm-up pair that builds the jar
#                                          and trains the start-up archive)
# BASE: another checkout (e.g. `git archive <commit> | tar -x -C /tmp/base`); each round then runs
# its plan and help too, right after this checkout's, and both are printed: a before/after on a
# shared machine whose load moves between rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
dirs=(.)
if [[ -n "${2:-}" ]]; then
  dirs+=("$(cd "$2" && pwd)")
fi

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

for d in "${dirs[@]}"; do
  (cd "$d" && ./mediaplane plan --stack dev --json > /dev/null && ./mediaplane --help > /dev/null)
done
declare -A plans helps ratios
for ((i = 0; i < runs; i++)); do
  for d in "${dirs[@]}"; do
    t0=$(now); (cd "$d" && ./mediaplane plan --stack dev --json > /dev/null); t1=$(now)
    (cd "$d" && ./mediaplane --help > /dev/null); t2=$(now)
    plans[$d]+="$(secs $((t1 - t0))) "
    helps[$d]+="$(secs $((t2 - t1))) "
    ratios[$d]+="$(awk -v p=$((t1 - t0)) -v h=$((t2 - t1)) 'BEGIN { printf "%.3f", p / h }') "
  done
done
echo "# $(date -u +%FT%TZ) $(nproc) cores; command: bench/plan-vs-help.sh $*"
for d in "${dirs[@]}"; do
  if [[ ${#dirs[@]} -gt 1 ]]; then
    echo "## $d"
  fi
  # Word splitting is the point: each holds one figure per run.
  # shellcheck disable=SC2086
  {
    echo "plan --stack dev --json  median $(printf '%s\n' ${plans[$d]} | median) s  (${plans[$d]% })"
    echo "--help                   median $(printf '%s\n' ${helps[$d]} | median) s  (${helps[$d]% })"
    echo "plan/--help ratio        median $(printf '%s\n' ${ratios[$d]} | median)  (${ratios[$d]% })"
  }
done
