#!/usr/bin/env bash
# Start-up benchmark of the mediaplane CLI: median wall and CPU time of N runs per JVM variant.
#
#   bench/startup.sh [-n RUNS] [CLI ARGS...]     (default: plan --stack dev)
#
# Variants: plain `java -jar`, the wrapper's flags without the CDS archive, and the wrapper as
# shipped (flags + AppCDS archive, or the AOT cache on a JDK 25+, trained first). CPU time (user+sys) is printed beside wall time
# because wall time on a shared machine mostly measures the neighbours.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=9
if [[ "${1:-}" == -n ]]; then
    runs="$2"
    shift 2
fi
args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
    args=(plan --stack dev)
fi

"$root/mediaplane" --version >/dev/null # builds the jar when stale
jar="$root/target/mediaplane.jar"
jsa="$root/target/mediaplane.jsa"

# Prints "wall_ms cpu_ms" for one run of the command.
one() {
    local t0 t1 out
    t0=$(date +%s%N)
    out=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 ) || true
    t1=$(date +%s%N)
    awk -v w=$(( (t1 - t0) / 1000000 )) -v u="${out% *}" -v s="${out#* }" \
        'BEGIN { printf "%d %d\n", w, (u + s) * 1000 }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

measure() {
    local label="$1" walls=() cpus=() w c i
    shift
    for ((i = 0; i < runs; i++)); do
        read -r w c < <(one "$@")
        walls+=("$w")
        cpus+=("$c")
    done
    printf '%-28s wall %5s ms   cpu %5s ms   (%d runs)\n' "$label" \
        "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" "$runs"
}

cd "$root"
echo "mediaplane ${args[*]}   ($(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg))"
measure "java -jar" java -jar "$jar" "${args[@]}"
measure "flags, no archive" env MEDIAPLANE_CDS=0 "$root/mediaplane" "${args[@]}"
rm -f "$jsa" "$root/target/mediaplane.aot" # the wrapper trains the one its JDK uses
"$root/mediaplane" "${args[@]}" >/dev/null 2>&1 || true # trains the archive (plan/check only)
measure "flags + archive (shipped)" "$root/mediaplane" "${args[@]}"
