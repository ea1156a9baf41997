#!/usr/bin/env bash
# Crash test, 127.0.0.1 only: the demo organization (scale 1) on the
# embedded database takes check-ins from WRITERS concurrent clients; the
# server is killed with SIGKILL in the middle, ROUNDS times, and restarted
# on the same database. Every check-in the server acknowledged (answered
# 201 with its id) must be there after the restart, and `grassroots
# check` must find the database consistent. Exits non-zero otherwise.
# Usage: [BIN=target/debug/grassroots] [ROUNDS=3] [WRITERS=4] scripts/crash-test.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-}
if [ -z "$bin" ]; then
  cargo build -q -p grassroots --manifest-path "$root/Cargo.toml"
  bin="$root/target/debug/grassroots"
fi
rounds=${ROUNDS:-3}
writers=${WRITERS:-4}
port=${PORT:-18180}
base="http://127.0.0.1:$port"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
work=$(mktemp -d)
cd "$work"
db="$work/grassroots-demo/grassroots.db"
server=
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  jobs -p | xargs -r kill 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

serve() {
  "$bin" demo --scale 1 --listen "127.0.0.1:$port" --log warn >> server.out 2>> server.err &
  server=$!
  for _ in $(seq 1 600); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { cat server.err >&2; exit 1; }
    sleep 0.5
  done
  echo "the server did not answer" >&2
  exit 1
}

serve
province=$(sqlite3 "$db" "SELECT id FROM units WHERE level = 'provincial_committee' ORDER BY id LIMIT 1")
token=$("$bin" --database-url "sqlite://$db" token create --user province --name "crash test" \
  --role secretary --unit "$province" --scope subtree | sed -n 2p)
[ -n "$token" ] || { echo "no token created" >&2; exit 1; }
mapfile -t targets < <(sqlite3 "$db" "SELECT t.id FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
  WHERE c.ancestor_id = $province AND t.children = 0 AND t.parent_id IS NOT NULL
    AND t.kind = 'numeric' AND t.deleted_at IS NULL ORDER BY t.id LIMIT 50")
[ "${#targets[@]}" -gt 0 ] || { echo "no targets to check in on" >&2; exit 1; }

# One writer: check-ins one after another; the id of each acknowledged
# one goes to its file once the answer is complete.
writer() {
  local n=$1 i=0 out
  while true; do
    i=$((i + 1))
    local target=${targets[$(( (n * 7919 + i) % ${#targets[@]} ))]}
    out=$(curl -s -m 10 -w '\n%{http_code}' -X POST -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' \
      -d "{\"value\": $((i % 240)), \"narrative\": \"Crash test $n-$i\", \"confidence\": \"high\"}" \
      "$base/api/v1/targets/$target/check-ins" 2>/dev/null) || continue
    if [ "$(tail -n 1 <<<"$out")" = 201 ]; then
      head -n -1 <<<"$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["check_in"]["id"])' >> "acked-$n"
    fi
  done
}

total=0
for round in $(seq 1 "$rounds"); do
  rm -f acked-*
  pids=()
  for n in $(seq 1 "$writers"); do
    writer "$n" &
    pids+=($!)
  done
  sleep "$(( 3 + RANDOM % 4 ))"
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  cat acked-* 2>/dev/null | sort -n | uniq > acked
  acked=$(wc -l < acked)
  [ "$acked" -gt 0 ] || { echo "round $round: no check-in was acknowledged" >&2; exit 1; }
  serve
  ids=$(paste -sd, acked)
  found=$(sqlite3 "$db" "SELECT count(*) FROM check_ins WHERE id IN ($ids)")
  echo "round $round: killed during writes; $acked check-ins acknowledged, $found found after the restart"
  [ "$found" = "$acked" ] || { echo "acknowledged check-ins were lost" >&2; exit 1; }
  total=$((total + acked))
done
kill "$server"
wait "$server" 2>/dev/null || true
server=
"$bin" --database-url "sqlite://$db" check
echo "crash test passed: $rounds kills, $total acknowledged check-ins, all present; check clean"
