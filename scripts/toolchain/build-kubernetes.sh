#!/usr/bin/env bash
# Builds the Kubernetes resource plugin (pulumi-resource-kubernetes) from the Go module proxy into
# $BOSUN_CACHE/pulumi-resource-kubernetes-v<version>/ (first run only: about 9 minutes on 2 cores)
# and installs it where the Pulumi CLI looks for it with automatic plugin acquisition off:
#   $PULUMI_HOME/plugins/resource-kubernetes-v<version>/pulumi-resource-kubernetes  (a symlink)
#
# <version> is the one the pinned npm @pulumi/kubernetes asks for (package.json `pulumi.version`).
# The proxy serves provider/v4 only as a pseudo-version: commit f47bc2d6 of 2026-01-15, the last
# before the v4.25.0 tag (2026-01-16), so the plugin is stamped 4.25.0 and package.json pins
# @pulumi/kubernetes 4.25.0. The module's go.mod replaces sdk/v4 by a local path (../sdk), which
# is not in the module zip: the build copies the source out and points that replace at the
# published sdk/v4 of its require line. `cmd/pulumi-resource-kubernetes` embeds
# schema-embed.json, generated at release time: `go run generate.go` makes it here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"

version="4.25.0"
module="github.com/pulumi/pulumi-kubernetes/provider/v4"
module_version="v4.0.0-20260115033456-f47bc2d6f199"
sdk_version="v4.24.0"

fail() { printf '[setup] FAILED: %s\n' "$*" >&2; exit 1; }

# The npm package decides which plugin version the engine asks for; a mismatch would only show up
# at `pulumi up` as "no resource plugin 'kubernetes-v…' found".
pkg="$BOSUN_ROOT/node_modules/@pulumi/kubernetes/package.json"
if [ -f "$pkg" ]; then
  wanted=$(node -p 'require(process.argv[1]).pulumi.version' "$pkg")
  [ "$wanted" = "$version" ] ||
    fail "node_modules/@pulumi/kubernetes asks for plugin v$wanted, but scripts/toolchain/build-kubernetes.sh builds v$version; pin the matching npm version"
fi

out="$BOSUN_CACHE/pulumi-resource-kubernetes-v$version"
bin="$out/bin/pulumi-resource-kubernetes"
stamp="$out/bin/.source"
source_id="$module@$module_version sdk/v4@$sdk_version"
plugin_dir="$PULUMI_HOME/plugins/resource-kubernetes-v$version"

install_plugin() {
  mkdir -p "$plugin_dir"
  ln -sfn "$bin" "$plugin_dir/pulumi-resource-kubernetes"
}

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$source_id" ]; then
  install_plugin
  exit 0
fi

command -v go >/dev/null || fail "the go command is needed to build pulumi-resource-kubernetes"
echo "[setup] building pulumi-resource-kubernetes v$version from Go modules (first run only; about 9 minutes)"
mkdir -p "$out/bin"
tmp=$(mktemp -d "$out/build.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

dir=$(cd "$tmp" && go mod download -json "$module@$module_version" | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})') ||
  fail "go mod download $module@$module_version (is the Go module proxy reachable?)"
cp -r "$dir" "$tmp/src"
chmod -R u+w "$tmp/src"
cd "$tmp/src"
go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@$sdk_version"
(cd cmd/pulumi-resource-kubernetes && VERSION="$version" go run generate.go) ||
  fail "generating schema-embed.json (go run generate.go in $module/cmd/pulumi-resource-kubernetes)"
go build -trimpath -ldflags "-s -w -X $module/pkg/version.Version=$version" \
  -o "$tmp/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes ||
  fail "go build $module/cmd/pulumi-resource-kubernetes@$module_version"
mv "$tmp/pulumi-resource-kubernetes" "$bin"
echo "$source_id" >"$stamp"
install_plugin
