#!/usr/bin/env bash
# Every figure of docs/benchmarks.md in one run, on this machine (127.0.0.1
# only). SCALE (default national) sizes the demo organization on both
# engines. The PostgreSQL part runs when PG_URL names a server (default
# postgres://postgres@127.0.0.1:5432/postgres), in databases it creates
# and drops; the server's settings that matter at this size are printed
# with the results (docs/benchmarks.md gives the ones used there).
# Results go to stdout and to target/bench-all/.
# Usage: scripts/bench-all.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${SCALE:-national}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
out="$root/target/bench-all"
mkdir -p "$out"
cd "$root"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%d)"

echo "== SQLite: demo build, HTTP load and server memory (scale $scale)"
WORK_DIR="$out/http-$scale" scripts/bench-http.sh "$scale" | tee "$out/http-sqlite.txt"

echo "== SQLite: roll-ups, writes, moves (scale $scale; the demo database of the HTTP run, copied)"
rm -f "$out/tree.db"*
sqlite3 "$out/http-$scale/grassroots-demo/grassroots.db" ".backup '$out/tree.db'"
GRASSROOTS_BENCH_SCALE=$scale GRASSROOTS_BENCH_DATABASE_URL="sqlite://$out/tree.db" \
  cargo bench -q -p grassroots-app --bench tree -- skip_criterion 2>&1 | tee "$out/tree-sqlite.txt"
rm -f "$out/tree.db"*

echo "== SQLite: welfare counts, a case opened, a member's home (scale $scale; the same database, copied)"
sqlite3 "$out/http-$scale/grassroots-demo/grassroots.db" ".backup '$out/tree.db'"
GRASSROOTS_BENCH_SCALE=$scale GRASSROOTS_BENCH_DATABASE_URL="sqlite://$out/tree.db" \
  cargo bench -q -p grassroots-app --bench welfare -- skip_criterion 2>&1 | tee "$out/welfare-sqlite.txt"
rm -f "$out/tree.db"*

echo "== SQLite: meeting operations (scale 10)"
cargo bench -q -p grassroots-app --bench meetings 2>&1 | tee "$out/meetings-sqlite.txt"

echo "== SQLite: import of 1,000,000 people against sqlite3 .import"
scripts/bench-import.sh 1000000 | tee "$out/import-sqlite.txt"

if psql "$pg_url" -qAtc "SELECT 1" >/dev/null 2>&1; then
  echo "== PostgreSQL: $(psql "$pg_url" -qAtc "SELECT version()" | cut -d, -f1)"
  psql "$pg_url" -qAtc "SELECT name || ' = ' || current_setting(name) FROM pg_settings
    WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'effective_cache_size',
                   'maintenance_work_mem', 'synchronous_commit', 'autovacuum')"
  db="gr_bench_$$"
  base="${pg_url%/*}"
  trap 'psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  echo "== PostgreSQL: demo build, HTTP load and server memory (scale $scale)"
  DATABASE_URL="$base/$db" WORK_DIR="$out/http-pg-$scale" scripts/bench-http.sh "$scale" \
    | tee "$out/http-postgres.txt"
  echo "== PostgreSQL: roll-ups, writes, moves, plan cache modes (scale $scale; the same database)"
  GRASSROOTS_BENCH_SCALE=$scale GRASSROOTS_BENCH_DATABASE_URL="$base/$db" \
    cargo bench -q -p grassroots-app --bench tree -- skip_criterion 2>&1 | tee "$out/tree-postgres.txt"
  echo "== PostgreSQL: welfare counts, a case opened, a member's home (scale $scale; the same database)"
  GRASSROOTS_BENCH_SCALE=$scale GRASSROOTS_BENCH_DATABASE_URL="$base/$db" \
    cargo bench -q -p grassroots-app --bench welfare -- skip_criterion 2>&1 | tee "$out/welfare-postgres.txt"
  echo "== PostgreSQL: meeting operations (scale 10)"
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  GRASSROOTS_BENCH_DATABASE_URL="$base/$db" \
    cargo bench -q -p grassroots-app --bench meetings 2>&1 | tee "$out/meetings-postgres.txt"
  echo "== PostgreSQL: import of 1,000,000 people against psql \\copy"
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  DATABASE_URL="$base/$db" scripts/bench-import.sh 1000000 | tee "$out/import-postgres.txt"
else
  echo "== PostgreSQL not reachable at $pg_url: its part is skipped"
fi
