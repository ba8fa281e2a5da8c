#!/usr/bin/env bash
# Sets up what is missing, builds everything (a warning fails the build) and runs every
# test, the end-to-end tests that drive the real binary in tmux included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
if grep -E "(warning|error):" "$log" | grep -v "^warning: 'swift-" >/dev/null; then
  echo "test: the build printed warnings or errors (above); Proctor builds clean." >&2
  exit 1
fi
swift test --skip-build
# Faults: 100 seeds × 2, 5 and 17 students under --chaos, each run checked against its log.
PROCTOR=.build/debug/proctor scripts/sweep.sh 100
