#!/usr/bin/env bash
# Scale measurements of batch sync (minutes, CPU-heavy; not part of scripts/test.sh): a 1,000,000-row export and a
# 100,000-row import, each checked (row count, balances, audit) and measured in the process that runs the API (the in-memory
# test host): peak resident set (kernel VmHWM, reset before each job) and peak GC heap. Needs what scripts/test.sh needs.
# The figures are printed at the end (lines starting with SCALE) and recorded in docs/batch.md by hand.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
set +e
SMACKDAB_BATCH_SCALE=1 dotnet test tests/Smackdab.Inventory.Tests.Integration -c Release \
    --filter "FullyQualifiedName~BatchScaleMeasurements" --logger "console;verbosity=detailed" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
echo
echo "== batch scale figures =="
grep -h "SCALE " "$LOG" | sed 's/^ *//' || echo "(no figures: see the output above)"
exit "$status"
