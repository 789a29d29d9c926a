#!/usr/bin/env bash
# Command one: a local Casebridge node on a throwaway PostgreSQL, with generated data, an import and a search.
# Installs what is missing, builds, and removes everything it made on exit (Ctrl-C included).
#
#   Deploy/local/demo.sh            run the demo and show the output of each step
#   Deploy/local/demo.sh --smoke    non-interactive: check the results, exit 0 or 1
#   Deploy/local/demo.sh --keep     keep the work folder (configs, keys, data) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
. Deploy/local/lib.sh

SMOKE=0 KEEP=0 CASES=${CASES:-300}
for a in "$@"; do
  case "$a" in
    --smoke) SMOKE=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $a" >&2; exit 64 ;;
  esac
done

WORK=$(mktemp -d /tmp/casebridge-demo.XXXXXX)
cleanup() {
  local rc=$?
  stop_postgres
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "demo: FAILED: $*" >&2; exit 1; }

ensure_packages
log "building casebridge (swift build --product casebridge)"
swift build --product casebridge 2>&1 | grep -E "error|warning: |Compiling|Build complete" | grep -v "^\[" || true
BIN="$(swift build --show-bin-path)/casebridge"
[ -x "$BIN" ] || fail "build produced no casebridge binary"
cb() { "$BIN" "$@"; }

start_postgres

log "federation pseudonymization key (made once per federation, handed to members out of band)"
cb keys pseudonym-generate --out "$WORK/federation.pseudonym.key"

log "synthetic data: 3 agencies, $CASES cases each, 20% shared subjects"
cb dev generate --agencies 3 --cases-per-agency "$CASES" --overlap 0.2 --seed 2026 --out "$WORK/data"

NODE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["nodeId"])' "$WORK/data/agencies.json")
AGENCY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["agency"])' "$WORK/data/agencies.json")
REGION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["defaultRegion"])' "$WORK/data/agencies.json")
DB="node_${NODE//-/_}"
psql -q -c "CREATE DATABASE $DB" >/dev/null

log "casebridge init: node $NODE ($AGENCY), database $DB"
cb init --node-id "$NODE" --agency "$AGENCY" --database "dbname=$DB" --pseudonym-key "$WORK/federation.pseudonym.key" \
  --default-region "$REGION" --dir "$WORK/$NODE"
export CASEBRIDGE_CONFIG="$WORK/$NODE/casebridge.toml"

log "cases import $NODE.jsonl"
cb cases import "$WORK/data/$NODE.jsonl"
log "cases import again: idempotent, nothing new is written"
cb cases import "$WORK/data/$NODE.jsonl" --output-format json > "$WORK/reimport.json"
cat "$WORK/reimport.json"

# A phone number of the first suspect in the file, to search for.
PHONE=$(python3 - "$WORK/data/$NODE.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    for s in c.get("subjects", []):
        if s.get("role") == "suspect" and s.get("phones"):
            print(s["phones"][0]); sys.exit(0)
EOF
)
REF=$(head -1 "$WORK/data/$NODE.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["caseRef"])')

log "cases show $REF: the private case beside exactly what is published"
cb cases show "$REF" | head -40

log "search --phone (a suspect's number, written as the agency wrote it)"
cb search --phone "$PHONE" --purpose "demo: deconfliction check"
cb search --phone "$PHONE" --purpose "demo: deconfliction check" --format json > "$WORK/search.json"

log "status"
cb status

if [ "$SMOKE" = 1 ]; then
  python3 - "$WORK/reimport.json" "$WORK/search.json" <<'EOF' || fail "smoke checks"
import json, sys
re = json.load(open(sys.argv[1]))
assert re["entries"] == 0, f"re-import wrote {re['entries']} entries"
hits = json.load(open(sys.argv[2]))["hits"]
assert hits, "search found nothing"
assert all("phone" in h["matched"] for h in hits), "hit without a phone match"
print(f"smoke: re-import wrote nothing; search found {len(hits)} hit(s)")
EOF
  log "smoke: OK"
fi
log "done; everything is removed on exit"
