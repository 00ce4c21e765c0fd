#!/usr/bin/env bash
# A real Kubernetes API server for this checkout, like envtest: kube-apiserver (built from Go
# modules by scripts/toolchain/build-kube-apiserver.sh) on Debian's etcd-server, both on free
# loopback ports. No kubelet, scheduler or controller-manager: objects are stored, not run, so
# Deployments never get pods and a deleted Namespace stays Terminating (no namespace controller).
# The garbage collector is off in the API server (--enable-garbage-collector=false) so that
# deletes, which the Pulumi provider sends with foreground propagation, finish at once instead of
# waiting for a controller that does not exist.
#
#   bash scripts/services/kube.sh start|stop|status
#
# or as a module of scripts/services.sh (kube_packages, kube_start, kube_stop, kube_status).
# Files in $BOSUN_STATE/kube/: ca.crt/ca.key and apiserver.crt/.key (serving certificate for
# 127.0.0.1), sa.key/sa.pub (service-account signing), tokens.csv (token auth: one admin token in
# system:masters), admin.token, kubeconfig (0600), etcd/ (data). Addresses go to
# $BOSUN_STATE/kube.env: BOSUN_KUBECONFIG, BOSUN_KUBE_SERVER, BOSUN_KUBE_PORT, BOSUN_ETCD_PORT.
# Ports: BOSUN_KUBE_PORT / BOSUN_ETCD_PORT / BOSUN_ETCD_PEER_PORT when set, else free ones
# (pick_port). Pid files: $RUN/kube-apiserver.pid, $RUN/kube-etcd.pid; logs in $LOGS.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBE_DIR="$BOSUN_STATE/kube"
KUBE_ENV="$BOSUN_STATE/kube.env"
KUBE_CONFIG="$KUBE_DIR/kubeconfig"
KUBE_APISERVER_PIDFILE="$RUN/kube-apiserver.pid"
KUBE_ETCD_PIDFILE="$RUN/kube-etcd.pid"
KUBE_APISERVER_LOG="$LOGS/kube-apiserver.log"
KUBE_ETCD_LOG="$LOGS/kube-etcd.log"
KUBE_APISERVER_BIN="$BOSUN_ROOT/.tools/kube-apiserver/bin/kube-apiserver"
# Distinct ranges: etcd's two ports are chosen before anything binds them.
KUBE_BASE_PORT=16443
KUBE_ETCD_BASE_PORT=23790
KUBE_ETCD_PEER_BASE_PORT=24790
# etcd is started with --name bosun-etcd; the pid check matches on it.
KUBE_ETCD_NAME=bosun-etcd
# Results of kube_port, kube_start_etcd and kube_start_apiserver (globals: no subshells, so that
# port_unlock really releases the machine-wide lock).
KUBE_PICKED=""
KUBE_ETCD_PORT=""
KUBE_PORT=""

kube_packages() {
  command -v etcd >/dev/null 2>&1 || echo etcd-server
  command -v openssl >/dev/null 2>&1 || echo openssl
  command -v curl >/dev/null 2>&1 || echo curl
}

kube_apiserver_pid() { live_pid "$KUBE_APISERVER_PIDFILE" kube-apiserver; }
kube_etcd_pid() { live_pid "$KUBE_ETCD_PIDFILE" "$KUBE_ETCD_NAME"; }

# Value of variable $1 in kube.env (empty when absent).
kube_env_value() {
  [ -f "$KUBE_ENV" ] || return 0
  (
    # shellcheck source=/dev/null
    source "$KUBE_ENV"
    printf '%s' "${!1:-}"
  )
}

