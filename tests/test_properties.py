"""Properties that hold for any input: clean() never raises, is idempotent and explains itself."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import textfix
from textfix.model import apply_edits

# pieces that trigger the fixers: artifacts, glued sentences, quotes, names, calques
PIECES = [
    "[ad_1]",
    "[ad_2]\n",
    "Source link",
    "\n",
    "\n\n",
    " ",
    "  ",
    ".",
    "..",
    "...",
    ",",
    " ,",
    '"',
    "“",
    "”",
    "'",
    "(",
    ")",
    "[",
    "]",
    "<br>",
    "</div>",
    "&amp;",
    "Ã©",
    "â€™",
    "\x85",
    "States.Putin",
    "the the ",
    "Kim Jong-un ",
    "Kim Jon-un ",
    "Kim Jong Un ",
    "said ",
    " told Kim",
    "U.S.",
    "e.g.",
    "http://example.com/a.b",
    "me@example.org",
    "3.5",
    "```\n",
    "`a..b`",
    "in his pulse by ",
    "is in neutrality with ",
    "security device was deployed",
    "The ",
    "word",
    "Hello",
    "?",
    "!",
    "\t",
    "é",
    "😀",
    "«",
    "»",
    "—",
    "—\n",
    "Read more",
    "Advertisement\n",
    "The post x appeared first on y.",
    "actually",
    "eventually",
]
artifactish = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
anytext = st.text(max_size=200)
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str, **options) -> None:
    r = textfix.clean(text, **options)
    for e in r.edits:
        assert text[e.start : e.end] == e.original
        assert e.rule and e.message is not None
    for a, b in zip(r.edits, r.edits[1:], strict=False):
        assert a.end <= b.start and not (a.start == a.end == b.start == b.end)
    assert apply_edits(text, r.edits) == r.text
    for f in r.flags:
        assert 0 <= f.start <= f.end <= len(text)
    again = textfix.clean(r.text, **options)
    assert again.text == r.text, again.explain()
    assert again.edits == []
    r.diff()
    r.to_dict()
    r.explain()


@SETTINGS
@given(anytext)
def test_arbitrary_unicode(text):
    check(text)


@SETTINGS
@given(artifactish)
def test_artifact_like_text(text):
    check(text)


@SETTINGS
@given(artifactish)
def test_artifact_like_text_with_every_fix(text):
    check(text, unsafe_fixes=True, source_lang="fr")


@settings(max_examples=100, deadline=None)
@given(artifactish)
def test_deterministic(text):
    assert textfix.clean(text).edits == textfix.clean(text).edits
