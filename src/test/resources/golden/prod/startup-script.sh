#!/bin/bash
# mediaplane node boot, release fefdd03e09db9a993af78197b64f685d06ee4880b87679444fe31f1e5daca058 of stack prod.
# Runs on every boot (GCE startup-script). Idempotent: a second run changes nothing.
# Fetches the release bundle from GCS, verifies it against the release hash, reads the node's
# secrets from Secret Manager with the node's own identity, installs both atomically, starts
# FreeSWITCH and marks the node ready. Any failure stops here with one "mediaplane-boot: FAILED:"
# line and leaves the previous working configuration in place.
# Never add `set -x` here: secrets pass through this shell's variables.
set -euo pipefail
umask 077

readonly RELEASE_HASH='fefdd03e09db9a993af78197b64f685d06ee4880b87679444fe31f1e5daca058'
readonly RELEASES_BUCKET='mediaplane-test-000000-mp-test-releases'
# Test seams: a temporary root and local stand-ins for the metadata server, GCS and Secret Manager.
R="${MP_ROOT:-}"
METADATA_URL="${MP_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"
GCS_URL="${MP_GCS_URL:-https://storage.googleapis.com}"
SECRETS_URL="${MP_SECRETS_URL:-https://secretmanager.googleapis.com}"
ROOT_USER="${MP_ROOT_USER:-root}"
ROOT_GROUP="${MP_ROOT_GROUP:-root}"
FS_USER="${MP_FS_USER:-freeswitch}"
FS_GROUP="${MP_FS_GROUP:-freeswitch}"
AGENT_USER="${MP_AGENT_USER:-mediaplane-agent}"
AGENT_GROUP="${MP_AGENT_GROUP:-mediaplane-agent}"
READY_TIMEOUT_SEC="${MP_READY_TIMEOUT_SEC:-180}"
SIGNALWIRE_REPO="${MP_SIGNALWIRE_REPO_URL:-https://freeswitch.signalwire.com/repo/deb/debian-release}"
readonly MIN_FREESWITCH='1.11.2'

OPT="$R/opt/mediaplane"
RELEASE_DIR="$OPT/releases/$RELEASE_HASH"
INCLUDE_DIR="$R/etc/mediaplane/freeswitch"
TLS_DIR="$R/etc/mediaplane/tls"
SECRETS_DIR="$R/etc/mediaplane/secrets"
RUN_DIR="$R/run/mediaplane"
SYSTEMD_DIR="$R/etc/systemd/system"
changed=0

log() { printf 'mediaplane-boot: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
wait_until() { # seconds, failure message, command...: runs the command every 2 s until it succeeds
  local deadline=$((SECONDS + $1)) message="$2"
  shift 2
  until "$@"; do
    (( SECONDS < deadline )) || fail "$message"
    sleep 2
  done
}
# shellcheck source=/dev/null
os_codename() { (. /etc/os-release && printf '%s' "$VERSION_CODENAME"); }

mkdir -p "$RUN_DIR"
WORK="$(mktemp -d "$RUN_DIR/boot.XXXXXX")"
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT

# ---- metadata -------------------------------------------------------------------------------
metadata() { # path -> stdout; empty when absent
  curl -sS -f --retry 5 --retry-connrefused --max-time 10 -H 'Metadata-Flavor: Google' "$METADATA_URL/$1" 2>/dev/null || true
}
attribute() { # instance attribute with a rendered default
  local v
  v="$(metadata "instance/attributes/$1")"
  printf '%s' "${v:-$2}"
}

PROJECT="$(metadata project/project-id)"
[[ -n "$PROJECT" ]] || fail "metadata server did not answer project/project-id at $METADATA_URL"
ZONE="$(metadata instance/zone)"; ZONE="${ZONE##*/}"
NODE_NAME="$(metadata instance/name)"
INTERNAL_IP="$(metadata instance/network-interfaces/0/ip)"
EXTERNAL_IP="$(metadata instance/network-interfaces/0/access-configs/0/external-ip)"
STACK="$(attribute mediaplane-stack 'prod')"
RECORDINGS_BUCKET="$(attribute mediaplane-recordings-bucket 'mediaplane-prod-000000-mp-prod-recordings')"
EVENTS_TOPIC="$(attribute mediaplane-events-topic 'mp-prod-recording-events')"
SECRET_PREFIX="$(attribute mediaplane-secret-prefix 'mp-prod')"
ipv4='^([0-9]{1,3}\.){3}[0-9]{1,3}$'
[[ "$INTERNAL_IP" =~ $ipv4 ]] || fail "metadata instance/network-interfaces/0/ip is not an IPv4 address: '$INTERNAL_IP'"
[[ "$EXTERNAL_IP" =~ $ipv4 ]] || fail "the node has no external IPv4 address (network-interfaces/0/access-configs/0/external-ip='$EXTERNAL_IP'); the trunk needs one for SIP and RTP"
[[ "$NODE_NAME" =~ ^[a-z0-9-]{1,63}$ ]] || fail "metadata instance/name is not a GCE instance name: '$NODE_NAME'"

# ==== internal load balancer address (VIP) ======================================================
# (Section of the ILB change; self-contained: sets ILB_VIP, which the node include writes as
# mp_ilb_vip.) The balancer is passthrough: its packets keep the forwarding rule's address, which
# the guest agent routes as a local address (table local). Sofia cannot bind an address that is not
# local yet, so FreeSWITCH must not start before that route exists.
ILB_VIP="$(metadata instance/attributes/mediaplane-ilb-vip)"
ILB_ROUTE_TIMEOUT_SEC="${MP_ILB_ROUTE_TIMEOUT_SEC:-120}"
[[ -n "$ILB_VIP" ]] || fail "this release listens on the internal load balancer's address (sofia profile ilb) but instance attribute mediaplane-ilb-vip is not set; the instance template sets it"
[[ "$ILB_VIP" =~ $ipv4 ]] || fail "instance attribute mediaplane-ilb-vip is not an IPv4 address: '$ILB_VIP'"
ilb_routed() {
  ip route show table local 2>/dev/null | awk -v vip="$ILB_VIP" '$1 == "local" && ($2 == vip || $2 == vip "/32") { found = 1 } END { exit !found }'
}
wait_until "$ILB_ROUTE_TIMEOUT_SEC" "the internal load balancer address $ILB_VIP is not a local route after ${ILB_ROUTE_TIMEOUT_SEC}s ('ip route show table local' does not list it): the guest agent adds it for the forwarding rule; check google-guest-agent is running and its ip_forwarding is not disabled" ilb_routed
log "internal load balancer address $ILB_VIP is local: sofia profile ilb can bind it"
# ==== end of the internal load balancer section =================================================

# The access token goes into a 0600 header file, never onto a command line.
token_json="$WORK/token.json"
curl -sS -f --retry 5 --retry-connrefused --max-time 10 -H 'Metadata-Flavor: Google' \
  -o "$token_json" "$METADATA_URL/instance/service-accounts/default/token" \
  || fail "cannot get an access token for the node's service account from the metadata server"
token="$(sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$token_json")"
[[ -n "$token" ]] || fail "the metadata server's token answer has no access_token"
AUTH="$WORK/auth.header"
printf 'Authorization: Bearer %s\n' "$token" > "$AUTH"
unset token
rm -f -- "$token_json"

