#!/usr/bin/env bash
# Installs the system packages Proctor needs when they are missing (Debian/Ubuntu, as root).
set -euo pipefail
need=()
for pkg in libxlsxwriter-dev libncursesw5-dev tmux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# openpyxl reads results.xlsx back in the tests, independently of libxlsxwriter.
if ! python3 -c "import openpyxl" >/dev/null 2>&1; then
  echo "setup: installing openpyxl"
  python3 -m pip install --quiet --root-user-action=ignore openpyxl
fi
