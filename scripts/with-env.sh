#!/usr/bin/env bash
# Runs a command inside bosun's environment (see env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BOSUN_ROOT"
# The stack the command names (pulumi … --stack X / -s X / --stack=X) decides the passphrase.
prev=""
for arg in "$@"; do
  case "$prev" in --stack | -s) bosun_stack_env "$arg" ;; esac
  case "$arg" in --stack=*) bosun_stack_env "${arg#--stack=}" ;; esac
  prev="$arg"
done
exec "$@"
