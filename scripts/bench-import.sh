#!/usr/bin/env bash
# Import of N people (default 1,000,000) from one CSV file on SQLite, in the
# same run: `grassroots import` (checks every row, writes people, their
# status history, the unit counters and the audit row in one transaction)
# against `sqlite3 .import` of the same file into a bare table.
# Usage: scripts/bench-import.sh [N]
set -euo pipefail
n=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/grassroots"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "full_name,status,contact,joined_on,external_id" > people.csv
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "Person %d,member,+850-2-%07d,2019-04-15,P%08d\n", i, i, i }' >> people.csv

export GRASSROOTS_DATABASE_URL="sqlite://$work/grassroots.db"
echo "bench-password-2022" | "$bin" init --organization "Bench" --password-stdin >/dev/null

now() { date +%s.%N; }
t0=$(now)
"$bin" import --kind people people.csv
t1=$(now)
sqlite3 plain.db "CREATE TABLE people (full_name TEXT, status TEXT, contact TEXT, joined_on TEXT, external_id TEXT);"
t2=$(now)
sqlite3 plain.db ".import --csv --skip 1 people.csv people"
t3=$(now)
"$bin" check >/dev/null

awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
  ours = b - a; base = d - c;
  printf "rows: %d\n", n
  printf "grassroots import: %.2f s (%.0f rows/s, process start included)\n", ours, n / ours
  printf "sqlite3 .import:   %.2f s (%.0f rows/s)\n", base, n / base
  printf "ratio (grassroots rows/s / sqlite3 rows/s): %.2f\n", base / ours
}'
