"""Protected spans: what no fixer may cut into."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textfix.model import Document
from textfix.protect import find_protected, protected_kinds, update_protected


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("Read https://example.com/a?b=1. Then go.", "url", "https://example.com/a?b=1"),
        ("See www.example.org/path for more.", "url", "www.example.org/path"),
        ("Write to press@example.org today.", "email", "press@example.org"),
        ("Edit setup.py and README.md first.", "name", "setup.py"),
        ("The site example.com is down.", "name", "example.com"),
        ("It grew 3.5 percent.", "number", "3.5"),
        ("Install v2.1.0 now.", "number", "v2.1.0"),
        ("About 1,200,000 people.", "number", "1,200,000"),
        ("Meet at 10:30 sharp.", "number", "10:30"),
        ("The U.S. economy", "acronym", "U.S."),
        ("fruit, e.g. apples", "acronym", "e.g."),
        ("J.R.R. Tolkien", "acronym", "J.R.R."),
        ("Dr. Watson", "abbr", "Dr."),
        ("apples, pears, etc. and more", "abbr", "etc."),
        ("said T. Eliot", "initial", "T."),
        ("Run `a..b` here", "code", "`a..b`"),
        ("Look in /usr/local/bin today", "path", "/usr/local/bin"),
        ("Ask @textfix or #nlp", "handle", "@textfix"),
        ("Cited as doi:10.1000/xyz.1. Next", "identifier", "doi:10.1000/xyz.1"),
    ],
)
def test_kinds(text, kind, span):
    assert (kind, span) in protected_kinds(text)


def test_fenced_code_block_of_many_lines_is_one_span():
    text = "Intro.\n\n```python\nx  = 1..2\ny = 'a' ,b\n```\nAfter it.Then\n"
    spans = find_protected(text)
    start = text.index("```python")
    end = text.index("```\nAfter") + 3
    assert (start, end) in spans


def test_unclosed_fence_protects_nothing_after_it():
    assert find_protected("```\nsome text. More\n") == []


@pytest.mark.parametrize(
    "text",
    ["United States.Putin told Kim", "the Cold War..", "It ended.Both left", "Mrs Smith"],
)
def test_sentence_damage_is_not_protected(text):
    assert find_protected(text) == []


def test_spans_are_sorted_and_disjoint():
    text = "Mail a@b.com or see http://x.org/a.b.c and e.g. v1.2 at 10:30, i.e. now."
    spans = find_protected(text)
    assert spans == sorted(spans)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_document_refuses_cuts_but_allows_whole_replacement():
    doc = Document("see example.com now")
    s = doc.text.index("example.com")
    e = s + len("example.com")
    assert doc.is_protected(s + 2, s + 3)
    assert doc.is_protected(s + 3, s + 3)  # an insertion inside
    assert not doc.is_protected(s, s)  # an insertion at its edge
    assert not doc.is_protected(0, len(doc.text))  # the whole span goes
    assert doc.overlaps_protected(s - 2, s + 1)
    assert not doc.overlaps_protected(0, 3)
    assert not doc.is_protected(e, e + 1)


EDIT_PIECES = [
    "a",
    "b",
    " ",
    "\n",
    ".",
    "U.S.",
    "x@y.org",
    "http://e.com/a",
    "3.5",
    "Dr.",
    "J. ",
    "setup.py",
    "/usr/bin",
    "    ",
    "#tag",
    "1,000",
    "`c`",
    "e.g.",
    "@me",
    "::",
]


@settings(max_examples=400, deadline=None)
# what only the old text held is looked for around the edits: four blanks, a tab or a
# back-quote that an edit splits or takes out
@example("a.b    c.d", [(5, 0, "x")])
@example("    x.y z", [(0, 2, "")])
@example("a\tb.c d", [(1, 1, "")])
@example("x `a.b c` y", [(2, 1, "")])
@example("x ``a.b`` y", [(3, 0, " ")])
@given(
    st.lists(st.sampled_from(EDIT_PIECES), max_size=30).map("".join),
    st.lists(
        st.tuples(st.integers(0, 200), st.integers(0, 6), st.sampled_from(EDIT_PIECES + [""])),
        max_size=5,
    ),
)
def test_incremental_update_equals_a_full_scan(text, raw_edits):
    _assert_update_equals_a_full_scan(text, raw_edits)


# without code spans, tabs or four spaces the update scans only the tokens around each
# edit: pieces that make a token's fate depend on its neighbours (initials before a
# capital, dots and digits that join tokens when a blank goes)
TOKEN_PIECES = [
    "a", "S", " ", "  ", "\n", ".", "J.", "J", "Smith", "smith", "U.S.", "e.g.", "3", "3.5",
    ",", ":", "/", "@", "x@y.org", "www.e.com", "doi:", "10.1/x", "Dr.", "km", "-", "\u00e9",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@example("said J. smith", [(8, 1, "S")])  # an initial now: the token before is judged again
@example("said J. Smith", [(8, 1, "s")])  # and no longer one
@example("said J.  Smith", [(7, 1, "")])  # one blank between: an initial
@example("see J. Smith", [(6, 1, "")])  # J.Smith: no initial
@example("3. 5 km and U.S. x", [(2, 1, ""), (14, 1, " ")])  # blanks that join and split
@example("the end.Dr. Who", [(8, 0, " ")])  # a blank inserted before an abbreviation
@example("go to www.e.com now", [(16, 3, "x.org")])  # a change that ends a token
@example("xx yy zz", [(0, 1, "a"), (1, 3, "b U.S.")])  # a second edit, with a blank, runs on
@given(
    st.lists(st.sampled_from(TOKEN_PIECES), max_size=30).map("".join),
    st.lists(
        st.tuples(st.integers(0, 120), st.integers(0, 4), st.sampled_from(TOKEN_PIECES + [""])),
        max_size=6,
    ),
)
def test_incremental_update_around_tokens_equals_a_full_scan(text, raw_edits):
    _assert_update_equals_a_full_scan(text, raw_edits)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(TOKEN_PIECES + EDIT_PIECES), max_size=30).map("".join),
    st.lists(
        st.tuples(st.integers(0, 120), st.integers(0, 4), st.sampled_from(TOKEN_PIECES + [""])),
        max_size=6,
    ),
)
def test_spans_kept_between_windows_are_those_no_edit_or_window_touches(text, raw_edits):
    from textfix import protect

    edits, new = _apply(text, raw_edits)
    old_spans = find_protected(text)
    for make in (protect._token_windows, protect._line_windows):
        windows, deltas = make(edits, new)
        want = protect._shift_untouched(old_spans, edits, windows)
        assert protect._untouched(old_spans, windows, deltas) == want


def _apply(text, raw_edits):
    """Sorted, disjoint edits made of ``raw_edits``, and the text they give."""
    edits = []
    pos = 0
    for start, length, rep in sorted(raw_edits):
        start = min(max(start, pos), len(text))
        end = min(start + length, len(text))
        if edits and start == end == edits[-1][1] == edits[-1][0]:
            continue
        edits.append((start, end, rep))
        pos = end
    new = (
        "".join(
            [
                text[prev_end:s] + rep
                for (s, e, rep), prev_end in zip(
                    edits, [0] + [e for _, e, _ in edits], strict=False
                )
            ]
        )
        + text[(edits[-1][1] if edits else 0) :]
    )
    return edits, new


def _assert_update_equals_a_full_scan(text, raw_edits):
    edits, new = _apply(text, raw_edits)
    updated = update_protected(text, find_protected(text), edits, new)
    if updated is not None:
        assert updated == find_protected(new)


# The scans that look only where a hint is (a dot before a name ending or a letter pair,
# a separator between digits) must find what the full scans find, including where the
# stdlib and the regex module disagree on word characters and digits (combining marks,
# superscripts, digits newer than Python's Unicode tables).
SCAN_PIECES = [
    "a", "S", "U", "e", "g", "x", " ", "\n", ".", "..", "-", "_", "@", "/", ":", ",", "v",
    "1", "22", "4444", "55555", "3.5", "1.5e7", "10:30", "1,000", "km", "X",
    "com", "py", "7z", "sqlite", "\u0301", "\u00b2", "\u00b5", "\u24b6", "\u200c",
    "\U00010d41", "\u00e9", "a" * 210,
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SCAN_PIECES), max_size=40).map("".join))
def test_hinted_scans_equal_full_scans(text):
    from textfix import protect

    for fast, full in (
        (protect._dotted_tokens, protect._all_dotted_tokens),
        (protect._numbers, protect._all_numbers),
    ):
        got: list = []
        want: list = []
        fast(text, got.append)
        full(text, want.append)
        assert sorted(got) == sorted(want)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # a combining mark lets the look back over a token cross into the one before
        ("x.com\u0301a.b", [("name", "x.com"), ("name", "x.com")]),
        # a number's suffix runs into the digits of the next chain
        ("1.5e7.2 and 3.5", [("number", "1.5e7"), ("number", "3.5")]),
        # digits newer than Python's tables: the plain scan
        (
            "see \U00010d41/\U00010d41 and 2.5",
            [("number", "\U00010d41/\U00010d41"), ("number", "2.5")],
        ),
    ],
)
def test_scans_fall_back_where_engines_disagree(text, kinds):
    assert sorted(k for k in protected_kinds(text) if k[0] in ("name", "number")) == sorted(kinds)


@example("1.2.3 4,5,6 7.8,9 1.5e7.2 3.5X.4 10:30:00 1/2/3 " + "a" * 600)
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SCAN_PIECES), max_size=40).map("".join))
def test_separator_searches_leave_out_only_what_a_chain_takes_in(text):
    from textfix import protect

    every = [i for i in range(len(text)) if protect._NUM_CHAIN.match(text, i)]
    listed = protect._separators(text)
    assert set(listed) <= set(every)
    # a separator left out follows digits that follow another (of its kind, or of any
    # kind in a short text)
    for i in set(every) - set(listed):
        j = i - 1
        while text[j].isdigit():
            j -= 1
        assert j < i - 1 and text[j] in (".,:/" if len(text) < 512 else text[i])
    # and the number scan finds the same given every place a chain starts (a search
    # from where the last chain ended, as the scan once did)
    got: list = []
    want: list = []
    protect._numbers(text, got.append)
    protect._numbers(text, want.append, starts=every)
    assert got == want


FENCE_PIECES = [
    "`",
    "```",
    "````",
    "~",
    "~~~",
    " ",
    "   ",
    "\n",
    "a",
    "py",
    "\u00e9",
    "\u2028",
    "\r",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FENCE_PIECES), max_size=30).map("".join))
def test_fence_lines_are_the_lines_a_search_finds(text):
    from textfix import protect

    want = [m.span() for m in protect._FENCE_LINE.finditer(text)]
    assert [m.span() for m in protect._fence_lines(text)] == want


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(SCAN_PIECES + ["Dr", "J", "etc", "e.g."]), max_size=40).map("".join)
)
def test_one_search_of_full_stops_finds_what_two_would(text):
    from textfix import protect

    got = [(m.start(), m.lastgroup) for m in protect._DOT.finditer(text)]
    want = [(m.start(), m.lastgroup) for m in protect._ABBR_OR_INITIAL.finditer(text)]
    want += [(m.start(), "n") for m in protect._SEPARATOR[0][1].finditer(text)]
    assert got == sorted(want)
    # and the number scan given those full stops finds what it finds looking itself
    dots = [s for s, g in got if g == "n"]
    with_dots: list = []
    without: list = []
    protect._numbers(text, with_dots.append, dots)
    protect._numbers(text, without.append)
    assert with_dots == without


# every kind of span, and what ends sentences around them: the cheap search that lets a
# short text with nothing to protect go must never let one go that holds something
ANY_PIECES = SCAN_PIECES[:-1] + [
    "Dr", "Mr", "etc", "J", "e.g.", ". ", ".\n", "www.", "http://", "a@b", "#", "@",
    "`", "```", "~~~", "\t", "    ", "\\", "C:\\x", "doi:", "/usr", "~/", ",", ", ", "1,2",
    "(", ")", "\"", "<", "S.", "3.7z", "x.com", "1.2.3",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(ANY_PIECES), max_size=30).map("".join))
def test_text_let_go_by_the_cheap_search_holds_nothing(text):
    from textfix import protect

    if "." not in text and not protect._TRIGGERS.search(text):
        want = []  # (the first, cheaper test)
    else:
        want = protect._scan(text)
    assert protect._matches(text) == want


HANDLE_PIECES = ["@", "#", "@@", "a", "Kim", "_x", "-", ".", "com", " ", "\n", "&", "é", "1", "ß"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HANDLE_PIECES), max_size=30).map("".join))
@example("@" * 50 + "a@b.com #tag @@x #1 @-y.z")
def test_marks_no_address_or_handle_can_follow_are_passed_over(text):
    """Only an "@" before [\\w-] and a "#" before [A-Za-z_] can start an address or a
    handle: the spans equal those found when every mark is looked at."""
    import re

    from textfix import protect

    want = find_protected(text)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(protect, "_AT", re.compile("@"))
        m.setattr(protect, "_HASH", re.compile("#"))
        assert find_protected(text) == want
