"""Reports of a run: text lines for people, JSON for CI, a self-contained HTML review page.

Every format is built from :class:`textfix.corpus.Entry` objects (one per file
and one per noteworthy JSONL record); nothing here re-derives what the
pipeline already reported. The HTML page needs no network: styles are
inline, there are no scripts, fonts or images, a Content-Security-Policy
forbids any request, and every piece of text is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from textfix.corpus import Entry

#: the HTML page shows at most this many files/records in full
HTML_MAX_ENTRIES = 2000


def _short(s: str, limit: int = 50) -> str:
    r = repr(s)
    return r if len(r) <= limit else r[: limit - 4] + "…" + r[-3:]


def _rules_of(edit: dict[str, Any]) -> str:
    return "+".join(edit.get("rules") or [edit["rule"]])


# --- summary ---------------------------------------------------------------------


@dataclass
class Summary:
    """Counts over a whole run, per rule and overall."""

    files: int = 0
    changed_files: int = 0
    written_files: int = 0
    records: int = 0
    changed_records: int = 0
    edits: int = 0
    flags: int = 0
    errors: int = 0
    skipped: int = 0
    rules: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, entry: Entry) -> None:
        if entry.kind == "file":
            if entry.note and entry.note.startswith("binary"):
                self.skipped += 1
            elif not (entry.error and not entry.size):  # a path that could not be read
                self.files += 1
            self.changed_files += entry.changed
            self.written_files += entry.written
            self.records += entry.records
            self.changed_records += entry.changed_records
        if entry.error:
            self.errors += 1
        self.edits += len(entry.edits)
        self.flags += len(entry.flags)
        for e in entry.edits:
            for r in e.get("rules") or [e["rule"]]:
                self.rules.setdefault(r, {"edits": 0, "flags": 0})["edits"] += 1
        for f in entry.flags:
            self.rules.setdefault(f["rule"], {"edits": 0, "flags": 0})["flags"] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "changed_files": self.changed_files,
            "written_files": self.written_files,
            "skipped_files": self.skipped,
            "records": self.records,
            "changed_records": self.changed_records,
            "edits": self.edits,
            "flags": self.flags,
            "errors": self.errors,
            "rules": dict(sorted(self.rules.items())),
        }

    def rule_table(self) -> str:
        if not self.rules:
            return ""
        width = max(len(r) for r in self.rules)
        lines = [f"{'rule':<{width}}  edits  flags"]
        for rule, c in sorted(self.rules.items()):
            lines.append(f"{rule:<{width}}  {c['edits']:>5}  {c['flags']:>5}")
        return "\n".join(lines)


# --- text -----------------------------------------------------------------------------


def text_lines(entry: Entry) -> list[str]:
    """One line per edit and flag, ``path:line:col: rule message 'before' -> 'after'``."""
    if entry.kind == "record":
        prefix, open_, sep = f"{entry.label} ", "[", "]: "
    else:
        prefix, open_, sep = f"{entry.path}:", "", ": "
    rows: list[tuple[int, int, str]] = []
    for e in entry.edits:
        rows.append(
            (
                e["start"],
                0,
                f"{prefix}{open_}{e['line']}:{e['column']}{sep}{_rules_of(e)} "
                f"{e['message']}  {_short(e['original'])} -> {_short(e['replacement'])}",
            )
        )
    for f in entry.flags:
        hint = f" (suggest {_short(f['suggestion'])})" if f.get("suggestion") is not None else ""
        rows.append(
            (
                f["start"],
                1,
                f"{prefix}{open_}{f['line']}:{f['column']}{sep}{f['rule']} [flag] "
                f"{f['message']}  {_short(f.get('text', ''))}{hint}",
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


# --- JSON -------------------------------------------------------------------------------


def dumps(obj: Any) -> str:
    """JSON with readable non-ASCII, escaped only when it holds lone surrogates."""
    s = json.dumps(obj, ensure_ascii=False)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj)
    return s


class JsonReport:
    """Stream ``{"textfix": ..., "mode": ..., "entries": [...], "summary": {...}}`` to a file."""

    def __init__(self, out: IO[str], mode: str, version: str) -> None:
        self.out = out
        self.first = True
        out.write(json.dumps({"textfix": version, "mode": mode})[:-1] + ', "entries": [')

    def add(self, entry: Entry) -> None:
        self.out.write(("\n  " if self.first else ",\n  ") + dumps(entry.to_dict()))
        self.first = False

    def close(self, summary: Summary) -> None:
        self.out.write('\n], "summary": ' + json.dumps(summary.to_dict()) + "}\n")
        self.out.flush()


# --- HTML --------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3em .6em;vertical-align:top}
th{background:#f4f4f4;text-align:left}
table.sbs{width:100%;table-layout:fixed}table.sbs td{white-space:pre-wrap;
font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:13px}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
mark{background:#fe8}sup{color:#666;font-size:.7em}
.lno{color:#888;font-size:.85em}.err{color:#a00}.note{color:#666}
ol.changes li{margin:.15em 0}code{background:#f4f4f4;padding:0 .2em}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def _e(s: object) -> str:
    import html  # here: only the HTML report needs it (html.entities costs ~2 ms at start-up)

    return html.escape(str(s), quote=True)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def _hunks(text: str, spans: list[tuple[int, int]], context: int = 1) -> list[tuple[int, int]]:
    """Line-aligned character ranges covering ``spans`` with ``context`` lines around."""
    import bisect

    starts = _line_starts(text)
    n = len(starts)

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos) - 1

    ranges: list[list[int]] = []
    for s, e in sorted(spans):
        a = max(0, line_of(s) - context)
        b = min(n - 1, line_of(max(s, e - 1)) + context)
        if ranges and a <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], b)
        else:
            ranges.append([a, b])
    out = []
    for a, b in ranges:
        start = starts[a]
        end = starts[b + 1] if b + 1 < n else len(text)
        out.append((start, end))
    # an edit may reach past the last line's end (a deleted final newline)
    return out


def _render_hunk(
    text: str,
    start: int,
    end: int,
    edits: list[tuple[int, dict[str, Any]]],
    flags: list[tuple[int, dict[str, Any]]],
) -> tuple[str, str]:
    before: list[str] = []
    after: list[str] = []
    events: list[tuple[int, int, int, int, dict[str, Any]]] = []
    for n, e in edits:
        if start <= e["start"] < end or (e["start"] == e["end"] == end and end == len(text)):
            events.append((e["start"], 0, e["end"], n, e))
    for n, f in flags:
        if start <= f["start"] < end:
            events.append((f["start"], 1, f["end"], n, f))
    events.sort(key=lambda t: (t[0], t[1]))
    pos_b = start
    pos_a = start
    for s, kind, e, n, item in events:
        if kind == 1:
            if s < pos_b:
                continue  # overlaps an edit already drawn; listed below
            title = _e(f"{item['rule']}: {item['message']}")
            before.append(_e(text[pos_b:s]))
            before.append(f'<mark title="{title}">{_e(text[s:e])}</mark><sup>f{n}</sup>')
            pos_b = e
            continue
        title = _e(f"{_rules_of(item)}: {item['message']}")
        if s < pos_b:
            continue
        before.append(_e(text[pos_b:s]))
        before.append(f'<del title="{title}">{_e(item["original"])}</del><sup>{n}</sup>')
        pos_b = max(pos_b, e)
        after.append(_e(text[pos_a:s]))
        after.append(f'<ins title="{title}">{_e(item["replacement"])}</ins><sup>{n}</sup>')
        pos_a = e
    hunk_end = max(end, pos_b, pos_a)
    before.append(_e(text[pos_b:hunk_end]))
    after.append(_e(text[pos_a:hunk_end]))
    return "".join(before), "".join(after)


def render_entry(entry: Entry) -> str:
    """One file's or record's section: side-by-side hunks, then the list of changes."""
    out = [f"<section><h2>{_e(entry.label)}</h2>"]
    if entry.error:
        out.append(f'<p class="err">error: {_e(entry.error)}</p>')
    if entry.note:
        out.append(f'<p class="note">{_e(entry.note)}</p>')
    text = entry.before
    if text is not None and (entry.edits or entry.flags):
        edits = list(enumerate(entry.edits, 1))
        flags = list(enumerate(entry.flags, 1))
        spans = [(e["start"], max(e["end"], e["start"] + 1)) for _, e in edits]
        spans += [(f["start"], max(f["end"], f["start"] + 1)) for _, f in flags]
        starts = _line_starts(text)
        out.append('<table class="sbs"><tr><th>before</th><th>after</th></tr>')
        import bisect

        for hs, he in _hunks(text, spans):
            line = bisect.bisect_right(starts, hs)
            b, a = _render_hunk(text, hs, he, edits, flags)
            out.append(
                f'<tr><td><span class="lno">line {line}</span>\n{b}</td>'
                f'<td><span class="lno">line {line}</span>\n{a}</td></tr>'
            )
        out.append("</table>")
    if entry.edits or entry.flags:
        out.append('<ol class="changes">')
        for n, e in enumerate(entry.edits, 1):
            out.append(
                f"<li>[{n}] line {e['line']}:{e['column']} <b>{_e(_rules_of(e))}</b> — "
                f"{_e(e['message'])}: <code>{_e(repr(e['original']))}</code> → "
                f"<code>{_e(repr(e['replacement']))}</code></li>"
            )
        for n, f in enumerate(entry.flags, 1):
            hint = ""
            if f.get("suggestion") is not None:
                hint = f" (suggestion <code>{_e(repr(f['suggestion']))}</code>)"
            out.append(
                f"<li>[f{n}] line {f['line']}:{f['column']} <b>{_e(f['rule'])}</b> (flag) — "
                f"{_e(f['message'])}: <code>{_e(repr(f.get('text', '')))}</code>{hint}</li>"
            )
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out)


class HtmlReport:
    """Collect entries worth showing and write one self-contained page."""

    def __init__(self, title: str = "textfix report", limit: int = HTML_MAX_ENTRIES) -> None:
        self.title = title
        self.limit = limit
        self.sections: list[str] = []
        self.left_out = 0

    def add(self, entry: Entry) -> None:
        if not (entry.edits or entry.flags or entry.error or entry.note):
            return
        if len(self.sections) >= self.limit:
            self.left_out += 1
            return
        self.sections.append(render_entry(entry))

    def render(self, summary: Summary) -> str:
        s = summary
        rows = (
            "\n".join(
                f"<tr><td>{_e(rule)}</td><td>{c['edits']}</td><td>{c['flags']}</td></tr>"
                for rule, c in sorted(s.rules.items())
            )
            or '<tr><td colspan="3">no edits and no flags</td></tr>'
        )
        overview = (
            f"<p>{s.files} files ({s.changed_files} changed"
            + (f", {s.records} records, {s.changed_records} changed" if s.records else "")
            + f"), {s.edits} edits, {s.flags} flags, {s.errors} errors"
            + (f", {s.skipped} binary files skipped" if s.skipped else "")
            + ".</p>"
        )
        more = (
            f'<p class="note">{self.left_out} more files or records with changes are '
            "not shown; see the JSON report.</p>"
            if self.left_out
            else ""
        )
        return "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{_e(self.title)}</title><style>{_CSS}</style></head><body>",
                f"<h1>{_e(self.title)}</h1>",
                overview,
                "<h2>Per rule</h2>",
                "<table><tr><th>rule</th><th>edits</th><th>flags</th></tr>",
                rows,
                "</table>",
                *self.sections,
                more,
                "</body></html>",
                "",
            ]
        )


def html_report(entries: Iterable[Entry], title: str = "textfix report") -> str:
    """A complete page for these entries (convenience for the API and tests)."""
    rep = HtmlReport(title)
    summary = Summary()
    for e in entries:
        summary.add(e)
        rep.add(e)
    return rep.render(summary)


__all__ = [
    "HTML_MAX_ENTRIES",
    "HtmlReport",
    "JsonReport",
    "Summary",
    "html_report",
    "render_entry",
    "text_lines",
]
