#!/usr/bin/env bash
# Peak memory of the server for one import upload each, hostile ones
# included: a fresh release server on an empty SQLite database per file,
# one dry-run import through the API, then the process's peak resident
# set (VmHWM). Files:
#   sheet-bomb.xlsx    a worksheet inflating to ~430 MB (1.7 MB on disk)
#   strings-bomb.xlsx  shared strings inflating to ~400 MB
#   one-long-string    one 30,000-character shared string in 200,000 cells
#   many-cells.xlsx    1,000,000 filled cells (the most a workbook may hold)
#   people-32mib.csv   about 32 MiB of people, the largest upload accepted
#   people-33mib.csv   one MiB more: refused before it is read
# Prints: file, size on disk, HTTP status, seconds, peak RSS in MB, and
# the start of the answer. Only ever targets 127.0.0.1.
# Usage: scripts/bench-upload-memory.sh [PORT]
set -euo pipefail
port=${1:-18089}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q --manifest-path "$root/Cargo.toml"
bin="$root/target/release/grassroots"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=
cd "$work"

python3 - <<'PY'
import zipfile

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
      '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
      '<sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>')
WBRELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
          '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
          '</Relationships>')
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = '</sheetData></worksheet>'
SST_HEAD = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def col(i):
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def workbook(path, strings, rows):
    """strings: iterable of shared-string chunks; rows: iterable of sheet chunks."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('_rels/.rels', RELS)
        z.writestr('xl/workbook.xml', WB)
        z.writestr('xl/_rels/workbook.xml.rels', WBRELS)
        with z.open('xl/sharedStrings.xml', 'w', force_zip64=True) as f:
            f.write(SST_HEAD.encode())
            for chunk in strings:
                f.write(chunk.encode())
            f.write(b'</sst>')
        with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
            f.write(SHEET_HEAD.encode())
            for chunk in rows:
                f.write(chunk.encode())
            f.write(SHEET_TAIL.encode())


header = '<row r="1">' + ''.join(f'<c r="{col(i)}1" t="s"><v>{i}</v></c>' for i in range(2)) + '</row>'
names = ['<si><t>full_name</t></si><si><t>status</t></si><si><t>member</t></si>']

# A worksheet of ~430 MB: one row with millions of empty cells' worth of
# padding, which compresses to almost nothing.
pad = '<c r="C2"/>' * 100_000
workbook('sheet-bomb.xlsx', names,
         [header] + ['<row r="2">'] + [pad] * 390 + ['</row>'])
# Shared strings of ~400 MB.
workbook('strings-bomb.xlsx', names + ['<si><t>x</t></si>' * 100_000] * 235, [header])
# One long shared string in 200,000 cells.
long_string = names + ['<si><t>' + 'y' * 30_000 + '</t></si>']
workbook('one-long-string.xlsx', long_string,
         [header] + [f'<row r="{r}"><c r="A{r}" t="s"><v>3</v></c><c r="B{r}" t="s"><v>2</v></c></row>'
                     for r in range(2, 200_002)])
# 1,000,000 filled cells: 125,000 rows of 8 columns (short numbers).
wide = '<row r="1">' + ''.join(f'<c r="{col(i)}1" t="s"><v>{i % 2}</v></c>' for i in range(8)) + '</row>'
workbook('many-cells.xlsx', names,
         [wide] + [f'<row r="{r}">' + ''.join(f'<c r="{col(i)}{r}"><v>{r * 8 + i}</v></c>' for i in range(8)) + '</row>'
                   for r in range(2, 125_001)])
# ~32 MiB of people as CSV.
with open('people-32mib.csv', 'w') as f:
    f.write('full_name,status,contact,joined_on,external_id\n')
    i = 0
    while f.tell() < 32 * 1024 * 1024 - 200:
        i += 1
        f.write(f'Person {i},member,+850-2-{i:07d},2019-04-15,P{i:08d}\n')
with open('people-33mib.csv', 'w') as f:
    f.write(open('people-32mib.csv').read())
    f.write('x' * (1024 * 1024))
PY

export GRASSROOTS_DATABASE_URL="sqlite://$work/grassroots.db"
echo "bench-password-2022" | "$bin" init --organization "Bench" --password-stdin >/dev/null
secret=$("$bin" token create --user admin --name bench --role administrator --unit 1 | tail -n 1)

start_server() {
  "$bin" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start" >&2
  cat "$work/server.log" >&2
  exit 1
}

printf '%-22s %9s %6s %7s %8s %9s  %s\n' file size status seconds "idle MB" "peak MB" answer
for f in sheet-bomb.xlsx strings-bomb.xlsx one-long-string.xlsx many-cells.xlsx people-32mib.csv people-33mib.csv; do
  start_server
  base=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  fmt=${f##*.}
  t0=$(date +%s.%N)
  status=$(curl -sS -o answer.json -w '%{http_code}' \
    -H "Authorization: Bearer $secret" -H "Content-Type: application/octet-stream" \
    --data-binary "@$f" \
    "http://127.0.0.1:$port/api/v1/units/1/import?kind=people&format=$fmt&dry_run=true")
  t1=$(date +%s.%N)
  peak=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  size=$(stat -c %s "$f")
  printf '%-22s %8.1fM %6s %7.2f %8.1f %9.1f  %s\n' "$f" "$(echo "$size / 1048576" | bc -l)" "$status" \
    "$(echo "$t1 - $t0" | bc -l)" "$(echo "$base / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" \
    "$(head -c 160 answer.json | tr '\n' ' ')"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
