#!/usr/bin/env bash
# Benchmark (not a test): wall time of the whole offline `mediaplane plan` command, JVM start
# included, for the dev stack and for a generated 100-node, 3-zone stack. Prints the median of
# RUNS runs (default 5) after one warm-up run that builds the jar and any start-up archive.
#   bench/plan-wall-time.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Pulumi.yaml "$work/"
cp Pulumi.dev.yaml "$work/"
# 100 static-address nodes over 3 zones: dev's values with the fleet grown.
sed -e 's/^  mediaplane:fleetSize: .*/  mediaplane:fleetSize: 100/' Pulumi.dev.yaml > "$work/Pulumi.bench100.yaml"
grep -q 'fleetSize: 100' "$work/Pulumi.bench100.yaml"

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

measure() {
  local stack=$1 times=() i start end
  ./mediaplane plan --stack "$stack" --project-dir "$work" --json > "$work/warmup.json"
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    ./mediaplane plan --stack "$stack" --project-dir "$work" --json > /dev/null
    end=$(date +%s%N)
    times+=("$(awk -v ns=$((end - start)) 'BEGIN {printf "%.3f", ns / 1e9}')")
  done
  local resources
  resources=$(grep -c '"type"' "$work/warmup.json" || true)
  printf '%-9s resources=%-4s median=%ss over %d runs (%s)\n' "$stack" "$resources" \
    "$(printf '%s\n' "${times[@]}" | median)" "$runs" "$(printf '%.3f ' "${times[@]}")"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "# command: bench/plan-wall-time.sh $runs"
measure dev
measure bench100
