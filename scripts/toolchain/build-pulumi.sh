#!/usr/bin/env bash
# Builds the Pulumi CLI (pkg/v3) and bosun's Node.js language host with the go
# command, into $BOSUN_CACHE/pulumi-v<version>/bin, and links it as .tools/pulumi.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
out="$BOSUN_CACHE/pulumi-v$BOSUN_PULUMI_VERSION"
src="$BOSUN_ROOT/scripts/toolchain/pulumi"
stamp="$out/bin/.langhost-src"
# Where the build is linked for use; the cold-build benchmark points it elsewhere.
link="${BOSUN_TOOLCHAIN_LINK:-$BOSUN_ROOT/.tools/pulumi}"
langhost_hash=$(cat "$src"/langhost/*.go "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)

if [ -x "$out/bin/pulumi" ] && [ "$("$out/bin/pulumi" version 2>/dev/null)" = "v$BOSUN_PULUMI_VERSION" ] \
   && [ -x "$out/bin/pulumi-language-nodejs" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$langhost_hash" ]; then
  ln -sfn "$out" "$link"
  exit 0
fi
command -v go >/dev/null || { echo "[setup] FAILED: the go command is needed to build the Pulumi CLI" >&2; exit 1; }
mkdir -p "$out/bin"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$src"
if [ ! -x "$out/bin/pulumi" ] || [ "$("$out/bin/pulumi" version 2>/dev/null)" != "v$BOSUN_PULUMI_VERSION" ]; then
  echo "[setup] building the Pulumi CLI v$BOSUN_PULUMI_VERSION from Go modules (first run only; several minutes)"
  CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$BOSUN_PULUMI_VERSION" \
    -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    || { echo "[setup] FAILED: go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$BOSUN_PULUMI_VERSION" >&2; exit 1; }
  mv "$tmp/pulumi" "$out/bin/pulumi"
fi
echo "[setup] building pulumi-language-nodejs (bosun's language host)"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=$BOSUN_PULUMI_VERSION" \
  -o "$tmp/pulumi-language-nodejs" ./langhost \
  || { echo "[setup] FAILED: go build of scripts/toolchain/pulumi/langhost" >&2; exit 1; }
mv "$tmp/pulumi-language-nodejs" "$out/bin/pulumi-language-nodejs"
echo "$langhost_hash" > "$stamp"
ln -sfn "$out" "$link"
