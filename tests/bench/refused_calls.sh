#!/usr/bin/env bash
# usage: tests/bench/refused_calls.sh BINARY PORT [TOKEN_VAR]
# Starts BINARY serve --sandbox on PORT and sends 100 calls with a 500 KB
# user argument naming XSOAR incident 1, with the sandbox token TOKEN_VAR
# (IDCMD_TOKEN: refused as invalid; IDCMD_APPROVER_TOKEN: refused for the
# scope). Prints the size of each refused call's audit record as served
# and how many incident entries the calls wrote. Run it on a build of the
# commit before and after a change, in the same session, to compare.
set -euo pipefail
bin=$1 port=$2 who=${3:-IDCMD_TOKEN}
log=$(mktemp)
"$bin" serve --sandbox --addr 127.0.0.1:$port >"$log" 2>&1 & pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for i in $(seq 50); do grep -q '^export IDCMD_TOKEN' "$log" && curl -s -o /dev/null http://127.0.0.1:$port/healthz && break; sleep 0.2; done
eval "$(grep "^export IDCMD_" "$log")"; tok=${!who}
python3 -c "import json;print(json.dumps({'user':'A'*500000,'incident':{'platform':'xsoar','id':'1'}}))" > /tmp/big.json
before=$(curl -s "http://127.0.0.1:$port/sandbox/incidents" | { grep -o 'REFUSED\|FAILED' || true; } | wc -l)
for i in $(seq 100); do curl -s -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary @/tmp/big.json -w "%{http_code}\n" http://127.0.0.1:$port/api/v1/commands/okta-suspend-user; done | sort | uniq -c | tr "\n" " "
sleep 3
bytes=$(curl -s "http://127.0.0.1:$port/api/v1/audit?outcome=rejected&limit=100" -H "Authorization: Bearer $IDCMD_TOKEN" | jq -c '.records[]' | wc -c)
n=$(curl -s "http://127.0.0.1:$port/api/v1/audit?outcome=rejected&limit=100" -H "Authorization: Bearer $IDCMD_TOKEN" | jq '.records|length')
after=$(curl -s "http://127.0.0.1:$port/sandbox/incidents" | { grep -o 'REFUSED\|FAILED' || true; } | wc -l)
echo " $(basename $bin) ($who): $n refused records, $((bytes / n)) bytes each as served; incident entries mentioning REFUSED/FAILED: $before -> $after"
