# shellcheck shell=bash
# Shared helpers for scripts/services.sh and the service modules beside this file. Sourced, never
# run; every module sources it too (once is enough: the guard below), so each file stands alone
# for shellcheck and for a quick `source scripts/services/redis.sh` while debugging.
[ -n "${BOSUN_SERVICES_LIB:-}" ] && return 0
BOSUN_SERVICES_LIB=1

# Same defaults as scripts/env.sh. That file is not sourced here because it also sources the
# services.env these scripts write, and a stale DOCKER_HOST must not steer the checks.
BOSUN_ROOT="${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BOSUN_CACHE="${BOSUN_CACHE:-$HOME/.cache/bosun}"
BOSUN_STATE="${BOSUN_STATE:-$BOSUN_ROOT/.state}"

# Per checkout: pid files, logs, the addresses file.
RUN="$BOSUN_STATE/run"
LOGS="$BOSUN_STATE/logs"
ENV_FILE="$BOSUN_STATE/services.env"
# Per machine (every checkout that shares $BOSUN_CACHE): the shared dockerd, machine-wide locks.
SHARED_RUN="$BOSUN_CACHE/run"

# File descriptors that hold locks. Daemons are started with all of them closed (`7>&- 8>&- 9>&-`),
# or they would hold the locks for as long as they run.
#   9  $RUN/services.lock         one start/stop per checkout at a time (services.sh)
#   8  $SHARED_RUN/ports.lock     choosing a port and binding it, machine-wide (port_lock)
#   7  $SHARED_RUN/docker.lock    the shared dockerd, its users and its images (docker.sh)

# Temporary directories removed when the script exits, however it exits.
CLEANUP=()
trap 'if [ ${#CLEANUP[@]} -gt 0 ]; then rm -rf "${CLEANUP[@]}"; fi' EXIT

say() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# processes

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

