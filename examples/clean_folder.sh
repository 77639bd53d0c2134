#!/usr/bin/env sh
# Clean every .txt/.md/.jsonl file under a folder into a copy, with a review page.
#
#   examples/clean_folder.sh seeds/ cleaned/
#
# Writes cleaned/<same tree>, cleaned/report.json (one record per file, for
# scripts and CI) and cleaned/report.html (before/after side by side, every
# change with its rule and message; open it in any browser, it loads nothing).
# Then checks the copies: a second pass must find nothing left to fix.
set -eu

src="${1:-seeds}"
out="${2:-cleaned}"

textfix clean "$src" -o "$out" --report "$out/report.html"
echo
echo "Review: $out/report.html"

# textfix check exits 0 when nothing would change, 1 when something would.
if textfix check "$out" --quiet; then
    echo "Second pass: nothing left to fix."
else
    echo "Second pass still finds changes (see: textfix check $out)." >&2
    exit 1
fi
