"""The quotes fixer: the pattern corpus, the seed, cooperation with spacing, properties."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import textfix
from textfix.fixers import quotes
from textfix.model import Document, Edit, Flag, apply_edits
from textfix.options import Options

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = tomllib.loads(
    (HERE / "corpus" / "quotes" / "cases.toml").read_text(encoding="utf-8")
)["case"]
SEED = (HERE.parent / "seeds" / "000_2f1ded03767b9897.txt").read_text(encoding="utf-8")
SEED_FIXED = 'the United States," Putin told Kim early in the first summit'


def quote_rules(result: textfix.Result) -> list[str]:
    return sorted({f.rule for f in result.flags if f.rule.startswith("quotes/")})


def test_corpus_is_big_and_mixed() -> None:
    assert len(CASES) >= 40
    unchanged = [c for c in CASES if c["after"] == "unchanged" and not c.get("flags")]
    repaired = [c for c in CASES if c["after"] != "unchanged"]
    flagged = [c for c in CASES if c.get("flags")]
    assert len(unchanged) >= 20 and len(repaired) >= 12 and len(flagged) >= 4


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_quotation_pattern(case: dict[str, Any]) -> None:
    text = case["text"]
    expected = text if case["after"] == "unchanged" else case["after"]
    result = textfix.clean(text, select=case.get("select", ["quotes"]))
    assert result.text == expected, result.explain()
    assert quote_rules(result) == sorted(case.get("flags", [])), result.explain()
    # the edit log replays and a second run changes nothing
    assert apply_edits(text, result.edits) == result.text
    again = textfix.clean(result.text, select=case.get("select", ["quotes"]))
    assert again.text == result.text


# --- the seed ------------------------------------------------------------------


def test_seed_quotation_is_closed_by_default() -> None:
    result = textfix.clean(SEED)
    assert SEED_FIXED in result.text
    assert "States.Putin" not in result.text and "States. Putin" not in result.text


@pytest.mark.parametrize("select", [["quotes"], ["spacing", "quotes"], ["quotes", "spacing"], None])
def test_seed_repair_is_the_same_whatever_runs(select: list[str] | None) -> None:
    result = textfix.clean(SEED, select=select)
    assert SEED_FIXED in result.text
    [edit] = [e for e in result.edits if "quotes/unclosed-before-attribution" in e.rules]
    assert edit.original == "."
    assert edit.replacement == ',"' + " "
    assert SEED[edit.start - 6 : edit.end + 5] == "States.Putin"


def test_seed_spacing_and_quotes_merge_into_one_edit() -> None:
    result = textfix.clean(SEED, select=["spacing", "quotes"])
    [edit] = [e for e in result.edits if "quotes/unclosed-before-attribution" in e.rules]
    assert edit.rules == ("spacing/glued-sentence", "quotes/unclosed-before-attribution")
    assert apply_edits(SEED, result.edits) == result.text


def test_seed_has_no_other_quote_changes_or_flags() -> None:
    result = textfix.clean(SEED, select=["quotes"])
    assert len(result.edits) == 1
    assert quote_rules(result) == []


def test_fixer_alone_sees_both_shapes_of_the_seed() -> None:
    fixer = quotes.build(Options())
    glued = '"We appreciate it.Putin told Kim early.'
    spaced = '"We appreciate it. Putin told Kim early.'
    [a] = list(fixer.run(Document(glued)))
    [b] = list(fixer.run(Document(spaced)))
    assert isinstance(a, Edit) and isinstance(b, Edit)
    assert (
        apply_edits(glued, [a])
        == apply_edits(spaced, [b])
        == ('"We appreciate it," Putin told Kim early.')
    )


# --- details -------------------------------------------------------------------


def test_repair_is_applied_by_default_but_is_unsafe() -> None:
    rule = next(r for r in textfix.rules() if r.id == "quotes/unclosed-before-attribution")
    assert rule.safety == "unsafe" and rule.confidence >= 0.8
    text = '"We will win. Putin told Kim.'
    assert textfix.clean(text, select=["quotes"], unsafe_fixes=False).text == text
    assert textfix.clean(text, select=["quotes"]).text == '"We will win," Putin told Kim.'


def test_flags_have_tight_spans() -> None:
    text = 'The talks were useful" and the leaders went home.'
    [flag] = textfix.clean(text, select=["quotes"]).flags
    assert text[flag.start : flag.end] == 'useful"'
    text = 'He wrote that it was "a turning point for the whole region and beyond.'
    [flag] = textfix.clean(text, select=["quotes"]).flags
    assert text[flag.start : flag.end] == '"a turning'


def test_quotes_in_protected_spans_are_ignored() -> None:
    text = 'Type `grep "foo` and then `x = "y` in the shell.\n\n    print("unterminated\n'
    result = textfix.clean(text, select=["quotes"])
    assert result.text == text and result.flags == []


def test_word_lists_come_from_the_rule_pack() -> None:
    from textfix.packs import builtin_pack

    pack = builtin_pack(quotes.PACK, extra_keys=quotes.LIST_KEYS, require_pattern=False)
    data = {r.id: r.data for r in pack.rules}
    verbs = data["quotes/unclosed-before-attribution"]["verbs"]
    assert "said" in verbs and "insisted" in verbs
    # a verb the pack does not know is not an attribution
    text = '"We will win. Putin murmured to Kim.'
    assert textfix.clean(text, select=["quotes"]).text == text


def test_a_user_pack_extends_the_attribution_verbs(tmp_path: Path) -> None:
    pack = tmp_path / "verbs.toml"
    pack.write_text(
        '[pack]\nfixer = "quotes"\n\n[[rule]]\n'
        'id = "quotes/unclosed-before-attribution"\nverbs = ["murmured"]\n',
        encoding="utf-8",
    )
    text = '"We will win. Putin murmured to Kim.'
    assert textfix.clean(text, select=["quotes"]).text == text
    result = textfix.clean(text, select=["quotes"], rule_packs=[str(pack)])
    assert result.text == '"We will win," Putin murmured to Kim.'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[rule]]\nid = "quotes/nothing"\nverbs = ["x"]\n', "no rule"),
        ('[[rule]]\nid = "quotes/doubled"\nverbs = ["x"]\n', "no word list"),
        ('[[rule]]\nid = "quotes/unclosed-before-attribution"\nverbs = "x"\n', "list of strings"),
    ],
)
def test_a_bad_user_pack_names_the_problem(tmp_path: Path, body: str, message: str) -> None:
    from textfix.packs import RulePackError

    pack = tmp_path / "bad.toml"
    pack.write_text('[pack]\nfixer = "quotes"\n\n' + body, encoding="utf-8")
    with pytest.raises(RulePackError, match=message):
        quotes.build(Options(rule_packs=(str(pack),)))


def test_packs_for_other_fixers_are_ignored(tmp_path: Path) -> None:
    pack = tmp_path / "other.toml"
    pack.write_text('[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\n', encoding="utf-8")
    assert quotes.build(Options(rule_packs=(str(pack),))).rules == quotes.build(Options()).rules


def test_hard_wrapped_paragraph_is_one_unit() -> None:
    text = (
        '"We will win," he said. "We will never\n'
        'surrender," she added, and the crowd\n'
        "cheered for a long time.\n"
    )
    result = textfix.clean(text, select=["quotes"])
    assert result.text == text and result.flags == []


def test_short_one_line_paragraphs_stay_apart() -> None:
    text = (
        '"We must fight on.\nPutin told Kim that the talks were useful.\n"We will win," he said.\n'
    )
    units = quotes.text_units(Document(text))
    assert len(units) == 3
    result = textfix.clean(text, select=["quotes"])
    assert result.text == text
    assert quote_rules(result) == ["quotes/unbalanced"]
    [flag] = result.flags
    assert text[flag.start : flag.end] == '"We must'


def test_text_units_split_long_lines_and_group_wrapped_ones() -> None:
    doc = Document("a long line " * 20 + "\nnext\n\nshort\nlines\n\nshort\n")
    units = quotes.text_units(doc)
    assert [doc.text[s:e] for s, e in units[1:]] == ["next", "short\nlines", "short"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b.", "long " * 25, '"', "\n", "\n\n", " ", "\t"]), max_size=30)
)
def test_unit_finder_agrees_with_text_units(parts: list[str]) -> None:
    # the lazy lookup the fixers use finds, for every character that is not
    # white space, the unit text_units puts it in and the paragraph after it
    doc = Document("".join(parts))
    units = quotes.text_units(doc)
    paras = doc.paragraphs
    finder = quotes.UnitFinder(doc)
    for i, ch in enumerate(doc.text):
        if ch.isspace():
            continue
        s, e, k = finder.unit(i)
        assert (s, e) in units and s <= i < e
        assert k == len(paras) or paras[k][0] > e
        assert k == 0 or paras[k - 1][1] == e


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b.", "long " * 25, '"', "(", "»", "\n", "\n\n", " "]), max_size=30
    )
)
def test_units_holding_lists_the_units_with_a_mark(parts: list[str]) -> None:
    doc = Document("".join(parts))
    want = [(s, e) for s, e in quotes.text_units(doc) if any(c in doc.text[s:e] for c in '"(»')]
    assert [(s, e) for s, e, _ in quotes.units_holding(doc, '"(»')] == want


# --- properties ----------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "we",
        "will",
        "win",
        "Putin",
        "told",
        "Kim",
        "said",
        "the",
        "minister",
        "it's",
        "5'10",
        "rock",
        "'n'",
        "roll",
        "1990s",
        "report",
        "He",
        "she",
        "(see",
        "below)",
        "according",
        "to",
    ]
)
PUNCT = st.sampled_from(["", "", ",", ".", "?", "!", ";"])


@st.composite
def balanced_paragraph(draw: st.DrawFn) -> str:
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        words = draw(st.lists(WORDS, min_size=1, max_size=6))
        sentence = " ".join(words)
        if draw(st.booleans()):
            left, right = draw(st.sampled_from([('"', '"'), ("“", "”"), ("«", "»")]))
            sentence = left + sentence + draw(PUNCT) + right
        pieces.append(sentence + draw(PUNCT))
    return " ".join(pieces)


@given(st.lists(balanced_paragraph(), min_size=1, max_size=4))
@settings(max_examples=300, deadline=None)
def test_balanced_quotes_are_left_alone(paragraphs: list[str]) -> None:
    text = "\n".join(paragraphs)
    result = textfix.clean(text, select=["quotes"], unsafe_fixes=True)
    assert result.text == text, result.explain()
    assert quote_rules(result) == []


NOISY = st.lists(
    st.sampled_from(list("ab Kd.\"“”„«»'\n,?5()") + ["Putin told Kim", " he said", "We "]),
    max_size=40,
).map("".join)


@given(NOISY)
@settings(max_examples=400, deadline=None)
def test_repairs_are_idempotent_and_replayable(text: str) -> None:
    for select in (["quotes"], ["spacing", "quotes"]):
        result = textfix.clean(text, select=select, unsafe_fixes=True)
        assert apply_edits(text, result.edits) == result.text
        again = textfix.clean(result.text, select=select, unsafe_fixes=True)
        assert again.text == result.text
        assert again.edits == []


@given(NOISY)
@settings(max_examples=200, deadline=None)
def test_fixer_output_is_well_formed(text: str) -> None:
    fixer = quotes.build(Options())
    items = list(fixer.run(Document(text)))
    for item in items:
        assert 0 <= item.start <= item.end <= len(text)
        assert item.rule in {r.id for r in fixer.rules}
        assert isinstance(item, (Edit, Flag))


#: characters that change how a quote mark reads when next to it
CONTEXT_CHARS = list("\"“”„«»`'’ \t\n([{<>)]}.,;:!?…—–-/*_~=%$5²aZé\u00a0\u2009")
#: pieces around quote marks: every context the plain-quotes test looks at
CONTEXTS = st.lists(
    st.sampled_from(
        CONTEXT_CHARS + ["Kim", " said ", 'http://x.io/a"b', "U.S.", '"', '"', "“", "”"]
    ),
    max_size=30,
).map("".join)


def _slow_items(text: str) -> list[Edit | Flag]:
    """The fixer's items with the plain-quotes test failing every unit."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(quotes, "_PLAIN_QUOTES", quotes.regex.compile(r"(?!)"))
        return list(quotes.build(Options()).run(Document(text)))


