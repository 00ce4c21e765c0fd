#!/usr/bin/env bash
# The ACME test CA as a services.sh module: Pebble and pebble-challtestsrv, run by
# scripts/services/pebble.sh (which also works on its own; see its header).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACME_SCRIPT="$(dirname "${BASH_SOURCE[0]}")/pebble.sh"

acme_packages() {
  command -v openssl >/dev/null 2>&1 || echo openssl
  command -v curl >/dev/null 2>&1 || echo curl
}

acme_start() { bash "$ACME_SCRIPT" start; }
acme_stop() { bash "$ACME_SCRIPT" stop; }
acme_status() { bash "$ACME_SCRIPT" status; }