# Stops pid $1 (named $2 in messages): SIGTERM, then SIGKILL after $3 s.
stop_process() {
  local pid=$1 name=$2 wait=${3:-20} i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  say "$name (pid $pid) did not stop in ${wait}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Stops the process recorded in pid file $1 if it is still the program $2; waits up to $3 s.
stop_pid() {
  local file=$1 name=$2 wait=${3:-20} pid
  if ! pid=$(live_pid "$file" "$name"); then
    rm -f "$file"
    return 1
  fi
  stop_process "$pid" "$name" "$wait"
  rm -f "$file"
}

# ---------------------------------------------------------------------------------------------
# ports (TCP, loopback)

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Pids listening on TCP port $1 on any address (empty without ss, or when not allowed to see them).
port_pids() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

# First TCP port that pid $1 listens on, per ss.
pid_port() {
  command -v ss >/dev/null 2>&1 || return 1
  ss -Hltnp 2>/dev/null | grep -F "pid=$1," | awk '{print $4}' | sed -n 's/.*:\([0-9][0-9]*\)$/\1/p' | head -1 | grep .
}

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

# Nobody listens on port $1, on loopback or any other address.
port_free() {
  port_open "$1" && return 1
  if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; then return 1; fi
  return 0
}

# True when port $1 answers and, where ss can tell, pid $2 is one of its listeners.
port_served_by() {
  local port=$1 pid=$2 pids
  port_open "$port" || return 1
  pids=$(port_pids "$port")
  [ -z "$pids" ] || grep -qx "$pid" <<<"$pids"
}

# A number from 0 to 999 derived from $BOSUN_STATE: each checkout starts its port search at its
# own offset, so it tends to get the same ports run after run, and checkouts rarely collide.
state_offset() {
  local h
  h=$(printf '%s' "$BOSUN_STATE" | sha256sum | cut -c1-8)
  printf '%s' "$(( 16#$h % 1000 ))"
}

# The port that the caller asked for in BOSUN_<NAME>_PORT, if any. A value that is only the one
# services.env records does not count: scripts/env.sh exports that file, so setup.sh and with-env.sh
# hand it down, and it must not pin a port that has since been taken by someone else.
# Returns 1 when there is none, 2 (after saying why) when the value is not a port.
explicit_port() {
  local var="BOSUN_${1^^}_PORT" value
  value="${!var:-}"
  [ -n "$value" ] && [ "$value" != "${ENV_LINES[$var]:-}" ] || return 1
  if ! [[ "$value" =~ ^[0-9]+$ ]] || [ "$value" -lt 1 ] || [ "$value" -gt 65535 ]; then
    printf 'services: error: %s=%s is not a TCP port\n' "$var" "$value" >&2
    return 2
  fi
  printf '%s' "$value"
}

# pick_port NAME BASE [PIDFILE [PROGRAM]]
# Prints the loopback TCP port for service NAME, whose variable is BOSUN_<NAME>_PORT:
#   1. BOSUN_<NAME>_PORT when the caller set it (see explicit_port), free or not: the caller
#      reports a port held by someone else;
#   2. the port services.env records, while our own process (pid file PIDFILE, default
#      $RUN/<name>.pid, running PROGRAM, default <name>) is alive and listening on it;
#   3. otherwise the first free port in BASE..BASE+999, searched upwards (wrapping around)
#      from BASE + state_offset.
# Call it between port_lock and port_unlock, and bind the port before unlocking, so that two
# checkouts starting at once do not pick the same port. Later services (Pebble, etcd, a registry)
# use it the same way: `port=$(pick_port ETCD 23790) || exit 1`.
pick_port() {
  local name=$1 base=$2 pidfile=${3:-$RUN/${1,,}.pid} program=${4:-${1,,}}
  local var="BOSUN_${1^^}_PORT" recorded pid span offset port i rc=0
  port=$(explicit_port "$name") || rc=$?
  if [ $rc -eq 0 ]; then
    printf '%s' "$port"
    return 0
  fi
  [ $rc -eq 1 ] || exit 1
  recorded="${ENV_LINES[$var]:-}"
  if [ -n "$recorded" ] && pid=$(live_pid "$pidfile" "$program") && port_served_by "$recorded" "$pid"; then
    printf '%s' "$recorded"
    return 0
  fi
  span=1000
  [ $((base + span - 1)) -le 65535 ] || span=$((65536 - base))
  offset=$(( $(state_offset) % span ))
  for ((i = 0; i < span; i++)); do
    port=$(( base + (offset + i) % span ))
    if port_free "$port"; then
      printf '%s' "$port"
      return 0
    fi
  done
  die "$name: no free loopback port in $base..$((base + span - 1)); set $var"
}

# Machine-wide lock around choosing and binding ports (fd 8).
port_lock() {
  mkdir -p "$SHARED_RUN"
  exec 8>"$SHARED_RUN/ports.lock"
  flock -w 120 8 || die "another checkout holds $SHARED_RUN/ports.lock for more than 120s"
}
port_unlock() { exec 8>&-; }

# ---------------------------------------------------------------------------------------------
# services.env

# Lines of services.env, by variable. It is rewritten after every service so that a later failure
# leaves the addresses of the services already running in place.
declare -A ENV_LINES=()

# Loads what an earlier run recorded, so lines of services this run does not (re)start stay.
load_env() {
  local k v
  [ -f "$ENV_FILE" ] || return 0
  while IFS='=' read -r k v; do
    k=${k#export }
    # Skips blank lines and the comment.
    [[ "$k" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    # Values were written with printf %q; eval undoes exactly that quoting.
    ENV_LINES[$k]=$(eval "printf '%s' $v")
  done <"$ENV_FILE"
}

write_env() {
  local tmp="$ENV_FILE.tmp.$$" k
  mkdir -p "$BOSUN_STATE"
  {
    echo "# Written by scripts/services.sh; sourced by scripts/env.sh. Do not edit."
    while IFS= read -r k; do
      [ -n "$k" ] && printf 'export %s=%q\n' "$k" "${ENV_LINES[$k]}"
    done < <(printf '%s\n' "${!ENV_LINES[@]}" | sort)
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# Debian packages

# Installs the given Debian packages (duplicates are fine) with one `apt-get update` and one
# `apt-get install`; does nothing without arguments.
install_packages() {
  local pkgs=()
  [ $# -eq 0 ] && return 0
  mapfile -t pkgs < <(printf '%s\n' "$@" | grep . | sort -u)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${pkgs[*]}; installing them needs root (run this script as root, or: sudo apt-get install ${pkgs[*]})"
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${pkgs[*]} and no apt-get on this machine"
  mkdir -p "$LOGS"
  local log="$LOGS/apt.log" made_policy=0 ok=1
  # Package scripts would otherwise start system-wide copies (postgres on 5432, redis on 6379,
  # dockerd) that these scripts did not start and would never stop.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  say "installing ${pkgs[*]} (log: $log)"
  DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1 || ok=0
  if [ $ok = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1 || ok=0
  fi
  if [ $made_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ $ok = 0 ]; then
    grep -E '^(E|W):' "$log" | tail -5 >&2 || tail -5 "$log" >&2
    die "apt-get could not install ${pkgs[*]} (full log: $log)"
  fi
}
