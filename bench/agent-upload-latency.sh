#!/bin/bash
# Benchmark (not a test): p50/p95 latency from RECORD_STOP (hangup) to verified GCS object for the Java node
# agent (dev.mediaplane.agent.AgentMain, a child JVM fed by a fake FreeSWITCH over ESL) against the loopback
# GCS/metadata/Pub/Sub stand-in, with the agent's CPU and RSS; then, when the bash uploader is still in the tree,
# bench/uploader-latency.sh with the same parameters in the same run, and the ratios.
#   bench/agent-upload-latency.sh [count=200] [interval_ms=250] [length_ms=10000]
# Needs: JDK 17, Maven (./mvnw). The bash comparison runs only in a checkout that still has the bash uploader.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200} interval=${2:-250} length=${3:-10000}
./mvnw -B -ntp -q test-compile
cp=$(./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
echo "command: bench/agent-upload-latency.sh $count $interval $length"
echo "host: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
agent=$(java -cp "target/test-classes:target/classes:$cp" dev.mediaplane.agent.bench.AgentLatencyBench "$count" "$interval" "$length")
printf 'agent:\n%s\n' "$agent"
if [[ -x startup-scripts/node/mp-recording-uploader || -f startup-scripts/node/mp-recording-uploader ]] \
    && [[ -f target/test-classes/dev/mediaplane/node/bench/UploaderLatencyBench.class ]]; then
    bash=$(java -cp "target/test-classes:target/classes:$cp" dev.mediaplane.node.bench.UploaderLatencyBench "$count" "$interval" "$length")
    printf 'bash uploader (same parameters, same run):\n%s\n' "$bash"
    re='p50=([0-9]+) p95=([0-9]+)'
    [[ $agent =~ $re ]] && a50=${BASH_REMATCH[1]} a95=${BASH_REMATCH[2]}
    [[ $bash =~ $re ]] && b50=${BASH_REMATCH[1]} b95=${BASH_REMATCH[2]}
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "inf" }'; }
    echo "ratio bash/agent: p50 $(ratio "${a50:-0}" "${b50:-0}")x, p95 $(ratio "${a95:-0}" "${b95:-0}")x"
fi
