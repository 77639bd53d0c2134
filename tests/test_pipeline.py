"""The pipeline's offset map, rule selection and safety policy."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textfix import Document, Edit, Fixer, Flag, Pipeline, Rule
from textfix.model import apply_edits
from textfix.options import Options
from textfix.pipeline import default_fixers


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


# --- fixers that settle themselves -----------------------------------------------

_SETTLING = [f for f in default_fixers(Options()) if f.settles_itself]
_SETTLING_ALPHABET = "aAbB zZ.,;:!?…'\"’”)(\t\n-_@/3"
_WORDS = [
    "Hanoi", "the", "U.S.", "Dr.", "e.g.", "3.5", "..", "  ", " ,", "example.com", "Kim",
    "States.Putin", "Putin", "said.Both", "x.Yes", "Hanoi.", ",", ".", "Then", "a.b",
    "Item      Price   Stock\n", "Total   , 99\n", "cost  99", "a  b  c\n", "   ,", "\n",
    "Hanoi!", "!", "?",
]  # fmt: skip
_ROOT = Path(__file__).resolve().parent.parent


def _corpus_texts() -> list[str]:
    """The seed and the test corpora, each as it is and with spacing damage added."""
    paths = sorted((_ROOT / "seeds").glob("*.txt")) + sorted(
        (_ROOT / "tests/corpus").rglob("*.txt")
    )
    rng = random.Random(7)
    out = []
    for p in paths:
        text = p.read_text(encoding="utf-8")
        damaged = regex.sub(r"\. (?=[A-Z])", lambda m: "." if rng.random() < 0.3 else m[0], text)
        damaged = regex.sub(
            r"[.,] ", lambda m: m[0][0] * 2 + " " if rng.random() < 0.1 else m[0], damaged
        )
        damaged = regex.sub(r", ", lambda m: " , " if rng.random() < 0.1 else m[0], damaged)
        damaged = regex.sub(r" ", lambda m: "   " if rng.random() < 0.02 else m[0], damaged)
        damaged = regex.sub(r"\n", lambda m: " \n" if rng.random() < 0.2 else m[0], damaged)
        out += [text, damaged]
    return out


def _assert_settles(fixer: Fixer, text: str) -> None:
    pipe = Pipeline([fixer])
    edits, flags, complete = pipe._run_fixer(fixer, Document(text, pipe.options))
    if complete and edits:
        after = apply_edits(text, edits)
        assert list(fixer.run(Document(after, pipe.options))) == [], (text, after)


def test_some_default_fixers_settle_themselves():
    assert {f.name for f in _SETTLING} >= {"spacing"}


@pytest.mark.parametrize("fixer", _SETTLING, ids=lambda f: f.name)
@settings(max_examples=400, deadline=None)
@example(text="States.Putin,States.Putin")  # the second glue is judged as the first leaves it
@example(text="Hanoi!States.Putin")  # '!' waits for the full stop after 'States'
@example(text="Item      Price   Stock\nTotal   , 99\n")  # a table row loses a run before ","
@example(text="Item      Price\nTotal   , cost  99\n")
@given(
    text=st.lists(
        st.one_of(st.text(alphabet=_SETTLING_ALPHABET, max_size=6), st.sampled_from(_WORDS)),
        max_size=20,
    ).map("".join)
)
def test_a_fixer_that_settles_itself_finds_nothing_in_what_it_made(fixer, text):
    _assert_settles(fixer, text)


@pytest.mark.parametrize("fixer", _SETTLING, ids=lambda f: f.name)
def test_a_fixer_that_settles_itself_finds_nothing_in_what_it_made_of_the_corpus(fixer):
    for text in _corpus_texts():
        _assert_settles(fixer, text)


def _counting(fixer: Fixer) -> list[str]:
    """Make ``fixer`` note the text of each run; the list it notes them in."""
    runs: list[str] = []
    run = fixer.run

    def counting_run(doc):
        runs.append(doc.text)
        return run(doc)

    fixer.run = counting_run  # type: ignore[method-assign]
    return runs


def test_a_fixer_that_settles_itself_is_not_run_again_after_its_own_edits():
    class Settler(ScriptedFixer):
        settles_itself = True

    settler = Settler("settler", _x_to_yy)
    runs = _counting(settler)
    flagger = WordFlagger("first", "yy")
    r = Pipeline([flagger, settler]).clean("x z")
    assert r.text == "yy z"
    assert runs == ["x z"]  # no confirming run on "yy z"
    assert flagger.runs == ["x z", "yy z"]  # the fixer before it still looks again
    # without the promise, the confirming run happens
    plain = ScriptedFixer("plain", _x_to_yy)
    plain_runs = _counting(plain)
    Pipeline([WordFlagger("first", "yy"), plain]).clean("x z")
    assert plain_runs == ["x z", "yy z"]
