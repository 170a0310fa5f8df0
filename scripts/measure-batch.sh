#!/usr/bin/env bash
# Scale measurements of batch sync (minutes; not part of scripts/test.sh): a 1,000,000-row export and a 100,000-row import,
# with the test process's peak working set and GC heap printed. Needs what scripts/test.sh needs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SMACKDAB_BATCH_SCALE=1 dotnet test tests/Smackdab.Inventory.Tests.Integration -c Release \
    --filter "FullyQualifiedName~BatchScaleMeasurements" --logger "console;verbosity=detailed"
