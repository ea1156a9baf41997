#!/usr/bin/env bash
# HTTP load on one grassroots server, 127.0.0.1 only, with wrk: the plain
# /healthz route (the ceiling of this server on this machine), a
# provincial dashboard through the API, the unit page, a member's home,
# a welfare case opened by its handler, a province's welfare counts, a
# person search in a county (one fixed query, then 400 different ones
# taken from the county's own names: two Korean syllables, initial
# consonants, beginnings of romanized words), the search page's API over
# people, units, experiences and decisions with the same queries, and
# check-ins POSTed on a province's targets; CONNECTIONS clients (default
# 64) for DURATION (default 20s) each; then all of a mixed load at once
# (a fifth of the clients writing check-ins across the country, or with
# MIXED_WRITES=province in the province read, the rest reading its unit
# page and dashboard) for MIXED seconds (default 60). Then the server's
# peak memory.
# The demo organization of SCALE (a number or `national`, default 10) is
# built first, or reused from WORK_DIR when it is there; with DATABASE_URL
# (postgres://…) it is built in that PostgreSQL database (empty, or
# holding the demo already) instead of the embedded one.
# Usage: [DATABASE_URL=postgres://…] [ONLY_MIXED=1] [MIXED_WRITES=province] scripts/bench-http.sh [SCALE]
set -euo pipefail
scale=${1:-10}
conns=${CONNECTIONS:-64}
duration=${DURATION:-20s}
port=${PORT:-18080}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/checkins.sh
. "$root/scripts/lib/checkins.sh"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
db_url=${DATABASE_URL:-}
if [ -n "$db_url" ]; then
  command -v psql >/dev/null || { echo "psql is needed (apt-get install postgresql-client)" >&2; exit 1; }
else
  command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
fi
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/grassroots"
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
db="$work/grassroots-demo/grassroots.db"
base="http://127.0.0.1:$port"

if [ -n "$db_url" ]; then
  engine=(--database-url "$db_url")
  engine_name=PostgreSQL
  q() { psql "$db_url" -qAtc "$1"; }
else
  engine=()
  engine_name=SQLite
  q() { sqlite3 "$db" "$1"; }
fi

cd "$work"
serve() {
  "$bin" demo --scale "$scale" "${engine[@]}" --listen "127.0.0.1:$port" --log warn > server.out 2> server.err &
  server=$!
  until curl -fs "$base/healthz" >/dev/null 2>&1; do
    kill -0 $server 2>/dev/null || { cat server.err >&2; exit 1; }
    sleep 2
  done
}
trap 'kill $server 2>/dev/null || true' EXIT
started=$(date +%s)
serve
echo "server ready after $(( $(date +%s) - started )) s (demo scale $scale, $engine_name)"
# The load runs against a server started on the built database, so that
# its memory is the serving server's, not the generator's.
kill $server
wait $server 2>/dev/null || true
serve

province=$(q "SELECT id FROM units WHERE level = 'provincial_committee' ORDER BY id LIMIT 1")
county=$(q "SELECT u.id FROM units u JOIN unit_closure c ON c.descendant_id = u.id
            WHERE c.ancestor_id = $province AND u.level IN ('county_committee', 'city_committee')
            ORDER BY u.id LIMIT 1")
token=$("$bin" --database-url "${db_url:-sqlite://$db}" token create --user province --name "bench $(date +%s%N)" \
  --role secretary --unit "$province" --scope subtree | sed -n 2p)
[ -n "$token" ] || { echo "no token created" >&2; exit 1; }
# Check-ins go to 500 cells' output shares in the province.
targets=$(checkin_targets "$province")
checkin_lua "$token" "$targets" > checkin.lua
# In the mixed load, by default, the check-ins come from the whole
# country (500 shares spread over every province) while the readers
# watch one province; MIXED_WRITES=province sends them all to the
# province being read, the worst case for what is kept.
root_unit=$(q "SELECT id FROM units WHERE parent_id IS NULL")
if [ "${MIXED_WRITES:-country}" = province ]; then
  cp checkin.lua checkin-mixed.lua
else
  centre_token=$("$bin" --database-url "${db_url:-sqlite://$db}" token create --user admin --name "bench centre $(date +%s%N)" \
    --role secretary --unit "$root_unit" --scope subtree | sed -n 2p)
  [ -n "$centre_token" ] || { echo "no token created" >&2; exit 1; }
  checkin_lua "$centre_token" "$(checkin_targets_spread "$root_unit")" > checkin-mixed.lua
fi

run() {
  local label=$1; shift
  local out
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency "$@")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" | tr '\n' ' ' || true)
  printf "%-22s %10s req/s   p50 %8s   p99 %8s   %s\n" "$label" "$rps" "$p50" "$p99" "$errors"
}

