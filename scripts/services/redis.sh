# shellcheck shell=bash
# Redis, one per checkout: 127.0.0.1 only, on BOSUN_REDIS_PORT or a port of this checkout's own
# (pick_port, from 63799 up); no persistence. Records BOSUN_REDIS_PORT and BOSUN_REDIS_URL.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_BASE_PORT=63799
REDIS_PIDFILE="$RUN/redis.pid"
REDIS_LOG="$LOGS/redis.log"

redis_packages() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo redis-server
  fi
}

redis_running_pid() { live_pid "$REDIS_PIDFILE" redis-server; }

# The port the running redis-server (pid $1) listens on: from ss, else what services.env recorded.
redis_running_port() {
  pid_port "$1" || { [ -n "${ENV_LINES[BOSUN_REDIS_PORT]:-}" ] && printf '%s' "${ENV_LINES[BOSUN_REDIS_PORT]}"; }
}

redis_start() {
  local pid port wanted i rc=0
  mkdir -p "$RUN" "$LOGS" "$BOSUN_STATE/redis"
  if pid=$(redis_running_pid); then
    port=$(redis_running_port "$pid") || die "redis-server (pid $pid) is running, but its port is unknown; run scripts/services.sh stop"
    wanted=$(explicit_port REDIS) || rc=$?
    [ $rc -le 1 ] || exit 1
    if [ $rc -eq 0 ] && [ "$wanted" != "$port" ]; then
      die "redis (pid $pid) runs on 127.0.0.1:$port, but BOSUN_REDIS_PORT=$wanted; run scripts/services.sh stop first"
    fi
  else
    port_lock
    port=$(pick_port REDIS "$REDIS_BASE_PORT" "$REDIS_PIDFILE" redis-server) || exit 1
    if ! port_free "$port"; then
      die "redis: port 127.0.0.1:$port is in use by $(port_holder "$port"); stop it or set BOSUN_REDIS_PORT"
    fi
    redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
      --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
      --dir "$BOSUN_STATE/redis" --save '' --appendonly no >/dev/null 2>&1 7>&- 8>&- 9>&- ||
      { tail -5 "$REDIS_LOG" >&2 2>/dev/null; die "redis-server did not start (log: $REDIS_LOG)"; }
    for ((i = 0; i < 100; i++)); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    port_unlock
    pid=$(redis_running_pid) ||
      { tail -5 "$REDIS_LOG" >&2 2>/dev/null; die "redis-server exited right after start (log: $REDIS_LOG)"; }
    say "redis: started (pid $pid) on 127.0.0.1:$port"
  fi
  redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG ||
    die "redis (pid $pid) does not answer PING on 127.0.0.1:$port (log: $REDIS_LOG)"
  ENV_LINES[BOSUN_REDIS_PORT]="$port"
  ENV_LINES[BOSUN_REDIS_URL]="redis://127.0.0.1:$port"
  write_env
}

redis_stop() {
  local pid
  if pid=$(redis_running_pid); then
    stop_pid "$REDIS_PIDFILE" redis-server 10 || true
    echo "redis: stopped (pid $pid)"
  else
    rm -f "$REDIS_PIDFILE"
    echo "redis: not running"
  fi
}

redis_status() {
  local pid
  if pid=$(redis_running_pid); then
    echo "redis: running (pid $pid) on 127.0.0.1:$(redis_running_port "$pid" || echo '?')"
  else
    echo "redis: stopped"
    return 1
  fi
}
