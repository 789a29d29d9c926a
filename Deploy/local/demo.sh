#!/usr/bin/env bash
# Command one: a local Casebridge federation of three agencies' nodes on loopback.
#
# One throwaway PostgreSQL (run as the postgres user, data and socket in a temp folder, free port) with a database
# per node; a federation CA; three nodes with TLS certificates and exchanged trust cards; synthetic cases with
# cross-agency overlap imported at each; three `casebridge serve` processes talking mutual TLS on 127.0.0.1;
# convergence; and a federated search at one node that finds the other agencies' cases.
#
#   Deploy/local/demo.sh            run it, then keep the federation up until Ctrl-C
#   Deploy/local/demo.sh --smoke    non-interactive: check convergence and a cross-agency hit, exit 0 or 1
#   Deploy/local/demo.sh --keep     keep the work folder (configs, keys, data, logs) afterwards
# Environment: CASES (cases per agency, default 300).
set -euo pipefail
cd "$(dirname "$0")/../.."
. Deploy/local/lib.sh

SMOKE=0 KEEP=0 CASES=${CASES:-300}
for a in "$@"; do
  case "$a" in
    --smoke) SMOKE=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $a (see --help)" >&2; exit 64 ;;
  esac
done

WORK=$(mktemp -d /tmp/casebridge-demo.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  stop_postgres
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "demo: FAILED: $*" >&2; exit 1; }

ensure_packages
log "building casebridge (swift build --product casebridge; the first build takes several minutes)"
swift build --product casebridge 2>&1 | grep -E "error|warning: |Build complete|Compiling casebridge" | grep -v "^\[" || true
BIN="$(swift build --show-bin-path)/casebridge"
[ -x "$BIN" ] || fail "build produced no casebridge binary"
cb() { "$BIN" "$@"; }

start_postgres

log "synthetic data: 3 agencies, $CASES cases each, 20% of subjects shared across agencies"
cb dev generate --agencies 3 --cases-per-agency "$CASES" --overlap 0.2 --seed 2026 --out "$WORK/data"
mapfile -t NODES < <(python3 -c 'import json,sys; [print(a["nodeId"]) for a in json.load(open(sys.argv[1]))]' "$WORK/data/agencies.json")
field() { python3 -c 'import json,sys; a=[x for x in json.load(open(sys.argv[1])) if x["nodeId"]==sys.argv[2]][0]; print(a[sys.argv[3]])' "$WORK/data/agencies.json" "$1" "$2"; }

log "federation CA and pseudonymization key (made once per federation, handed to members out of band)"
cb ca init --name "Demo Federation" --out "$WORK/ca"
cb keys pseudonym-generate --out "$WORK/federation.pseudonym.key"

declare -A FED_PORT LOCAL_PORT
for n in "${NODES[@]}"; do
  FED_PORT[$n]=$(free_port); LOCAL_PORT[$n]=$(free_port)
  db="node_${n//-/_}"
  psql -q -c "CREATE DATABASE $db" >/dev/null
  log "node $n ($(field "$n" agency)): database $db, federation 127.0.0.1:${FED_PORT[$n]}, local 127.0.0.1:${LOCAL_PORT[$n]}"
  cb init --node-id "$n" --agency "$(field "$n" agency)" --database "dbname=$db" \
    --pseudonym-key "$WORK/federation.pseudonym.key" --default-region "$(field "$n" defaultRegion)" --dir "$WORK/$n" \
    --federation-listen "127.0.0.1:${FED_PORT[$n]}" --local-listen "127.0.0.1:${LOCAL_PORT[$n]}" >/dev/null
  cb cert issue --ca "$WORK/ca" --node-id "$n" --dns localhost --ip 127.0.0.1 --out "$WORK/$n/tls" >/dev/null
  cb trust export --config "$WORK/$n/casebridge.toml" --out "$WORK/$n.card.json" 2>/dev/null
  log "import $n.jsonl"
  cb cases import "$WORK/data/$n.jsonl" --config "$WORK/$n/casebridge.toml"
done

log "exchanging trust cards (each admin adds the two others)"
for n in "${NODES[@]}"; do
  for m in "${NODES[@]}"; do
    [ "$n" = "$m" ] || cb trust add "$WORK/$m.card.json" --config "$WORK/$n/casebridge.toml"
  done
done

