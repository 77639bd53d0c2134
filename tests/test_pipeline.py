"""The pipeline's offset map, rule selection and safety policy."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from textfix import Document, Edit, Fixer, Flag, Pipeline, Rule
from textfix.model import apply_edits


class ScriptedFixer(Fixer):
    """Proposes the edits a test gives it, as (start, end, replacement) in the text it sees."""

    def __init__(self, name: str, plan, *, safety: str = "safe", confidence: float = 1.0):
        self.name = name
        self.rules = (Rule(f"{name}/r", "scripted", safety=safety),)
        self.plan = plan
        self.confidence = confidence

    def run(self, doc: Document):
        for start, end, rep in self.plan(doc.text):
            yield Edit(start, end, rep, f"{self.name}/r", f"{self.name} edit", self.confidence)


class GlueFixer(Fixer):
    name = "glue"
    rules = (Rule("glue/space", "space after a glued full stop"),)

    def run(self, doc):
        for m in regex.finditer(r"(?<=[a-z]{2}\.)(?=[A-Z][a-z])", doc.text):
            yield Edit(m.start(), m.start(), " ", "glue/space", "space")


class CloseQuoteFixer(Fixer):
    name = "close"
    rules = (Rule("close/quote", "close before attribution"),)

    def run(self, doc):
        i = doc.text.find(". Putin")
        if i >= 0:
            yield Edit(i, i + 1, ',"', "close/quote", "close the quotation")
        j = doc.text.find("Kim")
        if j >= 0:
            yield Flag(j, j + 3, "close/quote", "a flag on later text")


def test_touching_edits_of_two_fixers_become_one_edit_naming_both():
    text = '"We like the United States.Putin told Kim.'
    r = Pipeline([GlueFixer(), CloseQuoteFixer()]).clean(text)
    assert r.text == '"We like the United States," Putin told Kim.'
    assert len(r.edits) == 1
    (e,) = r.edits
    assert e.original == "." and e.replacement == '," '
    assert e.rules == ("glue/space", "close/quote")
    assert "space" in e.message and "close the quotation" in e.message
    assert apply_edits(text, r.edits) == r.text
    # the flag raised on the final text points at "Kim" in the original
    (f,) = r.flags
    assert text[f.start : f.end] == "Kim"


def test_edits_that_undo_each_other_vanish():
    add = ScriptedFixer("add", lambda t: [(0, 0, "X")] if not t.startswith("X") else [])
    remove = ScriptedFixer("rm", lambda t: [(0, 1, "")] if t.startswith("X") else [])
    r = Pipeline([add, remove], max_passes=1).clean("abc")
    assert r.text == "abc" and r.edits == []


def test_selection_by_prefix_and_ignore():
    glue = GlueFixer()
    close = CloseQuoteFixer()
    text = '"We like the United States.Putin told Kim.'
    assert Pipeline([glue, close], select=["glue"]).clean(text).text == (
        '"We like the United States. Putin told Kim.'
    )
    assert Pipeline([glue, close], ignore=["glue/space"]).clean(text).text == text
    assert Pipeline([glue, close], select=["ALL"], ignore=["close"]).clean(text).text == (
        '"We like the United States. Putin told Kim.'
    )


def test_unsafe_edits_below_threshold_become_flags_with_suggestion():
    fixer = ScriptedFixer(
        "mt",
        lambda t: [(0, 3, "The")] if t.startswith("teh") else [],
        safety="unsafe",
        confidence=0.6,
    )
    text = "teh cat"
    default = Pipeline([fixer]).clean(text)
    assert default.text == text
    assert [(f.rule, f.suggestion) for f in default.flags] == [("mt/r", "The")]
    assert Pipeline([fixer], unsafe_fixes=True).clean(text).text == "The cat"
    assert Pipeline([fixer], min_confidence=0.5).clean(text).text == "The cat"
    assert Pipeline([fixer], unsafe_fixes=False, min_confidence=0.1).clean(text).text == text


def test_edits_cutting_into_protected_spans_are_dropped_but_whole_spans_may_go():
    inside = ScriptedFixer("in", lambda t: [(t.find("example") + 2, t.find("example") + 3, "X")])
    r = Pipeline([inside]).clean("see example.com now")
    assert r.text == "see example.com now"
    whole = ScriptedFixer("whole", lambda t: [(0, len(t), "")] if t else [])
    assert Pipeline([whole]).clean("see example.com now").text == ""


def test_pipeline_reaches_a_fixed_point():
    # each pass removes one doubled letter; the pipeline repeats until stable
    fixer = ScriptedFixer("dd", lambda t: [(i, i + 1, "")] if (i := t.find("aa")) >= 0 else [])
    r = Pipeline([fixer]).clean("xaaay")
    assert r.text == "xay"
    assert apply_edits("xaaay", r.edits) == "xay"


# --- the offset map under arbitrary edits -----------------------------------


def random_plan(data_draw, label):
    def plan(text):
        n = len(text)
        edits = []
        k = data_draw(st.integers(0, 4), label=f"{label} count")
        for _ in range(k):
            a = data_draw(st.integers(0, n), label=f"{label} start")
            b = data_draw(st.integers(a, min(n, a + 4)), label=f"{label} end")
            rep = data_draw(st.text(alphabet="xyz. ", max_size=3), label=f"{label} rep")
            edits.append((a, b, rep))
        return edits

    return plan


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc .\n", max_size=30), st.data())
def test_replaying_result_edits_gives_the_output(text, data):
    fixers = [ScriptedFixer(f"f{i}", random_plan(data.draw, f"f{i}")) for i in range(3)]
    r = Pipeline(fixers, max_passes=1).clean(text)
    edits = r.edits
    for e in edits:
        assert text[e.start : e.end] == e.original
    for a, b in zip(edits, edits[1:], strict=False):
        assert a.end <= b.start
        assert not (a.start == a.end == b.start == b.end)
    assert apply_edits(text, edits) == r.text


def test_a_point_flag_at_a_deletion_maps_to_one_point():
    deleter = ScriptedFixer("del", lambda t: [(0, 4, "")] if t.startswith("junk") else [])

    class PointFlag(Fixer):
        name = "point"
        rules = (Rule("point/flag", "flags the start"),)

        def run(self, doc):
            yield Flag(0, 0, "point/flag", "here")

    r = Pipeline([deleter, PointFlag()]).clean("junkText")
    (f,) = r.flags
    assert f.start == f.end == 4


def test_fenced_code_stays_protected_when_an_edit_touches_its_neighbourhood():
    import textfix

    text = "Advertisement\n```\nfoo  bar.Baz\n```\n"
    assert textfix.clean(text).text == "```\nfoo  bar.Baz\n```\n"


def test_diff_splits_lines_at_newlines_only():
    import textfix

    diff = textfix.clean("a\rb  c\rd\n").diff()
    assert "No newline" not in diff
    body = diff.split("\n")[3:]
    assert body == ["-a\rb  c\rd", "+a\rb c\rd", ""]


class WordFlagger(Fixer):
    """Flags every occurrence of a word and counts how often it was run."""

    def __init__(self, name: str, word: str) -> None:
        self.name = name
        self.word = word
        self.rules = (Rule(f"{name}/r", "flag a word"),)
        self.runs: list[str] = []

    def run(self, doc: Document):
        self.runs.append(doc.text)
        for m in regex.finditer(regex.escape(self.word), doc.text):
            yield Flag(m.start(), m.end(), f"{self.name}/r", f"saw {self.word}")


def _x_to_yy(text: str):
    return [(m.start(), m.end(), "yy") for m in regex.finditer("x", text)]


def test_a_fixer_that_settled_on_the_final_text_is_not_run_again_and_keeps_its_flags():
    flagger = WordFlagger("late", "z")
    r = Pipeline([ScriptedFixer("early", _x_to_yy), flagger]).clean("x z x")
    assert r.text == "yy z yy"
    # pass 1 saw the final text; pass 2 re-ran only "early" (which changed it)
    assert flagger.runs == ["yy z yy"]
    assert [(f.start, f.end, f.rule) for f in r.flags] == [(2, 3, "late/r")]


def test_a_fixer_that_ran_before_a_later_edit_runs_again_on_the_final_text():
    flagger = WordFlagger("first", "yy")
    r = Pipeline([flagger, ScriptedFixer("then", _x_to_yy)]).clean("x z")
    assert r.text == "yy z"
    assert flagger.runs == ["x z", "yy z"]
    # its flag comes from the run on the final text, mapped onto the original "x"
    assert [(f.start, f.end, r.original[f.start : f.end]) for f in r.flags] == [(0, 1, "x")]


# --- line-local fixers: re-run only over the lines that changed -------------------


def _line_items(text: str, context: int, judge):
    """Run ``judge(line, before, after, first, last, offset)`` on every line of ``text``."""
    lines = text.split("\n")
    pos = 0
    for i, line in enumerate(lines):
        before = lines[max(0, i - context) : i]
        after = lines[i + 1 : i + 1 + context]
        yield from judge(line, before, after, i == 0, i == len(lines) - 1, pos)
        pos += len(line) + 1


class LineFixer(Fixer):
    """Line-local by construction: each line is judged from itself and its neighbours.

    Edits "aa" to "a" and "q" to "", turns "k" into a low-confidence "K" (a flag by
    default), flags every "z", and with context flags "t" when a neighbouring line
    holds a "t" too and makes "b" a "B" on lines that have a next line.
    """

    scope = "line"

    def __init__(self, name: str, context: int) -> None:
        self.name = name
        self.line_context = context
        self.rules = (
            Rule(f"{name}/edit", "edits"),
            Rule(f"{name}/unsafe", "unsafe", safety="unsafe"),
            Rule(f"{name}/flag", "flags"),
        )
        self.runs: list[str] = []

    def run(self, doc):
        self.runs.append(doc.text)
        return _line_items(doc.text, self.line_context, self._judge)

    def _judge(self, line, before, after, first, last, o):
        for m in regex.finditer("aa|q", line):
            rep = "a" if m.group() == "aa" else ""
            yield Edit(o + m.start(), o + m.end(), rep, f"{self.name}/edit", "edit")
        for m in regex.finditer("k", line):
            yield Edit(o + m.start(), o + m.end(), "K", f"{self.name}/unsafe", "k?", 0.5)
        # (whether the line is the first one is known only with context; whether it
        # ends with a line break is part of the line)
        seen = f"first: {first}" if self.line_context else f"ends the text: {last}"
        for m in regex.finditer("z", line):
            yield Flag(o + m.start(), o + m.end(), f"{self.name}/flag", seen)
        if self.line_context:
            if any("t" in n for n in before + after):
                for m in regex.finditer("t", line):
                    yield Flag(o + m.start(), o + m.end() + 1, f"{self.name}/flag", "t by t")
            if not last:
                for m in regex.finditer("b", line):
                    yield Edit(o + m.start(), o + m.end(), "B", f"{self.name}/edit", "b")


class DocFixer(Fixer):
    """Not line-local: joins a line ending in "j" to the next, breaks the line after "n.",
    doubles every "c" while the text holds a "W" and no "cc", removes one "W" of several,
    and undoes the line fixers' "aa" to "a" while the text holds an "X"."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rules = (Rule(f"{name}/r", "document edits"),)

    def run(self, doc):
        text = doc.text
        r = f"{self.name}/r"
        for m in regex.finditer(r"j\n", text):
            yield Edit(m.start() + 1, m.end(), "", r, "join")
        for m in regex.finditer(r"n\.(?!\n)", text):
            yield Edit(m.end(), m.end(), "\n", r, "break")
        if "W" in text and "cc" not in text:
            for m in regex.finditer("c", text):
                yield Edit(m.start(), m.end(), "cc", r, "double")
        if text.count("W") > 1:
            i = text.find("W")
            yield Edit(i, i + 1, "", r, "one W less")
        if "X" in text:
            for m in regex.finditer("(?<!a)a(?!a)", text):
                yield Edit(m.start(), m.end(), "aa", r, "undo")


