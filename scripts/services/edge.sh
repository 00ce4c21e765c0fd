# shellcheck shell=bash
# Tools of the networking tests, as a services.sh module: Debian's haproxy (a test runs it on
# loopback with the haproxy.cfg the OPNsense simulator renders) and wireguard-tools (`wg` checks
# the WireGuard keys and client configs bosun makes). Nothing runs between tests: each test starts
# its own haproxy in the foreground and stops it, so start and stop only report.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

edge_packages() {
  command -v haproxy >/dev/null 2>&1 || echo haproxy
  command -v wg >/dev/null 2>&1 || echo wireguard-tools
}

edge_start() {
  command -v haproxy >/dev/null 2>&1 || die "edge: haproxy is missing (apt-get install haproxy)"
  command -v wg >/dev/null 2>&1 || die "edge: wg is missing (apt-get install wireguard-tools)"
  say "edge: $(haproxy -v 2>/dev/null | head -1 | cut -d' ' -f1-3), wireguard-tools $(wg --version 2>/dev/null | cut -d' ' -f2)"
}

edge_stop() { :; }

edge_status() {
  if command -v haproxy >/dev/null 2>&1 && command -v wg >/dev/null 2>&1; then
    printf 'edge: tools present (haproxy %s, wg %s)\n' "$(haproxy -v | head -1 | cut -d' ' -f3)" "$(wg --version | cut -d' ' -f2)"
  else
    printf 'edge: tools missing (run scripts/services.sh start)\n'
    return 3
  fi
}