@st.composite
def nearly_plain(draw: st.DrawFn) -> str:
    """Quotations, often pairing up plainly (a mark may face the wrong way), then zero to
    two characters inserted or replaced."""
    pieces = []
    for _ in range(draw(st.integers(1, 6))):
        words = " ".join(
            draw(
                st.lists(
                    st.sampled_from(["Kim", "yes", "said", "U.S.", "é"]), min_size=1, max_size=3
                )
            )
        )
        if draw(st.booleans()):
            left, right = draw(st.sampled_from('"“”')), draw(st.sampled_from('"“”'))
            words = left + words + draw(st.sampled_from(["", ",", ".", "?"])) + right
        pieces.append(words + draw(st.sampled_from(["", ",", ".", ")"])))
    text = " ".join(pieces)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        ch = draw(st.sampled_from(CONTEXT_CHARS))
        text = text[:at] + ch + text[at + draw(st.integers(0, 1)) :]
    return text


@given(
    st.one_of(
        nearly_plain(), CONTEXTS, NOISY, st.lists(balanced_paragraph(), max_size=3).map("\n".join)
    )
)
@settings(max_examples=1500, deadline=None)
@example('He said "yes" and left.')
@example("“Yes,” she said. “No.”")
@example('5\'10" tall, "he" said')
@example('"a" http://x.io/"b" "c"')
@example("He said “yes“ now.")
def test_plain_quotes_fast_path_changes_nothing(text: str) -> None:
    """A unit that passes the plain-quotes test yields what the mark-by-mark reading yields."""
    assert list(quotes.build(Options()).run(Document(text))) == _slow_items(text)


