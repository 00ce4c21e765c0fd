#!/usr/bin/env bash
# Builds kube-apiserver (k8s.io/kubernetes v1.34.2) from the Go module proxy through the wrapper
# module in scripts/toolchain/kube-apiserver into $BOSUN_CACHE/kube-apiserver-v<version>/bin
# (first run only: about 4 minutes on 2 cores), and links it as .tools/kube-apiserver.
# scripts/services/kube.sh runs it with Debian's etcd-server: a real API server with no kubelet,
# scheduler or controllers (like envtest), so objects are stored, not run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"

version="v1.34.2"
# The tag's commit date: a fixed build date keeps /version the same on every machine.
build_date="2025-11-11T19:00:37Z"
src="$BOSUN_ROOT/scripts/toolchain/kube-apiserver"
out="$BOSUN_CACHE/kube-apiserver-$version"
bin="$out/bin/kube-apiserver"
stamp="$out/bin/.source"
link="$BOSUN_ROOT/.tools/kube-apiserver"
source_hash=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)

fail() { printf '[setup] FAILED: %s\n' "$*" >&2; exit 1; }

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$source_hash" ]; then
  ln -sfn "$out" "$link"
  exit 0
fi
command -v go >/dev/null || fail "the go command is needed to build kube-apiserver"
echo "[setup] building kube-apiserver $version from Go modules (first run only; about 4 minutes)"
mkdir -p "$out/bin" "$BOSUN_ROOT/.tools"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
minor=${version#v*.}
minor=${minor%%.*}
pkg="k8s.io/component-base/version"
cd "$src"
GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags "-s -w \
  -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor \
  -X $pkg.gitCommit= -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date" \
  -o "$tmp/kube-apiserver" . ||
  fail "go build of scripts/toolchain/kube-apiserver (k8s.io/kubernetes $version)"
mv "$tmp/kube-apiserver" "$bin"
echo "$source_hash" >"$stamp"
ln -sfn "$out" "$link"