# Certificates, keys and the admin token; made once, kept across restarts.
kube_credentials() {
  local d=$KUBE_DIR
  mkdir -p "$d"
  chmod 700 "$d"
  if [ ! -s "$d/ca.crt" ] || [ ! -s "$d/ca.key" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=bosun-kube-ca" \
      -keyout "$d/ca.key" -out "$d/ca.crt" >/dev/null 2>&1 || die "kube: openssl could not make the CA"
    rm -f "$d/apiserver.crt"
  fi
  if [ ! -s "$d/apiserver.crt" ] || [ ! -s "$d/apiserver.key" ]; then
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout "$d/apiserver.key" -out "$d/apiserver.csr" >/dev/null 2>&1 || die "kube: openssl could not make the serving key"
    printf '%s\n' \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1" \
      "basicConstraints=CA:FALSE" "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$d/apiserver.ext"
    openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
      -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" >/dev/null 2>&1 || die "kube: openssl could not sign the serving certificate"
    rm -f "$d/apiserver.csr" "$d/apiserver.ext"
  fi
  if [ ! -s "$d/sa.key" ] || [ ! -s "$d/sa.pub" ]; then
    openssl genrsa -out "$d/sa.key" 2048 >/dev/null 2>&1 || die "kube: openssl could not make the service-account key"
    openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" >/dev/null 2>&1 || die "kube: openssl could not write sa.pub"
  fi
  if [ ! -s "$d/admin.token" ]; then
    (umask 077 && openssl rand -hex 24 >"$d/admin.token") || die "kube: openssl could not make the admin token"
  fi
  (umask 077 && printf '%s,bosun-admin,bosun-admin,"system:masters"\n' "$(cat "$d/admin.token")" >"$d/tokens.csv")
  chmod 600 "$d"/*.key "$d/admin.token"
}

# GET https://127.0.0.1:$1$2 as the admin; prints the body.
kube_get() {
  curl -sf --max-time 5 --cacert "$KUBE_DIR/ca.crt" -H "Authorization: Bearer $(cat "$KUBE_DIR/admin.token")" \
    "https://127.0.0.1:$1$2" 2>/dev/null
}

kube_write_files() {
  local port=$1 etcd_port=$2 ca tmp
  ca=$(base64 -w0 <"$KUBE_DIR/ca.crt")
  tmp="$KUBE_CONFIG.tmp.$$"
  (
    umask 077
    cat >"$tmp" <<EOF
# Written by scripts/services/kube.sh: the admin of this checkout's kube-apiserver.
apiVersion: v1
kind: Config
clusters:
  - name: bosun
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority-data: $ca
users:
  - name: bosun-admin
    user:
      token: $(cat "$KUBE_DIR/admin.token")
contexts:
  - name: bosun
    context:
      cluster: bosun
      user: bosun-admin
current-context: bosun
EOF
  )
  mv -f "$tmp" "$KUBE_CONFIG"
  tmp="$KUBE_ENV.tmp.$$"
  {
    echo "# Written by scripts/services/kube.sh. Do not edit."
    printf 'export %s=%q\n' BOSUN_KUBECONFIG "$KUBE_CONFIG" BOSUN_KUBE_SERVER "https://127.0.0.1:$port" \
      BOSUN_KUBE_PORT "$port" BOSUN_ETCD_PORT "$etcd_port"
  } >"$tmp"
  mv -f "$tmp" "$KUBE_ENV"
}

# Sets KUBE_PICKED to a free loopback port for NAME. BOSUN_<NAME>_PORT wins when the caller set it;
# the value kube.env recorded (which scripts/env.sh may export) is only a preference.
kube_port() {
  local name=$1 base=$2 var="BOSUN_${1}_PORT" recorded port
  recorded=$(kube_env_value "$var")
  if [ -n "${!var:-}" ] && [ "${!var}" != "$recorded" ]; then
    port=$(pick_port "$name" "$base" /nonexistent none) || exit 1
  elif [ -n "$recorded" ] && port_free "$recorded"; then
    port=$recorded
  else
    port=$(
      unset "$var"
      pick_port "$name" "$base" /nonexistent none
    ) || exit 1
  fi
  port_free "$port" || die "kube: port 127.0.0.1:$port is in use by $(port_holder "$port"); stop it or set $var"
  KUBE_PICKED=$port
}

kube_start_etcd() {
  local port peer i pid
  kube_port ETCD "$KUBE_ETCD_BASE_PORT"
  port=$KUBE_PICKED
  kube_port ETCD_PEER "$KUBE_ETCD_PEER_BASE_PORT"
  peer=$KUBE_PICKED
  [ "$port" != "$peer" ] || die "kube: BOSUN_ETCD_PORT and BOSUN_ETCD_PEER_PORT are the same port ($port)"
  mkdir -p "$KUBE_DIR/etcd"
  chmod 700 "$KUBE_DIR/etcd"
  setsid etcd --name "$KUBE_ETCD_NAME" --data-dir "$KUBE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$KUBE_ETCD_NAME=http://127.0.0.1:$peer" \
    --listen-metrics-urls "" --quota-backend-bytes 1073741824 \
    </dev/null >>"$KUBE_ETCD_LOG" 2>&1 7>&- 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$KUBE_ETCD_PIDFILE"
  for ((i = 0; i < 300; i++)); do
    curl -sf --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null | grep -q '"health":"true"' && break
    alive "$pid" || { tail -5 "$KUBE_ETCD_LOG" >&2; die "kube: etcd exited during start (log: $KUBE_ETCD_LOG)"; }
    sleep 0.1
  done
  curl -sf --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null | grep -q '"health":"true"' ||
    die "kube: etcd (pid $pid) is not healthy on 127.0.0.1:$port after 30s (log: $KUBE_ETCD_LOG)"
  say "kube: etcd started (pid $pid) on 127.0.0.1:$port"
  KUBE_ETCD_PORT=$port
}

kube_start_apiserver() {
  local etcd_port=$1 port i pid d=$KUBE_DIR
  kube_port KUBE "$KUBE_BASE_PORT"
  port=$KUBE_PICKED
  setsid "$KUBE_APISERVER_BIN" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --cert-dir "$d/certs" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
    --token-auth-file "$d/tokens.csv" --anonymous-auth=false --authorization-mode RBAC \
    --service-cluster-ip-range 10.96.0.0/16 \
    --enable-garbage-collector=false --profiling=false \
    </dev/null >>"$KUBE_APISERVER_LOG" 2>&1 7>&- 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$KUBE_APISERVER_PIDFILE"
  # Holds the port lock until the port is bound, so that no other checkout picks it meanwhile.
  for ((i = 0; i < 600; i++)); do
    port_open "$port" && break
    alive "$pid" || { grep -E '^[EF][0-9]{4}|Error' "$KUBE_APISERVER_LOG" | tail -5 >&2; die "kube: kube-apiserver exited during start (log: $KUBE_APISERVER_LOG)"; }
    sleep 0.1
  done
  port_unlock
  for ((i = 0; i < 1200; i++)); do
    [ "$(kube_get "$port" /readyz)" = ok ] && break
    alive "$pid" || { grep -E '^[EF][0-9]{4}|Error' "$KUBE_APISERVER_LOG" | tail -5 >&2; die "kube: kube-apiserver exited during start (log: $KUBE_APISERVER_LOG)"; }
    sleep 0.1
  done
  [ "$(kube_get "$port" /readyz)" = ok ] ||
    die "kube: kube-apiserver (pid $pid) is not ready on 127.0.0.1:$port after 120s (log: $KUBE_APISERVER_LOG)"
  say "kube: kube-apiserver started (pid $pid) on https://127.0.0.1:$port"
  KUBE_PORT=$port
}

kube_start() {
  local port apid
  mkdir -p "$RUN" "$LOGS"
  if [ ! -x "$KUBE_APISERVER_BIN" ]; then
    bash "$BOSUN_ROOT/scripts/toolchain/build-kube-apiserver.sh" || die "kube: kube-apiserver could not be built"
  fi
  command -v etcd >/dev/null 2>&1 || die "kube: etcd not found (Debian package etcd-server)"
  kube_credentials
  if apid=$(kube_apiserver_pid); then
    port=$(kube_env_value BOSUN_KUBE_PORT)
    if [ -z "$port" ] || [ "$(kube_get "$port" /readyz)" != ok ]; then
      die "kube: kube-apiserver (pid $apid) runs but does not answer as recorded in $KUBE_ENV; run scripts/services/kube.sh stop"
    fi
    kube_etcd_pid >/dev/null || die "kube: kube-apiserver (pid $apid) runs without its etcd; run scripts/services/kube.sh stop"
    kube_write_files "$port" "$(kube_env_value BOSUN_ETCD_PORT)"
    return 0
  fi
  port_lock
  if kube_etcd_pid >/dev/null && [ -n "$(kube_env_value BOSUN_ETCD_PORT)" ]; then
    KUBE_ETCD_PORT=$(kube_env_value BOSUN_ETCD_PORT)
  else
    stop_pid "$KUBE_ETCD_PIDFILE" "$KUBE_ETCD_NAME" 10 || true
    kube_start_etcd
  fi
  kube_start_apiserver "$KUBE_ETCD_PORT"
  kube_write_files "$KUBE_PORT" "$KUBE_ETCD_PORT"
}

kube_stop() {
  local pid stopped=()
  if pid=$(kube_apiserver_pid); then
    stop_pid "$KUBE_APISERVER_PIDFILE" kube-apiserver 20 || true
    stopped+=("kube-apiserver (pid $pid)")
  else
    rm -f "$KUBE_APISERVER_PIDFILE"
  fi
  if pid=$(kube_etcd_pid); then
    stop_pid "$KUBE_ETCD_PIDFILE" "$KUBE_ETCD_NAME" 20 || true
    stopped+=("etcd (pid $pid)")
  else
    rm -f "$KUBE_ETCD_PIDFILE"
  fi
  rm -f "$KUBE_ENV"
  if [ ${#stopped[@]} -gt 0 ]; then
    echo "kube: stopped ${stopped[*]}"
  else
    echo "kube: not running"
  fi
}

kube_status() {
  local apid epid port
  apid=$(kube_apiserver_pid) || apid=""
  epid=$(kube_etcd_pid) || epid=""
  port=$(kube_env_value BOSUN_KUBE_PORT)
  if [ -n "$apid" ] && [ -n "$epid" ] && [ -n "$port" ] && [ "$(kube_get "$port" /readyz)" = ok ]; then
    echo "kube: running (kube-apiserver pid $apid on https://127.0.0.1:$port, etcd pid $epid on 127.0.0.1:$(kube_env_value BOSUN_ETCD_PORT)); kubeconfig $KUBE_CONFIG"
    return 0
  fi
  echo "kube: stopped${apid:+ (kube-apiserver pid $apid not ready)}${epid:+ (etcd pid $epid)}"
  return 1
}

# Run on its own: the same per-checkout lock as scripts/services.sh (fd 9).
kube_main() {
  mkdir -p "$RUN" "$LOGS"
  exec 9>"$RUN/services.lock"
  flock -w 300 9 || die "another scripts/services.sh holds $RUN/services.lock"
  case "${1:-}" in
    start)
      local pkgs=()
      mapfile -t pkgs < <(kube_packages)
      install_packages "${pkgs[@]}"
      kube_start
      say "kube: ready; kubeconfig $KUBE_CONFIG, addresses in $KUBE_ENV"
      ;;
    stop) kube_stop ;;
    status) kube_status || exit 3 ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  kube_main "$@"
fi
