#!/bin/bash
# Benchmark (not a test): the node agent's CPU and memory under call-event load, with the JVM flags of the
# rendered mediaplane-agent.service: N answered calls open, then R events a second (call cycles keeping N
# active) for S seconds, from a fake FreeSWITCH over ESL, against the loopback GCS/Pub/Sub stand-in.
#   bench/agent-event-load.sh [calls=500] [events_per_second=100] [seconds=60]
# Issue 10's targets: RSS <= 160 MiB with 500 active calls, <= 5% of one core at 100 events/s.
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-500} rate=${2:-100} seconds=${3:-60}
./mvnw -B -ntp -q test-compile
cp=$(./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
echo "command: bench/agent-event-load.sh $calls $rate $seconds"
echo "host: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
java -Dmediaplane.agentJar="$PWD/src/test/resources/golden/agent-fixture.jar" \
    -cp "target/test-classes:target/classes:$cp" dev.mediaplane.agent.bench.AgentEventLoadBench "$calls" "$rate" "$seconds"
