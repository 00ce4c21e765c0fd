#!/usr/bin/env bash
# Local services for development, tests and the demo:
#
#   bash scripts/services.sh start    install what is missing (Debian packages), start what is not running
#   bash scripts/services.sh stop     stop what this checkout started, by pid; leave what others still use
#   bash scripts/services.sh status   print each service's state and port (exit 3 when something is down)
#
# Several checkouts on one machine can run their services at once. Each service is a module in
# scripts/services/ (shared helpers in scripts/services/lib.sh):
#   postgres.sh  PostgreSQL, a private cluster per checkout, on its own loopback port
#   redis.sh     Redis per checkout, on its own loopback port, no persistence
#   docker.sh    one Docker engine per machine, shared by the checkouts, and the images bosun builds
#   registry.sh  a local image registry per checkout (docker-registry), holding bosun's images
#   kube.sh      etcd and a kube-apiserver (no kubelet) per checkout, for the Kubernetes provider tests
#   acme.sh      Pebble and pebble-challtestsrv (pebble.sh), the ACME test CA, for the certificate tests
#   edge.sh      haproxy and wireguard-tools (Debian), for the reverse-proxy and VPN tests (nothing runs)
# Ports: BOSUN_PG_PORT / BOSUN_REDIS_PORT when set; otherwise the port this checkout's running
# service already has, or a free one found from a start that depends on $BOSUN_STATE (pick_port in
# lib.sh), so a checkout tends to keep its ports across runs.
#
# Adding a service: write scripts/services/<name>.sh that sources lib.sh and defines
#   <name>_packages  Debian packages it still needs, one per line (nothing when all are present)
#   <name>_start     start it unless running, wait until it answers, record its address with
#                    ENV_LINES[...]=... and write_env; die on failure
#   <name>_stop      stop what this checkout started; print one line ("<name>: stopped (pid N)")
#   <name>_status    print one line with its state and port; return non-zero when it is down
# and add <name> to SERVICES below, which is the start order (stop runs in reverse).
#
# Addresses go to $BOSUN_STATE/services.env (sourced by scripts/env.sh): BOSUN_PG_PORT,
# BOSUN_TEST_DATABASE_URL, BOSUN_DEV_DATABASE_URL, BOSUN_REDIS_PORT, BOSUN_REDIS_URL, DOCKER_HOST,
# BOSUN_REGISTRY_PORT, BOSUN_REGISTRY.
# DATABASE_URL and REDIS_URL are deliberately not set: they switch the product away from its
# embedded defaults (PGlite, in-process locks). Pid files are in $BOSUN_STATE/run, logs in
# $BOSUN_STATE/logs; the shared dockerd's are in $BOSUN_CACHE/run and $BOSUN_CACHE/logs.
set -euo pipefail

SERVICES=(postgres redis docker registry kube acme edge)

SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services"
# shellcheck source=services/lib.sh
source "$SERVICES_DIR/lib.sh"
for svc in "${SERVICES[@]}"; do
  # The module name is only known at run time; scripts/lint-shell.sh checks each module itself.
  # shellcheck source=/dev/null
  source "$SERVICES_DIR/$svc.sh"
done

# Tools the project's own checks need besides the services: shellcheck (scripts/lint-shell.sh),
# and Debian's chromium for the dashboard's browser test (driven by playwright-core; no browser download).
tool_packages() {
  command -v shellcheck >/dev/null 2>&1 || echo shellcheck
  command -v chromium >/dev/null 2>&1 || echo chromium
}

# One start or stop per checkout at a time (parallel test runs may all call setup).
checkout_lock() {
  mkdir -p "$RUN" "$LOGS"
  exec 9>"$RUN/services.lock"
  flock -w "$1" 9 || die "another scripts/services.sh holds $RUN/services.lock"
}

cmd_start() {
  local t0=$SECONDS svc pkgs=()
  checkout_lock 300
  load_env
  mapfile -t pkgs < <(
    tool_packages
    for svc in "${SERVICES[@]}"; do "${svc}_packages"; done
  )
  install_packages "${pkgs[@]}"
  for svc in "${SERVICES[@]}"; do "${svc}_start"; done
  say "ready in $((SECONDS - t0))s; addresses in $ENV_FILE"
}

cmd_stop() {
  local i
  checkout_lock 120
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do "${SERVICES[i]}_stop"; done
  rm -f "$ENV_FILE"
}

cmd_status() {
  local svc down=0
  load_env
  for svc in "${SERVICES[@]}"; do "${svc}_status" || down=1; done
  if [ -f "$ENV_FILE" ]; then echo "env: $ENV_FILE"; fi
  return $((down * 3))
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
