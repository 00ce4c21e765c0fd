#!/usr/bin/env bash
# Local services for development, tests and the demo:
#
#   bash scripts/services.sh start    install what is missing (Debian packages), start what is not running
#   bash scripts/services.sh stop     stop exactly what `start` started, by pid
#   bash scripts/services.sh status   print each service's state (exit 3 when something is down)
#
# Services, all on loopback only:
#   PostgreSQL  private cluster in $BOSUN_STATE/postgres, 127.0.0.1:$BOSUN_PG_PORT (54329),
#               role `bosun`, databases `bosun` and `bosun_test`; unix socket in $BOSUN_STATE/run.
#   Redis       127.0.0.1:$BOSUN_REDIS_PORT (63799), no persistence.
#   Docker      the daemon on /var/run/docker.sock when one answers there; otherwise our own dockerd
#               (vfs storage, no iptables) with its data root in $BOSUN_CACHE/docker, so images
#               survive fresh clones, and its socket at $BOSUN_STATE/run/docker.sock.
#   Images      built locally, since no registry is reachable:
#               bosun/base:1         busybox-static rootfs, imported from a tarball;
#               bosun/echo-server:1  base + an HTTP server (busybox httpd) on $PORT (default 8080)
#                                    answering "$MESSAGE" (default "bosun echo-server"). It stands in
#                                    for real service images (Minecraft, Jellyfin, ...) in the local demo.
#
# Addresses go to $BOSUN_STATE/services.env (sourced by scripts/env.sh): BOSUN_TEST_DATABASE_URL,
# BOSUN_DEV_DATABASE_URL, BOSUN_REDIS_URL, DOCKER_HOST. DATABASE_URL and REDIS_URL are deliberately
# not set: they switch the product away from its embedded defaults (PGlite, in-process locks).
# Pid files are in $BOSUN_STATE/run, logs in $BOSUN_STATE/logs.
set -euo pipefail

# Same defaults as scripts/env.sh. That file is not sourced here because it also sources the
# services.env this script writes, and a stale DOCKER_HOST must not steer the checks below.
BOSUN_ROOT="${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BOSUN_CACHE="${BOSUN_CACHE:-$HOME/.cache/bosun}"
BOSUN_STATE="${BOSUN_STATE:-$BOSUN_ROOT/.state}"
PG_PORT="${BOSUN_PG_PORT:-54329}"
REDIS_PORT="${BOSUN_REDIS_PORT:-63799}"
# Set BOSUN_DOCKER=0 to skip Docker and the images (e.g. on a machine where dockerd cannot run).
WANT_DOCKER="${BOSUN_DOCKER:-1}"

RUN="$BOSUN_STATE/run"
LOGS="$BOSUN_STATE/logs"
# PostgreSQL runs as user postgres, which must reach its data directory. A clone
# under a private directory (e.g. /root) can't host it, so the cluster then
# lives in /var/lib/bosun/<hash of the state path> instead.
others_can_traverse() {
  local d
  d=$(cd "$1" 2>/dev/null && pwd -P) || d="$1"
  while [ -n "$d" ] && [ "$d" != "/" ]; do
    if [ -e "$d" ] && [ "$(( 0$(stat -c %a "$d") & 1 ))" -eq 0 ]; then return 1; fi
    d=$(dirname "$d")
  done
}
if [ "$(id -u)" -eq 0 ] && ! others_can_traverse "$BOSUN_STATE"; then
  PG_HOME="/var/lib/bosun/$(printf '%s' "$BOSUN_STATE" | sha256sum | cut -c1-12)"
else
  PG_HOME="$BOSUN_STATE"
fi
PG_DATA="$PG_HOME/postgres"
PG_SOCKDIR="$PG_HOME/run/postgres"
PG_LOG="$PG_HOME/logs/postgres.log"
PG_PASSFILE="$BOSUN_STATE/postgres.password"
ENV_FILE="$BOSUN_STATE/services.env"
DOCKER_DEFAULT_SOCK=/var/run/docker.sock
DOCKER_DATA="$BOSUN_CACHE/docker"
DOCKER_SOCK="$RUN/docker.sock"
DOCKER_EXEC="$RUN/docker"
BASE_IMAGE=bosun/base:1
ECHO_IMAGE=bosun/echo-server:1
# Stands in for itzg/minecraft-server in the demo stack (no registry here): the
# echo server listening on 25565/tcp. It answers HTTP, not the Minecraft protocol.
STANDIN_IMAGE=bosun/minecraft-standin:1