log "starting three nodes (casebridge serve); logs in $WORK/<node>.log"
for n in "${NODES[@]}"; do
  CASEBRIDGE_LOG_FORMAT=json "$BIN" serve --config "$WORK/$n/casebridge.toml" --log-level info >"$WORK/$n.log" 2>&1 &
  PIDS+=($!)
done

# Converged when every node holds every origin's head.
expected_vector() {
  for n in "${NODES[@]}"; do
    printf '%s=%s\n' "$n" "$(psql -tA -d "node_${n//-/_}" -c "SELECT seq FROM casebridge.vector WHERE origin = '$n'")"
  done | sort | tr '\n' ' '
}
node_vector() {
  psql -tA -d "node_${1//-/_}" -c "SELECT origin || '=' || seq FROM casebridge.vector ORDER BY origin" | sort | tr '\n' ' '
}
WANT=$(expected_vector)
log "waiting for convergence (every node holds: $WANT)"
START=$(date +%s%N)
converged=0
for i in $(seq 1 240); do
  ok=1
  for n in "${NODES[@]}"; do [ "$(node_vector "$n")" = "$WANT" ] || ok=0; done
  if [ $ok = 1 ]; then converged=1; break; fi
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { tail -20 "$WORK"/*.log >&2; fail "a node exited"; }; done
  sleep 0.5
done
[ $converged = 1 ] || { for n in "${NODES[@]}"; do echo "$n: $(node_vector "$n")" >&2; done; fail "no convergence within 120 s"; }
echo "    converged in $(( ($(date +%s%N) - START) / 1000000 )) ms"

FIRST=${NODES[0]}
log "peers status at $FIRST"
cb peers status --config "$WORK/$FIRST/casebridge.toml"
log "node status at $FIRST (what it holds, and whether its token indexes fit the database cache)"
cb status --config "$WORK/$FIRST/casebridge.toml"

# Phone numbers of a subject of the first agency whom the truth file says another agency also holds.
mapfile -t FOUND < <(python3 - "$WORK/data" "$FIRST" <<'EOF'
import json, sys
d, first = sys.argv[1], sys.argv[2]
truth = json.load(open(f"{d}/truth.json"))
cases = {json.loads(l)["caseRef"]: json.loads(l) for l in open(f"{d}/{first}.jsonl")}
for link in truth:
    here = [c for c in link["cases"] if c["nodeId"] == first]
    there = [c for c in link["cases"] if c["nodeId"] != first]
    if not here or not there or "phone" not in link["sharedIdentifiers"]:
        continue
    subject = cases[here[0]["caseRef"]]["subjects"][here[0]["subjectIndex"]]
    print(there[0]["nodeId"])
    for p in subject.get("phones", []):
        print(p)
    sys.exit(0)
sys.exit(1)
EOF
)
[ "${#FOUND[@]}" -ge 2 ] || fail "no shared phone in the generated data"
OTHER=${FOUND[0]}

# An investigator's day: an admin on the node host creates the account; the investigator logs in with the token
# (shown once) and works through the local API only: no database credentials, no keys.
log "admin at $FIRST: casebridge users add analyst --role investigator"
TOKEN=$(cb users add analyst --role investigator --config "$WORK/$FIRST/casebridge.toml" 2>/dev/null)
export CASEBRIDGE_CREDENTIALS="$WORK/analyst-credentials.json"
log "investigator: casebridge login --node http://127.0.0.1:${LOCAL_PORT[$FIRST]}"
echo "$TOKEN" | cb login --node "http://127.0.0.1:${LOCAL_PORT[$FIRST]}"
unset TOKEN

FOUND_HIT=0
for PHONE in "${FOUND[@]:1}"; do
  log "federated search at $FIRST for a phone number of a subject that $OTHER also has a case on"
  cb search --phone "$PHONE" --case-number "DEMO-2026-001" --purpose "deconfliction check before an operation"
  cb search --phone "$PHONE" --case-number "DEMO-2026-001" --purpose "deconfliction check before an operation" --format json > "$WORK/search.json"
  if python3 - "$WORK/search.json" "$FIRST" <<'EOF'
import json, sys
hits = json.load(open(sys.argv[1]))["hits"]
others = [h for h in hits if h["origin"] != sys.argv[2]]
assert others, "no cross-agency hit"
print(f"    {len(others)} hit(s) at other agencies: " + ", ".join(f"{h['origin']}/{h['caseRef']}" for h in others))
EOF
  then FOUND_HIT=1; break; fi
done
[ "$FOUND_HIT" = 1 ] || fail "the search found no other agency's case"

log "deconfliction alerts at $FIRST (raised as the other agencies' entries arrived)"
cb alerts list --format json > "$WORK/alerts.json"
python3 - "$WORK/alerts.json" <<'EOF' || fail "no deconfliction alert at the first node"
import json, sys
alerts = [a for a in json.load(open(sys.argv[1]))["alerts"] if a["kind"] == "deconfliction"]
assert alerts, "no deconfliction alert"
print(f"    {len(alerts)} open deconfliction alert(s); e.g. case {alerts[0]['caseRef']}: call {alerts[0].get('otherContact', {}).get('name')} at {alerts[0]['otherAgency']}")
EOF
log "supervisor checks the audit chain"
SUP=$(cb users add supervisor --role supervisor --config "$WORK/$FIRST/casebridge.toml" 2>/dev/null)
CASEBRIDGE_TOKEN="$SUP" cb audit verify --node "http://127.0.0.1:${LOCAL_PORT[$FIRST]}" || fail "audit chain broken"
unset SUP

log "metrics of $FIRST (local API): curl -s http://127.0.0.1:${LOCAL_PORT[$FIRST]}/metrics"
curl -s "http://127.0.0.1:${LOCAL_PORT[$FIRST]}/metrics" | grep -E "^casebridge_(vector_seq|peer_lag_entries)" | head -12 || true

# Key lifecycle drill: the first agency rotates its signing key, then revokes the old one; both travel in-band.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
others_hold() {  # $1: SQL returning 1 row per satisfied node
  local ok=1
  for n in "${NODES[@]}"; do
    [ "$n" = "$FIRST" ] && continue
    [ "$(psql -tA -d "node_${n//-/_}" -c "$1")" = "1" ] || ok=0
  done
  [ $ok = 1 ]
}
log "key drill: $FIRST rotates its signing key (casebridge keys rotate)"
OLD_KEY=$(cb keys list --config "$WORK/$FIRST/casebridge.toml" --format json | python3 -c 'import json,sys; print([k["keyId"] for k in json.load(sys.stdin)["keys"] if k.get("inUse")][0])')
T0=$(now_ms)
cb keys rotate --config "$WORK/$FIRST/casebridge.toml" | sed 's/^/    /'
for _ in $(seq 1 240); do others_hold "SELECT count(*) FROM casebridge.signing_keys WHERE origin = '$FIRST' AND valid_until_seq IS NULL AND key_id <> '\\x$OLD_KEY'::bytea" && break; sleep 0.25; done
others_hold "SELECT count(*) FROM casebridge.signing_keys WHERE origin = '$FIRST' AND valid_until_seq IS NULL AND key_id <> '\\x$OLD_KEY'::bytea" || fail "the rotation did not reach every node within 60 s"
ROTATE_MS=$(( $(now_ms) - T0 ))
log "    the rotation reached every node in $ROTATE_MS ms"
T0=$(now_ms)
cb keys revoke --key "$OLD_KEY" --from-seq "$(psql -tA -d "node_${FIRST//-/_}" -c "SELECT seq FROM casebridge.vector WHERE origin = '$FIRST'")" \
  --reason "demo drill" --config "$WORK/$FIRST/casebridge.toml" | sed 's/^/    /'
for _ in $(seq 1 240); do others_hold "SELECT count(*) FROM casebridge.key_revocations WHERE origin = '$FIRST'" && break; sleep 0.25; done
others_hold "SELECT count(*) FROM casebridge.key_revocations WHERE origin = '$FIRST'" || fail "the revocation did not reach every node within 60 s"
log "    the revocation reached every node in $(( $(now_ms) - T0 )) ms"

if [ "$SMOKE" = 1 ]; then
  log "smoke: OK (converged, cross-agency hit found, key rotation and revocation reached every node)"
  exit 0
fi
log "the federation is running; try: CASEBRIDGE_CREDENTIALS=$CASEBRIDGE_CREDENTIALS $BIN search --phone '$PHONE' --case-number X --purpose test"
log "Ctrl-C stops the nodes and removes everything"
wait
