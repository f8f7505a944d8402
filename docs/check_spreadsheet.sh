#!/usr/bin/env bash
# Open an errors file the way a clerk does, in LibreOffice in a Dutch locale, and show what it displays.
#
#   docs/check_spreadsheet.sh [OUT_DIR]        (default: a new temporary folder)
#
# It makes a delivery whose record holds Brühl-Noël, =1+2, @SUM(A1), 7.500, 28-02-1990 and 0012,
# lets `cki validate` write its errors.csv and errors.xlsx, and has LibreOffice (headless, locale
# nl-NL) render three views to PNG: the workbook as it opens (errors-xlsx.png), the CSV imported as
# README says (every column Text: errors-csv-as-text.png), and the CSV opened by double-click, the
# locale guessing each cell's type (errors-csv-guessed.png). Look at the pictures. The script also
# compares every view's cells as LibreOffice shows them with the delivered values, and fails when
# a cell of the workbook or of the CSV imported as text differs (the CSV's formula-like values keep
# their leading quote), or when the double-clicked CSV shows no guess at all (then the locale was
# not Dutch and the check proves nothing). docs/errors-xlsx.png is the first picture, committed:
#   docs/check_spreadsheet.sh /tmp/sheets && cp /tmp/sheets/errors-xlsx.png docs/
#
# Needs soffice and pdftoppm: apt-get install -y libreoffice-calc-nogui poppler-utils
# (the Dutch system locale is optional: LibreOffice's own locale is set below).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
if [ -n "${1:-}" ]; then mkdir -p "$1"; out=$(cd "$1" && pwd); else out=$(mktemp -d); fi
work=$out/workspace
name=BANK1_MUT_20261123_000001
mkdir -p "$work/inbox/BANK1"

cat > "$work/config.yaml" <<'YAML'
participants:
  - {code: BANK1, name: Voorbeeldbank, category: BANK, may_register: true, may_consult: true, contract_types: [AK]}
YAML
printf '%s\n' \
  'participant_code;contract_number;mutation_type;event_date;contract_type;amount;theoretical_end_date;birth_surname;surname_prefix;initials;gender;birth_date;postcode;house_number' \
  'BANK1;C-1;NEW;2026-11-10;AK;7.500;2031-11-10;Brühl-Noël;@SUM(A1);=1+2;V;28-02-1990;1011AB;0012' \
  > "$work/inbox/BANK1/$name.csv"

"$python" -m pipeline.cli validate "$work/inbox/BANK1/$name.csv" --config "$work/config.yaml" \
  --date 2026-11-23 --out "$out" || true          # exit 1: the record is rejected, as intended
test -f "$out/$name.errors.xlsx"

# LibreOffice's own locale (a profile of its own, so the user's is never touched): Dutch.
profile=$out/lo-profile
mkdir -p "$profile/user"
cat > "$profile/user/registrymodifications.xcu" <<'XCU'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>nl-NL</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>nl-NL</value></prop></item>
</oor:items>
XCU
office() {
  LC_ALL=nl_NL.UTF-8 LANG=nl_NL.UTF-8 soffice -env:UserInstallation="file://$profile" --headless "$@" >/dev/null
}

# CSV import options: separator ; (59), quote " (34), UTF-8 (76), from line 1, column types, Dutch
# (1043), quoted fields as text, detect special numbers. Export: the cells as shown.
columns=$(head -1 "$out/$name.errors.csv" | tr ';' '\n' | wc -l)
as_text=$(seq 1 "$columns" | sed 's|$|/2|' | paste -sd/)             # 1/2/2/2/...: every column Text
shown="csv:Text - txt - csv (StarCalc):59,34,76,1,,1043,false,true,true"
declare -A import=([xlsx]="" [csv-as-text]="CSV:59,34,76,1,$as_text,1043" [csv-guessed]="CSV:59,34,76,1,,1043,false,true")
for view in xlsx csv-as-text csv-guessed; do
  file=$out/$name.errors.${view%%-*}
  filter=${import[$view]:+--infilter=${import[$view]}}
  mkdir -p "$out/$view/shown"
  office $filter --convert-to pdf --outdir "$out/$view" "$file"
  office $filter --convert-to "$shown" --outdir "$out/$view/shown" "$file"
done

for view in xlsx csv-as-text csv-guessed; do
  "$python" - "$out/$view/$name.errors.pdf" "$out/errors-$view.png" <<'PY'