# ---- download/retry: a fresh node can be faster than its grants -----------------------------------
# IAM grants take effect within minutes, not at once (cloud.google.com/iam/docs/access-change-propagation:
# "typically 2 minutes, can take 7 minutes or longer"), and a replaced secret version or release
# object may land just after the VM. So 403/404/429/5xx/no-answer are retried with backoff for
# RETRY_SEC per request, then boot fails with the request's own message. The default stays under
# the autohealer's default initial delay (300 s): past that, replacing the VM is the outer retry.
RETRY_SEC="${MP_BOOT_RETRY_SEC:-240}"
RETRY_FIRST_MS="${MP_BOOT_RETRY_FIRST_MS:-2000}"
[[ "$RETRY_SEC" =~ ^[0-9]+$ && "$RETRY_FIRST_MS" =~ ^[1-9][0-9]*$ ]] \
  || fail "MP_BOOT_RETRY_SEC must be whole seconds and MP_BOOT_RETRY_FIRST_MS positive milliseconds, got '$RETRY_SEC' and '$RETRY_FIRST_MS'"
with_retry() { # status pattern to retry, what (for the log), command... -> last HTTP status on stdout
  local pattern="$1" what="$2" status wait_ms="$RETRY_FIRST_MS" deadline=$((SECONDS + RETRY_SEC))
  shift 2
  while :; do
    status="$("$@")"
    [[ "$status" =~ $pattern ]] || break
    (( SECONDS + wait_ms / 1000 < deadline )) || break
    log "$what: HTTP ${status:-none}, retrying in ${wait_ms} ms (grants and new versions propagate; bound ${RETRY_SEC}s)"
    sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
    wait_ms=$((wait_ms * 2 > 30000 ? 30000 : wait_ms * 2))
  done
  printf '%s' "$status"
}
readonly TRANSIENT='^(403|404|429|5[0-9][0-9]|000|)$'
# An optional secret without a version is a 404 by design (the feature is off): do not wait for it.
readonly TRANSIENT_NOT_404='^(403|429|5[0-9][0-9]|000|)$'

# ---- release bundle -------------------------------------------------------------------------
gcs_get_once() { # object path, destination -> HTTP status on stdout
  local object="releases/$RELEASE_HASH/$1" enc
  enc="${object//\//%2F}"; enc="${enc//@/%40}"
  curl -sS --retry 3 --max-time 60 -H @"$AUTH" -o "$2" -w '%{http_code}' \
    "$GCS_URL/storage/v1/b/$RELEASES_BUCKET/o/$enc?alt=media" 2>/dev/null || true
}
gcs_get() { with_retry "$TRANSIENT" "gs://$RELEASES_BUCKET/releases/$RELEASE_HASH/$1" gcs_get_once "$@"; }

verify_release() { # dir: the manifest hashes to the release hash and every file matches it
  local dir="$1" got
  [[ -f "$dir/MANIFEST.sha256" ]] || return 1
  got="$(sha256sum < "$dir/MANIFEST.sha256")"; got="${got%% *}"
  [[ "$got" == "$RELEASE_HASH" ]] || return 1
  (cd "$dir" && sha256sum --quiet --strict -c MANIFEST.sha256 >/dev/null 2>&1)
}

