#!/usr/bin/env bash
# Builds Pebble (Let's Encrypt's test ACME server) and pebble-challtestsrv (its
# DNS/HTTP challenge server) with `go install`, into
# $BOSUN_CACHE/pebble-v<version>/bin, and links that as .tools/pebble.
# Only tests use them (scripts/services/pebble.sh starts them on loopback).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
version="${BOSUN_PEBBLE_VERSION:-2.10.3}"
out="$BOSUN_CACHE/pebble-v$version"
link="${BOSUN_PEBBLE_LINK:-$BOSUN_ROOT/.tools/pebble}"
module="github.com/letsencrypt/pebble/v2"

if [ -x "$out/bin/pebble" ] && [ -x "$out/bin/pebble-challtestsrv" ] && [ "$(cat "$out/bin/.version" 2>/dev/null)" = "$version" ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$out" "$link"
  exit 0
fi
command -v go >/dev/null || { echo "[setup] FAILED: the go command is needed to build Pebble" >&2; exit 1; }
mkdir -p "$out/bin"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "[setup] building Pebble v$version and pebble-challtestsrv from Go modules (first run only)"
# Module mode outside any go.mod: `go install pkg@version` resolves the module on its own.
(cd "$tmp" && GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-trimpath go install -ldflags "-s -w -X main.version=v$version" \
  "$module/cmd/pebble@v$version" "$module/cmd/pebble-challtestsrv@v$version") \
  || { echo "[setup] FAILED: go install $module/cmd/pebble@v$version" >&2; exit 1; }
mv "$tmp/pebble" "$tmp/pebble-challtestsrv" "$out/bin/"
echo "$version" > "$out/bin/.version"
mkdir -p "$(dirname "$link")"
ln -sfn "$out" "$link"
