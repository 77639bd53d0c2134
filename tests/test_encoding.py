"""The encoding fixer: ftfy's repairs of real damage, one tight edit per spot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import ftfy
import pytest
from ftfy.badness import BADNESS_RE
from hypothesis import given, settings
from hypothesis import strategies as st

from textfix import cache
from textfix.fixers import encoding
from textfix.fixers.encoding import EncodingFixer, _trigger, build
from textfix.model import Document, apply_edits
from textfix.options import Options
from textfix.pipeline import Pipeline

CORPUS = Path(__file__).parent / "corpus" / "clean"


def clean(text: str, **options: object):
    """Clean with the encoding fixer alone, built from ``options`` as the default pipeline does."""
    opts = Options.from_kwargs(**options)
    fixer = build(opts)
    assert fixer is not None
    return Pipeline([fixer], select=opts.select, ignore=opts.ignore).clean(text)


def spans(result):
    return [(e.start, e.end, e.original, e.replacement, e.rule) for e in result.edits]


# ftfy.fix_text restricted to what textfix repairs by default
FTFY_DAMAGE_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization=None,
    explain=False,
)


# --- each kind of damage, with exact offsets ---------------------------------


def test_mojibake_each_spot_is_its_own_edit():
    text = "I donâ€™t know why the cafÃ© closed.\nâ€œSoonâ€\x9d, they said."
    r = clean(text)
    assert r.text == "I don’t know why the café closed.\n“Soon”, they said."
    expected = []
    for bad, good in (("â€™", "’"), ("Ã©", "é"), ("â€œ", "“"), ("â€\x9d", "”")):
        at = text.index(bad)
        expected.append((at, at + len(bad), bad, good, "encoding/mojibake"))
    assert spans(r) == expected
    # ftfy decodes a line at a time: the line's plan explains each of its edits
    assert r.edits[1].message == "mojibake: UTF-8 decoded as Windows-1252"
    assert clean("The cafÃ© closed.").edits[0].message == "mojibake: UTF-8 decoded as Latin-1"


def test_mojibake_keeps_a_whole_unit_when_the_fix_shares_a_character():
    # 'Ã' itself becomes 'Ãƒ'; the edit must replace both, not delete 'ƒ' alone
    r = clean("SÃƒO PAULO, cafÃ©")
    assert r.text == "SÃO PAULO, café"
    assert spans(r) == [
        (1, 3, "Ãƒ", "Ã", "encoding/mojibake"),
        (15, 17, "Ã©", "é", "encoding/mojibake"),
    ]


def test_double_mojibake_and_other_codecs():
    r = clean("ÃƒÂ©t\nРџСЂРёРІРµС‚")
    assert r.text == "ét\nПривет"
    assert [e.original for e in r.edits] == ["ÃƒÂ©", "РџСЂРёРІРµС‚"]
    assert "then" in r.edits[0].message  # two decoding steps explained
    assert "Windows-1251" in r.edits[1].message


def test_mojibake_inside_url_and_code_is_still_repaired():
    r = clean("See https://example.com/cafÃ©-menu and `donâ€™t`.")
    assert r.text == "See https://example.com/café-menu and `don’t`."
    assert {e.rule for e in r.edits} == {"encoding/mojibake"}


def test_c1_controls():
    r = clean("It\x92s here and \x93there\x94.")
    assert r.text == "It’s here and “there”."
    assert spans(r) == [
        (2, 3, "\x92", "’", "encoding/c1-control"),
        (14, 15, "\x93", "“", "encoding/c1-control"),
        (20, 21, "\x94", "”", "encoding/c1-control"),
    ]
    assert "U+0092" in r.edits[0].message


def test_html_entities():
    r = clean("Tom &amp; Jerry&#39;s caf&eacute; &amp;eacute;")
    assert r.text == "Tom & Jerry's café é"
    assert spans(r) == [
        (4, 9, "&amp;", "&", "encoding/html-entity"),
        (15, 20, "&#39;", "'", "encoding/html-entity"),
        (25, 33, "&eacute;", "é", "encoding/html-entity"),
        (34, 46, "&amp;eacute;", "é", "encoding/html-entity"),
    ]
    assert clean("if x &lt; 5 &amp;&amp; y &gt; 2").text == "if x < 5 && y > 2"


@pytest.mark.parametrize(
    "text",
    [
        "AT&T, R&D, Q&A; fish & chips; &notanentity; &",
        "Open https://example.com/search?q=tea&amp;page=2 now.",
        "Write `&amp;` for an ampersand.",
        "```\nprint('&amp;')\n```\n",
        "<p>Tom &amp; Jerry</p>",
        "The tag is written &lt;div&gt; in HTML.",
    ],
)
def test_entities_that_must_stay(text):
    r = clean(text)
    assert r.text == text
    assert r.edits == []


def test_entity_on_a_plain_line_next_to_a_markup_line():
    r = clean("<div>\nTom &amp; Jerry\n</div>")
    assert r.text == "<div>\nTom & Jerry\n</div>"


def test_each_line_decides_alone_whether_its_entities_are_markup():
    """The markup check is made once per line: entities on the next line must not reuse it."""
    text = (
        "Tom &amp; Jerry &amp; co\n<b>Tom &amp; Jerry</b>\nA &lt; B &amp; C\nx &lt;b&gt; y &lt; z"
    )
    r = clean(text)
    assert r.text == ("Tom & Jerry & co\n<b>Tom &amp; Jerry</b>\nA < B & C\nx &lt;b&gt; y &lt; z")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["&amp;", "&lt;", " ", "x", "<b>", "</b>", "&lt;i&gt;"])),
        max_size=6,
    )
)
def test_entities_line_by_line_equal_the_whole_text(lines):
    """Cleaning a text at once gives what cleaning each of its lines alone gives."""
    texts = ["".join(parts) for parts in lines]
    whole = clean("\n".join(texts)).text
    assert whole == "\n".join(clean(t).text for t in texts)


def test_surrogates():
    r = clean("Smile \ud83d\ude00 and a lone \udc00 half.")
    assert r.text == "Smile 😀 and a lone \ufffd half."
    assert spans(r) == [
        (6, 8, "\ud83d\ude00", "😀", "encoding/surrogate"),
        (20, 21, "\udc00", "\ufffd", "encoding/surrogate"),
    ]


def test_control_characters_and_terminal_escapes():
    r = clean("\ufeffnull\x00byte \x1b[1;31mred\x1b[0m\tok\r\n")
    assert r.text == "nullbyte red\tok\r\n"
    assert spans(r) == [
        (0, 1, "\ufeff", "", "encoding/control-char"),
        (5, 6, "\x00", "", "encoding/control-char"),
        (11, 18, "\x1b[1;31m", "", "encoding/terminal-escape"),
        (21, 25, "\x1b[0m", "", "encoding/terminal-escape"),
    ]


def test_surrogate_and_mojibake_on_one_line_both_get_fixed():
    r = clean("cafÃ© \ud83d\ude00")
    assert r.text == "café 😀"
    assert apply_edits(r.original, r.edits) == r.text


# --- do no harm ----------------------------------------------------------------

WELL_FORMED = (
    "“It’s a naïve café,” she said — twice… ‘Fine’.\n"
    "Zürich, Kraków, São Paulo, Ångström, œuvre, Æsir, façade, ½ cup, ±3 µm at 25 °C.\n"
    "日本語のテキスト、한국어 텍스트, Привет, мир! Γειά σου κόσμε. العربية\n"
    "Emoji: 😀👍🏽 👩\u200d💻 🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f ©®™ €5 £3 ¥9.\n"
    "The ﬁrst ﬂoor; ＦＵＬＬ width; cafe\u0301 decomposed; AT&T & R&D; x < y.\n"
    "Math: ∑ ∫ √2 ≈ 1.41 ≠ π; arrows → ←; «guillemets» and „low quotes“.\n"
)


def test_well_formed_text_is_untouched():
    r = clean(WELL_FORMED)
    assert r.text == WELL_FORMED
    assert r.edits == [] and r.flags == []


def test_clean_corpus_is_untouched():
    files = sorted(CORPUS.glob("*.txt"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert clean(text).edits == [], path.name


def test_pure_ascii_text_without_triggers_is_skipped():
    fixer = EncodingFixer()

    assert list(fixer.run(Document("Plain ASCII text, nothing to do.\n" * 100))) == []


# --- opt-in normalisations ---------------------------------------------------


def test_normalisations_are_off_by_default():
    text = "“Quoted” ﬁrst ＦＵＬＬ cafe\u0301 — 1990–95"
    assert clean(text).text == text


@pytest.mark.parametrize(
    ("kind", "rule", "before", "after"),
    [
        ("quotes", "encoding/uncurl-quotes", "“It’s” ok", '"It\'s" ok'),
        ("ligatures", "encoding/ligatures", "ﬁrst ﬂoor", "first floor"),
        ("dashes", "encoding/ascii-dashes", "wait — 1990–95", "wait -- 1990-95"),
        ("width", "encoding/width", "ＦＵＬＬ　width", "FULL width"),
        ("nfc", "encoding/nfc", "cafe\u0301 now", "café now"),
    ],
)
def test_each_normalisation_has_its_own_rule(kind, rule, before, after):
    r = clean(before, normalize=[kind])
    assert r.text == after
    assert {e.rule for e in r.edits} == {rule}
    # asking for the other normalisations never runs this one
    others = [k for k in ("quotes", "dashes", "ligatures", "width", "nfc") if k != kind]
    assert rule not in {e.rule for e in clean(WELL_FORMED, normalize=others).edits}
    assert clean(before, normalize=others).text != after


def test_nfc_edit_is_tight():
    r = clean("a cafe\u0301 b", normalize=["nfc"])
    assert spans(r) == [(5, 7, "e\u0301", "é", "encoding/nfc")]
    assert unicodedata.is_normalized("NFC", r.text)


def test_normalisations_leave_code_alone():
    text = "Use `“x”` here."
    assert clean(text, normalize=["quotes"]).text == text


# --- agreement with ftfy, idempotence, exact replay -------------------------------

DAMAGED = (
    "The rÃ©sumÃ© of the cafÃ© owner.\n"
    "He said: â€œIt doesnâ€™t matterâ€\x9d â€” then left.\n"
    "Price: 5â‚¬, temperature 20Â°C, â€¢ bullet\n"
    "voilÃ  le travail, Ã  bientÃ´t\n"
    "Russian: Ð¿Ñ€Ð¸Ð²ÐµÑ‚ and Greek: Î³ÎµÎ¹Î¬\n"
    "Mixed: cafÃ© next to a correct 日本 and â€˜quoteâ€™\n"
    "C1: It\x92s \x93here\x94\n"
)


def test_agrees_with_ftfy_on_damaged_text():
    r = clean(DAMAGED)
    assert r.text == ftfy.fix_text(DAMAGED, FTFY_DAMAGE_ONLY)
    assert len(r.edits) >= 15  # one edit per repaired spot, not one per line
    assert all(len(e.original) <= 12 for e in r.edits)


def test_idempotent_and_replayable():
    r = clean(DAMAGED)
    assert apply_edits(DAMAGED, r.edits) == r.text
    for e in r.edits:
        assert DAMAGED[e.start : e.end] == e.original
    again = clean(r.text)
    assert again.text == r.text and again.edits == []


_MOJI_ALPHABET = sorted({c for c in BADNESS_RE.pattern if ord(c) > 0x7F} - {"\\"}) + list(
    "αωаяЂўВГРСΒΓΞΟ\x85\x92 aZ.,?!é’“”—"
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_MOJI_ALPHABET, min_size=1, max_size=6))
def test_trigger_finds_every_line_ftfy_calls_bad(s):
    # the cheap scan must never skip a line ftfy's mojibake heuristic would repair
    if BADNESS_RE.search(s):
        assert any(m.lastgroup == "moji" for m in _trigger().finditer(s))


_WORDS = st.sampled_from(
    [
        "café",
        "naïve",
        "don’t",
        "“quote”",
        "—",
        "日本",
        "Привет",
        "😀",
        "AT&T",
        "plain",
        "Zürich",
        "½",
    ]
)


@st.composite
def damaged_text(draw):
    words = draw(st.lists(_WORDS, min_size=1, max_size=12))
    out = []
    for w in words:
        how = draw(st.sampled_from(["keep", "keep", "w1252", "latin1"]))
        if how == "w1252":
            w = w.encode("utf-8").decode("windows-1252", errors="ignore")
        elif how == "latin1":
            w = w.encode("utf-8").decode("latin-1")
        out.append(w)
        out.append(draw(st.sampled_from([" ", " ", "\n", ", "])))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(damaged_text())
def test_matches_ftfy_and_replays_on_random_damage(text):
    r = clean(text)
    assert apply_edits(text, r.edits) == r.text
    assert r.text == ftfy.fix_text(text, FTFY_DAMAGE_ONLY)
    assert clean(r.text).edits == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_raises_and_replays(text):
    r = clean(text)
    assert apply_edits(text, r.edits) == r.text
    assert clean(r.text).text == r.text


def test_entities_and_controls_on_a_mojibake_line_are_found_too():
    text = "cafÃ© &amp; bar\x00 cafÃ©\nnext &amp; line"
    r = clean(text)
    assert r.text == "café & bar café\nnext & line"
    assert [e.rule for e in r.edits] == [
        "encoding/mojibake",
        "encoding/html-entity",
        "encoding/control-char",
        "encoding/mojibake",
        "encoding/html-entity",
    ]


@st.composite
def twice_damaged_line(draw):
    line = draw(damaged_text()).replace("\n", " ")
    if draw(st.booleans()):  # damaged twice: ftfy needs two steps
        line = line.encode("utf-8").decode(
            draw(st.sampled_from(["windows-1252", "latin-1"])), "ignore"
        )
    return line


@settings(max_examples=300, deadline=None)
@given(st.one_of(twice_damaged_line(), st.text(alphabet=_MOJI_ALPHABET, max_size=12)))
def test_shortened_ftfy_loop_gives_ftfy_result(line):
    # _fix_encoding stops ftfy's repair loop once the cheap scan finds no mojibake left
    from ftfy import fix_encoding_and_explain

    from textfix.fixers.encoding import _fix_encoding, _ftfy

    fixed, plan = fix_encoding_and_explain(line, _ftfy().config)
    assert _fix_encoding(line) == (fixed, list(plan))
    # a result the trigger finds nothing in skips the C1 repair: it must hold no C1
    if encoding._fix_encoding_quiet(line)[2]:
        assert not re.search("[\x80-\x9f]", fixed)


# _is_bad searches BADNESS_RE only near the trigger's matches: mojibake pieces far
# apart, with ASCII between them, move the pieces in and out of each other's windows
_PIECES = st.text(alphabet=_MOJI_ALPHABET, min_size=1, max_size=4)
_FILLER = st.sampled_from(["", " ", "a", "Z ", "ab, ", "some words here ", "x" * 9, "y " * 12])


@st.composite
def spread_mojibake(draw):
    parts = draw(st.lists(st.tuples(_FILLER, _PIECES), max_size=14))
    return "".join(f + p for f, p in parts) + draw(_FILLER)


@settings(max_examples=600, deadline=None)
@given(st.one_of(spread_mojibake(), st.text(alphabet=_MOJI_ALPHABET, max_size=20)))
def test_windowed_is_bad_is_ftfys(text):
    from ftfy.badness import is_bad

    assert encoding._is_bad(text) == is_bad(text)


def test_windowed_is_bad_covers_the_pattern():
    # the windows are as wide as BADNESS_RE's longest match, and that pattern looks at
    # nothing outside its match: otherwise _is_bad would be searching the wrong windows
    reach = encoding._badness_reach()
    assert reach is not None and 2 <= reach <= 16
    for pattern, expected in (
        (r"^[ÃÂ] |[a-z]\s?Â |ГўВЂВ.[A-Za-z ]|(?:x|yz){2}", 7),
        (r"a(?=b)", None),
        (r"a(?<!b)", None),
        (r"ab$", None),
        (r"\bab", None),
        (r"a\Z", None),
        (r"a+b", None),
        (r"(a)\1", None),
    ):
        assert encoding._pattern_reach(re.compile(pattern)) == expected, pattern
    assert encoding._is_bad("x" * 100 + "cafÃ©" + "y" * 100)
    assert encoding._is_bad("Ã©" + "y" * 100)
    # a pair is bad on its own only where BADNESS_RE's '^' is not what matched it
    for text, bad in (("Ã x", True), ("1Ã x", False), ("1Â x", False), ("aÃ x", True)):
        assert encoding._is_bad(text) is bad, text
    assert not encoding._is_bad("It’s “fine” — she said…” " * 20)  # many places, none bad
    assert encoding._is_bad("It’s “fine” — she said…” " * 20 + "cafÃ©")


@settings(max_examples=400, deadline=None)
@given(damaged_text(), st.integers(min_value=0, max_value=50))
def test_fast_diff_is_the_simple_one(text, base):
    from textfix.fixers.encoding import _diff, _diff_simple, _fix_encoding

    fixed = _fix_encoding(text)[0]
    assert _diff(text, fixed, base) == _diff_simple(text, fixed, base)
    assert _diff(fixed, text, base) == _diff_simple(fixed, text, base)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aé’Ãƒ© x", max_size=12), st.text(alphabet="aé’Ãƒ© x", max_size=12))
def test_fast_diff_is_the_simple_one_on_any_pair(old, new):
    from textfix.fixers.encoding import _diff, _diff_simple

    assert _diff(old, new, 3) == _diff_simple(old, new, 3)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_ascii_prefilter_is_necessary(text):
    # an ASCII text is scanned only when deleting the quiet characters leaves some
    found = encoding._ASCII_TRIGGER.search(text) is not None
    assert not found or text.encode("ascii").translate(None, encoding._ASCII_QUIET)
    fixer = EncodingFixer()
    assert list(fixer.run(Document(text))) == list(fixer._scan(text))


def test_quiet_ascii_is_what_no_trigger_starts_with():
    # the chunks _loud_ranges skips must hold no character any trigger's match opens with
    first = re.compile(f"[{encoding._first_and_moji_after()[0]}]")
    for c in range(128):
        assert (first.match(chr(c)) is None) == (c in encoding._ASCII_QUIET), hex(c)
        if encoding._other_trigger().match(chr(c) + "amp;"):
            assert c not in encoding._ASCII_QUIET


_LINE_PIECES = st.sampled_from(
    [
        "plain words ",
        "x",
        " ",
        "\n",
        "\n\n",
        "&amp;",
        "&amp;amp;amp;eacute;",
        "&eacute;",
        "&#39;",
        "AT&T",
        "<b>",
        "&lt;i&gt;",
        "\x00",
        "\x1b[31m",
        "\x92",
        "Ã©",
        "â€™",
        "Ã ",
        "Œ",
        "cafÃ©",
        "é",
        "“",
        "…”",
        "Привет",
        "\ud83d\ude00",
        "\udc00",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=40), st.integers(min_value=1, max_value=12))
def test_scanning_loud_ranges_finds_what_scanning_everything_finds(pieces, chunk):
    text = "".join(pieces)
    fixer = EncodingFixer()
    ranges = list(encoding._loud_ranges(text, chunk))
    assert all(a <= b and (b == len(text) or text[b] == "\n") for a, b in ranges)
    assert list(fixer._scan(text, ranges)) == list(fixer._scan(text))


# --- ftfy is imported only when a document needs it ---------------------------------

_IMPORTS_SCRIPT = """
import json, sys
import textfix
results = [textfix.clean(t).text for t in sys.argv[1:]]
print(json.dumps({"ftfy": "ftfy" in sys.modules, "texts": results}))
"""


def _fresh_clean(tmp_path, *texts, cache="warm"):
    env = dict(os.environ)
    env["TEXTFIX_CACHE_DIR"] = "off" if cache == "off" else str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTS_SCRIPT, *texts],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_ftfy_is_imported_only_for_damage(tmp_path):
    clean_texts = ("Plain ASCII, AT&T and R&D.", "A naïve café in Zürich, “quoted” — twice.")
    # the first process builds the cached character sets (importing ftfy to derive them)
    first = _fresh_clean(tmp_path, *clean_texts)
    assert first["texts"] == list(clean_texts)
    # later processes read them back: text without damage never imports ftfy
    warm = _fresh_clean(tmp_path, *clean_texts)
    assert warm == {"ftfy": False, "texts": list(clean_texts)}
    # damage does, and is repaired as before
    damaged = _fresh_clean(tmp_path, "The cafÃ© opens.", "Tom &amp; Jerry")
    assert damaged == {"ftfy": True, "texts": ["The café opens.", "Tom & Jerry"]}
    # without a cache, the sets are derived from ftfy, with the same results
    off = _fresh_clean(tmp_path, *clean_texts, "The cafÃ© opens.", cache="off")
    assert off["texts"] == [*clean_texts, "The café opens."]


def test_cached_character_sets_are_ftfys(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path))
    derived = encoding._derive_char_sets()
    encoding._char_sets.cache_clear()
    try:
        assert encoding._char_sets() == derived  # built and stored
        encoding._char_sets.cache_clear()
        assert encoding._char_sets() == derived  # read back
        # an entry under the same key that is not ours is ignored, not trusted
        cache.store("encoding-charsets", encoding._badness_key(), b"not marshal data")
        encoding._char_sets.cache_clear()
        assert encoding._char_sets() == derived
    finally:
        encoding._char_sets.cache_clear()


_CHAR_SETS_CHILD = """
from textfix.fixers import encoding
print(ascii(encoding._char_sets()))
"""


def test_a_changed_encoding_module_never_reads_the_sets_of_the_old_one(tmp_path):
    # another textfix whose encoding module derives the sets differently shares the
    # cache folder: it must derive its own, not read the ones this one stored
    import ast

    from changed_copy import HERE, changed_copy, run_with

    old = "    return moji, greek_cyrillic\n\n\ndef _badness_key()"
    changed = changed_copy(
        tmp_path, "fixers/encoding.py", old, old.replace("moji,", 'moji + "\\u2603",')
    )

    def char_sets(where):
        return ast.literal_eval(run_with(where, _CHAR_SETS_CHILD, tmp_path / "c"))

    ours = char_sets(HERE)  # derived and stored
    assert ours == encoding._derive_char_sets()
    assert char_sets(changed) == (ours[0] + "\u2603", ours[1])
    assert char_sets(HERE) == ours