# Temporary directories removed when the script exits, however it exits.
CLEANUP=()
trap 'if [ ${#CLEANUP[@]} -gt 0 ]; then rm -rf "${CLEANUP[@]}"; fi' EXIT

say() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# helpers

# Who listens on 127.0.0.1:$1 (or on any address), for error messages.
port_holder() {
  local port=$1 out=""
  if command -v ss >/dev/null 2>&1; then
    out=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' | head -1)
  fi
  if [ -z "$out" ] && command -v lsof >/dev/null 2>&1; then
    out=$(lsof -nP -iTCP:"$port" -sTCP:LISTEN 2>/dev/null | awk 'NR==2 {print $1 " (pid " $2 ")"}')
  fi
  printf '%s' "${out:-an unknown process}"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid from a pid file if that process is alive and its command line contains $2.
live_pid() {
  local file=$1 name=$2 pid
  [ -f "$file" ] || return 1
  pid=$(head -1 "$file" 2>/dev/null | tr -dc '0-9')
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name" || return 1
  printf '%s' "$pid"
}

# True while pid $1 exists and is not a zombie (our daemons are reparented to an init that may
# reap them late).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# Stops the process recorded in pid file $1 if it is still the program $2; waits up to $3 s.
stop_pid() {
  local file=$1 name=$2 wait=${3:-20} pid i
  if ! pid=$(live_pid "$file" "$name"); then
    rm -f "$file"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "$name (pid $pid) did not stop in ${wait}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Runs a command as the unprivileged owner of the PostgreSQL cluster (Postgres refuses root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bindir() {
  local d
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && printf '%s' "$d"
}

busybox_static() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then printf '%s' "$b"; return 0; fi
  done
  return 1
}

