#!/usr/bin/env bash
# Benchmark (not a test): wall time of `mediaplane diff --stack dev` for a one-line template change
# against one `mediaplane plan --stack dev`, both the whole command (JVM start included), runs
# interleaved so both see the same machine. Prints each median and their ratio (target <= 2.0:
# the diff plans twice in one JVM, the second warm). RUNS runs each (default 7) after one warm-up
# of each that builds the jar and any start-up archive.
#   bench/diff-wall-time.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base="$work/base"
head="$work/head"
for d in "$base" "$head"; do
  mkdir -p "$d"
  cp -r Pulumi.yaml Pulumi.dev.yaml templates startup-scripts "$d/"
done
# The one-line change: a FreeSWITCH parameter in switch.conf.
sed -i 's/<param name="max-db-handles" value="50"\/>/<param name="max-db-handles" value="64"\/>/' \
  "$head/templates/freeswitch/autoload_configs/switch.conf.xml.ftlx"
! cmp -s "$base/templates/freeswitch/autoload_configs/switch.conf.xml.ftlx" \
  "$head/templates/freeswitch/autoload_configs/switch.conf.xml.ftlx" || { echo "the template edit did not apply" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
seconds() { awk -v ns="$1" 'BEGIN {printf "%.3f", ns / 1e9}'; }

plan() { ./mediaplane plan --stack dev --project-dir "$head" --json > /dev/null; }
# diff exits 2 when there are changes: that is the expected result here, anything else fails.
diff_() {
  local rc=0
  ./mediaplane diff --stack dev --project-dir "$head" --base "$base" > "$work/diff.txt" || rc=$?
  [ "$rc" -eq 2 ] || { echo "mediaplane diff exited $rc, expected 2 (changes)" >&2; exit 1; }
}

plan
diff_
grep -q 'max-db-handles" value="64"' "$work/diff.txt"
plans=()
diffs=()
for ((i = 0; i < runs; i++)); do
  start=$(date +%s%N); plan; end=$(date +%s%N); plans+=("$(seconds $((end - start)))")
  start=$(date +%s%N); diff_; end=$(date +%s%N); diffs+=("$(seconds $((end - start)))")
done
p=$(printf '%s\n' "${plans[@]}" | median)
d=$(printf '%s\n' "${diffs[@]}" | median)
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "# command: bench/diff-wall-time.sh $runs"
printf 'plan dev                  median=%ss (%s)\n' "$p" "$(printf '%s ' "${plans[@]}")"
printf 'diff dev, 1-line template median=%ss (%s)\n' "$d" "$(printf '%s ' "${diffs[@]}")"
awk -v d="$d" -v p="$p" 'BEGIN {printf "ratio diff/plan = %.2f (target <= 2.00)\n", d / p}'
