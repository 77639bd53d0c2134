"""The sentences fixer: flags on broken sentences, and the one repair it makes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textfix
from textfix.fixers import sentences
from textfix.model import Document, Edit, apply_edits
from textfix.options import Options

SEED = (Path(__file__).parent.parent / "seeds" / "000_2f1ded03767b9897.txt").read_text(
    encoding="utf-8"
)


def flagged(text: str, rule: str) -> list[str]:
    """The text each flag of ``rule`` covers."""
    result = textfix.clean(text, select=[rule])
    return [text[f.start : f.end] for f in result.flags if f.rule == rule]


# --- the seed ------------------------------------------------------------------


def test_seed_flags_cover_the_broken_sentences() -> None:
    result = textfix.clean(SEED)
    spans = [SEED[f.start : f.end] for f in result.flags if f.rule.startswith("sentences/")]
    for damaged in ("Putin. interview", "stalling. have helped", "president. Trump."):
        assert any(damaged in s for s in spans), (damaged, spans)
    # tight: no flag runs past a sentence or two words beyond the damage
    assert all(len(s) <= len("criticized Vladimir Putin. interview with") for s in spans)


def test_seed_raises_exactly_three_sentence_flags() -> None:
    result = textfix.clean(SEED, select=["sentences"])
    assert sorted(f.rule for f in result.flags) == [
        "sentences/fragment",
        "sentences/lowercase-start",
        "sentences/lowercase-start",
    ]
    assert result.edits == []


# --- lower-case starts ------------------------------------------------------------

LOWER = "sentences/lowercase-start"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        (
            "Kim was criticized by Vladimir Putin. interview with the press.",
            "Putin. interview with",
        ),
        ("It accuses Pyongyang of stalling. have helped North Korea.", "stalling. have helped"),
        ("The leaders met in 2011. he later resigned.", "2011. he later"),
        ('He called it "a disaster". and then he left.', 'disaster". and then'),
        ("Talks ended. they", "ended. they"),
        ("Mr. Smith left the room. then he came back.", "room. then he"),
    ],
)
def test_lowercase_start_is_flagged(text: str, span: str) -> None:
    assert flagged(text, LOWER) == [span]


@pytest.mark.parametrize(
    "text",
    [
        "Bring fruit, nuts, etc. and plenty of water.",
        "It compares apples vs. oranges in detail.",
        "The talks start at 9 a.m. and end at noon.",
        "Use a tool, e.g. a hammer, for that.",
        "He paused... then he went on.",
        "He bought a phone. iPhone sales rose again.",
        "She sold it on the site. eBay took a fee.",
        "Open the file setup.py and edit it.",
        "Visit www.example.com. our shop is open.",
        "the whole message is in lower case. nobody minds.",
        "- open the file. then save it\n- close the editor. then quit",
        "1. open the file. then save it",
        "Steps: 1. open the box 2. read the manual.",
        "The U.S. team won the match.",
        "Dr. Okafor gave the opening talk.",
        "Read `x.y` and then `a.b` in the code.",
        "The board is 5 in. wide and 3 ft. long.",
        "See Smith, op. cit. for the figures.",
        "He admired the painter. van Gogh died young.",
    ],
)
def test_lowercase_start_counter_examples(text: str) -> None:
    assert flagged(text, LOWER) == []


def test_lowercase_everywhere_is_a_style_not_damage() -> None:
    text = "i woke up. it was raining. we stayed in. nobody called. It was a Sunday."
    assert flagged(text, LOWER) == []


# --- fragments -----------------------------------------------------------------------

FRAGMENT = "sentences/fragment"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        (
            "He met Donald Trump twice and two others with the Chinese president. Trump.",
            "president. Trump.",
        ),
        (
            "Kim met Xi Jinping in Beijing and spoke to reporters. Xi Jinping.",
            "reporters. Xi Jinping.",
        ),
    ],
)
def test_fragment_is_flagged(text: str, span: str) -> None:
    assert flagged(text, FRAGMENT) == [span]


@pytest.mark.parametrize(
    "text",
    [
        "Did you see Donald Trump on television? I asked him. Yes.",
        "Anna spoke to Maria Lopez at noon. Thanks.",
        "The delegation flew to the U.S. It landed at noon.",
        "Winter Storm\n\nThe storm came in January.",
        "Photograph: Niamh Brennan\n\nThe harbour at dusk.",
        "Best regards,\nAnna Lindqvist",
        "She waited by the door. Silence.",
        "He met Mr. Smith. Later he met Maria Lopez.",
        '"Are you Margaret?" he asked. "Margaret."',
        "The firm is Acme Inc. Its staff met Acme Inc. and Acme Inc.",
    ],
)
def test_fragment_counter_examples(text: str) -> None:
    assert flagged(text, FRAGMENT) == []


# --- brackets --------------------------------------------------------------------------

BRACKETS = "sentences/unbalanced-brackets"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The council (which met on Monday voted to close it.", "(which"),
        ("The council voted to close the road) on Monday.", "road)"),
        ("The figures [see table 2 are provisional.", "[see"),
        ("He left (angry] and slammed the door.", "(angry]"),
    ],
)
def test_unbalanced_bracket_is_flagged(text: str, span: str) -> None:
    spans = flagged(text, BRACKETS)
    assert spans and all(span in s or s in span for s in spans), spans
    assert any(span == s for s in spans) or len(spans) == 2


@pytest.mark.parametrize(
    "text",
    [
        "The council (which met on Monday) voted to close the road.",
        "Choose one: a) tea, b) coffee or c) water.",
        "1) Open the box.\n2) Read the manual.",
        "That was fun :) and we will do it again :-) soon ;)",
        "The value lies in [0, 1) for every input, and in (0, 1] for the other.",
        "See section 2(b) of the act and [1] for the source.",
        "Read [the guide](https://example.org/guide) first.",
        "The page https://en.wikipedia.org/wiki/Python_(programming_language) explains it.",
        "A note (written over\ntwo short lines) stays fine.",
        "Run `f(x` in the shell; it fails.",
        "¯\\_(ツ)_/¯ is a shrug.",
    ],
)
def test_bracket_counter_examples(text: str) -> None:
    assert flagged(text, BRACKETS) == []


# --- repeated words ---------------------------------------------------------------------

REPEATED = "sentences/repeated-word"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("He walked to the the station.", "He walked to the station."),
        ("The the council met.", "The council met."),
        ("It is one of of the best.", "It is one of the best."),
        ("He wanted to to leave.", "He wanted to leave."),
        ("She ate a a pear.", "She ate a pear."),
        ("Salt and and pepper.", "Salt and pepper."),
        ("to the the the station", "to the station"),
    ],
)
def test_certain_repeats_are_removed(before: str, after: str) -> None:
    result = textfix.clean(before, select=[REPEATED])
    assert result.text == after
    assert [e.rules for e in result.edits] == [(REPEATED,)]
    assert textfix.clean(after, select=[REPEATED]).edits == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The problem is is that nobody came.", "is is"),
        ("What it depends on on Monday is the weather.", "on on"),
        ("They they went home.", "They they"),
    ],
)
def test_doubtful_repeats_are_flagged(text: str, span: str | None) -> None:
    result = textfix.clean(text, select=[REPEATED])
    assert result.text == text
    spans = [text[f.start : f.end] for f in result.flags]
    assert spans == ([span] if span else [])


@pytest.mark.parametrize(
    "text",
    [
        "The department had had a provisional amount set aside.",
        "I can confirm that that amount covers travel.",
        "She waved bye bye to the children.",
        "The town of Walla Walla lies in Washington.",
        "He took vitamin A a day before the race.",
        "It was very very cold.",
        "She ordered mahi mahi twice.",
        "We counted 10 10 times.",
        "He knocked: knock knock.",
        "Use `the the` in the test.",
        "the\nthe first line",
    ],
)
def test_repeat_counter_examples(text: str) -> None:
    result = textfix.clean(text, select=[REPEATED])
    assert result.text == text and result.flags == []


# --- truncated end -----------------------------------------------------------------------

TRUNCATED = "sentences/truncated-end"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The summit ended. Both leaders promised to meet again before the end of", "end of"),
        ("The summit ended on Friday. Both leaders left for home, and\n", "home, and"),
        (
            "Both leaders promised to meet again and to publish a joint statement on the talks",
            "the talks",
        ),
    ],
)
def test_truncated_end_is_flagged(text: str, span: str) -> None:
    assert flagged(text, TRUNCATED) == [span]


@pytest.mark.parametrize(
    "text",
    [
        "The summit ended. Both leaders promised to meet again.",
        "The summit ended.\n\nBest regards,\nAnna",
        "The summit ended.\n\nPhotograph: Niamh Brennan",
        "The summit ended.\n\nReporting by Jane Doe and John Roe in London, Paris and Berlin",
        "The summit ended.\n\n- milk\n- eggs and flour and a little butter and some salt too",
        "Read the docs at https://example.org/docs",
        "The summit ended.\n\n— A. N. Other",
        "## Further reading",
        "Chapter 1. The Beginning",
        "Were they right? Nobody knows",
        "The summit ended. Both leaders promised to meet again (in June)",
        'He said: "We will meet again."',
    ],
)
def test_truncated_end_counter_examples(text: str) -> None:
    assert flagged(text, TRUNCATED) == []


# --- the pack and the fixer ----------------------------------------------------------------


def test_a_user_pack_extends_the_word_lists(tmp_path: Path) -> None:
    pack = tmp_path / "words.toml"
    pack.write_text(
        '[pack]\nfixer = "sentences"\n\n[[rule]]\nid = "repeated-word"\nallow = ["is"]\n',
        encoding="utf-8",
    )
    text = "What it is is a problem."
    assert flagged(text, REPEATED) == ["is is"]
    assert textfix.clean(text, select=[REPEATED], rule_packs=[str(pack)]).flags == []


def test_only_repeated_word_is_safe_and_edits() -> None:
    rules = {r.id: r for r in textfix.rules() if r.family == "sentences"}
    assert set(rules) == {LOWER, FRAGMENT, BRACKETS, REPEATED, TRUNCATED}
    assert [i for i, r in rules.items() if r.safety == "safe"] == [REPEATED]


@st.composite
def prose(draw: st.DrawFn) -> str:
    words = st.sampled_from(
        [
            "the",
            "The",
            "a",
            "of",
            "to",
            "is",
            "had",
            "Trump",
            "Putin",
            "met",
            "etc.",
            "U.S.",
            "(see",
            "it)",
            ":)",
            "1)",
            "...",
            "iPhone",
            "and",
            "Yes.",
        ]
    )
    out = []
    for _ in range(draw(st.integers(1, 30))):
        out.append(draw(words))
        out.append(draw(st.sampled_from([" ", " ", " ", ". ", "\n", ", "])))
    return "".join(out)


@given(prose())
@settings(max_examples=300, deadline=None)
def test_sentences_fixer_is_idempotent_and_only_removes_repeats(text: str) -> None:
    result = textfix.clean(text, select=["sentences"], unsafe_fixes=True)
    assert apply_edits(text, result.edits) == result.text
    assert all(e.rules == (REPEATED,) and e.replacement == "" for e in result.edits)
    again = textfix.clean(result.text, select=["sentences"], unsafe_fixes=True)
    assert again.text == result.text and again.edits == []
    for f in result.flags:
        assert 0 <= f.start < f.end <= len(text)


# --- pathological input (speed is measured in bench/, not asserted) -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "." * 1_000_000,
        '"' * 1_000_000,
        "word\n" * 100_000,
        "Word. " * 150_000,
        "a. B. " * 150_000,
        "the " * 250_000,
        "(" * 500_000 + ")" * 500_000,
        "x" * 1_000_000,
        "Trump. " * 100_000 + "He met Donald Trump.",
    ],
    ids=["dots", "quotes", "lines", "words", "alternating", "the", "nested", "long-word", "names"],
)
def test_pathological_input_finishes(text: str) -> None:
    fixer = sentences.build(Options())
    items = list(fixer.run(Document(text)))
    assert all(0 <= i.start <= i.end <= len(text) for i in items)
    if set(text) <= {".", '"', "x"}:
        assert items == []


def test_one_word_lines_are_not_fragments_or_truncations() -> None:
    text = "word\n" * 1000
    assert textfix.clean(text, select=["sentences"]).flags == []


def test_fixer_yields_edits_only_for_repeats() -> None:
    fixer = sentences.build(Options())
    items = list(fixer.run(Document(SEED.replace("the nuclear issue", "the the nuclear issue"))))
    edits = [i for i in items if isinstance(i, Edit)]
    assert len(edits) == SEED.count("the nuclear issue") == 3
    assert {e.rule for e in edits} == {REPEATED}


# --- the fast scans agree with the patterns they stand in for -------------------

REPEAT_TEXT = st.lists(
    st.tuples(
        st.sampled_from([" ", " ", "  ", "\n", "\t", "-", "’", '"', "(", ". ", "é", ""]),
        st.sampled_from(["the", "The", "THE", "a", "of", "İ", "i", "σας", "ΣΑΣ", "so", "1"]),
    ),
    max_size=20,
).map(lambda parts: "".join(sep + word for sep, word in parts))


@settings(max_examples=400, deadline=None)
@given(REPEAT_TEXT)
def test_repeated_words_finds_what_the_repeat_pattern_finds(text: str) -> None:
    # three scans that start at a space, a mark or position 0 stand in for one
    # pattern tried at every position: same matches, in the same order
    fast = [(m.span("a"), m.end()) for m in sentences._repeated_words(text)]
    slow = [(m.span("a"), m.end()) for m in sentences._REPEAT.finditer(text)]
    assert fast == slow


START_TEXT = st.lists(
    st.sampled_from(["Kim", "Trump", "Donald Trump", "was", "iPhone", "e", ".", ". ", "  ", "\n"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(START_TEXT)
def test_one_scan_finds_every_lower_case_start_and_fragment(text: str) -> None:
    lower = [m.start() for m in sentences._SENTENCE_START.finditer(text) if m.start("low") >= 0]
    assert lower == [m.start() for m in sentences._LOWER_START.finditer(text)]
    frags = {m.start() for m in sentences._SENTENCE_START.finditer(text) if m.start("low") < 0}
    assert {m.start() for m in sentences._FRAGMENT.finditer(text)} <= frags


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*"aB1.’'-)]\"” ,", "ab" * 20, "Éa"]), max_size=30).map("".join),
    st.booleans(),
)
def test_word_before_reads_back_what_the_pattern_finds(text: str, closers: bool) -> None:
    # read backwards from each position: the same word as the pattern searched forwards
    for dot in range(len(text) + 1):
        m = sentences._word_before_pattern().search(text, max(0, dot - 64), dot)
        want = None if m is None or (m.group("close") and not closers) else m.span("w")
        assert sentences._word_before(text, dot, closers=closers) == want


BRACKET_TEXT = st.lists(
    st.sampled_from(
        ["(", ")", "[", "]", "{", "}", " ", "\n", "a", "1", ":", ";", "-", "o", "=", ". "]
        + ["see (http://example.com/a_(b)) now", "[0, 1)", "2)", "x.py", "Dr. ", ":)", ":-("]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(BRACKET_TEXT)
def test_units_whose_brackets_close_in_order_are_skipped_safely(text: str) -> None:
    # the shortcut for brackets that close in order raises what the walk raises
    fast = sentences.build(Options())
    slow = sentences.build(Options())
    slow._fast_brackets = False
    assert list(fast._brackets(Document(text))) == list(slow._brackets(Document(text)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", ".", "!", '"', ")", "”", " ", "  "]), max_size=30).map("".join)
)
def test_last_sentence_break_read_backwards(line: str) -> None:
    ends = [m.end() for m in sentences._sentence_break_pattern().finditer(line)]
    assert sentences._last_break(line) == (ends[-1] if ends else None)


def test_a_line_ruled_out_whole_does_not_hide_the_next_line() -> None:
    """Lines written all in lower case and list items are skipped at once, and only they."""
    text = (
        "notes. to self. buy milk.\n"
        "- item one. and more.\n"
        "The talks failed. then the envoy left. Both sides blamed each other.\n"
        "the end. of it."
    )
    assert flagged(text, LOWER) == ["failed. then the"]


FOLD_TEXT = st.lists(
    st.tuples(
        st.sampled_from(
            [" ", " ", "  ", "\n", "\t", ". ", ", ", "“", "”", "©", "\xa0", "’", "-", "(", "_"]
            + ["1", "é", "€", ""]
        ),
        st.sampled_from(
            ["the", "The", "THE", "had", "a", "A", "İ", "i", "I", "\u212a", "k", "K", "σας"]
            + ["ΣΑΣ", "Σ", "σ", "Élan", "élan", "ÉLAN", "ſ", "s", "ǅ", "ǆ", "Ǆ", "x1", "de"]
        ),
    ),
    max_size=16,
).map(lambda parts: "".join(sep + word for sep, word in parts))


@settings(max_examples=500, deadline=None)
@given(FOLD_TEXT)
def test_texts_the_repeat_prefilter_skips_hold_no_repeat_to_report(text: str) -> None:
    # the folded scan is a necessary condition: skipping on it changes nothing
    fast = sentences.build(Options())
    slow = sentences.build(Options())
    slow._fast_repeats = False
    assert list(fast._repeats(Document(text))) == list(slow._repeats(Document(text)))


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("He walked to the the station.", True),
        ("“The the” he said.", True),
        ("©élan Élan™ again", True),  # the engine's lower case, marks glued on
        ("The \u212a k sign.", True),  # the Kelvin sign folds to ASCII
        ("It ended. Ended it was.", False),  # a full stop between them
        ("The department had had a say.", False),  # allowed
        ("Rooms 10 10 and x1 x1 are free.", False),  # not words of letters
        ("Straße straße", True),
        ("Nothing repeats here at all.", False),
    ],
)
def test_the_repeat_prefilter_looks_past_marks_and_case(text: str, may: bool) -> None:
    fixer = sentences.build(Options())
    assert sentences._may_repeat(text, fixer._allow_folded) is may


NAME_WORDS = ["Trump", "Xi", "Kim", "A", "Ab", "O’Neil", "O’neil", "Jean-Luc", "Éa", "Donald"]
NAME_TEXT = st.lists(
    st.tuples(
        st.sampled_from(
            [" ", "  ", ": ", ", ", "; ", ". ", "a ", "é ", "1 ", "\n", "", "’s ", "-"]
        ),
        st.sampled_from([*NAME_WORDS, "trump", "Trumps", "é"]),
    ),
    max_size=12,
).map(lambda parts: "".join(sep + word for sep, word in parts))


@settings(max_examples=400, deadline=None)
@given(NAME_TEXT, st.lists(st.sampled_from(NAME_WORDS), max_size=12))
def test_mid_names_looked_up_word_by_word_are_the_listed_names(text: str, words: list[str]) -> None:
    names = set(sentences._MID_NAME.findall(text))
    limits = (sentences.MAX_NAME_WORDS, sentences.MAX_NAME_PLACES)
    try:
        # word by word, then past either limit: the names listed at once
        for sentences.MAX_NAME_WORDS, sentences.MAX_NAME_PLACES in ((16, 64), (2, 64), (16, 1)):
            lookup = sentences._MidNames(text)
            assert [w in lookup for w in words] == [w in names for w in words]
    finally:
        sentences.MAX_NAME_WORDS, sentences.MAX_NAME_PLACES = limits


@pytest.mark.parametrize(
    "text",
    [
        "See (the note\n\nbelow) for more.",  # a pair split across paragraphs
        "One (two) three.\nFour [five] six.\n",
        "Smile :) and (really) smile.",
        "Read (http://example.com/a_(b) now",
        "(a) " * 40 + "\n" + "(b " * 3,  # more brackets than are looked at one by one
    ],
)
def test_texts_whose_lines_close_their_brackets_are_skipped_whole(text: str) -> None:
    fast = sentences.build(Options())
    slow = sentences.build(Options())
    slow._fast_brackets = False
    assert list(fast._brackets(Document(text))) == list(slow._brackets(Document(text)))


def test_a_bracket_left_open_across_paragraphs_is_still_flagged() -> None:
    assert flagged("See (the note\n\nbelow) for more.", BRACKETS) == ["(the", "below)"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Kim", "Trump", "Donald Trump", "was", "iPhone", "e", ".", ". ", "  ", "\n", "É"]
            + ["Zoë", "élan", "O’neil", "Jean-luc", "It's", "A1", "1", "ß", "Ab Cd", "-", "’"]
        ),
        max_size=30,
    ).map("".join)
)
def test_sentence_starts_are_what_the_one_scan_finds(text: str) -> None:
    # the standard library's engine picks the full stops; the exact pattern judges them
    want: tuple[list[int], list[int]] = ([], [])
    for m in sentences._SENTENCE_START.finditer(text):
        want[m.start("low") < 0].append(m.start())
    assert sentences._sentence_starts(text) == want


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "b c", " ", "\n", "\t", "\r", "\x1c", "\u2028", "\xa0", "\u3000", "."]
        ),
        max_size=20,
    ).map("".join)
)
def test_the_last_paragraph_is_found_from_the_end(text: str) -> None:
    paras = Document(text).paragraphs
    assert sentences._last_paragraph(text) == (paras[-1] if paras else None)