def _both_ways(fixers_of, text, share=None, **options):
    """The result with partial re-runs and with full ones (``share``: see _PARTIAL_SHARE)."""
    import textfix.pipeline as pipeline_module

    out = []
    saved = pipeline_module._PARTIAL_SHARE
    for on in (True, False):
        pipeline_module.LINE_RERUNS = on
        if share is not None:
            pipeline_module._PARTIAL_SHARE = share
        try:
            r = Pipeline(fixers_of(), **options).clean(text)
        finally:
            pipeline_module.LINE_RERUNS = True
            pipeline_module._PARTIAL_SHARE = saved
        out.append((r.text, [e.to_dict() for e in r.edits], [f.to_dict() for f in r.flags]))
    return out


LINE_PIECES = ["a", "aa", "b", "c", "j", "k", "n.", "q", "t", "z", "W", "X", " ", ".", "e.g.",
               "```"]  # fmt: skip
# lines from a few pieces, so that the same line comes back elsewhere and after edits
LINES = st.lists(st.lists(st.sampled_from(LINE_PIECES), max_size=4).map("".join), max_size=24).map(
    "\n".join
)


@settings(max_examples=500, deadline=None)
@given(LINES, st.booleans(), st.sampled_from([0.5, 1.0]))
def test_line_local_reruns_give_what_full_reruns_give(text, unsafe, share):
    """Partial re-runs (with the memo of each line-local fixer's last run) give exactly the
    text, edits and flags of full re-runs; share 1.0 re-runs partially however much changed."""

    def fixers():
        return [LineFixer("l0", 0), DocFixer("d1"), LineFixer("l1", 1), DocFixer("d2")]

    on, off = _both_ways(fixers, text, share, unsafe_fixes=unsafe or None)
    assert on == off


