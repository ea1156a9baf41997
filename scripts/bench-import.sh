#!/usr/bin/env bash
# Import of N people (default 1,000,000) from one CSV file, in the same
# run: `grassroots import` (checks every row, writes people, their status
# history, the unit counters and the audit row in one transaction) against
# the database's own bulk loader reading the same file into a bare table
# of the same columns: `sqlite3 .import` on SQLite; with DATABASE_URL
# (an empty PostgreSQL database), `psql \copy` there. On SQLite a second
# reference: the sqlite3 shell moving the bare table's rows into the
# product's own people and status-history tables of a copy of the empty
# database (same indexes and constraints, foreign keys on) in two set-wise
# statements, which is what SQLite itself needs for these writes without
# any checking or counting.
# Usage: [DATABASE_URL=postgres://…] scripts/bench-import.sh [N]
set -euo pipefail
n=${1:-1000000}
db_url=${DATABASE_URL:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/grassroots"
if [ -n "$db_url" ]; then
  command -v psql >/dev/null || { echo "psql is needed (apt-get install postgresql-client)" >&2; exit 1; }
else
  command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "full_name,status,contact,joined_on,external_id" > people.csv
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "Person %d,member,+850-2-%07d,2019-04-15,P%08d\n", i, i, i }' >> people.csv

export GRASSROOTS_DATABASE_URL="${db_url:-sqlite://$work/grassroots.db}"
echo "bench-password-2022" | "$bin" init --organization "Bench" --password-stdin >/dev/null
if [ -z "$db_url" ]; then
  sqlite3 grassroots.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  cp grassroots.db schema.db
fi

now() { date +%s.%N; }
columns="full_name TEXT, status TEXT, contact TEXT, joined_on TEXT, external_id TEXT"
t0=$(now)
"$bin" import --kind people people.csv
t1=$(now)
if [ -n "$db_url" ]; then
  psql "$db_url" -qc "DROP TABLE IF EXISTS bench_plain_people" -c "CREATE TABLE bench_plain_people ($columns)"
  t2=$(now)
  psql "$db_url" -qc "\\copy bench_plain_people FROM 'people.csv' WITH (FORMAT csv, HEADER true)"
  t3=$(now)
  psql "$db_url" -qc "DROP TABLE bench_plain_people"
  baseline="psql \\copy"
else
  sqlite3 plain.db "CREATE TABLE people ($columns);"
  t2=$(now)
  sqlite3 plain.db ".import --csv --skip 1 people.csv people"
  t3=$(now)
  baseline="sqlite3 .import"
  t4=$(now)
  sqlite3 schema.db >/dev/null <<SQL
PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
ATTACH 'plain.db' AS plain;
BEGIN;
INSERT INTO people (unit_id, full_name, contact, status, joined_on, external_id, created_at, updated_at)
SELECT (SELECT id FROM units WHERE parent_id IS NULL), full_name, contact, status, joined_on,
       external_id, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
FROM plain.people;
INSERT INTO person_status_history (person_id, status, unit_id, changed_at, changed_by)
SELECT id, status, unit_id, created_at, 'bench' FROM people;
COMMIT;
SQL
  t5=$(now)
  [ "$(sqlite3 schema.db 'SELECT count(*) FROM person_status_history')" -ge "$n" ] || { echo "the reference load is short" >&2; exit 1; }
fi
"$bin" check >/dev/null

BASE_NAME="$baseline" awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="${t4:-0}" -v f="${t5:-0}" 'BEGIN {
  ours = b - a; base = d - c; base_name = ENVIRON["BASE_NAME"];
  printf "rows: %d\n", n
  printf "grassroots import: %.2f s (%.0f rows/s, process start included)\n", ours, n / ours
  printf "%-17s  %.2f s (%.0f rows/s)\n", base_name ":", base, n / base
  printf "ratio (grassroots rows/s / %s rows/s): %.2f\n", base_name, base / ours
  if (e > 0) {
    ref = f - e
    printf "sqlite3 into the product tables (set-wise, no checks): %.2f s after .import (%.2f s with it); grassroots / that: %.2f\n", ref, ref + base, (ref + base) / ours
  }
}'