# Pages are for sessions: sign in with the passwords the demo printed.
signin() {
  local user=$1 password csrf cookie s
  password=$(awk -v u="$user" '$1 == u {print $2; exit}' server.out)
  csrf=$(curl -fs -D login.headers "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(gr_login_csrf=[^;]*\).*/\1/p' login.headers | head -1)
  s=$(curl -fs -o /dev/null -D - -H "Cookie: $cookie" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "username=$user" --data-urlencode "password=$password" \
    "$base/login" | sed -n 's/^[Ss]et-[Cc]ookie: \(gr_session=[^;]*\).*/\1/p' | head -1)
  [ -n "$s" ] || { echo "could not sign in as $user" >&2; exit 1; }
  echo "$s"
}
session=$(signin province)
member_session=$(signin member)
handler_session=$(signin cell)
# A case the cell's handler holds, unresolved (opening it is a logged read).
case_id=$(q "SELECT w.id FROM welfare_cases w JOIN welfare_handlers h ON h.unit_id = w.unit_id
             JOIN accounts a ON a.id = h.account_id
             WHERE a.username = 'cell' AND w.status <> 'resolved' ORDER BY w.id LIMIT 1")
page=(-H "Cookie: $session")
# The unit page as a browser loads it: the shell, then each section the
# shell names (htmx asks for them at once); one page is all of them.
sections=$(curl -fs "${page[@]}" "$base/units/$province" | sed -n 's/.*hx-get="\([^"]*\)" hx-trigger="load".*/\1/p' | paste -sd' ' -)
[ -n "$sections" ] || { echo "the unit page names no sections" >&2; exit 1; }
{
  echo "local paths = {\"/units/$province\""
  for s in $sections; do echo ", \"$s\""; done
  echo "}"
  cat <<'LUA'
local n = 0
wrk.headers["HX-Request"] = "true"
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
} > unitpage.lua
sed -i "1i wrk.headers[\"Cookie\"] = \"$session\"" unitpage.lua

# Queries a user would type, from the county's own people: for a Korean
# name its last two syllables or its initial consonants, for a romanized
# one the first three letters of a word.
q "SELECT p.full_name FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
   WHERE c.ancestor_id = $county ORDER BY p.id LIMIT 400" > names.txt
{
  echo "local queries = {"
  python3 - names.txt <<'PY'
import sys, urllib.parse
CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
for i, name in enumerate(open(sys.argv[1], encoding="utf-8").read().split("\n")):
    name = name.strip()
    if not name:
        continue
    if all("가" <= ch <= "힣" for ch in name.replace(" ", "")):
        word = name.replace(" ", "")
        q = word[-2:] if i % 2 else "".join(CHO[(ord(ch) - 0xAC00) // 588] for ch in word[:2])
    else:
        words = name.split()
        q = words[i % len(words)][:3].lower()
    print('"%s",' % urllib.parse.quote(q))
PY
  echo "}"
  cat <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", string.format(path, queries[(n % #queries) + 1]))
end
LUA
} > queries.lua
{ echo "path = \"/api/v1/units/$county/people?subtree=true&limit=50&q=%s\""; cat queries.lua; } > people-search.lua
{ echo 'path = "/api/v1/search?q=%s"'; cat queries.lua; } > search.lua
sed -i "1i wrk.headers[\"Authorization\"] = \"Bearer $token\"" people-search.lua search.lua

auth=(-H "Authorization: Bearer $token")
echo "wrk: 2 threads, $conns connections, $duration each; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
# ONLY_MIXED=1 skips the routes one by one.
if [ -z "${ONLY_MIXED:-}" ]; then
run "hello (/healthz)" "$base/healthz"
run "dashboard (province)" "${auth[@]}" "$base/api/v1/units/$province/dashboard"
run "unit page shell (province)" "${page[@]}" "$base/units/$province"
run "unit page + $(wc -w <<<"$sections") sections" -s unitpage.lua "$base"
run "member home (/)" -H "Cookie: $member_session" "$base/"
run "case page (handler)" -H "Cookie: $handler_session" "$base/welfare/cases/$case_id"
run "welfare counts (province)" "${auth[@]}" "$base/api/v1/units/$province/welfare"
run "person search (county)" "${auth[@]}" "$base/api/v1/units/$county/people?subtree=true&q=kim&limit=50"
run "person search, 400 queries" -s people-search.lua "$base"
run "search page API, 400 q" -s search.lua "$base"
run "check-in POST" -s checkin.lua "$base"
fi

# Mixed load (MIXED seconds, default 60): of CONNECTIONS clients, a fifth
# POST check-ins while the rest read, three fifths the unit page with its
# sections and one fifth the province's dashboard API, all at once; each
# group's figures apart.
mixed=${MIXED:-60}
writers=$(( conns / 5 )); dashboards=$(( conns / 5 )); pages=$(( conns - writers - dashboards ))
mix() {
  local label=$1 n=$2; shift 2
  wrk -t1 -c"$n" -d"${mixed}s" --latency "$@" > "mixed-$label.out"
}
mix pages "$pages" -s unitpage.lua "$base" &
loads=($!)
mix dashboards "$dashboards" "${auth[@]}" "$base/api/v1/units/$province/dashboard" &
loads+=($!)
mix checkins "$writers" -s checkin-mixed.lua "$base" &
loads+=($!)
wait "${loads[@]}"
echo "mixed ${mixed} s: $pages clients on unit pages, $dashboards on the dashboard, $writers posting check-ins (${MIXED_WRITES:-country})"
for label in pages dashboards checkins; do
  out=$(cat "mixed-$label.out")
  printf "  %-12s %10s req/s   p50 %8s   p99 %8s   %s\n" "$label" \
    "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$(grep -E "Non-2xx|Socket errors" <<<"$out" | tr '\n' ' ' || true)"
done
awk '/VmHWM|VmRSS/ {printf "server %s %.0f MB\n", $1, $2 / 1024}' "/proc/$server/status"
