#!/usr/bin/env bash
# What durability costs on the embedded database, 127.0.0.1 only, with
# wrk: check-ins POSTed on a province's targets by CONNECTIONS clients
# (default 64) for DURATION (default 20s), with `sqlite.synchronous` full
# (the default) and then normal; then, with full, the same writes under
# the province's dashboard read by as many clients again for 60 s, the
# write-ahead log's size sampled every 5 s and once more after the
# checkpoint job's next run. The demo organization of SCALE (default 10)
# is built first, or reused from WORK_DIR.
# Usage: [WORK_DIR=…] scripts/bench-durability.sh [SCALE]
set -euo pipefail
scale=${1:-10}
conns=${CONNECTIONS:-64}
duration=${DURATION:-20s}
port=${PORT:-18080}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/checkins.sh
. "$root/scripts/lib/checkins.sh"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/grassroots"
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
db="$work/grassroots-demo/grassroots.db"
base="http://127.0.0.1:$port"
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null || true' EXIT
serve() {
  GRASSROOTS_SQLITE__SYNCHRONOUS=$1 "$bin" demo --scale "$scale" --listen "127.0.0.1:$port" --log warn > server.out 2> server.err &
  server=$!
  until curl -fs "$base/healthz" >/dev/null 2>&1; do
    kill -0 $server 2>/dev/null || { cat server.err >&2; exit 1; }
    sleep 1
  done
}
stop() { kill $server; wait $server 2>/dev/null || true; server=; }
wal() { stat -c %s "$db-wal" 2>/dev/null | awk '{printf "%.1f MB", $1 / 1048576}'; }

serve full
province=$(sqlite3 "$db" "SELECT id FROM units WHERE level = 'provincial_committee' ORDER BY id LIMIT 1")
token=$("$bin" --database-url "sqlite://$db" token create --user province --name "durability $(date +%s%N)" \
  --role secretary --unit "$province" --scope subtree | sed -n 2p)
q() { sqlite3 "$db" "$1"; }
targets=$(checkin_targets "$province")
checkin_lua "$token" "$targets" > checkin.lua
summary() {
  awk '/^Requests\/sec/ {rps=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
       /Non-2xx|Socket errors/ {err=err " " $0}
       END {printf "%10s req/s   p50 %8s   p99 %8s  %s\n", rps, p50, p99, err}'
}
echo "wrk: 2 threads, $conns connections, $duration each; machine: $(nproc) cores; demo scale $scale, SQLite"
for sync in full normal; do
  [ -n "$server" ] || serve "$sync"
  printf "check-in POST, synchronous=%-7s" "$sync"
  wrk -t2 -c"$conns" -d"$duration" --latency -s checkin.lua "$base" | summary
  stop
done

serve full
wrk -t1 -c"$conns" -d60s --latency -s checkin.lua "$base" > writes.out &
writes=$!
wrk -t1 -c"$conns" -d60s --latency -H "Authorization: Bearer $token" "$base/api/v1/units/$province/dashboard" > reads.out &
reads=$!
largest=0
for _ in $(seq 1 12); do
  sleep 5
  size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
  [ "$size" -gt "$largest" ] && largest=$size
done
wait $writes $reads
printf "mixed 60 s, check-ins:       "; summary < writes.out
printf "mixed 60 s, dashboard reads: "; summary < reads.out
echo "write-ahead log: largest sampled $(awk -v s="$largest" 'BEGIN {printf "%.1f MB", s / 1048576}'), at the end $(wal)"
sleep 35
echo "write-ahead log after the checkpoint job's next run: $(wal)"
