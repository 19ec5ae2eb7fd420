#!/bin/bash
# Benchmark (not a test): the streaming bridge's added latency and cost. N concurrent stereo calls go through
# the real StreamBridge (ESL stand-in, taps appended every 20 ms like FreeSWITCH with buffering off, Deepgram
# stand-in over TLS on 127.0.0.1) for S seconds; prints median/p95 of frame written -> received by the
# provider, and frame written -> final turn published (with the local stand-in), the bridge's CPU share of
# one core and heap per stream. Repeat runs to see the spread.
#   bench/bridge-latency.sh [streams=50] [seconds=20] [runs=3] [message_ms=20]
# Needs: JDK 17, the Maven wrapper.
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${1:-50} seconds=${2:-20} runs=${3:-3} message=${4:-20}
./mvnw -B -ntp -q test-compile
cp=$(./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
echo "command: bench/bridge-latency.sh $streams $seconds $runs $message  (java -cp target/test-classes:target/classes:<test classpath> dev.mediaplane.agent.bridge.BridgeLatencyBench $streams $seconds $message)"
echo "host: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for run in $(seq 1 "$runs"); do
  echo "--- run $run"
  java -Xmx4g -cp "target/test-classes:target/classes:$cp" dev.mediaplane.agent.bridge.BridgeLatencyBench "$streams" "$seconds" "$message" 2>&1 \
    | grep -v '^SLF4J'
done
