#!/bin/bash
# One HTTP answer per connection (systemd socket activation, Accept=yes) for the GCE health checks:
#   GET /live  -> 200 while FreeSWITCH answers on ESL
#   GET /ready -> 200 while live, every sofia profile of the release RUNNING (external, internal<#if m.internalLoadBalancer>,
#                 and ilb: the internal load balancer's listener on its address</#if>), boot finished and not draining
set -uo pipefail
R="${MP_ROOT:-}"
RUN_DIR="$R[=c.paths.runDir]"

answer() {
  printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' \
    "$1" "$((${#2} + 1))" "$2"
  exit 0
}
# Capture, then match: `fs_cli | grep -q` under pipefail fails whenever grep exits before fs_cli has written everything.
live() {
  local status
  status="$(timeout 3 fs_cli -x status 2>/dev/null)" || return 1
  grep -q '^UP ' <<< "$status"
}
# Prints the first sofia profile of the release that is not RUNNING; fails when fs_cli does not answer.
profile_down() {
  local sofia p
  sofia="$(timeout 3 fs_cli -x 'sofia status' 2>/dev/null)" || return 1
  for p in<#list m.sipProfiles() as p> [=p]</#list>; do
    grep -Eq "^[[:space:]]*${p}[[:space:]]+profile[[:space:]].*RUNNING" <<< "$sofia" || { printf '%s' "$p"; return 0; }
  done
}

IFS=' ' read -r -t 5 method target _ || answer '400 Bad Request' 'bad request'
target="${target%%\?*}"
[[ "$method" == GET || "$method" == HEAD ]] || answer '405 Method Not Allowed' 'GET only'
case "$target" in
  /live)
    live && answer '200 OK' 'live'
    answer '503 Service Unavailable' 'freeswitch not answering' ;;
  /ready)
    [[ -e "$RUN_DIR/[=c.paths.drainingMarker]" ]] && answer '503 Service Unavailable' 'draining'
    [[ -e "$RUN_DIR/[=c.paths.readyMarker]" ]] || answer '503 Service Unavailable' 'booting'
    live || answer '503 Service Unavailable' 'freeswitch not answering'
    down="$(profile_down)" || answer '503 Service Unavailable' 'sofia status not answering'
    case "$down" in
      '') ;;
      ilb) answer '503 Service Unavailable' 'sofia profile ilb not running: nothing listens on the internal load balancer address' ;;
      *) answer '503 Service Unavailable' "sofia profile $down not running" ;;
    esac
    answer '200 OK' 'ready' ;;
  *)
    answer '404 Not Found' 'use /live or /ready' ;;
esac
