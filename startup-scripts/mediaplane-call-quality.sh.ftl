#!/bin/bash
# Turns each finished call's JSON CDR (mod_json_cdr) into one structured log line for the
# packet-loss metric and alert, then deletes the CDR (it only feeds metrics; the recording and its
# manifest are the evidence):
#   {"event":"[=c.events.callQuality.name]","[=c.events.callQuality.fields[0].name]":X,"[=c.events.callQuality.fields[1].name]":N,"[=c.events.callQuality.fields[2].name]":N,...}
# Loss is estimated from what FreeSWITCH counted on the inbound stream: sequence gaps
# (rtp_audio_in_flaw_total) over packets expected (media packets + gaps).
set -uo pipefail
R="${MP_ROOT:-}"
CDR_DIR="$R[=c.paths.jsonCdrDir]"
# mod_json_cdr writes a CDR in one go, but never read one younger than this.
MIN_AGE_SEC="${MP_CDR_MIN_AGE_SEC:-5}"

var() { # variable name, file -> its value in the CDR (values are strings with encode-values=false)
  grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n 1 | cut -d'"' -f4
}
id() { # keep ids log-safe whatever the CDR holds
  var "$1" "$2" | tr -cd 'A-Za-z0-9_-' | head -c 64
}

now="$(date +%s)"
for cdr in "$CDR_DIR"/*.cdr.json; do
  [[ -f "$cdr" ]] || continue
  (( now - $(stat -c %Y -- "$cdr") >= MIN_AGE_SEC )) || continue
  media="$(var rtp_audio_in_media_packet_count "$cdr")"
  flaws="$(var rtp_audio_in_flaw_total "$cdr")"
  mos="$(var rtp_audio_in_mos "$cdr")"
  [[ "$mos" =~ ^[0-9]+(\.[0-9]+)?$ ]] || mos=null
  if [[ "$media" =~ ^[0-9]+$ && "$flaws" =~ ^[0-9]+$ ]] && (( media + flaws > 0 )); then
    loss="$(awk -v m="$media" -v f="$flaws" 'BEGIN { printf "%.2f", 100 * f / (m + f) }')"
<#-- The arguments follow the order of the contract's call_quality fields. -->
    printf '{"event":"[=c.events.callQuality.name]"<#list c.events.callQuality.fields as f>,"[=f.name]":<#if f.number()>%s<#else>"%s"</#if></#list>}\n' \
      "$loss" "$media" "$flaws" "$mos" "$(id uuid "$cdr")" "$(id [=c.vars.callSid] "$cdr")" "$(id [=c.vars.organizationId] "$cdr")"
  fi
  rm -f -- "$cdr"
done
exit 0
