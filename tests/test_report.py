"""Reports: text lines, streamed JSON, and the self-contained, fully escaped HTML page."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

from test_cli import run

import textfix
from textfix.corpus import Entry, Settings, clean_text
from textfix.options import Options
from textfix.report import HtmlReport, JsonReport, Summary, html_report, text_lines

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_2f1ded03767b9897.txt"


def entry_for(text: str, path: str = "doc.txt") -> Entry:
    opts = Options(select=("spacing",))  # reports are what is tested, not the rule set
    _, entry = clean_text(text, opts, Settings(keep_texts=True, diff=True), path)
    return entry


class PageParser(HTMLParser):
    """Collects tags, attributes that could fetch something, and all text."""

    FETCHING = {"src", "href", "srcset", "action", "poster", "data", "background"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False
        self._in_sup = False  # change numbers, not text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        self._in_sup = tag == "sup"
        for name, value in attrs:
            if name in self.FETCHING:
                self.fetching.append((tag, name, value))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = self._in_sup = False

    def handle_data(self, data: str) -> None:
        if self._in_sup:
            return
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


def parse(page: str) -> PageParser:
    p = PageParser()
    p.feed(page)
    p.close()
    return p


def test_html_escapes_everything_from_the_input() -> None:
    hostile = (
        'Intro <script>alert("x")</script> ended.Both left..\n'
        '<img src="http://example.com/x.png" onerror="steal()"> & more "quotes"\n'
    )
    page = html_report([entry_for(hostile, path="<b>name</b>.txt")])
    p = parse(page)
    assert "script" not in p.tags
    assert "img" not in p.tags
    assert p.fetching == []
    text = "".join(p.text)
    # the input comes back as text, intact, on both sides
    assert '<script>alert("x")</script>' in text
    assert '<img src="http://example.com/x.png" onerror="steal()">' in text
    assert "<b>name</b>.txt" in text
    assert "ended. Both left." in text


def test_html_is_self_contained() -> None:
    page = html_report([entry_for("ended.Both left..\n")])
    p = parse(page)
    assert p.fetching == []
    assert "@import" not in p.style and "url(" not in p.style
    assert not {"script", "link", "iframe", "object", "embed", "img"} & set(p.tags)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_html_shows_before_after_rules_messages_and_summary() -> None:
    page = html_report([entry_for("First line.\nThe summit ended.Both left..\nLast.\n")])
    p = parse(page)
    text = "".join(p.text)
    assert "before" in text and "after" in text
    assert "The summit ended.Both left.." in text  # before, unchanged characters
    assert "spacing/glued-sentence" in text and "spacing/doubled-punctuation" in text
    edit = next(e for e in entry_for("ended.Both\n").edits if e["rule"] == "spacing/glued-sentence")
    assert edit["message"] in text
    assert p.tags.count("del") >= 2 and p.tags.count("ins") >= 2
    assert "Per rule" in text


def test_html_shows_flags_and_errors() -> None:
    flagged = Entry(
        "f.txt",
        edits=[],
        flags=[
            {
                "start": 4,
                "end": 9,
                "rule": "mt/odd",
                "message": "<odd>",
                "line": 1,
                "column": 5,
                "text": "thing",
                "suggestion": "<x>",
            }
        ],
        before="One thing here.\n",
        after="One thing here.\n",
    )
    broken = Entry("bad.txt", error="not valid utf-8 <here>")
    page = html_report([flagged, broken])
    p = parse(page)
    text = "".join(p.text)
    assert "mt/odd" in text and "<odd>" in text and "<x>" in text
    assert "not valid utf-8 <here>" in text
    assert "mark" in p.tags


def test_html_limit_leaves_a_note() -> None:
    rep = HtmlReport(limit=2)
    summary = Summary()
    for i in range(5):
        e = entry_for("ended.Both\n", f"f{i}.txt")
        summary.add(e)
        rep.add(e)
    page = rep.render(summary)
    assert "f1.txt" in page and "f2.txt" not in page
    assert "3 more files or records" in page


def test_text_lines_point_at_line_and_column() -> None:
    lines = text_lines(entry_for("Fine.\nThe summit ended.Both\n"))
    assert lines == [
        "doc.txt:2:18: spacing/glued-sentence "
        + next(e for e in entry_for("ended.Both").edits)["message"]
        + "  '' -> ' '"
    ]


def test_json_report_streams_valid_json() -> None:
    buf = io.StringIO()
    rep = JsonReport(buf, "check", textfix.__version__)
    summary = Summary()
    for i, text in enumerate(("ended.Both\n", "fine.\n", "caf\u00e9 ended.Both\n")):
        e = entry_for(text, f"r\u00e9sum\u00e9-{i}.txt")
        summary.add(e)
        rep.add(e)
    rep.close(summary)
    data = json.loads(buf.getvalue())
    assert data["mode"] == "check"
    assert [e["changed"] for e in data["entries"]] == [True, False, True]
    assert data["summary"]["edits"] == 2
    assert '"r\u00e9sum\u00e9-0.txt"' in buf.getvalue()  # non-ASCII stays readable


def test_seed_html_report_end_to_end(tmp_path: Path) -> None:
    seed = tmp_path / "seed.txt"
    seed.write_bytes(SEED.read_bytes())
    proc = run("check", "seed.txt", "--report", "seed.html", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    page = (tmp_path / "seed.html").read_text(encoding="utf-8")
    p = parse(page)
    assert p.fetching == []
    assert not {"script", "link", "img"} & set(p.tags)
    result = textfix.clean(SEED.read_text(encoding="utf-8"))
    text = "".join(p.text)
    for rule in result.rule_counts():
        assert rule in text
