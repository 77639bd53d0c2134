"""Do no harm: well-edited English comes out of the default pipeline unchanged.

Every file in ``tests/corpus/clean`` was written for this project as correct,
carefully edited text in a different style (news, finance, science, technical
notes, fiction, Markdown, a recipe, a legal passage, an interview, a press
release, poetry, e-mail, captions...). Each one holds things that look like
damage to a naive rule but are right: abbreviations and initials, decimals
and versions, URLs and file names, nested and curly quotes, primes, ellipses,
citations, credit lines, sign-offs, British spelling, non-ASCII names and
English phrases that resemble machine-translation calques.

The default pipeline must make no edit and raise no flag on any of them, and
even ``unsafe_fixes=True`` must change nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import textfix

CORPUS = Path(__file__).parent / "corpus" / "clean"
FILES = sorted(CORPUS.glob("*.txt"))

#: Flags a file may legitimately raise, as ``{file name: {rule id, ...}}``.
#: Empty on purpose: a flag on correct text is a false positive to fix in the
#: rule, not to excuse here. Add an entry only with a comment saying why.
ALLOWED_FLAGS: dict[str, set[str]] = {}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_corpus_is_big_and_varied_enough() -> None:
    assert len(FILES) >= 18
    for path in FILES:
        words = len(_read(path).split())
        assert 150 <= words <= 500, f"{path.name} has {words} words"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_default_pipeline_changes_nothing(path: Path) -> None:
    text = _read(path)
    result = textfix.clean(text)
    assert result.edits == [], result.explain()
    assert result.text == text
    allowed = ALLOWED_FLAGS.get(path.name, set())
    unexpected = [f for f in result.flags if f.rule not in allowed]
    assert unexpected == [], result.explain()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_unsafe_fixes_change_nothing(path: Path) -> None:
    text = _read(path)
    result = textfix.clean(text, unsafe_fixes=True)
    assert result.edits == [], result.explain()
    assert result.text == text
