#!/usr/bin/env bash
# Proofs under fire that need a PostgreSQL server (docs/reliability.md): the crash test (kill -9 during
# 10,000 bookings and during the nightly run) and two API instances on one database.
# Usage: bash scripts/ci-proofs.sh postgres://postgres@127.0.0.1:5432/postgres
set -uo pipefail
cd "$(dirname "$0")"
db="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
status=0
echo "--- crash test"
pnpm exec tsx proofs/crash.ts --db "$db" --bookings "${CRASH_BOOKINGS:-10000}" --kills "${CRASH_KILLS:-5}" || status=1
echo "--- two instances"
pnpm exec tsx proofs/two-instances.ts --db "$db" || status=1
exit $status
