#!/usr/bin/env bash
# Every figure of docs/benchmarks.md in one run, on this machine (127.0.0.1
# only). SCALE (default national) sizes the demo organization; the
# PostgreSQL part runs when PG_URL names a server (default
# postgres://postgres@127.0.0.1:5432/postgres) and uses PG_SCALE (default
# 10), in a database it creates and drops. Results go to stdout and to
# target/bench-all/.
# Usage: scripts/bench-all.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${SCALE:-national}
pg_scale=${PG_SCALE:-10}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
out="$root/target/bench-all"
mkdir -p "$out"
cd "$root"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%d)"

echo "== demo build, HTTP load and server memory (SQLite, scale $scale)"
WORK_DIR="$out/http-$scale" scripts/bench-http.sh "$scale" | tee "$out/http.txt"

echo "== roll-ups, check-ins, moves (SQLite, scale $scale; the demo database of the HTTP run, copied)"
rm -f "$out/tree.db"*
sqlite3 "$out/http-$scale/grassroots-demo/grassroots.db" ".backup '$out/tree.db'"
GRASSROOTS_BENCH_SCALE=$scale GRASSROOTS_BENCH_DATABASE_URL="sqlite://$out/tree.db" \
  cargo bench -q -p grassroots-app --bench tree -- skip_criterion 2>&1 | tee "$out/tree-sqlite.txt"

echo "== meeting operations (SQLite, scale 10)"
cargo bench -q -p grassroots-app --bench meetings 2>&1 | tee "$out/meetings-sqlite.txt"

echo "== import of 1,000,000 people (SQLite) against sqlite3 .import"
scripts/bench-import.sh 1000000 | tee "$out/import.txt"

if psql "$pg_url" -qAtc "SELECT 1" >/dev/null 2>&1; then
  echo "== roll-ups, check-ins, moves, plan cache modes (PostgreSQL, scale $pg_scale)"
  db="gr_bench_$$"
  psql "$pg_url" -qc "CREATE DATABASE $db"
  trap 'psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
  GRASSROOTS_BENCH_SCALE=$pg_scale GRASSROOTS_BENCH_DATABASE_URL="${pg_url%/*}/$db" \
    cargo bench -q -p grassroots-app --bench tree -- skip_criterion 2>&1 | tee "$out/tree-postgres.txt"
  echo "== meeting operations (PostgreSQL, scale 10)"
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  GRASSROOTS_BENCH_DATABASE_URL="${pg_url%/*}/$db" \
    cargo bench -q -p grassroots-app --bench meetings 2>&1 | tee "$out/meetings-postgres.txt"
else
  echo "== PostgreSQL not reachable at $pg_url: its part is skipped"
fi
