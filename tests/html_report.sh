#!/bin/sh
# `dlprobe report`: the HTML page rendered by a real browser (headless
# Chromium, Debian's `chromium`): the DOM has one plot point per GEMM result,
# one bar per estimate figure, no script and no external reference; the
# screenshot is not blank. --no-sandbox: CI runs as root.
set -u
B=${BUILD:-build}/dlprobe
R=${BUILD:-build}/tests/golden_render
F=tests/fixtures/bench_cpu_fixture.json
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
[ -n "$CHROME" ] || { echo "FAIL no chromium (scripts/deps.sh installs it)"; exit 1; }
# chromium wants a writable home and no session bus
export HOME="$T" XDG_CONFIG_HOME="$T" XDG_CACHE_HOME="$T"
chrome() { timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars "$@"; }

"$R" scenario-json "$F" > "$T/scen.json" 2>"$T/err" || ko "scenario document ($(cat "$T/err"))"
"$B" -q compare "$F" c7i.2xlarge g6.xlarge --model resnet50 --dataset imagenet --classical svm --samples 100000 \
	--json > "$T/cmp.json" 2>"$T/err" || ko "compare document ($(cat "$T/err"))"
"$B" report "$F" "$T/scen.json" "$T/cmp.json" -o "$T/report.html" 2>"$T/err" && ok "report writes the page" ||
	ko "report exits non-zero ($(cat "$T/err"))"
grep -Eiq '<script|<link|src=|@import|url\(|https?://' "$T/report.html" && ko "page references something outside itself" ||
	ok "page is self-contained (no script, link, src, url)"

# expected marks, from the documents
want=$($PY - "$F" "$T/scen.json" "$T/cmp.json" <<'PYEOF'
import json, sys
pts = bars = 0
for f in sys.argv[1:]:
    d = json.load(open(f))
    for b in d.get('bench', {}).get('backends', []):
        for dev in b['devices']:
            if dev['status'] == 'ok':
                pts += sum(1 for r in dev['results'] if r['kernel'] == 'gemm' and r['status'] == 'ok' and r.get('rate_gflops'))
    for e in d.get('estimates', []):
        for side in ('deep', 'classical'):
            s = e.get(side)
            if s:
                bars += 1 + (s['cost_usd'] is not None and s['cost_usd']['expected'] is not None)
print(pts, bars)
PYEOF
)
chrome --dump-dom "file://$T/report.html" > "$T/dom.html" 2>"$T/chrome.err" || ko "chromium --dump-dom ($(tail -1 "$T/chrome.err"))"
got=$($PY - "$T/dom.html" <<'PYEOF'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    pts = bars = 0
    def handle_starttag(self, tag, attrs):
        c = dict(attrs).get('class', '')
        P.pts += tag == 'circle' and c == 'pt'
        P.bars += tag == 'rect' and c == 'bar'
P().feed(open(sys.argv[1]).read())
print(P.pts, P.bars)
PYEOF
)
[ "$got" = "$want" ] && [ "${want%% *}" -gt 0 ] && ok "DOM: $got plot points and bars, as the documents have" ||
	ko "DOM has points/bars '$got', documents '$want'"
grep -Eq 'Uncaught|SyntaxError|ReferenceError|TypeError' "$T/chrome.err" && ko "script errors: $(grep -E 'Uncaught' "$T/chrome.err" | head -1)" ||
	ok "no script errors"
chrome --window-size=1000,1400 --screenshot="$T/shot.png" "file://$T/report.html" >/dev/null 2>"$T/chrome.err" ||
	ko "chromium --screenshot ($(tail -1 "$T/chrome.err"))"
stats=$($PY tests/png_stats.py "$T/shot.png" 2>"$T/err") || ko "screenshot unreadable ($(cat "$T/err"))"
set -- $stats
[ "${1:-0}" -ge 8 ] && [ "${2:-0}" -ge 500 ] && ok "screenshot not blank ($1 colours, $2 pixels off the background)" ||
	ko "screenshot blank ($stats)"
# the check can fail: an empty page is blank
printf '<!DOCTYPE html><html><body></body></html>' > "$T/blank.html"
chrome --window-size=400,300 --screenshot="$T/blank.png" "file://$T/blank.html" >/dev/null 2>&1
set -- $($PY tests/png_stats.py "$T/blank.png")
[ "${1:-9}" -le 2 ] && ok "an empty page reads as blank" || ko "blank detection: $*"
echo "html_report: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
