#!/usr/bin/env bash
# Runs a command inside bosun's environment (see env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BOSUN_ROOT"
exec "$@"