def test_a_line_local_fixer_runs_again_only_on_the_lines_that_changed():
    local = LineFixer("l0", 0)
    lines = [f"line {i} z" for i in range(20)]
    lines[7] = "line 7 j"  # the document fixer joins it to the next line
    text = "\n".join(lines) + "\n"
    r = Pipeline([local, DocFixer("d")]).clean(text)
    assert r.text == text.replace("7 j\n", "7 j")
    first, second = local.runs
    assert first == text
    assert second == "line 7 jline 8 z\n"  # the one line that changed
    # the flags of the lines not run again are kept, the joined line's come again
    assert [text[f.start : f.end] for f in r.flags] == ["z"] * 19


def test_line_local_reruns_keep_the_result_on_damaged_text_with_the_real_fixers(monkeypatch):
    """Encoding (line-local) and spacing (line-local but for the neighbouring lines a table
    needs) declared so here; the result must not depend on the re-runs being partial."""
    import importlib.util
    from pathlib import Path

    from textfix.fixers import encoding, spacing
    from textfix.options import Options
    from textfix.pipeline import default_fixers

    for cls, context in ((encoding.EncodingFixer, 0), (spacing.SpacingFixer, 1)):
        if cls.scope != "line":
            monkeypatch.setattr(cls, "scope", "line", raising=False)
            monkeypatch.setattr(cls, "line_context", context, raising=False)
    path = Path(__file__).resolve().parent.parent / "bench" / "run.py"
    spec = importlib.util.spec_from_file_location("textfix_bench_run", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    texts = bench.build_corpus(150_000, seed=3)
    texts += [bench.one_document(20_000, seed=4), "```\nfoo  bar.Baz\n```\nThe cafÃ©  opens.\n"]
    options = Options()

    def fixers():
        return default_fixers(options)

    for text in texts:
        on, off = _both_ways(fixers, text, options={"source_lang": options.source_lang})
        assert on == off
