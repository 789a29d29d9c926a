#!/usr/bin/env bash
# Benchmarks on a throwaway PostgreSQL with a release build. Arguments go to `casebridge bench`, e.g.
#   Deploy/local/bench.sh import --records 100000
#   Deploy/local/bench.sh import --records 100000 --format json
set -euo pipefail
cd "$(dirname "$0")/../.."
. Deploy/local/lib.sh

ensure_packages
log "release build (swift build -c release --product casebridge --scratch-path .build-release)"
swift build -c release --product casebridge --scratch-path .build-release 2>&1 | grep -E "error|Build of product|Compiling casebridge" || true
BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/casebridge"
trap stop_postgres EXIT
start_postgres
"$BIN" bench "$@"