default_docker_answers() {
  [ -S "$DOCKER_DEFAULT_SOCK" ] && command -v docker >/dev/null 2>&1 &&
    timeout 5 docker -H "unix://$DOCKER_DEFAULT_SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Installs the Debian packages for whatever is missing, with one `apt-get update` first.
ensure_packages() {
  local pkgs=()
  pg_bindir >/dev/null || pkgs+=(postgresql)
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || pkgs+=(redis-server)
  if [ "$WANT_DOCKER" = 1 ]; then
    if ! default_docker_answers; then
      command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
    fi
    command -v docker >/dev/null 2>&1 || pkgs+=(docker.io)
    busybox_static >/dev/null || pkgs+=(busybox-static)
  fi
  [ ${#pkgs[@]} -eq 0 ] && return 0
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${pkgs[*]}; installing them needs root (run this script as root, or: sudo apt-get install ${pkgs[*]})"
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${pkgs[*]} and no apt-get on this machine"
  mkdir -p "$LOGS"
  local log="$LOGS/apt.log" made_policy=0
  # Package scripts would otherwise start system-wide copies (postgres on 5432, redis on 6379,
  # dockerd) that this script did not start and would never stop.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  say "installing ${pkgs[*]} (log: $log)"
  local ok=1
  DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1 || ok=0
  if [ $ok = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1 || ok=0
  fi
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ $ok = 0 ]; then
    grep -E '^(E|W):' "$log" | tail -5 >&2 || tail -5 "$log" >&2
    die "apt-get could not install ${pkgs[*]} (full log: $log)"
  fi
}

# services.env is rewritten after every service so that a later failure leaves the
# addresses of the services already running in place.
declare -A ENV_LINES=()
write_env() {
  local tmp="$ENV_FILE.tmp.$$" k
  {
    echo "# Written by scripts/services.sh; sourced by scripts/env.sh. Do not edit."
    for k in $(printf '%s\n' "${!ENV_LINES[@]}" | sort); do
      printf 'export %s=%q\n' "$k" "${ENV_LINES[$k]}"
    done
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_password() {
  if [ ! -s "$PG_PASSFILE" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$PG_PASSFILE")
  fi
  cat "$PG_PASSFILE"
}

pg_running_pid() { live_pid "$PG_DATA/postmaster.pid" postgres; }

start_postgres() {
  local bin pid password
  bin=$(pg_bindir) || die "PostgreSQL binaries not found after install (looked on PATH and in /usr/lib/postgresql/*/bin)"
  mkdir -p "$RUN" "$LOGS" "$PG_SOCKDIR" "$(dirname "$PG_LOG")"
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || die "user 'postgres' does not exist (the postgresql package creates it); cannot run PostgreSQL as root"
    as_pg test -x "$PG_HOME" ||
      die "user 'postgres' cannot reach $PG_HOME (a parent directory is not searchable by others); run: chmod o+x on the parents"
    chown postgres: "$PG_SOCKDIR"
  fi

  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "postgres: creating cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    chmod 700 "$PG_DATA"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DATA"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOGS/postgres-initdb.log" 2>&1 ||
      { tail -5 "$LOGS/postgres-initdb.log" >&2; die "initdb failed (log: $LOGS/postgres-initdb.log)"; }
    # A throwaway dev/test cluster: durability is traded for speed (tests create and drop schemas).
    cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# bosun (scripts/services.sh): loopback only; a dev/test cluster, so durability is off for speed.
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  fi

  if pid=$(pg_running_pid); then
    :
  else
    if port_open "$PG_PORT"; then
      die "postgres: port 127.0.0.1:$PG_PORT is in use by $(port_holder "$PG_PORT"); stop it or set BOSUN_PG_PORT"
    fi
    [ "$(id -u)" -eq 0 ] && { touch "$PG_LOG"; chown postgres: "$PG_LOG"; }
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-p $PG_PORT -k $PG_SOCKDIR -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 9>&- ||
      { tail -5 "$PG_LOG" >&2; die "postgres did not start (log: $PG_LOG)"; }
    pid=$(pg_running_pid) || die "postgres started but $PG_DATA/postmaster.pid has no live pid"
    say "postgres: started (pid $pid) on 127.0.0.1:$PG_PORT"
  fi
  echo "$pid" >"$RUN/postgres.pid"

  password=$(pg_password)
  # Idempotent: creates or updates the role, creates the databases once.
  as_pg "$bin/psql" -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
    -v pw="$password" >/dev/null 2>"$LOGS/postgres-setup.log" <<'EOF' ||
SELECT format('CREATE ROLE bosun LOGIN PASSWORD %L', :'pw') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bosun') \gexec
-- CREATEDB: the test suites create a fresh database per run and drop it afterwards.
SELECT format('ALTER ROLE bosun LOGIN CREATEDB PASSWORD %L', :'pw') \gexec
SELECT 'CREATE DATABASE bosun OWNER bosun' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'bosun') \gexec
SELECT 'CREATE DATABASE bosun_test OWNER bosun' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'bosun_test') \gexec
EOF
    { cat "$LOGS/postgres-setup.log" >&2; die "postgres: creating role/databases failed"; }

  ENV_LINES[BOSUN_TEST_DATABASE_URL]="postgres://bosun:$password@127.0.0.1:$PG_PORT/bosun_test"
  ENV_LINES[BOSUN_DEV_DATABASE_URL]="postgres://bosun:$password@127.0.0.1:$PG_PORT/bosun"
  write_env
}

stop_postgres() {
  local bin pid
  if ! pid=$(pg_running_pid); then
    rm -f "$RUN/postgres.pid"
    echo "postgres: not running"
    return 0
  fi
  if bin=$(pg_bindir); then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || stop_pid "$PG_DATA/postmaster.pid" postgres 30 || true
  else
    stop_pid "$PG_DATA/postmaster.pid" postgres 30 || true
  fi
  rm -f "$RUN/postgres.pid"
  echo "postgres: stopped (pid $pid)"
}

# ---------------------------------------------------------------------------------------------
# Redis

start_redis() {
  local pid i
  mkdir -p "$RUN" "$LOGS" "$BOSUN_STATE/redis"
  if ! pid=$(live_pid "$RUN/redis.pid" redis-server); then
    if port_open "$REDIS_PORT"; then
      die "redis: port 127.0.0.1:$REDIS_PORT is in use by $(port_holder "$REDIS_PORT"); stop it or set BOSUN_REDIS_PORT"
    fi
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
      --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" \
      --dir "$BOSUN_STATE/redis" --save '' --appendonly no >/dev/null 2>&1 9>&- ||
      { tail -5 "$LOGS/redis.log" >&2 2>/dev/null; die "redis-server did not start (log: $LOGS/redis.log)"; }
    for ((i = 0; i < 100; i++)); do
      redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    pid=$(live_pid "$RUN/redis.pid" redis-server) ||
      { tail -5 "$LOGS/redis.log" >&2 2>/dev/null; die "redis-server exited right after start (log: $LOGS/redis.log)"; }
    say "redis: started (pid $pid) on 127.0.0.1:$REDIS_PORT"
  fi
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG ||
    die "redis (pid $pid) does not answer PING on 127.0.0.1:$REDIS_PORT (log: $LOGS/redis.log)"
  ENV_LINES[BOSUN_REDIS_URL]="redis://127.0.0.1:$REDIS_PORT"
  write_env
}

stop_redis() {
  local pid
  if pid=$(live_pid "$RUN/redis.pid" redis-server); then
    stop_pid "$RUN/redis.pid" redis-server 10 || true
    echo "redis: stopped (pid $pid)"
  else
    rm -f "$RUN/redis.pid"
    echo "redis: not running"
  fi
}

# ---------------------------------------------------------------------------------------------
# Docker

# Which daemon we use: "external" (someone else's, on the default socket) or "own".
docker_mode_file="$RUN/docker.mode"

docker_own() { docker -H "unix://$DOCKER_SOCK" "$@"; }

start_docker() {
  local pid i host
  mkdir -p "$RUN" "$LOGS"
  if live_pid "$RUN/dockerd.pid" dockerd >/dev/null; then
    host="unix://$DOCKER_SOCK"
  elif default_docker_answers; then
    host="unix://$DOCKER_DEFAULT_SOCK"
    echo external >"$docker_mode_file"
  else
    command -v dockerd >/dev/null 2>&1 || die "dockerd not found (Debian package docker.io)"
    # Unix socket paths are limited to 107 bytes; containerd's lives deep under the exec root.
    if [ ${#DOCKER_EXEC} -gt 60 ]; then
      DOCKER_EXEC="/run/bosun-docker-$(printf '%s' "$BOSUN_STATE" | md5sum | cut -c1-8)"
    fi
    [ ${#DOCKER_SOCK} -lt 100 ] || die "docker socket path too long for a unix socket: $DOCKER_SOCK (use a shorter BOSUN_STATE)"
    mkdir -p "$DOCKER_DATA" "$DOCKER_EXEC"
    rm -f "$DOCKER_SOCK"
    # --iptables=false: no NAT rules are touched on the host; published ports on 127.0.0.1 go
    # through docker-proxy (the userland proxy) instead. vfs works on any filesystem.
    setsid dockerd \
      --host "unix://$DOCKER_SOCK" \
      --data-root "$DOCKER_DATA" \
      --exec-root "$DOCKER_EXEC" \
      --pidfile "$RUN/dockerd.pid" \
      --storage-driver vfs \
      --iptables=false --ip6tables=false --ip-masq=false \
      --userland-proxy=true \
      </dev/null >>"$LOGS/dockerd.log" 2>&1 9>&- &
    local launched=$!
    for ((i = 0; i < 600; i++)); do
      docker_own version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
      if ! kill -0 "$launched" 2>/dev/null; then
        grep -iE 'level=(error|fatal)|failed' "$LOGS/dockerd.log" | tail -5 >&2 || tail -5 "$LOGS/dockerd.log" >&2
        if [ "$(id -u)" -ne 0 ]; then die "dockerd exited: it needs root (log: $LOGS/dockerd.log)"; fi
        die "dockerd exited during start (log: $LOGS/dockerd.log)"
      fi
      sleep 0.1
    done
    pid=$(live_pid "$RUN/dockerd.pid" dockerd) ||
      { kill -TERM "$launched" 2>/dev/null; die "dockerd did not answer on $DOCKER_SOCK within 60s (log: $LOGS/dockerd.log)"; }
    echo own >"$docker_mode_file"
    echo "$DOCKER_EXEC" >"$RUN/docker.exec-root"
    say "docker: started dockerd (pid $pid) on unix://$DOCKER_SOCK, data in $DOCKER_DATA"
    host="unix://$DOCKER_SOCK"
  fi
  ENV_LINES[DOCKER_HOST]="$host"
  write_env
  export DOCKER_HOST="$host"
  ensure_images
}

ensure_images() {
  local built=0
  if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    build_base_image
    built=1
  fi
  if ! docker image inspect "$ECHO_IMAGE" >/dev/null 2>&1; then
    build_echo_image
    built=1
  fi
  if ! docker image inspect "$STANDIN_IMAGE" >/dev/null 2>&1; then
    build_standin_image
  fi
  # The end-to-end check costs a few seconds, so it runs only when something was just built
  # or the daemon is new to us; `status` repeats it on demand with VERIFY=1.
  if [ $built = 1 ] || [ ! -f "$RUN/docker.verified" ] || [ "${VERIFY:-0}" = 1 ]; then
    verify_docker
    date +%s >"$RUN/docker.verified"
  fi
}

build_base_image() {
  local bb tmp
  bb=$(busybox_static) || die "no static busybox (Debian package busybox-static) to build $BASE_IMAGE"
  tmp=$(mktemp -d)
  CLEANUP+=("$tmp")
  local root="$tmp/rootfs"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,tmp,root,var/www,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  # One symlink per applet (what `busybox --install -s` does), at the paths busybox expects.
  "$bb" --list-full | while read -r applet; do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . |
    docker import \
      --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      --message "bosun base image: busybox-static rootfs (scripts/services.sh)" \
      - "$BASE_IMAGE" >/dev/null || die "docker import of $BASE_IMAGE failed"
  say "docker: built $BASE_IMAGE"
}

# Built with create/cp/commit rather than `docker build`, so it needs no builder (BuildKit/buildx).
build_echo_image() {
  local tmp cid
  tmp=$(mktemp -d)
  CLEANUP+=("$tmp")
  cat >"$tmp/echo-server" <<'EOF'
#!/bin/sh
# bosun/echo-server: an HTTP server on $PORT that answers $MESSAGE; a stand-in for real images.
PORT="${PORT:-8080}"
mkdir -p /var/www
printf '%s\n' "${MESSAGE:-bosun echo-server}" >/var/www/index.html
echo "echo-server: listening on 0.0.0.0:$PORT"
exec httpd -f -v -p "0.0.0.0:$PORT" -h /var/www
EOF
  chmod 755 "$tmp/echo-server"
  cid=$(docker create "$BASE_IMAGE" /bin/true) || die "docker create from $BASE_IMAGE failed"
  docker cp "$tmp/echo-server" "$cid:/usr/local/bin/echo-server" >/dev/null ||
    { docker rm -f "$cid" >/dev/null 2>&1; die "docker cp into a $BASE_IMAGE container failed"; }
  docker commit \
    --change 'ENV PORT=8080' \
    --change 'EXPOSE 8080' \
    --change 'CMD ["/usr/local/bin/echo-server"]' \
    --message "bosun echo-server: busybox httpd on \$PORT (scripts/services.sh)" \
    "$cid" "$ECHO_IMAGE" >/dev/null || { docker rm -f "$cid" >/dev/null 2>&1; die "docker commit of $ECHO_IMAGE failed"; }
  docker rm -f "$cid" >/dev/null 2>&1 || true
  say "docker: built $ECHO_IMAGE"
}

build_standin_image() {
  local cid tmp
  tmp=$(mktemp -d)
  CLEANUP+=("$tmp")
  # The template's health check runs mc-health (as itzg's image has it).
  printf '#!/bin/sh\nexec wget -q -O /dev/null "http://127.0.0.1:${PORT:-25565}/"\n' >"$tmp/mc-health"
  chmod 755 "$tmp/mc-health"
  cid=$(docker create "$ECHO_IMAGE") || die "docker create from $ECHO_IMAGE failed"
  docker cp "$tmp/mc-health" "$cid:/usr/bin/mc-health" >/dev/null ||
    { docker rm -f "$cid" >/dev/null 2>&1; die "docker cp into a $ECHO_IMAGE container failed"; }
  docker commit \
    --change 'ENV PORT=25565' \
    --change 'ENV MESSAGE="bosun stand-in for itzg/minecraft-server (no registry on this machine)"' \
    --change 'EXPOSE 25565' \
    --message "bosun minecraft stand-in: echo-server on 25565 (scripts/services.sh)" \
    "$cid" "$STANDIN_IMAGE" >/dev/null || { docker rm -f "$cid" >/dev/null 2>&1; die "docker commit of $STANDIN_IMAGE failed"; }
  docker rm -f "$cid" >/dev/null 2>&1 || true
  say "docker: built $STANDIN_IMAGE"
}

# `docker run --rm` works, and a port published on 127.0.0.1 answers.
verify_docker() {
  local out name="bosun-verify-$$" port i body=""
  out=$(docker run --rm --network none "$BASE_IMAGE" /bin/sh -c 'echo ok' 2>&1) ||
    die "docker run --rm $BASE_IMAGE failed: $out"
  [ "$out" = ok ] || die "docker run --rm $BASE_IMAGE printed '$out' instead of 'ok'"
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" -e MESSAGE=bosun-verify -p 127.0.0.1::8080 "$ECHO_IMAGE" >/dev/null 2>"$LOGS/docker-verify.log" ||
    { cat "$LOGS/docker-verify.log" >&2; die "docker run of $ECHO_IMAGE with a published port failed"; }
  port=$(docker port "$name" 8080/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -1)
  for ((i = 0; i < 50; i++)); do
    body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null) && break
    sleep 0.2
  done
  docker rm -f "$name" >/dev/null 2>&1 || true
  [ "$body" = bosun-verify ] || die "published port 127.0.0.1:${port:-?} of $ECHO_IMAGE did not answer (got '${body}')"
  say "docker: verified run --rm and a published port on 127.0.0.1"
}

stop_docker() {
  local pid exec_root
  if pid=$(live_pid "$RUN/dockerd.pid" dockerd); then
    # dockerd stops its containers and its managed containerd on SIGTERM.
    stop_pid "$RUN/dockerd.pid" dockerd 30 || true
    exec_root=$(cat "$RUN/docker.exec-root" 2>/dev/null || true)
    # The managed containerd runs as a child; make sure the one from our exec root is gone too.
    if [ -n "$exec_root" ]; then
      live_pid "$exec_root/containerd/containerd.pid" containerd >/dev/null &&
        stop_pid "$exec_root/containerd/containerd.pid" containerd 10 || true
    fi
    rm -f "$DOCKER_SOCK" "$RUN/docker.verified" "$docker_mode_file" "$RUN/docker.exec-root"
    echo "docker: stopped dockerd (pid $pid)"
  else
    rm -f "$RUN/dockerd.pid" "$docker_mode_file" "$RUN/docker.verified"
    echo "docker: no dockerd of ours running (a daemon on $DOCKER_DEFAULT_SOCK, if any, is left alone)"
  fi
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_start() {
  local t0=$SECONDS
  mkdir -p "$RUN" "$LOGS"
  # One start at a time (parallel test runs may all call setup). Daemons are started with
  # fd 9 closed, or they would hold this lock for as long as they run.
  exec 9>"$RUN/services.lock"
  flock -w 300 9 || die "another scripts/services.sh start holds $RUN/services.lock"
  # Keep lines from an earlier run for services this run does not (re)start.
  if [ -f "$ENV_FILE" ]; then
    local k v
    while IFS='=' read -r k v; do
      k=${k#export }
      [ -n "$k" ] && [ "${k:0:1}" != '#' ] && ENV_LINES[$k]=$(eval "printf '%s' $v")
    done <"$ENV_FILE"
  fi
  ensure_packages
  start_postgres
  start_redis
  if [ "$WANT_DOCKER" = 1 ]; then
    start_docker
  else
    unset 'ENV_LINES[DOCKER_HOST]'
    write_env
  fi
  say "ready in $((SECONDS - t0))s; addresses in $ENV_FILE"
}

cmd_stop() {
  mkdir -p "$RUN"
  exec 9>"$RUN/services.lock"
  flock -w 120 9 || die "another scripts/services.sh holds $RUN/services.lock"
  stop_docker
  stop_redis
  stop_postgres
  rm -f "$ENV_FILE"
}

cmd_status() {
  local pid down=0 mode
  if pid=$(pg_running_pid); then
    echo "postgres: running (pid $pid) on 127.0.0.1:$PG_PORT, data $PG_DATA"
  else
    echo "postgres: stopped"; down=1
  fi
  if pid=$(live_pid "$RUN/redis.pid" redis-server); then
    echo "redis: running (pid $pid) on 127.0.0.1:$REDIS_PORT"
  else
    echo "redis: stopped"; down=1
  fi
  if [ "$WANT_DOCKER" = 1 ]; then
    mode=$(cat "$docker_mode_file" 2>/dev/null || true)
    local host=""
    if pid=$(live_pid "$RUN/dockerd.pid" dockerd); then
      host="unix://$DOCKER_SOCK"
      echo "docker: running (dockerd pid $pid, started by bosun) on $host"
    elif [ "$mode" = external ] && default_docker_answers; then
      host="unix://$DOCKER_DEFAULT_SOCK"
      echo "docker: using the existing daemon on $host"
    else
      echo "docker: stopped"; down=1
    fi
    if [ -n "$host" ]; then
      local img
      for img in "$BASE_IMAGE" "$ECHO_IMAGE" "$STANDIN_IMAGE"; do
        if DOCKER_HOST=$host docker image inspect "$img" >/dev/null 2>&1; then
          echo "image $img: present"
        else
          echo "image $img: missing"; down=1
        fi
      done
    fi
  fi
  [ -f "$ENV_FILE" ] && echo "env: $ENV_FILE"
  return $((down * 3))
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
