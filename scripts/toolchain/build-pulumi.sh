#!/usr/bin/env bash
# Builds the Pulumi CLI (pkg/v3) and bosun's Node.js language host with the go
# command and links the result as .tools/pulumi. The CLI is built once into
# $BOSUN_CACHE/pulumi-v<version>; each version of the language host's source
# gets a folder of its own, $BOSUN_CACHE/pulumi-v<version>-host-<hash>/bin, with
# the CLI (a hard link) and the plugins the CLI bundles next to it, where it
# looks for them first: the language host and the dynamic-provider plugin
# pulumi-resource-pulumi-nodejs. So no run warns "using ... from $PATH", and
# checkouts with different language hosts share one cache without clobbering.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cli="$BOSUN_CACHE/pulumi-v$BOSUN_PULUMI_VERSION"
src="$BOSUN_ROOT/scripts/toolchain/pulumi"
# Where the build is linked for use; the cold-build benchmark points it elsewhere.
link="${BOSUN_TOOLCHAIN_LINK:-$BOSUN_ROOT/.tools/pulumi}"
langhost_hash=$(cat "$src"/langhost/*.go "$src/go.mod" "$src/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
out="$BOSUN_CACHE/pulumi-v$BOSUN_PULUMI_VERSION-host-$langhost_hash"

cli_ok() { [ -x "$1/bin/pulumi" ] && [ "$("$1/bin/pulumi" version 2>/dev/null)" = "v$BOSUN_PULUMI_VERSION" ]; }

if cli_ok "$out" && [ -x "$out/bin/pulumi-language-nodejs" ] && [ -x "$out/bin/pulumi-resource-pulumi-nodejs" ]; then
  ln -sfn "$out" "$link"
  exit 0
fi
command -v go >/dev/null || { echo "[setup] FAILED: the go command is needed to build the Pulumi CLI" >&2; exit 1; }
mkdir -p "$cli/bin" "$out/bin"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$src"
if ! cli_ok "$cli"; then
  echo "[setup] building the Pulumi CLI v$BOSUN_PULUMI_VERSION from Go modules (first run only; several minutes)"
  CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$BOSUN_PULUMI_VERSION" \
    -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    || { echo "[setup] FAILED: go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$BOSUN_PULUMI_VERSION" >&2; exit 1; }
  mv "$tmp/pulumi" "$cli/bin/pulumi"
fi
echo "[setup] building pulumi-language-nodejs (bosun's language host)"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=$BOSUN_PULUMI_VERSION" \
  -o "$tmp/pulumi-language-nodejs" ./langhost \
  || { echo "[setup] FAILED: go build of scripts/toolchain/pulumi/langhost" >&2; exit 1; }
# The dynamic-provider plugin: @pulumi/pulumi's own entry point, resolved from the
# folder the CLI starts it in (the program's), so one copy serves every checkout.
cat > "$tmp/pulumi-resource-pulumi-nodejs" <<'SCRIPT'
#!/bin/sh
# bosun: Pulumi's dynamic-provider plugin, run from the program's folder.
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
SCRIPT
chmod 755 "$tmp/pulumi-resource-pulumi-nodejs"
# A hard link, not a symlink: the CLI finds bundled plugins next to its resolved path.
ln -f "$cli/bin/pulumi" "$tmp/pulumi" 2>/dev/null || cp "$cli/bin/pulumi" "$tmp/pulumi"
mv "$tmp/pulumi-language-nodejs" "$tmp/pulumi-resource-pulumi-nodejs" "$out/bin/"
mv "$tmp/pulumi" "$out/bin/pulumi"
ln -sfn "$out" "$link"
