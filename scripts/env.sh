# shellcheck shell=bash
# Sourced by every bosun entry point: puts the project's toolchain first on
# PATH and keeps Pulumi offline, local and quiet. Safe to source repeatedly.
BOSUN_ROOT="${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BOSUN_CACHE="${BOSUN_CACHE:-$HOME/.cache/bosun}"
BOSUN_STATE="${BOSUN_STATE:-$BOSUN_ROOT/.state}"
BOSUN_NODE_VERSION="24.21.0"
BOSUN_PULUMI_VERSION="3.259.0"
export BOSUN_ROOT BOSUN_CACHE BOSUN_STATE BOSUN_NODE_VERSION BOSUN_PULUMI_VERSION

# .tools/node exists only when the machine's node is older than 22.
[ -d "$BOSUN_ROOT/.tools/node/bin" ] && PATH="$BOSUN_ROOT/.tools/node/bin:$PATH"
# The Pulumi CLI, with the language host and the dynamic-provider plugin next to it
# (where the CLI looks for them first: no "from $PATH" warnings).
PATH="$BOSUN_ROOT/.tools/pulumi/bin:$BOSUN_ROOT/node_modules/.bin:$PATH"
export PATH

export PULUMI_HOME="${PULUMI_HOME:-$BOSUN_STATE/pulumi-home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$BOSUN_STATE/pulumi-backend}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE_FILE="$BOSUN_STATE/passphrase"
fi
# The demo stack (its file says `bosun:secretsPassphrase: demo`, and so do copies
# of it) is encrypted with the public demo passphrase; every other stack with this
# installation's. with-env.sh calls this for the stack a command names (--stack X),
# so `bash scripts/with-env.sh pulumi up --stack demo` works as the README says.
bosun_stack_env() {
  local file="$BOSUN_ROOT/stacks/Pulumi.$1.yaml"
  if [ -f "$file" ] && grep -Eq '^[[:space:]]*bosun:secretsPassphrase:[[:space:]]*["'\'']?demo["'\'']?[[:space:]]*(#.*)?$' "$file"; then
    export PULUMI_CONFIG_PASSPHRASE=bosun-local-dev
  fi
}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
export PULUMI_SKIP_CONFIRMATIONS=true
# Node's module compile cache (Node 22.1+): every node that bosun starts (the CLI, the server, the
# Pulumi program, the dynamic-provider plugin, the policy pack) reuses the compiled code of the
# modules it loaded before instead of parsing them again. Per checkout; safe to delete.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$BOSUN_STATE/node-compile-cache}"
# Nothing may reach the internet; an empty value keeps gRPC/HTTP clients from using stray proxies.
export NO_PROXY="${NO_PROXY:-127.0.0.1,localhost}"

# Addresses of the local services that scripts/services.sh started (DATABASE_URL
# is not set there: PGlite stays the default; tests read BOSUN_TEST_DATABASE_URL).
# The file is written at run time by scripts/services.sh, so there is nothing to follow here.
# shellcheck source=/dev/null
[ -f "$BOSUN_STATE/services.env" ] && source "$BOSUN_STATE/services.env"
# shellcheck source=/dev/null
[ -f "$BOSUN_STATE/kube.env" ] && source "$BOSUN_STATE/kube.env"
# shellcheck source=/dev/null
[ -f "$BOSUN_STATE/pebble.env" ] && source "$BOSUN_STATE/pebble.env"
true
