"""The seed article: what the default pipeline must do to it, and nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

import textfix
from textfix.model import apply_edits

SEED = (Path(__file__).parent.parent / "seeds" / "000_2f1ded03767b9897.txt").read_text("utf-8")

# every place the issues name, as a snippet of the original that an edit may touch
EXPECTED_CHANGES = {
    "artifacts": "[ad_1]\n",
    "entities": "Kim Jon-un",
    "calque: au point mort": "in neutrality",
    "calque: bras de fer": "in his pulse by",
    "calque: dispositif": "an important security device",
    "glued sentence + quote": "States.Putin",
    "doubled stop": "Cold War..",
    "source link": "Source link",
}


@pytest.fixture(scope="module")
def result():
    return textfix.clean(SEED)


def _spans():
    spans = {}
    for name, snippet in EXPECTED_CHANGES.items():
        i = SEED.find(snippet)
        assert i >= 0, snippet
        spans[name] = (i, i + len(snippet))
    return spans


def test_changes_only_the_named_places(result):
    spans = _spans()
    for e in result.edits:
        hits = [n for n, (s, t) in spans.items() if s - 1 <= e.start and e.end <= t + 1]
        assert hits, f"unexpected edit {e}"
    for name, (s, t) in spans.items():
        assert any(s - 1 <= e.start and e.end <= t + 1 for e in result.edits), f"{name} not fixed"
    assert apply_edits(SEED, result.edits) == result.text


def test_mechanical_repairs(result):
    out = result.text
    assert not out.startswith("[ad_1]") and "[ad_1]" not in out
    assert "Source link" not in out and out.rstrip().endswith("to visit North Korea.")
    assert 'the United States," Putin told Kim early in the first summit' in out
    assert "Cold War.\n" in out and "Cold War.." not in out


def test_translation_slips(result):
    out = result.text
    assert "Kim Jon-un" not in out and out.startswith("Kim Jong-un and Vladimir Putin met")
    assert "in his pulse" not in out and "in neutrality" not in out
    assert "security device" not in out
    assert "Kim Jong Il" in out and "Kim Il Sung" in out


def test_broken_sentences_are_flagged_tightly(result):
    flagged = [SEED[f.start : f.end] for f in result.flags]
    for needle in ("Putin. interview", "stalling. have helped", "president. Trump."):
        covering = [t for t in flagged if needle in t]
        assert covering, f"no flag covers {needle!r}: {flagged}"
        assert min(len(t) for t in covering) <= len(needle) + 40


def test_explain_names_rule_and_line(result):
    lines = result.explain().splitlines()
    assert any(line.startswith("1:1  artifacts/") for line in lines)
    assert any("spacing/glued-sentence" in line and "quotes/" in line for line in lines)
    assert any(line.startswith("20:") and "spacing/doubled-punctuation" in line for line in lines)