def test_plain_quotes_test_accepts_only_plain_pairs() -> None:
    plain = quotes._PLAIN_QUOTES.match
    assert plain('He said "yes" and left.') and plain("“Yes,” she said (“fine”).")
    assert plain("No quotes at all.")
    for odd in ('He said "yes.', 'a "b"c', 'said"yes"', "“Yes” “no”x", "“Yes,“ he", '12" wide"'):
        assert not plain(odd), odd


# --- pathological input (speed is measured in bench/, not asserted) --------------


@pytest.mark.parametrize(
    "text",
    [
        '"' * 1_000_000,
        '" ' * 500_000,
        'a"' * 500_000,
        "“ " * 500_000,
        "." * 1_000_000,
        "word\n" * 100_000,
        '"word\n' * 100_000,
    ],
    ids=["quotes", "spaced-quotes", "glued-quotes", "curly-openers", "dots", "lines", "open-lines"],
)
def test_pathological_input_finishes(text: str) -> None:
    fixer = quotes.build(Options())
    items = list(fixer.run(Document(text)))
    assert all(0 <= i.start <= i.end <= len(text) for i in items)


def test_the_attribution_pattern_compiles_on_first_use() -> None:
    fixer = quotes.build(Options())
    fresh = quotes.QuotesFixer(quotes._rules(()))
    assert fresh._attribution_pattern is None  # building the pipeline does not compile it
    text = '"We will win. Putin told Kim.'
    items = list(fresh.run(textfix.Document(text)))
    assert fresh._attribution_pattern is not None
    assert fresh._attribution is fresh._attribution_pattern
    assert items == list(fixer.run(textfix.Document(text)))
    assert [i.rule for i in items] == [quotes.UNCLOSED]


