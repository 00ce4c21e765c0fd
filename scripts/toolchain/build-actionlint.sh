#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow checker) with `go install`, into
# $BOSUN_CACHE/actionlint-v<version>/bin, and links that as .tools/actionlint.
# The test suite runs it on .github/workflows/ (test/ci/workflow.test.ts).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
version="${BOSUN_ACTIONLINT_VERSION:-1.7.12}"
out="$BOSUN_CACHE/actionlint-v$version"
link="${BOSUN_ACTIONLINT_LINK:-$BOSUN_ROOT/.tools/actionlint}"
module="github.com/rhysd/actionlint"

if [ -x "$out/bin/actionlint" ] && [ "$(cat "$out/bin/.version" 2>/dev/null)" = "$version" ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$out" "$link"
  exit 0
fi
command -v go >/dev/null || { echo "[setup] FAILED: the go command is needed to build actionlint" >&2; exit 1; }
mkdir -p "$out/bin"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "[setup] building actionlint v$version from Go modules (first run only)"
# Module mode outside any go.mod: `go install pkg@version` resolves the module on its own.
(cd "$tmp" && GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-trimpath go install -ldflags "-s -w -X $module.version=v$version" \
  "$module/cmd/actionlint@v$version") \
  || { echo "[setup] FAILED: go install $module/cmd/actionlint@v$version" >&2; exit 1; }
mv "$tmp/actionlint" "$out/bin/"
echo "$version" > "$out/bin/.version"
mkdir -p "$(dirname "$link")"
ln -sfn "$out" "$link"
