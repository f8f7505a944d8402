#!/usr/bin/env bash
# Prove a change leaves every output alone (issue 17's rule): both scale-0.1 workloads, the
# generator's dates and a night that produces a reference date (load 2026-09-29, night
# 2026-10-01), run by the base build and by the changed one, then compared by compare_runs.py:
# outbox/ and archive/ byte by byte (processed_at aside), the register table by table.
#
#   bench/same.sh BASE_CHECKOUT CHANGED_CHECKOUT [WORK]       (each checkout with its own .venv)
#
# WORK (default /tmp/cki-same) keeps the generated data and the base's runs, so later changes
# against the same base take half the time; delete WORK/base-* when the base changes.
# Prints compare_runs.py's verdict per workload; exit 1 when anything differs.
set -uo pipefail
BASE=$(realpath "$1"); CHANGED=$(realpath "$2"); WORK=${3:-/tmp/cki-same}
BENCH=$(dirname "$(realpath "$0")")
mkdir -p "$WORK"
status=0

run() {   # run TAG CHECKOUT SET: one workload by one build, kept and dumped
  local w="$WORK/$1-$3" dates=""
  [ "$3" = date ] && dates="--load-date 2026-09-29 --night-date 2026-10-01"
  rm -rf "$w" "$w-dump"; mkdir -p "$w"
  [ -d "$WORK/gen-$3" ] && cp -al "$WORK/gen-$3" "$w/gen"
  "$2/.venv/bin/python" "$BENCH/run.py" --scale 0.1 --keep --cki "$2/.venv/bin/cki" --workdir "$w" $dates \
    > "$w.log" 2>&1 || { echo "$1 $3: bench/run.py failed, see $w.log"; return 1; }
  [ -d "$WORK/gen-$3" ] || cp -al "$w/gen" "$WORK/gen-$3"
  "$2/.venv/bin/python" "$2/bench/dump_register.py" "$w/run/register" "$w-dump" > /dev/null
}

for set in plain date; do
  if [ ! -d "$WORK/base-$set-dump" ]; then run base "$BASE" $set || exit 1; fi
  run changed "$CHANGED" $set || exit 1
  echo "== $set"
  "$BASE/.venv/bin/python" "$BENCH/compare_runs.py" "$WORK/base-$set/run" "$WORK/changed-$set/run" \
    "$WORK/base-$set-dump" "$WORK/changed-$set-dump" | tail -4 || status=1
done
exit $status
