#!/bin/bash
# Benchmark (not a test): the streaming bridge's added latency and cost (issue 11's targets: 200 stereo streams
# in <= 25% of one core; write -> send p95 <= 100 ms plus FreeSWITCH's one 20 ms flush; RSS per stream).
# The bridge runs in a JVM of its own with the rendered mediaplane-agent.service's JVM flags, pinned to one
# core with taskset; a driver JVM on the other cores holds the FreeSWITCH ESL stand-in, the tap writers (one
# 20 ms frame per call appended in one write, calls at random phases, every write time kept) and the Deepgram
# stand-in over TLS on 127.0.0.1 (every message's arrival kept). Per run it prints frame written -> received
# by the stand-in (median/p95/max, frames written in the measured window), written -> final turn published,
# the bridge process's CPU (/proc utime+stime) as a share of one core, its VmRSS at 0 and N streams and
# (RSS(N) - RSS(0)) / N, and the driver's own CPU (if that is near 100% the driver, not the bridge, is the
# bottleneck); then the median of each figure over the runs. With a warm-up the window is warm-up + seconds
# long and the CPU is printed three ways: over the whole window, over its last `seconds` (steady state),
# and from the first call's start (ramp-up and TLS handshakes included); the split by thread (every thread
# of the bridge's JVM: compiler and VM threads too) for the window and for the steady part.
#
#   bench/bridge-latency.sh [streams=200] [seconds=20] [runs=3] [message_ms=0] [warmup_s=0]
#     streams     concurrent stereo 8 kHz calls
#     seconds     the measured window per run (after every session is up and 3 s of settling)
#     runs        separate driver + bridge JVM pairs; medians over them are printed last
#     message_ms  audio per Deepgram message (20..250); 0 = the bridge's default (BridgeSettings.Deepgram)
#     warmup_s    seconds measured before the steady part (0: none, all three CPU figures cover the same time)
#   environment:
#     BRIDGE_CPUS   taskset cpu list for the bridge (default 0; "none" = not pinned)
#     DRIVER_CPUS   taskset cpu list for the driver (default: every other cpu; "none" = not pinned)
#     BRIDGE_JFR    a file: the bridge records a JFR profile there (settings=profile) over the whole run
#     BRIDGE_JVM    extra JVM options for the bridge after the unit's (a later -XX flag wins), e.g. to compare flags
# Needs: JDK 17, the Maven wrapper, taskset (util-linux) for pinning, 2+ cores for the split to mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${1:-200} seconds=${2:-20} runs=${3:-3} message=${4:-0} warmup=${5:-0}
ncpu=$(nproc)
bridge_cpus=${BRIDGE_CPUS:-0}
if [[ -z ${DRIVER_CPUS:-} ]]; then
  if ((ncpu > 1)); then DRIVER_CPUS="1-$((ncpu - 1))"; else DRIVER_CPUS=none; fi
fi
pin_driver=()
if [[ $DRIVER_CPUS != none ]] && command -v taskset >/dev/null; then pin_driver=(taskset -c "$DRIVER_CPUS"); fi
[[ $bridge_cpus == none ]] && bridge_cpus=""
command -v taskset >/dev/null || bridge_cpus=""
jvm_extra=${BRIDGE_JVM:-}
[[ -n ${BRIDGE_JFR:-} ]] && jvm_extra="$jvm_extra -XX:StartFlightRecording=filename=$BRIDGE_JFR,settings=profile"
./mvnw -B -ntp -q test-compile
cp=$(./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
echo "command: bench/bridge-latency.sh $streams $seconds $runs $message $warmup  (bridge cpus '${bridge_cpus:-unpinned}', driver cpus '$DRIVER_CPUS', bridge extra JVM options '$jvm_extra')"
echo "host: $ncpu cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq 1 "$runs"); do
  echo "--- run $run (load $(cut -d' ' -f1-3 /proc/loadavg))"
  "${pin_driver[@]}" java -Xmx6g -Dmediaplane.agentJar="$PWD/src/test/resources/golden/agent-fixture.jar" -Dbench.bridgeCpus="$bridge_cpus" -Dbench.bridgeJvm="$jvm_extra" \
      -cp "target/test-classes:target/classes:$cp" dev.mediaplane.agent.bridge.BridgeLatencyBench "$streams" "$seconds" "$message" "$warmup" 2>&1 \
    | grep -v '^SLF4J' | tee -a "$results"
  echo "--- end of run $run (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
echo "--- median of $runs runs"
grep '^result ' "$results" | awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); k[i] = kv[1]; v[i, NR] = kv[2] } n = NR; f = NF }
  END {
    line = "";
    for (i = 2; i <= f; i++) {
      m = 0; for (r = 1; r <= n; r++) a[r] = v[i, r] + 0;
      for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
      med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2;
      line = line sprintf(" %s=%g", k[i], med)
    }
    print "median" line
  }'
