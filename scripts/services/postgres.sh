# shellcheck shell=bash
# PostgreSQL, one private cluster per checkout: data in $BOSUN_STATE/postgres (see PG_HOME),
# 127.0.0.1 only, on BOSUN_PG_PORT or a port of this checkout's own (pick_port, from 54329 up);
# role `bosun`, databases `bosun` and `bosun_test`; unix socket in $PG_HOME/run/postgres.
# Records BOSUN_PG_PORT, BOSUN_TEST_DATABASE_URL and BOSUN_DEV_DATABASE_URL in services.env.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BASE_PORT=54329

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
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && printf '%s' "$d"
}

pg_password() {
  if [ ! -s "$PG_PASSFILE" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$PG_PASSFILE")
  fi
  cat "$PG_PASSFILE"
}

pg_running_pid() { live_pid "$PG_DATA/postmaster.pid" postgres; }
# The port of the running cluster: line 4 of postmaster.pid.
pg_running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9'; }

postgres_packages() {
  pg_bindir >/dev/null || echo postgresql
}

pg_init_cluster() {
  say "postgres: creating cluster in $PG_DATA"
  mkdir -p "$PG_DATA"
  chmod 700 "$PG_DATA"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DATA"; fi
  as_pg "$1/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$LOGS/postgres-initdb.log" 2>&1 ||
    { tail -5 "$LOGS/postgres-initdb.log" >&2; die "initdb failed (log: $LOGS/postgres-initdb.log)"; }
  # A throwaway dev/test cluster: durability is traded for speed (tests create and drop schemas).
  cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# bosun (scripts/services/postgres.sh): loopback only; a dev/test cluster, so durability is off for speed.
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
}

postgres_start() {
  local bin pid port password wanted rc=0
  bin=$(pg_bindir) || die "PostgreSQL binaries not found after install (looked on PATH and in /usr/lib/postgresql/*/bin)"
  mkdir -p "$RUN" "$LOGS" "$PG_SOCKDIR" "$(dirname "$PG_LOG")"
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || die "user 'postgres' does not exist (the postgresql package creates it); cannot run PostgreSQL as root"
    as_pg test -x "$PG_HOME" ||
      die "user 'postgres' cannot reach $PG_HOME (a parent directory is not searchable by others); run: chmod o+x on the parents"
    chown postgres: "$PG_SOCKDIR"
  fi
  [ -f "$PG_DATA/PG_VERSION" ] || pg_init_cluster "$bin"

  if pid=$(pg_running_pid); then
    port=$(pg_running_port)
    [ -n "$port" ] || die "postgres (pid $pid) is running, but $PG_DATA/postmaster.pid names no port"
    wanted=$(explicit_port PG) || rc=$?
    [ $rc -le 1 ] || exit 1
    if [ $rc -eq 0 ] && [ "$wanted" != "$port" ]; then
      die "postgres (pid $pid) runs on 127.0.0.1:$port, but BOSUN_PG_PORT=$wanted; run scripts/services.sh stop first"
    fi
  else
    port_lock
    port=$(pick_port PG "$PG_BASE_PORT" "$PG_DATA/postmaster.pid" postgres) || exit 1
    if ! port_free "$port"; then
      die "postgres: port 127.0.0.1:$port is in use by $(port_holder "$port"); stop it or set BOSUN_PG_PORT"
    fi
    if [ "$(id -u)" -eq 0 ]; then touch "$PG_LOG"; chown postgres: "$PG_LOG"; fi
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-p $port -k $PG_SOCKDIR -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 7>&- 8>&- 9>&- ||
      { tail -5 "$PG_LOG" >&2; die "postgres did not start (log: $PG_LOG)"; }
    port_unlock
    pid=$(pg_running_pid) || die "postgres started but $PG_DATA/postmaster.pid has no live pid"
    say "postgres: started (pid $pid) on 127.0.0.1:$port"
  fi
  echo "$pid" >"$RUN/postgres.pid"

  password=$(pg_password)
  # Idempotent: creates or updates the role, creates the databases once.
  as_pg "$bin/psql" -h "$PG_SOCKDIR" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
    -v pw="$password" >/dev/null 2>"$LOGS/postgres-setup.log" <<'EOF' ||
SELECT format('CREATE ROLE bosun LOGIN PASSWORD %L', :'pw') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bosun') \gexec
-- CREATEDB: the test suites create a fresh database per run and drop it afterwards.
SELECT format('ALTER ROLE bosun LOGIN CREATEDB PASSWORD %L', :'pw') \gexec
SELECT 'CREATE DATABASE bosun OWNER bosun' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'bosun') \gexec
SELECT 'CREATE DATABASE bosun_test OWNER bosun' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'bosun_test') \gexec
EOF
    { cat "$LOGS/postgres-setup.log" >&2; die "postgres: creating role/databases failed"; }

  ENV_LINES[BOSUN_PG_PORT]="$port"
  ENV_LINES[BOSUN_TEST_DATABASE_URL]="postgres://bosun:$password@127.0.0.1:$port/bosun_test"
  ENV_LINES[BOSUN_DEV_DATABASE_URL]="postgres://bosun:$password@127.0.0.1:$port/bosun"
  write_env
}

postgres_stop() {
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

postgres_status() {
  local pid
  if pid=$(pg_running_pid); then
    echo "postgres: running (pid $pid) on 127.0.0.1:$(pg_running_port), data $PG_DATA"
  else
    echo "postgres: stopped"
    return 1
  fi
}
