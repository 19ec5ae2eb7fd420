#!/bin/bash
# Benchmark (not a test): p50/p95 latency from RECORD_STOP (hangup) to verified GCS object for the Java node
# agent (dev.mediaplane.agent.AgentMain, a child JVM fed by a fake FreeSWITCH over ESL) against the loopback
# GCS/metadata/Pub/Sub stand-in, with the agent's CPU and RSS. The README's comparison with the retired bash
# uploader was measured by this script at commit c0f0dc5 (the last tree with that uploader beside this bench).
#   bench/agent-upload-latency.sh [count=200] [interval_ms=250] [length_ms=10000]
# Needs: JDK 17, Maven (./mvnw).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200} interval=${2:-250} length=${3:-10000}
./mvnw -B -ntp -q test-compile
cp=$(./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
echo "command: bench/agent-upload-latency.sh $count $interval $length"
echo "host: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
agent=$(java -cp "target/test-classes:target/classes:$cp" dev.mediaplane.agent.bench.AgentLatencyBench "$count" "$interval" "$length")
printf 'agent:\n%s\n' "$agent"
