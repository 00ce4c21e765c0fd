# shellcheck shell=bash
# A local image registry, one per checkout: Debian's docker-registry (the CNCF distribution
# registry) on 127.0.0.1, on BOSUN_REGISTRY_PORT or a port of this checkout's own (pick_port,
# from 15000 up), its blobs in $BOSUN_STATE/registry. Images are pulled from it the way a real
# host pulls from Docker Hub, so the demo needs no name mapping: bosun's stand-in images are
# pushed under the names the templates use, and a stack with `bosun:registryMirror: local`
# takes Docker Hub images from here (127.0.0.0/8 registries are plain HTTP to Docker by default).
#
# Pushed at start (docker.sh builds them; pushed again when the local image changed):
#   bosun/base:1, bosun/echo-server:1     as themselves
#   bosun/minecraft-standin:1             as itzg/minecraft-server:java21 (the demo's template image)
# The push tags are removed from the shared engine afterwards, so the first use really pulls.
# Records BOSUN_REGISTRY_PORT and BOSUN_REGISTRY (host:port) in services.env.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_BASE_PORT=15000
REGISTRY_DIR="$BOSUN_STATE/registry"
REGISTRY_PIDFILE="$RUN/registry.pid"
REGISTRY_LOG="$LOGS/registry.log"
REGISTRY_BIN=/usr/bin/docker-registry
# "<local image> <repository:tag in the registry>"
REGISTRY_IMAGES=(
  "bosun/base:1 bosun/base:1"
  "bosun/echo-server:1 bosun/echo-server:1"
  "bosun/minecraft-standin:1 itzg/minecraft-server:java21"
)

registry_packages() {
  [ -x "$REGISTRY_BIN" ] || echo docker-registry
  command -v curl >/dev/null 2>&1 || echo curl
}

registry_running_pid() { live_pid "$REGISTRY_PIDFILE" docker-registry; }

registry_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/" 2>/dev/null)" = 200 ]; }

registry_start() {
  local pid port i
  mkdir -p "$RUN" "$LOGS" "$REGISTRY_DIR/data"
  if pid=$(registry_running_pid) && port=${ENV_LINES[BOSUN_REGISTRY_PORT]:-} && [ -n "$port" ] && registry_answers "$port"; then
    :
  else
    if pid=$(registry_running_pid); then stop_pid "$REGISTRY_PIDFILE" docker-registry 10 || true; fi
    port_lock
    port=$(pick_port REGISTRY "$REGISTRY_BASE_PORT" "$REGISTRY_PIDFILE" docker-registry) || exit 1
    port_free "$port" || die "registry: port 127.0.0.1:$port is in use by $(port_holder "$port"); stop it or set BOSUN_REGISTRY_PORT"
    cat >"$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
    setsid "$REGISTRY_BIN" serve "$REGISTRY_DIR/config.yml" </dev/null >>"$REGISTRY_LOG" 2>&1 7>&- 8>&- 9>&- &
    pid=$!
    echo "$pid" >"$REGISTRY_PIDFILE"
    for ((i = 0; i < 300; i++)); do
      registry_answers "$port" && break
      alive "$pid" || { tail -5 "$REGISTRY_LOG" >&2; die "registry: docker-registry exited during start (log: $REGISTRY_LOG)"; }
      sleep 0.1
    done
    port_unlock
    registry_answers "$port" || die "registry: docker-registry (pid $pid) does not answer on 127.0.0.1:$port (log: $REGISTRY_LOG)"
    say "registry: started (pid $pid) on 127.0.0.1:$port"
  fi
  ENV_LINES[BOSUN_REGISTRY_PORT]="$port"
  ENV_LINES[BOSUN_REGISTRY]="127.0.0.1:$port"
  write_env
  registry_push "$port"
}

# Pushes each image of REGISTRY_IMAGES whose local id differs from the one last pushed.
registry_push() {
  local port=$1 entry src dst id pushed_file="$REGISTRY_DIR/pushed" target out
  [ "${BOSUN_DOCKER:-1}" = 1 ] && [ -n "${DOCKER_HOST:-}" ] || return 0
  touch "$pushed_file"
  for entry in "${REGISTRY_IMAGES[@]}"; do
    read -r src dst <<<"$entry"
    id=$(docker image inspect --format '{{.Id}}' "$src" 2>/dev/null) || { say "registry: $src is missing locally; not pushed"; continue; }
    if grep -qxF -- "$dst $id" "$pushed_file" && registry_has "$port" "$dst"; then continue; fi
    target="127.0.0.1:$port/$dst"
    docker tag "$src" "$target" || die "registry: docker tag $src $target failed"
    out=$(docker push "$target" 2>&1) || { docker rmi "$target" >/dev/null 2>&1; die "registry: docker push $target failed: $(tail -3 <<<"$out")"; }
    docker rmi "$target" >/dev/null 2>&1 || true
    grep -vF -- "$dst " "$pushed_file" >"$pushed_file.tmp" || true
    printf '%s %s\n' "$dst" "$id" >>"$pushed_file.tmp"
    mv -f "$pushed_file.tmp" "$pushed_file"
    say "registry: pushed $src as $target"
  done
}

# The registry holds repository:tag $2.
registry_has() {
  local repo=${2%:*} tag=${2##*:}
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$1/v2/$repo/manifests/$tag" 2>/dev/null)" = 200 ]
}

registry_stop() {
  local pid
  if pid=$(registry_running_pid); then
    stop_pid "$REGISTRY_PIDFILE" docker-registry 10 || true
    echo "registry: stopped (pid $pid)"
  else
    rm -f "$REGISTRY_PIDFILE"
    echo "registry: not running"
  fi
}

registry_status() {
  local pid port=${ENV_LINES[BOSUN_REGISTRY_PORT]:-}
  if pid=$(registry_running_pid) && [ -n "$port" ] && registry_answers "$port"; then
    echo "registry: running (pid $pid) on 127.0.0.1:$port"
  else
    echo "registry: stopped"
    return 1
  fi
}