if verify_release "$RELEASE_DIR"; then
  log "release $RELEASE_HASH already installed and intact"
else
  mkdir -p "$OPT/releases"
  stage="$(mktemp -d "$OPT/releases/.stage.XXXXXX")"
  trap 'rm -rf -- "$stage"; cleanup' EXIT
  status="$(gcs_get MANIFEST.sha256 "$stage/MANIFEST.sha256")"
  [[ "$status" == 200 ]] || fail "release bundle gs://$RELEASES_BUCKET/releases/$RELEASE_HASH/MANIFEST.sha256 could not be read (HTTP ${status:-none}); previous configuration left in place"
  got="$(sha256sum < "$stage/MANIFEST.sha256")"; got="${got%% *}"
  [[ "$got" == "$RELEASE_HASH" ]] || fail "release bundle $RELEASE_HASH is corrupt: its MANIFEST.sha256 hashes to $got; previous configuration left in place"
  while IFS= read -r line; do
    [[ "$line" =~ ^[0-9a-f]{64}\ \ ([A-Za-z0-9._@-]+(/[A-Za-z0-9._@-]+)*)$ ]] \
      || fail "release bundle $RELEASE_HASH has a malformed manifest line; previous configuration left in place"
    path="${BASH_REMATCH[1]}"
    [[ "/$path/" != */../* && "/$path/" != */./* ]] || fail "release bundle $RELEASE_HASH names a path outside itself: $path"
    mkdir -p "$stage/$(dirname -- "$path")"
    status="$(gcs_get "$path" "$stage/$path")"
    [[ "$status" == 200 ]] || fail "release bundle file $path could not be read (HTTP ${status:-none}); previous configuration left in place"
  done < "$stage/MANIFEST.sha256"
  (cd "$stage" && sha256sum --quiet --strict -c MANIFEST.sha256 >/dev/null 2>&1) \
    || fail "release bundle $RELEASE_HASH is corrupt: a file does not match MANIFEST.sha256; previous configuration left in place"
  # ---- bundle modes: from the bundle's own MODES list (covered by the manifest), never from names ----
  [[ -f "$stage/MODES" ]] || fail "release bundle $RELEASE_HASH has no MODES list; previous configuration left in place"
  find "$stage" -type d -exec chmod 0755 {} +
  find "$stage" -type f -exec chmod 0600 {} +
  declare -A mode_of=()
  while IFS= read -r line; do
    [[ "$line" =~ ^(0644|0755)\ ([A-Za-z0-9._@-]+(/[A-Za-z0-9._@-]+)*)$ ]] \
      || fail "release bundle $RELEASE_HASH has a malformed MODES line (allowed: '0644 <path>' or '0755 <path>'); previous configuration left in place"
    mode_of["${BASH_REMATCH[2]}"]="${BASH_REMATCH[1]}"
  done < "$stage/MODES"
  while IFS= read -r line; do
    path="${line#*  }"
    [[ "$path" == MODES || -n "${mode_of[$path]:-}" ]] \
      || fail "release bundle $RELEASE_HASH gives no mode to $path in MODES; previous configuration left in place"
    if [[ "$path" == MODES ]]; then chmod 0644 -- "$stage/MODES"; else chmod "${mode_of[$path]}" -- "$stage/$path"; fi
  done < "$stage/MANIFEST.sha256"
  chmod 0644 -- "$stage/MANIFEST.sha256"
  rm -rf -- "$RELEASE_DIR"
  mv -T -- "$stage" "$RELEASE_DIR"
  trap cleanup EXIT
  log "release $RELEASE_HASH downloaded and verified"
fi

# ---- secrets --------------------------------------------------------------------------------
secret_get_once() { # secret suffix, destination -> HTTP status on stdout; payload decoded into destination
  local id="$SECRET_PREFIX-$1" status
  status="$(curl -sS --retry 3 --max-time 30 -H @"$AUTH" -o "$WORK/secret.json" -w '%{http_code}' \
    "$SECRETS_URL/v1/projects/$PROJECT/secrets/$id/versions/latest:access" 2>/dev/null || true)"
  if [[ "$status" == 200 ]]; then
    sed -n 's/.*"data"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9+\/=_-]*\)".*/\1/p' "$WORK/secret.json" | tr '_-' '/+' | base64 -d > "$2" 2>/dev/null \
      || status=bad-payload
  fi
  rm -f -- "$WORK/secret.json"
  printf '%s' "$status"
}
secret_get() { # secret suffix, destination, status pattern to retry -> HTTP status on stdout
  with_retry "$3" "secret $SECRET_PREFIX-$1" secret_get_once "$1" "$2"
}
require_secret() {
  local status
  status="$(secret_get "$1" "$2" "$TRANSIENT")"
  [[ "$status" == 200 && -s "$2" ]] || fail "secret $SECRET_PREFIX-$1 could not be read from Secret Manager in project $PROJECT (HTTP ${status:-none}); grant the node's service account secretAccessor on it or add a version; previous configuration left in place"
}
# FreeSWITCH's preprocessor copies values verbatim into XML attributes: allow only characters that
# survive that unquoted and unescaped.
password_chars='^[A-Za-z0-9._~+/=:@%!*,^-]{12,256}$'
check_password() {
  local v
  v="$(< "$2")"
  [[ "$v" =~ $password_chars ]] \
    || fail "secret $SECRET_PREFIX-$1 must be 12-256 characters of A-Z a-z 0-9 . _ ~ + / = : @ % ! * , ^ -; set a new version"
}

require_secret 'sip-trunk-password' "$WORK/sip-trunk-password"
require_secret 'esl-password' "$WORK/esl-password"
require_secret 'tls-certificate' "$WORK/tls-certificate"
require_secret 'tls-private-key' "$WORK/tls-private-key"
check_password 'sip-trunk-password' "$WORK/sip-trunk-password"
check_password 'esl-password' "$WORK/esl-password"
grep -q 'BEGIN CERTIFICATE' "$WORK/tls-certificate" || fail "secret $SECRET_PREFIX-tls-certificate is not a PEM certificate"
grep -q 'PRIVATE KEY' "$WORK/tls-private-key" || fail "secret $SECRET_PREFIX-tls-private-key is not a PEM private key"

# ---- install: every write below is compare-then-rename, so an unchanged file is not touched --------
install_file() { # source, destination, mode, owner:group
  local src="$1" dst="$2" tmp
  if [[ -f "$dst" ]] && cmp -s -- "$src" "$dst" && [[ "$(stat -c '%a %U:%G' -- "$dst")" == "$3 $4" ]]; then
    return 0
  fi
  mkdir -p -- "$(dirname -- "$dst")"
  tmp="$(mktemp "$dst.XXXXXX")"
  cat -- "$src" > "$tmp"
  chmod "$3" -- "$tmp"
  chown "$4" -- "$tmp"
  mv -f -- "$tmp" "$dst"
  changed=1
}
# install_file that does not count as a FreeSWITCH configuration change (no restart for it); sets
# aside_changed to 1 when the file was written.
install_aside() {
  local before="$changed"
  changed=0
  install_file "$@"
  aside_changed="$changed"
  changed="$before"
}
ensure_dir() { # dir, mode, owner:group
  mkdir -p -- "$1"
  [[ "$(stat -c '%a %U:%G' -- "$1")" == "$2 $3" ]] && return 0
  chmod "$2" -- "$1"
  chown "$3" -- "$1"
}

# The node agent's own system user (no home, no shell, no password); its group is its own.
if ! id -u "$AGENT_USER" >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$AGENT_USER" \
    || fail "cannot create the node agent's system user $AGENT_USER"
fi
ensure_dir "$R/etc/mediaplane" 755 "$ROOT_USER:$ROOT_GROUP"
ensure_dir "$INCLUDE_DIR" 750 "$ROOT_USER:$FS_GROUP"
ensure_dir "$TLS_DIR" 750 "$ROOT_USER:$FS_GROUP"
ensure_dir "$SECRETS_DIR" 700 "$ROOT_USER:$ROOT_GROUP"
ensure_dir "$R/var/lib/mediaplane" 755 "$ROOT_USER:$ROOT_GROUP"
ensure_dir "$R/var/lib/mediaplane/recordings" 750 "$FS_USER:$FS_GROUP"
ensure_dir "$R/var/lib/mediaplane/agent" 700 "$AGENT_USER:$AGENT_GROUP"
# tmpfs: FreeSWITCH's live-audio taps for the streaming bridge, recreated every boot (the agent's unit
# creates it too when it starts first).
ensure_dir "$R/run/mediaplane/streams" 2770 "$FS_USER:$AGENT_GROUP"
ensure_dir "$R/etc/mediaplane/agent" 750 "$ROOT_USER:$AGENT_GROUP"
mkdir -p "$R/var/log/freeswitch"

# Per-node random values, generated once: the full-access ESL password for local fs_cli (controllers never see
# it), and the fallback of an optional secret of the secrets include (the operator's ESL password) while it has
# no version, so its user exists but nobody knows its password until the stack sets one.
if [[ ! -s "$SECRETS_DIR/esl-operator-password-fallback" ]]; then
  head -c 48 /dev/urandom | base64 | tr -d '+/=\n' | head -c 40 > "$WORK/esl-operator-password-fallback"
  install_file "$WORK/esl-operator-password-fallback" "$SECRETS_DIR/esl-operator-password-fallback" 600 "$ROOT_USER:$ROOT_GROUP"
fi
if [[ ! -s "$SECRETS_DIR/esl-admin-password" ]]; then
  head -c 48 /dev/urandom | base64 | tr -d '+/=\n' | head -c 40 > "$WORK/esl-admin-password"
  install_file "$WORK/esl-admin-password" "$SECRETS_DIR/esl-admin-password" 600 "$ROOT_USER:$ROOT_GROUP"
fi
status="$(secret_get 'esl-operator-password' "$WORK/esl-operator-password" "$TRANSIENT_NOT_404")"
if [[ "$status" == 200 && -s "$WORK/esl-operator-password" ]]; then
  check_password 'esl-operator-password' "$WORK/esl-operator-password"
else
  log "optional secret $SECRET_PREFIX-esl-operator-password not available (HTTP ${status:-none}); mp_esl_operator_password is this node's random value until the secret has a version"
  cat -- "$SECRETS_DIR/esl-operator-password-fallback" > "$WORK/esl-operator-password"
fi

{
  printf '<include>\n'
  printf '  <X-PRE-PROCESS cmd="set" data="mp_internal_ip=%s"/>\n' "$INTERNAL_IP"
  printf '  <X-PRE-PROCESS cmd="set" data="mp_external_ip=%s"/>\n' "$EXTERNAL_IP"
  printf '  <X-PRE-PROCESS cmd="set" data="mp_hostname=%s"/>\n' "$NODE_NAME"
  printf '  <X-PRE-PROCESS cmd="set" data="mp_ilb_vip=%s"/>\n' "$ILB_VIP"
  printf '</include>\n'
} > "$WORK/node.xml"
install_file "$WORK/node.xml" "$R/etc/mediaplane/freeswitch/node.xml" 644 "$ROOT_USER:$ROOT_GROUP"

{
  printf '<include>\n'
  printf '  <X-PRE-PROCESS cmd="set" data="mp_esl_password=%s"/>\n' "$(< "$WORK/esl-password")"
  printf '  <X-PRE-PROCESS cmd="set" data="mp_esl_operator_password=%s"/>\n' "$(< "$WORK/esl-operator-password")"
  printf '  <X-PRE-PROCESS cmd="set" data="mp_esl_admin_password=%s"/>\n' "$(< "$SECRETS_DIR/esl-admin-password")"
  printf '  <X-PRE-PROCESS cmd="set" data="mp_sip_trunk_password=%s"/>\n' "$(< "$WORK/sip-trunk-password")"
  printf '</include>\n'
} > "$WORK/secrets.xml"
# A secret is not a reason to restart a running FreeSWITCH (that drops every call): the steps it needs go to the
# node agent's secret refresh (agent/secrets), written before the file is replaced so a crash in between loses
# none; the agent runs them without dropping a call. A start or restart below reads every file and drops them.
secrets_pending() { # step...
  local p="$R/var/lib/mediaplane/agent/secrets-pending"
  { if [[ -f "$p" ]]; then cat -- "$p"; fi; printf '%s\n' "$@"; } | sort -u > "$WORK/secrets-pending"
  install_aside "$WORK/secrets-pending" "$p" 600 "$AGENT_USER:$AGENT_GROUP"
}
cmp -s -- "$WORK/secrets.xml" "$R/etc/mediaplane/freeswitch/secrets.xml" || secrets_pending reloadxml gateway
install_aside "$WORK/secrets.xml" "$R/etc/mediaplane/freeswitch/secrets.xml" 640 "$ROOT_USER:$FS_GROUP"

cat "$WORK/tls-certificate" "$WORK/tls-private-key" > "$WORK/agent.pem"
cmp -s -- "$WORK/agent.pem" "$TLS_DIR/agent.pem" || secrets_pending tls
install_aside "$WORK/agent.pem" "$TLS_DIR/agent.pem" 640 "$ROOT_USER:$FS_GROUP"
ca_bundle="${MP_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
[[ -s "$ca_bundle" ]] || fail "no CA bundle at $ca_bundle to verify the trunk's certificate (install ca-certificates)"
install_file "$ca_bundle" "$TLS_DIR/cafile.pem" 644 "$ROOT_USER:$ROOT_GROUP"

# Optional secrets: not FreeSWITCH configuration (no restart for them); the streaming bridge reads a key
# file at each stream start. A secret without a version (404) removes the key a previous boot installed.
rm -f -- "$SECRETS_DIR/deepgram-api-key" # where releases before /etc/mediaplane/agent kept it
status="$(secret_get 'deepgram-api-key' "$WORK/deepgram-api-key" "$TRANSIENT_NOT_404")"
if [[ "$status" == 200 && -s "$WORK/deepgram-api-key" ]]; then
  install_aside "$WORK/deepgram-api-key" "$R/etc/mediaplane/agent/deepgram-api-key" 640 "$ROOT_USER:$AGENT_GROUP"
else
  [[ "$status" != 404 ]] || rm -f -- "$R/etc/mediaplane/agent/deepgram-api-key"
  log "optional secret $SECRET_PREFIX-deepgram-api-key not available (HTTP ${status:-none}); streaming to its service stays off"
fi
rm -f -- "$SECRETS_DIR/assemblyai-api-key" # where releases before /etc/mediaplane/agent kept it
status="$(secret_get 'assemblyai-api-key' "$WORK/assemblyai-api-key" "$TRANSIENT_NOT_404")"
if [[ "$status" == 200 && -s "$WORK/assemblyai-api-key" ]]; then
  install_aside "$WORK/assemblyai-api-key" "$R/etc/mediaplane/agent/assemblyai-api-key" 640 "$ROOT_USER:$AGENT_GROUP"
else
  [[ "$status" != 404 ]] || rm -f -- "$R/etc/mediaplane/agent/assemblyai-api-key"
  log "optional secret $SECRET_PREFIX-assemblyai-api-key not available (HTTP ${status:-none}); streaming to its service stays off"
fi

{
  printf '[default]\n'
  printf 'host => %s\n' "$INTERNAL_IP"
  printf 'port => %s\n' '8021'
  printf 'password => %s\n' "$(< "$SECRETS_DIR/esl-admin-password")"
} > "$WORK/fs_cli.conf"
install_file "$WORK/fs_cli.conf" "$R/etc/fs_cli.conf" 600 "$ROOT_USER:$ROOT_GROUP"
# The agent's own copy of the local login (same format), readable by the agent alone; not a FreeSWITCH
# configuration change, but the agent restarts for it.
cp -- "$WORK/fs_cli.conf" "$WORK/agent-esl.conf"
install_aside "$WORK/agent-esl.conf" "$R/etc/mediaplane/agent-esl.conf" 600 "$AGENT_USER:$AGENT_GROUP"
agent_changed="$aside_changed"
# Decoded secrets are installed: drop them now, keep only the auth header for the calls below.
find "$WORK" -mindepth 1 -maxdepth 1 ! -name auth.header -exec rm -rf -- {} +

{
  printf 'STACK=%s\n' "$STACK"
  printf 'PROJECT=%s\n' "$PROJECT"
  printf 'ZONE=%s\n' "$ZONE"
  printf 'NODE_NAME=%s\n' "$NODE_NAME"
  printf 'RELEASE_HASH=%s\n' "$RELEASE_HASH"
  printf 'RELEASES_BUCKET=%s\n' "$RELEASES_BUCKET"
  printf 'RECORDINGS_DIR=%s\n' '/var/lib/mediaplane/recordings'
  printf 'RECORDINGS_BUCKET=%s\n' "$RECORDINGS_BUCKET"
  printf 'EVENTS_TOPIC=%s\n' "$EVENTS_TOPIC"
  printf 'HEALTH_PORT=%s\n' '8088'
  printf 'INTERNAL_IP=%s\n' "$INTERNAL_IP"
  printf 'ESL_CONF=%s\n' '/etc/mediaplane/agent-esl.conf'
  printf 'AGENT_STATE_DIR=%s\n' '/var/lib/mediaplane/agent'
  printf 'SECRET_PREFIX=%s\n' "$SECRET_PREFIX"
  printf 'SECRET_REFRESH_SECONDS=%s\n' '60'
  printf 'SIP_PROFILES=%s\n' 'external,internal,ilb'
  printf 'STREAMS_DIR=%s\n' '/run/mediaplane/streams'
  printf 'STT_KEYS_DIR=%s\n' '/etc/mediaplane/agent'
  printf 'STREAM_PROVIDER=%s\n' 'none'
} > "$WORK/node.env"
install_aside "$WORK/node.env" "$R/etc/mediaplane/node.env" 644 "$ROOT_USER:$ROOT_GROUP"
[[ "$aside_changed" == 1 ]] && agent_changed=1

# ---- FreeSWITCH binary ----------------------------------------------------------------------
freeswitch_version() {
  local v
  v="$(freeswitch -version 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)"
  printf '%s' "$v"
}
check_version() {
  local v
  v="$(freeswitch_version)"
  [[ -n "$v" ]] || fail "cannot read the FreeSWITCH version from 'freeswitch -version'"
  [[ "$(printf '%s\n%s\n' "$MIN_FREESWITCH" "$v" | sort -V | head -n 1)" == "$MIN_FREESWITCH" ]] \
    || fail "FreeSWITCH $v is older than $MIN_FREESWITCH (CVE-2026-49840 and the 1.11.2 SIP/RTP advisories); use an image with $MIN_FREESWITCH or later"
}
have_freeswitch=0
if command -v freeswitch >/dev/null 2>&1; then
  have_freeswitch=1
  check_version
else
  # Read before anything switches, so a missing token leaves the previous configuration in place.
  require_secret signalwire-repo-token "$WORK/repo-token"
fi

# ---- switch to the release: one rename each ------------------------------------------------------
swap_link() { # target, link
  if [[ "$(readlink -- "$2" 2>/dev/null || true)" != "$1" ]]; then
    ln -sfn -- "$1" "$2.new"
    mv -Tf -- "$2.new" "$2"
    changed=1
  fi
}
# A new release brings a new agent jar (and maybe flags): the agent restarts for it.
[[ "$(readlink -- "$OPT/current" 2>/dev/null || true)" == "releases/$RELEASE_HASH" ]] || agent_changed=1
swap_link "releases/$RELEASE_HASH" "$OPT/current"
swap_link "current/node" "$OPT/node"

units_changed=0
install_unit() {
  install_aside "$1" "$2" 644 "$ROOT_USER:$ROOT_GROUP"
  [[ "$aside_changed" == 1 ]] && units_changed=1
  return 0
}
install_unit "$RELEASE_DIR/node/freeswitch-mediaplane.conf" "$SYSTEMD_DIR/freeswitch.service.d/mediaplane.conf"
# Units of earlier releases the agent replaced: stopped and removed before the agent takes their port.
for name in 'mediaplane-health.socket' 'mediaplane-health@.service' 'mediaplane-call-quality.timer' 'mediaplane-call-quality.service' 'mp-recording-uploader.service' 'mp-recording-uploader-sweep.timer' 'mp-recording-uploader-sweep.service'; do
  [[ -f "$SYSTEMD_DIR/$name" ]] || continue
  [[ "$name" == *@.* ]] || systemctl disable --now "$name" >/dev/null 2>&1 || log "could not stop retired unit $name"
  rm -f -- "$SYSTEMD_DIR/$name"
  log "retired unit $name removed: the node agent replaces it"
  units_changed=1
done
units=()
for unit in "$RELEASE_DIR"/node/*.service "$RELEASE_DIR"/node/*.socket "$RELEASE_DIR"/node/*.timer "$RELEASE_DIR"/node/*.path; do
  [[ -f "$unit" ]] || continue
  name="$(basename -- "$unit")"
  install_unit "$unit" "$SYSTEMD_DIR/$name"
  [[ "$aside_changed" == 1 && "$name" == 'mediaplane-agent.service' ]] && agent_changed=1
  [[ "$name" == *@.* ]] || units+=("$name")
done
if [[ "$units_changed" == 1 ]]; then
  systemctl daemon-reload
  changed=1
fi

if [[ "$have_freeswitch" == 0 ]]; then
  log "FreeSWITCH is not installed: installing from SignalWire's repository"
  netrc="$WORK/signalwire.netrc"
  repo_host="${SIGNALWIRE_REPO#*://}"; repo_host="${repo_host%%[:/]*}"
  # The token goes to apt and curl through a netrc file, never through arguments.
  printf 'machine %s login signalwire password %s\n' "$repo_host" "$(< "$WORK/repo-token")" > "$netrc"
  install_file "$netrc" "$R/etc/apt/auth.conf.d/freeswitch.conf" 600 "$ROOT_USER:$ROOT_GROUP"
  curl -sS -f --netrc-file "$netrc" -o "$WORK/signalwire.gpg" "$SIGNALWIRE_REPO/signalwire-freeswitch-repo.gpg" \
    || fail "cannot download SignalWire's repository key from $SIGNALWIRE_REPO (check the $SECRET_PREFIX-signalwire-repo-token secret)"
  install_file "$WORK/signalwire.gpg" "$R/usr/share/keyrings/signalwire-freeswitch-repo.gpg" 644 "$ROOT_USER:$ROOT_GROUP"
  rm -f -- "$netrc" "$WORK/repo-token"
  printf 'deb [signed-by=/usr/share/keyrings/signalwire-freeswitch-repo.gpg] %s/ %s main\n' "$SIGNALWIRE_REPO" "$(os_codename)" > "$WORK/freeswitch.list"
  install_file "$WORK/freeswitch.list" "$R/etc/apt/sources.list.d/freeswitch.list" 644 "$ROOT_USER:$ROOT_GROUP"
  DEBIAN_FRONTEND=noninteractive apt-get update -q || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends freeswitch freeswitch-systemd \
    freeswitch-mod-console \
    freeswitch-mod-logfile \
    freeswitch-mod-event-socket \
    freeswitch-mod-sofia \
    freeswitch-mod-loopback \
    freeswitch-mod-commands \
    freeswitch-mod-conference \
    freeswitch-mod-dptools \
    freeswitch-mod-valet-parking \
    freeswitch-mod-dialplan-xml \
    freeswitch-mod-sndfile \
    freeswitch-mod-native-file \
    freeswitch-mod-tone-stream \
    || fail "apt-get could not install FreeSWITCH"
  command -v freeswitch >/dev/null 2>&1 || fail "FreeSWITCH is still missing after apt-get install"
  check_version
  changed=1
fi

# The node agent's runtime: Debian's Java 17 when the image has none where the unit runs it (/usr/bin/java,
# which the package's alternatives link). Not a FreeSWITCH configuration change.
if [[ ! -x "$R/usr/bin/java" ]]; then
  log "java is not installed (/usr/bin/java missing): installing openjdk-17-jre-headless for the node agent"
  DEBIAN_FRONTEND=noninteractive apt-get update -q || fail "apt-get update failed (openjdk-17-jre-headless)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless \
    || fail "apt-get could not install openjdk-17-jre-headless (the node agent's Java runtime)"
  [[ -x "$R/usr/bin/java" ]] || fail "/usr/bin/java is still missing after apt-get install openjdk-17-jre-headless"
fi

# ==== Ops Agent: node logs and host metrics to Cloud Logging / Monitoring =======================
# (Section of the observability change; self-contained: it never sets $changed, so a new agent
# config alone does not restart FreeSWITCH.) Debian images ship no logging agent: without it the
# journal's JSON events never reach Cloud Logging and every log metric and alert stays silent.
OPS_AGENT_REPO="${MP_OPS_AGENT_REPO_URL:-https://packages.cloud.google.com/apt}"
readonly OPS_AGENT_SERVICE='google-cloud-ops-agent.service'
ops_agent_installed() {
  [[ "$(dpkg-query -W -f='${Status}' google-cloud-ops-agent 2>/dev/null || true)" == 'install ok installed' ]]
}
if ! ops_agent_installed; then
  log "the Ops Agent is not installed: installing google-cloud-ops-agent from Google's repository (major 2)"
  curl -sS -f --retry 3 --max-time 60 -o "$WORK/ops-agent.key" "$OPS_AGENT_REPO/doc/apt-key.gpg" \
    || fail "cannot download Google's apt key from $OPS_AGENT_REPO/doc/apt-key.gpg (the node needs egress to packages.cloud.google.com, or an image with google-cloud-ops-agent)"
  # apt reads an armored key only from a .asc keyring, a binary one from .gpg.
  ops_keyring=/usr/share/keyrings/google-cloud-ops-agent.gpg
  if grep -q 'BEGIN PGP PUBLIC KEY BLOCK' "$WORK/ops-agent.key"; then ops_keyring=/usr/share/keyrings/google-cloud-ops-agent.asc; fi
  install_aside "$WORK/ops-agent.key" "$R$ops_keyring" 644 "$ROOT_USER:$ROOT_GROUP"
  # The repository suffix pins the major version: a new major never lands on a running fleet.
  printf 'deb [signed-by=%s] %s google-cloud-ops-agent-%s-2 main\n' "$ops_keyring" "$OPS_AGENT_REPO" "$(os_codename)" > "$WORK/ops-agent.list"
  install_aside "$WORK/ops-agent.list" "$R/etc/apt/sources.list.d/google-cloud-ops-agent.list" 644 "$ROOT_USER:$ROOT_GROUP"
  DEBIAN_FRONTEND=noninteractive apt-get update -q || fail "apt-get update failed (Ops Agent repository)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends google-cloud-ops-agent \
    || fail "apt-get could not install google-cloud-ops-agent"
  ops_agent_installed || fail "google-cloud-ops-agent is still not installed after apt-get install"
fi
install_aside "$RELEASE_DIR/node/google-cloud-ops-agent.yaml" "$R/etc/google-cloud-ops-agent/config.yaml" 644 "$ROOT_USER:$ROOT_GROUP"
if [[ "$aside_changed" == 1 ]]; then
  log "Ops Agent configuration changed: restarting $OPS_AGENT_SERVICE"
  systemctl restart "$OPS_AGENT_SERVICE" || fail "$OPS_AGENT_SERVICE did not restart with the new config; see journalctl -u $OPS_AGENT_SERVICE (the agent validates its config at start)"
elif ! systemctl is-active --quiet "$OPS_AGENT_SERVICE"; then
  systemctl start "$OPS_AGENT_SERVICE" || fail "$OPS_AGENT_SERVICE did not start; see journalctl -u $OPS_AGENT_SERVICE"
fi
systemctl is-active --quiet "$OPS_AGENT_SERVICE" \
  || fail "$OPS_AGENT_SERVICE is not active: node logs would not reach Cloud Logging; see journalctl -u $OPS_AGENT_SERVICE"
# ==== end of the Ops Agent section ==============================================================

# ---- run --------------------------------------------------------------------------------------
rm -f -- "$RUN_DIR/draining"
systemctl enable freeswitch.service >/dev/null 2>&1 || fail "cannot enable freeswitch.service"
for unit in "${units[@]}"; do
  if [[ "$unit" == 'mediaplane-agent.service' && "$agent_changed" == 1 ]]; then
    # A running agent keeps its old jar and settings until restarted; restart also starts a stopped one.
    systemctl enable "$unit" >/dev/null 2>&1 || fail "cannot enable $unit"
    log "node agent release, unit or settings changed: (re)starting $unit"
    systemctl restart "$unit" || fail "$unit did not start; see journalctl -u $unit"
  else
    systemctl enable --now "$unit" >/dev/null 2>&1 || fail "cannot enable $unit"
  fi
done
if ! systemctl is-active --quiet freeswitch.service; then
  rm -f -- "$R/var/lib/mediaplane/agent/secrets-pending" # the start reads every secret file
  systemctl start freeswitch.service || fail "freeswitch.service did not start; see journalctl -u freeswitch"
elif [[ "$changed" == 1 ]]; then
  log "configuration changed: restarting FreeSWITCH"
  systemctl restart freeswitch.service || fail "freeswitch.service did not restart; see journalctl -u freeswitch"
  rm -f -- "$R/var/lib/mediaplane/agent/secrets-pending" # the restart read every secret file
elif [[ -f "$R/var/lib/mediaplane/agent/secrets-pending" ]]; then
  log "secrets changed: the node agent applies them to the running FreeSWITCH without a restart ($(tr '\n' ' ' < "$R/var/lib/mediaplane/agent/secrets-pending"))"
fi

ready() {
  local status sofia
  status="$(fs_cli -x status 2>/dev/null)" || return 1
  grep -q '^UP ' <<< "$status" || return 1
  sofia="$(fs_cli -x 'sofia status' 2>/dev/null)" || return 1
  grep -Eq '^[[:space:]]*external[[:space:]]+profile[[:space:]].*RUNNING' <<< "$sofia" || return 1
  grep -Eq '^[[:space:]]*internal[[:space:]]+profile[[:space:]].*RUNNING' <<< "$sofia" || return 1
  grep -Eq '^[[:space:]]*ilb[[:space:]]+profile[[:space:]].*RUNNING' <<< "$sofia" || return 1
}
wait_until "$READY_TIMEOUT_SEC" "FreeSWITCH did not report ESL up and every sofia profile (external, internal, ilb) RUNNING within ${READY_TIMEOUT_SEC}s" ready
[[ -e "$RUN_DIR/ready" ]] || : > "$RUN_DIR/ready"
log "node ready: release $RELEASE_HASH, ESL on $INTERNAL_IP:8021, SIP TLS on :5061"
