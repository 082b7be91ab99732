#!/usr/bin/env bash
# System packages the tests need, from Debian: Chromium for the browser tests, PostgreSQL for the store.
# Installs only what is missing; needs root (as in CI) or sudo to install.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# PostgreSQL server binaries: the bot's store tests run on a real server too
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ci/system-deps.sh: missing ${need[*]}; install them with apt-get as root" >&2
    exit 1
  fi
fi
echo "ci/system-deps.sh: installing ${need[*]} from Debian's packages"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
