# shellcheck shell=bash
# Docker engine and bosun's images, one engine per machine.
#
# Engine: the daemon on /var/run/docker.sock when one answers there. Otherwise bosun's own dockerd
# (vfs storage, no iptables), shared by every checkout on the machine that uses the same
# $BOSUN_CACHE: data root $BOSUN_CACHE/docker (images survive fresh clones), socket, pid file and
# exec root under $BOSUN_CACHE/run. A dockerd already running on that data root is reused, whoever
# started it (also one from the older layout, with its socket in some checkout's .state/run):
# two daemons must never share a data root.
#
# Users: each checkout that uses the shared dockerd registers its $BOSUN_STATE, one line in
# $BOSUN_CACHE/run/docker.users. `stop` removes that line and stops dockerd only when no other
# live checkout (one whose state directory still exists) is registered; an older-layout dockerd
# is stopped only by its own checkout, or by the last user once that checkout handed it over
# (docker_stoppable). Starting, stopping, registering and building images happen under one
# machine-wide lock, docker.lock.
#
# Images, built locally since no registry is reachable:
#   bosun/base:1               busybox-static rootfs, imported from a tarball;
#   bosun/echo-server:1        base + an HTTP server (busybox httpd) on $PORT (default 8080)
#                              answering "$MESSAGE" (default "bosun echo-server"). It stands in
#                              for real service images (Minecraft, Jellyfin, ...) in the local demo;
#   bosun/minecraft-standin:1  echo-server on 25565, standing in for itzg/minecraft-server.
#
# Records DOCKER_HOST in services.env. BOSUN_DOCKER=0 skips Docker and the images (e.g. on a
# machine where dockerd cannot run).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WANT_DOCKER="${BOSUN_DOCKER:-1}"
DOCKER_DEFAULT_SOCK=/var/run/docker.sock
DOCKER_DATA="$BOSUN_CACHE/docker"
DOCKER_SOCK="$SHARED_RUN/docker.sock"
DOCKER_PIDFILE="$SHARED_RUN/dockerd.pid"
DOCKER_USERS="$SHARED_RUN/docker.users"
DOCKER_LOCK="$SHARED_RUN/docker.lock"
SHARED_LOGS="$BOSUN_CACHE/logs"
DOCKER_LOG="$SHARED_LOGS/dockerd.log"
# "<host> <daemon pid>" of the last daemon that passed verify_docker.
DOCKER_VERIFIED="$SHARED_RUN/docker.verified"
# Unix socket paths are limited to 107 bytes; containerd's lives deep under the exec root.
DOCKER_EXEC="$SHARED_RUN/docker"
if [ ${#DOCKER_EXEC} -gt 60 ]; then
  DOCKER_EXEC="/run/bosun-docker-$(printf '%s' "$BOSUN_CACHE" | md5sum | cut -c1-8)"
fi
# Per checkout: which daemon this checkout uses, "bosun" (the shared dockerd) or "external".
DOCKER_MODE_FILE="$RUN/docker.mode"
# Where the older layout kept this checkout's own dockerd, and the pid of such a dockerd that its
# checkout handed over to the users file when it stopped while others still used it.
DOCKER_OLD_PIDFILE="$RUN/dockerd.pid"
DOCKER_ADOPTED="$SHARED_RUN/docker.adopted"
BASE_IMAGE=bosun/base:1
ECHO_IMAGE=bosun/echo-server:1
# Stands in for itzg/minecraft-server in the demo stack (no registry here): the
# echo server listening on 25565/tcp. It answers HTTP, not the Minecraft protocol.
STANDIN_IMAGE=bosun/minecraft-standin:1

busybox_static() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then printf '%s' "$b"; return 0; fi
  done
  return 1
}

docker_answers() {
  command -v docker >/dev/null 2>&1 &&
    timeout 5 docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

default_docker_answers() {
  [ -S "$DOCKER_DEFAULT_SOCK" ] && docker_answers "unix://$DOCKER_DEFAULT_SOCK"
}

# Finds the dockerd whose data root is $DOCKER_DATA, started by any checkout in any layout. Sets
# DOCKERD_PID, DOCKERD_HOST (unix://...), DOCKERD_PIDFILE and DOCKERD_EXEC from its command line.
find_bosun_dockerd() {
  local p comm args a i data host pidfile exec_root want
  want=$(readlink -m "$DOCKER_DATA")
  DOCKERD_PID="" DOCKERD_HOST="" DOCKERD_PIDFILE="" DOCKERD_EXEC=""
  for p in /proc/[0-9]*; do
    comm=""
    read -r comm 2>/dev/null <"$p/comm" || continue
    [ "$comm" = dockerd ] || continue
    mapfile -d '' -t args 2>/dev/null <"$p/cmdline" || continue
    data="" host="" pidfile="" exec_root=""
    for ((i = 1; i < ${#args[@]}; i++)); do
      a=${args[i]}
      case $a in
        --data-root | -g | --graph) data=${args[i + 1]:-} ;;
        --data-root=* | --graph=*) data=${a#*=} ;;
        --host | -H) host=${args[i + 1]:-} ;;
        --host=* | -H=*) host=${a#*=} ;;
        --pidfile | -p) pidfile=${args[i + 1]:-} ;;
        --pidfile=*) pidfile=${a#*=} ;;
        --exec-root) exec_root=${args[i + 1]:-} ;;
        --exec-root=*) exec_root=${a#*=} ;;
      esac
    done
    if [ -z "$data" ] || [ "$(readlink -m "$data")" != "$want" ] || ! alive "${p#/proc/}"; then continue; fi
    DOCKERD_PID=${p#/proc/}
    DOCKERD_HOST=${host:-unix://$DOCKER_DEFAULT_SOCK}
    DOCKERD_PIDFILE=${pidfile:-/var/run/docker.pid}
    DOCKERD_EXEC=${exec_root:-/var/run/docker}
    return 0
  done
  return 1
}

# Registered users other than this checkout whose state directory still exists.
docker_other_users() {
  local u
  [ -f "$DOCKER_USERS" ] || return 0
  while IFS= read -r u; do
    [ -n "$u" ] && [ "$u" != "$BOSUN_STATE" ] && [ -d "$u" ] && printf '%s\n' "$u"
  done <"$DOCKER_USERS"
  return 0
}

docker_registered() { [ -f "$DOCKER_USERS" ] && grep -qxF -- "$BOSUN_STATE" "$DOCKER_USERS"; }

# Rewrites the users file with the live users, plus this checkout when $1 is "add".
docker_set_users() {
  local tmp="$DOCKER_USERS.tmp.$$"
  {
    docker_other_users
    if [ "${1:-}" = add ]; then printf '%s\n' "$BOSUN_STATE"; fi
  } >"$tmp"
  mv -f "$tmp" "$DOCKER_USERS"
}

docker_lock() {
  mkdir -p "$SHARED_RUN"
  exec 7>"$DOCKER_LOCK"
  flock -w "${1:-600}" 7 || die "another checkout holds $DOCKER_LOCK (docker start/stop) for more than ${1:-600}s"
}
docker_unlock() { exec 7>&-; }

docker_packages() {
  [ "$WANT_DOCKER" = 1 ] || return 0
  command -v docker >/dev/null 2>&1 || echo docker.io
  if ! command -v dockerd >/dev/null 2>&1 && ! default_docker_answers; then echo docker.io; fi
  busybox_static >/dev/null || echo busybox-static
  command -v curl >/dev/null 2>&1 || echo curl
}

# Starts the shared dockerd; the caller holds docker.lock and found none on the data root.
docker_launch() {
  local i launched
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found (Debian package docker.io)"
  [ ${#DOCKER_SOCK} -lt 100 ] || die "docker socket path too long for a unix socket: $DOCKER_SOCK (use a shorter BOSUN_CACHE)"
  mkdir -p "$DOCKER_DATA" "$DOCKER_EXEC" "$SHARED_LOGS"
  # No dockerd runs on the data root (the caller checked under the lock), so these are stale.
  rm -f "$DOCKER_SOCK" "$DOCKER_PIDFILE"
  # --iptables=false: no NAT rules are touched on the host; published ports on 127.0.0.1 go
  # through docker-proxy (the userland proxy) instead. vfs works on any filesystem.
  setsid dockerd \
    --host "unix://$DOCKER_SOCK" \
    --data-root "$DOCKER_DATA" \
    --exec-root "$DOCKER_EXEC" \
    --pidfile "$DOCKER_PIDFILE" \
    --storage-driver vfs \
    --iptables=false --ip6tables=false --ip-masq=false \
    --userland-proxy=true \
    </dev/null >>"$DOCKER_LOG" 2>&1 7>&- 8>&- 9>&- &
  launched=$!
  for ((i = 0; i < 600; i++)); do
    docker_answers "unix://$DOCKER_SOCK" && break
    if ! kill -0 "$launched" 2>/dev/null; then
      grep -iE 'level=(error|fatal)|failed' "$DOCKER_LOG" | tail -5 >&2 || tail -5 "$DOCKER_LOG" >&2
      if [ "$(id -u)" -ne 0 ]; then die "dockerd exited: it needs root (log: $DOCKER_LOG)"; fi
      die "dockerd exited during start (log: $DOCKER_LOG)"
    fi
    sleep 0.1
  done
  if ! find_bosun_dockerd || ! docker_answers "$DOCKERD_HOST"; then
    kill -TERM "$launched" 2>/dev/null
    die "dockerd did not answer on $DOCKER_SOCK within 60s (log: $DOCKER_LOG)"
  fi
  say "docker: started the shared dockerd (pid $DOCKERD_PID) on $DOCKERD_HOST, data in $DOCKER_DATA"
}

docker_start() {
  local host i verified_as
  if [ "$WANT_DOCKER" != 1 ]; then
    unset 'ENV_LINES[DOCKER_HOST]'
    write_env
    return 0
  fi
  mkdir -p "$RUN" "$LOGS"
  docker_lock
  if find_bosun_dockerd; then
    # Under the lock a dockerd of ours is fully started; one of the older layout (which takes no
    # lock) may still be coming up.
    for ((i = 0; i < 600; i++)); do
      docker_answers "$DOCKERD_HOST" && break
      alive "$DOCKERD_PID" || die "dockerd (pid $DOCKERD_PID) on $DOCKER_DATA exited while we waited for it"
      sleep 0.1
    done
    docker_answers "$DOCKERD_HOST" ||
      die "dockerd (pid $DOCKERD_PID) runs on $DOCKER_DATA but does not answer on $DOCKERD_HOST"
    if ! docker_registered; then
      if [ "$DOCKERD_PIDFILE" = "$DOCKER_PIDFILE" ]; then
        say "docker: using the shared dockerd (pid $DOCKERD_PID) on $DOCKERD_HOST"
      else
        say "docker: using dockerd (pid $DOCKERD_PID) already running on $DOCKER_DATA, on $DOCKERD_HOST (pid file $DOCKERD_PIDFILE)"
      fi
    fi
    docker_set_users add
    echo bosun >"$DOCKER_MODE_FILE"
    host=$DOCKERD_HOST
  elif default_docker_answers; then
    host="unix://$DOCKER_DEFAULT_SOCK"
    echo external >"$DOCKER_MODE_FILE"
  else
    docker_launch
    docker_set_users add
    echo bosun >"$DOCKER_MODE_FILE"
    host=$DOCKERD_HOST
  fi
  ENV_LINES[DOCKER_HOST]="$host"
  write_env
  export DOCKER_HOST="$host"
  verified_as="$host ${DOCKERD_PID:-external}"
  ensure_images "$verified_as"
  docker_unlock
}

# Builds the images that are missing. The end-to-end check costs a few seconds, so it runs only
# when something was just built or the daemon ($1, "<host> <pid>") is new to the verified stamp;
# `VERIFY=1 scripts/services.sh start` repeats it on demand.
ensure_images() {
  local built=0 daemon=$1
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
  if [ $built = 1 ] || [ "$(cat "$DOCKER_VERIFIED" 2>/dev/null)" != "$daemon" ] || [ "${VERIFY:-0}" = 1 ]; then
    verify_docker
    printf '%s\n' "$daemon" >"$DOCKER_VERIFIED"
  fi
}

build_base_image() {
  local bb tmp root
  bb=$(busybox_static) || die "no static busybox (Debian package busybox-static) to build $BASE_IMAGE"
  tmp=$(mktemp -d)
  CLEANUP+=("$tmp")
  root="$tmp/rootfs"
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
      --message "bosun base image: busybox-static rootfs (scripts/services/docker.sh)" \
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
    --message "bosun echo-server: busybox httpd on \$PORT (scripts/services/docker.sh)" \
    "$cid" "$ECHO_IMAGE" >/dev/null || { docker rm -f "$cid" >/dev/null 2>&1; die "docker commit of $ECHO_IMAGE failed"; }
  docker rm -f "$cid" >/dev/null 2>&1 || true
  say "docker: built $ECHO_IMAGE"
}

build_standin_image() {
  local cid tmp
  tmp=$(mktemp -d)
  CLEANUP+=("$tmp")
  # The template's health check runs mc-health (as itzg's image has it). ${PORT} is expanded in
  # the container, not here.
  # shellcheck disable=SC2016
  printf '#!/bin/sh\nexec wget -q -O /dev/null "http://127.0.0.1:${PORT:-25565}/"\n' >"$tmp/mc-health"
  chmod 755 "$tmp/mc-health"
  cid=$(docker create "$ECHO_IMAGE") || die "docker create from $ECHO_IMAGE failed"
  docker cp "$tmp/mc-health" "$cid:/usr/bin/mc-health" >/dev/null ||
    { docker rm -f "$cid" >/dev/null 2>&1; die "docker cp into a $ECHO_IMAGE container failed"; }
  docker commit \
    --change 'ENV PORT=25565' \
    --change 'ENV MESSAGE="bosun stand-in for itzg/minecraft-server (no registry on this machine)"' \
    --change 'EXPOSE 25565' \
    --message "bosun minecraft stand-in: echo-server on 25565 (scripts/services/docker.sh)" \
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

# Whether this checkout may stop the dockerd found by find_bosun_dockerd once no other live
# checkout uses it: the shared one; this checkout's own from the older layout; one of the older
# layout that its checkout handed over (docker.adopted) or whose checkout is gone. Another
# checkout's older-layout dockerd is left to that checkout's own `stop`.
docker_stoppable() {
  case "$DOCKERD_PIDFILE" in
    "$DOCKER_PIDFILE" | "$DOCKER_OLD_PIDFILE") return 0 ;;
  esac
  [ "$(cat "$DOCKER_ADOPTED" 2>/dev/null)" = "$DOCKERD_PID" ] && return 0
  case "$DOCKERD_PIDFILE" in
    */run/dockerd.pid) [ ! -d "${DOCKERD_PIDFILE%/run/dockerd.pid}" ] ;;
    *) return 1 ;;
  esac
}

docker_stop() {
  local others sock
  mkdir -p "$RUN"
  docker_lock 120
  # Unregister, and forget users whose checkout is gone.
  docker_set_users
  rm -f "$DOCKER_MODE_FILE" "$RUN/docker.verified" "$RUN/docker.exec-root"
  if ! find_bosun_dockerd; then
    rm -f "$DOCKER_OLD_PIDFILE" "$DOCKER_ADOPTED"
    echo "docker: no dockerd of ours running (a daemon on $DOCKER_DEFAULT_SOCK, if any, is left alone)"
    docker_unlock
    return 0
  fi
  others=$(docker_other_users | wc -l)
  if ! docker_stoppable; then
    echo "docker: unregistered; dockerd (pid $DOCKERD_PID, pid file $DOCKERD_PIDFILE) belongs to another checkout and keeps running"
  elif [ "$others" -gt 0 ]; then
    # This checkout's older-layout dockerd now belongs to the checkouts that use it.
    if [ "$DOCKERD_PIDFILE" = "$DOCKER_OLD_PIDFILE" ]; then printf '%s\n' "$DOCKERD_PID" >"$DOCKER_ADOPTED"; fi
    echo "docker: unregistered; the shared dockerd (pid $DOCKERD_PID) keeps running for $others other checkout(s)"
  else
    # dockerd stops its containers and its managed containerd on SIGTERM.
    stop_process "$DOCKERD_PID" dockerd 30
    # The managed containerd runs as a child; make sure the one from its exec root is gone too.
    if live_pid "$DOCKERD_EXEC/containerd/containerd.pid" containerd >/dev/null; then
      stop_pid "$DOCKERD_EXEC/containerd/containerd.pid" containerd 10 || true
    fi
    sock=${DOCKERD_HOST#unix://}
    rm -f "$DOCKER_PIDFILE" "$DOCKER_OLD_PIDFILE" "$DOCKER_VERIFIED" "$DOCKER_ADOPTED"
    if [ "$sock" != "$DOCKERD_HOST" ] && [ "$sock" != "$DOCKER_DEFAULT_SOCK" ]; then rm -f "$sock"; fi
    echo "docker: stopped dockerd (pid $DOCKERD_PID)"
  fi
  docker_unlock
}

docker_status() {
  local down=0 host="" mode img users
  [ "$WANT_DOCKER" = 1 ] || return 0
  mode=$(cat "$DOCKER_MODE_FILE" 2>/dev/null || true)
  if find_bosun_dockerd; then
    host=$DOCKERD_HOST
    users=$(( $(docker_other_users | wc -l) + 1 ))
    if docker_registered; then
      echo "docker: running (dockerd pid $DOCKERD_PID, shared by $users checkout(s)) on $host, data $DOCKER_DATA"
    else
      echo "docker: not in use by this checkout (dockerd pid $DOCKERD_PID runs on $host; scripts/services.sh start registers it)"
      down=1
    fi
  elif [ "$mode" = external ] && default_docker_answers; then
    host="unix://$DOCKER_DEFAULT_SOCK"
    echo "docker: using the existing daemon on $host"
  else
    echo "docker: stopped"
    return 1
  fi
  for img in "$BASE_IMAGE" "$ECHO_IMAGE" "$STANDIN_IMAGE"; do
    if DOCKER_HOST=$host docker image inspect "$img" >/dev/null 2>&1; then
      echo "image $img: present"
    else
      echo "image $img: missing"
      down=1
    fi
  done
  return $down
}
