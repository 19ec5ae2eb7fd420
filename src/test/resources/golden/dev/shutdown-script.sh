#!/bin/bash
# mediaplane drain (GCE shutdown-script; also /opt/mediaplane/node/mediaplane-drain.sh for operators).
# GCE allows ~90 s: readiness fails at once so the load balancer stops sending calls, FreeSWITCH
# refuses new inbound calls, and active calls get up to 80 s to finish.
set -uo pipefail
R="${MP_ROOT:-}"
RUN_DIR="$R/run/mediaplane"
DRAIN_TIMEOUT_SEC=80

log() { printf '{"event":"%s","node":"%s"%s}\n' "$1" "$(hostname)" "${2:+,$2}"; }

mkdir -p "$RUN_DIR"
: > "$RUN_DIR/draining"
rm -f -- "$RUN_DIR/ready"

if ! command -v fs_cli >/dev/null 2>&1; then
  log drain_skipped '"reason":"fs_cli not installed"'
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
  log drain_skipped '"reason":"FreeSWITCH not answering on ESL"'
  exit 0
fi
log drain_started "\"timeout_sec\":$DRAIN_TIMEOUT_SEC"

deadline=$((SECONDS + DRAIN_TIMEOUT_SEC))
while :; do
  if ! n="$(active_channels)"; then
    log drain_finished '"active_channels":0,"reason":"FreeSWITCH stopped answering"'
    break
  fi
  if [[ "$n" == 0 ]]; then
    log drain_finished '"active_channels":0'
    break
  fi
  if (( SECONDS >= deadline )); then
    log drain_timeout "\"active_channels\":$n,\"timeout_sec\":$DRAIN_TIMEOUT_SEC"
    break
  fi
  sleep 1
done
exit 0
