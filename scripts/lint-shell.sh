#!/usr/bin/env bash
# Runs shellcheck (Debian package shellcheck; scripts/services.sh start installs it) on every
# scripts/**/*.sh, following sourced files (-x). Settings are in scripts/.shellcheckrc. Exits
# non-zero on any finding, of any severity; a check is disabled only inline, with the reason.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v shellcheck >/dev/null 2>&1 ||
  { echo "lint-shell: shellcheck not found (apt-get install shellcheck, or run scripts/services.sh start)" >&2; exit 1; }
mapfile -t files < <(find scripts -name node_modules -prune -o -type f -name '*.sh' -print | sort)
if shellcheck -x "${files[@]}"; then
  echo "lint-shell: ${#files[@]} files, no findings"
else
  echo "lint-shell: shellcheck found problems (above)" >&2
  exit 1
fi
