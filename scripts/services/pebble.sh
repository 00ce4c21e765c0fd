#!/usr/bin/env bash
# Pebble (a test ACME CA) and pebble-challtestsrv (its DNS server) for the ACME tests:
#
#   bash scripts/services/pebble.sh start    build if missing (scripts/toolchain/build-pebble.sh), start both
#   bash scripts/services/pebble.sh stop     stop exactly what `start` started, by pid
#   bash scripts/services/pebble.sh status   exit 0 when both answer, 3 otherwise
#
# Everything listens on 127.0.0.1, on free ports picked at start. Pebble resolves every name
# through challtestsrv's DNS (-dnsserver), which answers A queries with 127.0.0.1 and TXT
# queries with what the tests set through its management API. HTTP-01 validation connects to
# 127.0.0.1:$PEBBLE_HTTP01_PORT, where the test's own solver listens (challtestsrv's HTTP-01,
# HTTPS and TLS-ALPN servers are off). Pebble's HTTPS endpoints use a CA generated here, never
# trusted globally: clients pass $PEBBLE_TLS_CA_FILE.
#
# Addresses go to $BOSUN_STATE/pebble.env (shell syntax, also read by the tests):
#   PEBBLE_DIRECTORY_URL     ACME directory (https)
#   PEBBLE_MANAGEMENT_URL    Pebble's management API (https): /roots/0, /cert-status-by-serial/<hex>
#   PEBBLE_TLS_CA_FILE       PEM of the CA that signed Pebble's HTTPS certificate
#   PEBBLE_HTTP01_PORT       port Pebble's HTTP-01 validation connects to (on 127.0.0.1)
#   PEBBLE_CHALLTESTSRV_URL  challtestsrv's management API (http): /set-txt, /clear-txt, ...
#   PEBBLE_DNS_ADDRESS       challtestsrv's DNS server, host:port
# Profiles: "default" (90 days) and "shortlived" (7 days); Pebble picks one at random when an
# order names none, so tests always name one. Validation runs at once (PEBBLE_VA_NOSLEEP=1) and
# authorizations are never reused (PEBBLE_AUTHZREUSE=0), so a test of a failing challenge fails.
# Pid files and logs are in $BOSUN_STATE/pebble.
set -euo pipefail

BOSUN_ROOT="${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BOSUN_STATE="${BOSUN_STATE:-$BOSUN_ROOT/.state}"
DIR="$BOSUN_STATE/pebble"
ENV_FILE="$BOSUN_STATE/pebble.env"
BIN="$BOSUN_ROOT/.tools/pebble/bin"
HOST=127.0.0.1

say() { printf 'pebble: %s\n' "$*" >&2; }
die() { printf 'pebble: error: %s\n' "$*" >&2; exit 1; }

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

# A port free for TCP and UDP on loopback (challtestsrv's DNS uses both).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && [ -z "$(ss -Huan "sport = :$p" 2>/dev/null)" ] \
       && ! grep -qx "$p" "$DIR/ports.taken" 2>/dev/null; then
      echo "$p" >> "$DIR/ports.taken"
      echo "$p"
      return 0
    fi
  done
  die "no free port found on $HOST"
}

answers() {
  # shellcheck disable=SC1090
  [ -f "$ENV_FILE" ] && source "$ENV_FILE" || return 1
  curl -fsS --max-time 3 --cacert "$PEBBLE_TLS_CA_FILE" "$PEBBLE_DIRECTORY_URL" >/dev/null 2>&1 \
    && curl -fsS --max-time 3 -o /dev/null -X POST -d '{"host":"status.bosun.test."}' "$PEBBLE_CHALLTESTSRV_URL/clear-txt" 2>/dev/null
}

# A throwaway CA and a server certificate for 127.0.0.1/localhost: what Pebble serves its
# directory and management API with (the issuing CA is Pebble's own, regenerated each start).
make_tls() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=bosun pebble TLS CA" \
    -keyout "$DIR/tls-ca.key" -out "$DIR/tls-ca.pem" >/dev/null 2>&1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$DIR/tls.key" -out "$DIR/tls.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$DIR/tls.ext"
  openssl x509 -req -in "$DIR/tls.csr" -CA "$DIR/tls-ca.pem" -CAkey "$DIR/tls-ca.key" -CAcreateserial -days 3650 \
    -extfile "$DIR/tls.ext" -out "$DIR/tls.pem" >/dev/null 2>&1
  rm -f "$DIR/tls.csr" "$DIR/tls.ext"
}