_LISTS = quotes.build(Options())._lists
_ATTRIBUTION_WORDS = sorted({w for words in _LISTS.values() for w in words}) + [
    "Kim",
    "Putin",
    "It's",
    "O'Neil",
    "Jean-Luc",
    "McCain",
    "SAID",
    "Told",
    "ßtraße",
    "STRASSE",
    "ſaid",
    "İt",
    "reporters",
    "12",
]
_ATTRIBUTION_TEXT = st.lists(
    st.tuples(
        st.sampled_from(_ATTRIBUTION_WORDS),
        st.sampled_from([" ", " ", ". ", ".", ", ", ",", "! ", "? ", "; ", ": ", "-", "’"]),
    ),
    min_size=1,
    max_size=14,
).map(lambda parts: "x" + "".join(w + p for w, p in parts))


@settings(max_examples=600, deadline=None)
@given(_ATTRIBUTION_TEXT)
@example("x. Putin told Kim. It said. Jean-Luc Picard said, told The Kim")
def test_the_shared_name_group_matches_what_names_written_in_place_match(text: str) -> None:
    # the compiled pattern calls one DEFINEd name group; written out at each of its
    # four places, the pattern must match the same spans and groups
    inline = quotes.attribution_pattern(_LISTS, shared_name=False)
    shared = quotes.attribution_pattern(_LISTS)

    def spans(p):
        return [
            (m.span(), m.span("b"), m.span("g"), m.span("name"), m.span("inv"), m.span("acc"))
            for m in p.finditer(text)
        ]

    assert spans(shared) == spans(inline)
