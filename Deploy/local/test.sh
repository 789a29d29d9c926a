#!/usr/bin/env bash
# Command two: install what is missing, start a throwaway PostgreSQL, run the whole test suite, stop it.
# Extra arguments go to `swift test` (e.g. --filter CaseImport).
set -euo pipefail
cd "$(dirname "$0")/../.."
. Deploy/local/lib.sh

ensure_packages
trap stop_postgres EXIT
start_postgres
# Tests create one database per test from this maintenance connection.
export CASEBRIDGE_TEST_DATABASE="host=$PGHOST port=$PGPORT user=$PGUSER dbname=postgres"
log "swift test"
swift test "$@"
