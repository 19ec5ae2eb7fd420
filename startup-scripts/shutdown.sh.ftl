#!/bin/bash
# mediaplane drain (GCE shutdown-script; also [=c.paths.nodeDir()]/[=c.units.drainScript] for operators).
# GCE allows ~90 s: readiness fails at once so the load balancer stops sending calls, FreeSWITCH
# refuses new inbound calls, and active calls get up to [=m.fleet.drainTimeoutSec] s to finish.
set -uo pipefail
R="${MP_ROOT:-}"
RUN_DIR="$R[=c.paths.runDir]"
DRAIN_TIMEOUT_SEC=[=m.fleet.drainTimeoutSec]

log() { printf '{"event":"%s","node":"%s"%s}\n' "$1" "$(hostname)" "${2:+,$2}"; }

mkdir -p "$RUN_DIR"
: > "$RUN_DIR/[=c.paths.drainingMarker]"
rm -f -- "$RUN_DIR/[=c.paths.readyMarker]"

if ! command -v fs_cli >/dev/null 2>&1; then
  log [=c.events.drainSkipped.name] '"reason":"fs_cli not installed"'
  exit 0
fi

active_channels() { # prints the count, fails when FreeSWITCH does not answer
  local out n
  out="$(fs_cli -x 'show channels count' 2>/dev/null)" || return 1
  n="$(grep -Eo '^[0-9]+ total' <<< "$out" | head -n 1)"
  [[ -n "$n" ]] || return 1
  printf '%s' "${n%% *}"
}

if ! fs_cli -x 'fsctl pause inbound' >/dev/null 2>&1; then
  log [=c.events.drainSkipped.name] '"reason":"FreeSWITCH not answering on ESL"'
  exit 0
fi
log [=c.events.drainStarted.name] "\"timeout_sec\":$DRAIN_TIMEOUT_SEC"

deadline=$((SECONDS + DRAIN_TIMEOUT_SEC))
while :; do
  if ! n="$(active_channels)"; then
    log [=c.events.drainFinished.name] '"active_channels":0,"reason":"FreeSWITCH stopped answering"'
    break
  fi
  if [[ "$n" == 0 ]]; then
    log [=c.events.drainFinished.name] '"active_channels":0'
    break
  fi
  if (( SECONDS >= deadline )); then
    log [=c.events.drainTimeout.name] "\"active_channels\":$n,\"timeout_sec\":$DRAIN_TIMEOUT_SEC"
    break
  fi
  sleep 1
done
exit 0