start() {
  if alive pebble && alive challtestsrv && answers; then
    # shellcheck source=/dev/null
    say "already running ($(. "$ENV_FILE"; echo "$PEBBLE_DIRECTORY_URL"))"
    return 0
  fi
  stop_quietly
  if [ ! -x "$BIN/pebble" ] || [ ! -x "$BIN/pebble-challtestsrv" ]; then bash "$BOSUN_ROOT/scripts/toolchain/build-pebble.sh"; fi
  mkdir -p "$DIR"
  : > "$DIR/ports.taken"
  [ -f "$DIR/tls.pem" ] || make_tls
  local acme mgmt http01 dns chall
  acme=$(free_port); mgmt=$(free_port); http01=$(free_port); dns=$(free_port); chall=$(free_port)
  cat > "$DIR/config.json" <<JSON
{
  "pebble": {
    "listenAddress": "$HOST:$acme",
    "managementListenAddress": "$HOST:$mgmt",
    "certificate": "$DIR/tls.pem",
    "privateKey": "$DIR/tls.key",
    "httpPort": $http01,
    "tlsPort": $(free_port),
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false,
    "domainBlocklist": ["blocked-domain.example"],
    "retryAfter": { "authz": 1, "order": 1 },
    "keyAlgorithm": "ecdsa",
    "profiles": {
      "default": { "description": "90 days", "validityPeriod": 7776000 },
      "shortlived": { "description": "7 days", "validityPeriod": 604800 }
    }
  }
}
JSON
  # challtestsrv: DNS only (A → 127.0.0.1, no AAAA so validation stays on IPv4 loopback).
  setsid "$BIN/pebble-challtestsrv" -management "$HOST:$chall" -dnsserver "$HOST:$dns" \
    -defaultIPv4 "$HOST" -defaultIPv6 "" -http01 "" -https01 "" -tlsalpn01 "" \
    > "$DIR/challtestsrv.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$DIR/challtestsrv.pid"
  # No artificial validation delays; every order proves control anew (no authorization reuse),
  # so a test of a failing challenge really fails; -strict false pins today's protocol behaviour.
  PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 setsid "$BIN/pebble" -config "$DIR/config.json" -dnsserver "$HOST:$dns" -strict=false \
    > "$DIR/pebble.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$DIR/pebble.pid"
  cat > "$ENV_FILE" <<ENV
PEBBLE_DIRECTORY_URL=https://$HOST:$acme/dir
PEBBLE_MANAGEMENT_URL=https://$HOST:$mgmt
PEBBLE_TLS_CA_FILE=$DIR/tls-ca.pem
PEBBLE_HTTP01_PORT=$http01
PEBBLE_CHALLTESTSRV_URL=http://$HOST:$chall
PEBBLE_DNS_ADDRESS=$HOST:$dns
ENV
  for _ in $(seq 1 100); do
    if answers; then
      say "running: directory https://$HOST:$acme/dir, challtestsrv http://$HOST:$chall (addresses in $ENV_FILE)"
      return 0
    fi
    alive pebble || { tail -n 20 "$DIR/pebble.log" >&2; stop_quietly; die "pebble exited (log above, $DIR/pebble.log)"; }
    alive challtestsrv || { tail -n 20 "$DIR/challtestsrv.log" >&2; stop_quietly; die "pebble-challtestsrv exited (log above)"; }
    sleep 0.1
  done
  stop_quietly
  die "pebble did not answer within 10 s (logs in $DIR)"
}

stop_quietly() {
  local name pid
  for name in pebble challtestsrv; do
    if alive "$name"; then
      pid=$(cat "$DIR/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/$name.pid"
  done
  rm -f "$ENV_FILE"
}

status() {
  if alive pebble && alive challtestsrv && answers; then
    # shellcheck source=/dev/null
    say "running ($(. "$ENV_FILE"; echo "$PEBBLE_DIRECTORY_URL"))"
    return 0
  fi
  say "not running"
  return 3
}

mkdir -p "$BOSUN_STATE"
# One start/stop at a time: parallel test files may all ask for Pebble at once.
exec 9> "$BOSUN_STATE/pebble.lock"
flock 9
case "${1:-}" in
  start) start ;;
  stop) stop_quietly; say "stopped" ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
