#!/usr/bin/env bash
# Runs SEEDS seeds × N ∈ {2, 5, 17} headless with --chaos, checks each run's results and
# replicas against its event log, and prints every failing run with the one command that
# reproduces it. Usage: scripts/sweep.sh SEEDS [RATE [FIRST]] (RATE: faults per virtual
# minute, 2; FIRST: the first seed, 1 — seeds FIRST … FIRST+SEEDS−1, to split a sweep).
set -uo pipefail
cd "$(dirname "$0")/.."
seeds=${1:?usage: scripts/sweep.sh SEEDS [RATE [FIRST]]}
rate=${2:-2}
first=${3:-1}
bin=${PROCTOR:-.build/release/proctor}
[ -x "$bin" ] || { swift build -c release --static-swift-stdlib >/dev/null && bin=.build/release/proctor; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
runs=0
for seed in $(seq "$first" $((first + seeds - 1))); do
  for n in 2 5 17; do
    runs=$((runs + 1))
    out="$work/o"
    rm -rf "$out"
    cmd="$bin --headless --students $n --seed $seed --chaos $rate --out OUT --events OUT/events.jsonl"
    why=""
    mkdir -p "$out"
    "$bin" --headless --students "$n" --seed "$seed" --chaos "$rate" --out "$out" --events "$out/events.jsonl" >"$work/stdout" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
      why="exit $status: $(grep -m1 -i 'invariant\|error\|cannot' "$work/stdout")"
    elif grep -q '^  stalled' "$work/stdout"; then
      why="$(grep -m1 '^  stalled' "$work/stdout" | sed 's/^ *//')"
    elif ! python3 scripts/check_results.py "$out/results.xlsx" "$out/events.jsonl" >"$work/check" 2>&1; then
      why="check_results: $(tail -1 "$work/check")"
    elif [ -f "$out/replication_metadata.json" ] && ! python3 scripts/check_replicas.py "$out" "$out/events.jsonl" >"$work/check" 2>&1; then
      why="check_replicas: $(tail -1 "$work/check")"
    fi
    if [ -n "$why" ]; then
      failed=$((failed + 1))
      echo "FAIL seed $seed N=$n — $why"
      echo "     reproduce: ${cmd//OUT/out}"
    fi
  done
done
echo "sweep: $runs runs, $failed failed (chaos $rate faults per virtual minute)"
[ $failed -eq 0 ]
