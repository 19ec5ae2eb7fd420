#!/bin/bash
# Benchmark (not a test): p50/p95 latency from recording close to verified GCS object, for the real
# mp-recording-uploader (watch mode) against the loopback GCS/metadata/Pub/Sub stand-in.
#   bench/uploader-latency.sh [count=200] [interval_ms=250] [length_ms=10000]
# Needs: JDK 17, Maven, bash, curl, jq, inotify-tools, util-linux (flock).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-200} interval=${2:-250} length=${3:-10000}
mvn -B -q test-compile
cp=$(mvn -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
echo "command: bench/uploader-latency.sh $count $interval $length  (java -cp target/test-classes:target/classes:<test classpath> dev.mediaplane.node.bench.UploaderLatencyBench $count $interval $length)"
echo "host: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
java -cp "target/test-classes:target/classes:$cp" dev.mediaplane.node.bench.UploaderLatencyBench "$count" "$interval" "$length"