"""The table of every page of a PDF, cropped, cut between columns into strips a screen shows
legibly, and stacked into one PNG (grey, written with zlib: no imaging library needed)."""
import re, struct, subprocess, sys, zlib
pdf, png = sys.argv[1:]
TEXT_PX, WIDE, GAP = 26, 100, 24           # text height in pixels, strip width in text heights, gap
WORD = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'

def words(page):
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), pdf, "-"],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(map(float, w)) for w in re.findall(WORD, out)]

def table(boxes):
    """The words of the page's table: the largest block of lines (not a page header or footer)."""
    high, blocks = max(b[3] - b[1] for b in boxes), [[]]
    for box in sorted(boxes, key=lambda b: b[1]):
        if blocks[-1] and box[1] - blocks[-1][-1][1] > 2 * high:
            blocks.append([])
        blocks[-1].append(box)
    return max(blocks, key=len)

def strips(boxes):
    """(x0, x1, y0, y1, dpi) per strip of one page's table: cut where a header word starts."""
    top, high = min(b[1] for b in boxes), max(b[3] - b[1] for b in boxes)
    cuts = sorted(b[0] - high / 8 for b in boxes if abs(b[1] - top) < high / 4)
    x0, x1 = min(b[0] for b in boxes) - high / 2, max(b[2] for b in boxes) + high / 2
    y0, y1 = top - high / 2, max(b[3] for b in boxes) + high / 2
    edges, last = [x0], x0
    for cut in cuts[1:] + [x1]:              # greedy: the last column start that keeps a strip narrow
        if cut - edges[-1] > WIDE * high and last > edges[-1]:
            edges.append(last)
        last = cut
    edges.append(x1)
    dpi = 72 * TEXT_PX / high
    return [(a, b, y0, y1, dpi) for a, b in zip(edges, edges[1:]) if b > a]

def render(a, b, y0, y1, dpi):
    k = dpi / 72
    data = subprocess.run(["pdftoppm", "-gray", "-r", f"{dpi:.2f}", "-f", str(page), "-l", str(page),
                           "-x", str(int(a * k)), "-y", str(int(y0 * k)), "-W", str(int((b - a) * k)),
                           "-H", str(int((y1 - y0) * k)), pdf], capture_output=True, check=True).stdout
    _, size, _, pixels = data.split(b"\n", 3)
    w, h = map(int, size.split())
    return [pixels[i * w:(i + 1) * w] for i in range(h)]

pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout)[1])
rows = []
for page in range(1, pages + 1):
    boxes = words(page)
    for strip in strips(table(boxes)) if boxes else []:
        rows += render(*strip) + [b""] * GAP
width = max(len(r) for r in rows)
raw = b"".join(b"\x00" + r.ljust(width, b"\xff") for r in rows)
chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
with open(png, "wb") as fh:
    fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, 0, 0, 0, 0))
             + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
PY
done

"$python" - "$work/inbox/BANK1/$name.csv" "$out" "$name.errors.csv" <<'PY'
"""Each view's cells as LibreOffice shows them against the delivered record."""
import sys
import polars as pl
delivered = pl.read_csv(sys.argv[1], separator=";", infer_schema=False).row(0, named=True)
quoted = {c: ("'" + v if v[:1] in "=+-@" else v) for c, v in delivered.items()}   # the CSV's OWASP quote

def differing(view, expected):
    shown = pl.read_csv(f"{sys.argv[2]}/{view}/shown/{sys.argv[3]}", separator=";", infer_schema=False)
    wrong = sorted({(c, expected[c], s) for c in expected for s in shown[c].to_list() if s != expected[c]})
    for column, value, seen in wrong:
        print(f"  {view}: {column}: delivered {value!r}, shown {seen!r}")
    return len(wrong)

xlsx, text, guessed = differing("xlsx", delivered), differing("csv-as-text", quoted), differing("csv-guessed", quoted)
print(f"errors.xlsx: {xlsx} cells differ from the delivery; errors.csv imported as text: {text} "
      f"(formula-like values carry the CSV's leading quote); opened by double-click: {guessed}")
if guessed == 0:
    print("the double-clicked CSV shows no change: LibreOffice did not read it in a Dutch locale")
sys.exit(1 if xlsx or text or not guessed else 0)
PY
echo "look at: $out/errors-xlsx.png $out/errors-csv-as-text.png $out/errors-csv-guessed.png"
