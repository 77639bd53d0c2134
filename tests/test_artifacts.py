"""The artifacts fixer: scraper and auto-blog leftovers go, prose stays.

The rule examples in ``textfix/rules/artifacts.toml`` run in
``tests/test_rule_examples.py``; here we test what they cannot show: the seed,
the blank-line structure around removed lines, where inline matches may be
cut, markup and protected spans, user packs, and the fixed-point and replay
properties on text built from artifact-like pieces.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textfix
from textfix.fixers import artifacts
from textfix.model import apply_edits
from textfix.options import Options
from textfix.packs import LazyPattern, RulePackError, builtin_pack, parse_pack, read_builtin
from textfix.pipeline import Pipeline

SEED = Path(__file__).parent.parent / "seeds" / "000_2f1ded03767b9897.txt"
FIXER = artifacts.build(Options())


def only_artifacts(text: str, **kwargs: object) -> textfix.Result:
    return Pipeline([FIXER], unsafe_fixes=True, **kwargs).clean(text)  # type: ignore[arg-type]


def fixed(text: str) -> str:
    return only_artifacts(text).text


# --- the seed ------------------------------------------------------------------


def test_seed_loses_only_its_shortcode_and_source_link() -> None:
    seed = SEED.read_text(encoding="utf-8")
    result = only_artifacts(seed)
    assert [(e.rule, e.original) for e in result.edits] == [
        ("artifacts/wp-shortcode", "[ad_1]\n"),
        ("artifacts/source-link", "\nSource link"),
    ]
    assert result.edits[0].start == 0
    assert result.edits[1].end == len(seed)
    assert result.text == seed[len("[ad_1]\n") : -len("\nSource link")]
    assert result.flags == []


def test_seed_through_the_default_pipeline_names_artifact_rules() -> None:
    seed = SEED.read_text(encoding="utf-8")
    result = textfix.clean(seed, select=["artifacts"])
    assert {e.rule for e in result.edits} == {"artifacts/wp-shortcode", "artifacts/source-link"}
    assert not result.text.startswith("[ad_1]")
    assert result.text.endswith("the first Russian leader to visit North Korea.")


# --- removing whole lines --------------------------------------------------------

LINES = [
    # at the start: no leading blank line is left behind
    ("[ad_1]\nText.\n", "Text.\n"),
    ("[ad_1]\n\nText.\n", "Text.\n"),
    ("Share this:\n\n\nText.", "Text."),
    # in the middle: the longest blank run around the line is kept, no longer
    ("One.\n[ad_1]\nTwo.\n", "One.\nTwo.\n"),
    ("One.\n\n[ad_1]\n\nTwo.\n", "One.\n\nTwo.\n"),
    ("One.\n[ad_1]\n\nTwo.\n", "One.\n\nTwo.\n"),
    ("One.\n\n[ad_1]\nTwo.\n", "One.\n\nTwo.\n"),
    ("One.\n\n[ad_1]\n\n[ad_2]\n\nTwo.\n", "One.\n\nTwo.\n"),
    ("One.\n</div>\n\n<div>\nTwo.\n", "One.\n\nTwo.\n"),
    # at the end: the document keeps (or keeps lacking) its final line break
    ("Text.\nSource link", "Text."),
    ("Text.\nSource link\n", "Text.\n"),
    ("Text.\n\nSource link\n\n", "Text.\n"),
    ("Text.\n\n[ad_2]\n\nSource link", "Text."),
    ("Text.\nShare this:\nFacebook Twitter\n", "Text.\n"),
    # lines with spaces around the artifact, Windows line breaks
    ("  [ad_1]  \nText.\n", "Text.\n"),
    ("[ad_1]\r\nText.\r\nSource link\r\n", "Text.\r\n"),
    # nothing but artifacts
    ("[ad_1]\n", ""),
    ("[ad_1]\n\nSource link", ""),
]


@pytest.mark.parametrize(("before", "after"), LINES)
def test_removed_lines_keep_the_blank_line_structure(before: str, after: str) -> None:
    assert fixed(before) == after
    assert fixed(after) == after


def test_source_link_only_at_the_end() -> None:
    text = "Source link\nThe story begins here.\nSource link\nAnd goes on.\n"
    assert fixed(text) == text
    # a trailing run of removable lines counts as the end
    assert fixed("Body.\nSource\n[ad_2]\nAdvertisement\n") == "Body.\n"


def test_one_edit_per_run_of_lines_of_one_rule() -> None:
    result = only_artifacts("Text.\n" + "<br>\n" * 50 + "More.\n")
    assert result.text == "Text.\nMore.\n"
    assert len(result.edits) == 1


# --- inline artifacts ------------------------------------------------------------

INLINE = [
    ("[ad_1]Kim arrived.", "Kim arrived."),
    ("[ad_1]  Kim arrived.", "Kim arrived."),
    ("Kim arrived. [ad_1]", "Kim arrived."),
    ("Kim arrived. [ad_1] Putin too.", "Kim arrived. Putin too."),
    ("Kim arrived.[ad_1]Putin too.", "Kim arrived. Putin too."),
    ("an armoured<br>train", "an armoured train"),
    ("Kim arrived.<br>Putin too.", "Kim arrived.\nPutin too."),
    ("Kim arrived.</p> <p>Putin too.", "Kim arrived.\nPutin too."),
    ("a <span class='k'>red</span> train", "a red train"),
    ("the <b>red</b>train", "the redtrain"),
    ("<p>The summit opened.</p>", "The summit opened."),
    ("It <strong>was</strong> <em>not</em> over.", "It was not over."),
    ("<P>Upper case</P> stays, <BR> goes.", "<P>Upper case</P> stays, goes."),
]


@pytest.mark.parametrize(("before", "after"), INLINE)
def test_inline_artifacts_leave_words_apart(before: str, after: str) -> None:
    assert fixed(before) == after
    assert fixed(after) == after


def test_each_inline_edit_names_its_rule() -> None:
    result = only_artifacts("Kim arrived. [ad_1]<br> Putin too.")
    assert result.text == "Kim arrived. Putin too."
    assert {r for e in result.edits for r in e.rules} == {
        "artifacts/wp-shortcode",
        "artifacts/html-break-tag",
    }


# --- prose and markup stay ---------------------------------------------------------

KEEP = [
    "Shares fell 2%.\n\nSource: Reuters\n",
    "Read more about it in our report, published last month.\n",
    "As shown in [1] and in [2, p. 4], the effect is small.\n",
    "Advertisement revenue rose 4%.\n",
    "The post office appeared first on the list of closures.\n",
    "The test holds when a < b and b > c (p < 0.01), and x<y too.\n",
    "From: Anna <anna@example.com>\nSee <https://example.com/a>.\n",
    "In HTML a break is `<br>` and a shortcode is `[ad_1]`.\n",
    "Use List<T>, Box<A> and Vec<u8>; I <3 it.\n",
    'The "<br>" tag and the “[ad_1]” shortcode are what scrapers leave.\n',
    "[Music]\n[Applause]\nThank you all for coming.\n",
    "See the [ad guide](https://example.com/ads) first.\n",
    "We use cookies to remember your language and nothing else.\n",
    "Share prices rose. Follow the river. Subscribe to the idea.\n",
    "Related work is discussed in Section 2.\n",
    "<!DOCTYPE html>\n<html><body><p>Hi.<br>There.</p></body></html>\n",
    '<?xml version="1.0"?>\n<feed><entry><b>Hi</b></entry></feed>\n',
    "<note>\n<p>An XML vocabulary with a p element.</p>\n</note>\n",
]


@pytest.mark.parametrize("text", KEEP)
def test_prose_code_and_markup_stay(text: str) -> None:
    result = only_artifacts(text)
    assert result.edits == [], result.explain()
    assert result.text == text


def test_the_clean_corpus_has_no_artifacts() -> None:
    for path in sorted((Path(__file__).parent / "corpus" / "clean").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert only_artifacts(text).edits == [], path.name


def test_a_line_that_is_a_whole_url_goes_whole() -> None:
    text = "Kim left.\nClick here to watch: https://example.com/v?id=1\nPutin stayed.\n"
    assert fixed(text) == "Kim left.\nPutin stayed.\n"


# --- selection ------------------------------------------------------------------


def test_ignoring_a_rule_keeps_its_lines_and_still_removes_the_rest() -> None:
    text = "[ad_1]\nShare this:\nKim left.\n"
    result = textfix.clean(text, select=["artifacts"], ignore=["artifacts/share-line"])
    assert result.text == "Share this:\nKim left.\n"
    result = textfix.clean(text, select=["artifacts/share-line"])
    assert result.text == "[ad_1]\nKim left.\n"


def test_unsafe_rules_are_flagged_when_unsafe_fixes_are_off() -> None:
    text = "Kim left.\nRelated: Why the train matters\nPutin stayed.\n"
    off = textfix.clean(text, select=["artifacts"], unsafe_fixes=False)
    assert off.text == text
    assert [f.rule for f in off.flags] == ["artifacts/related-line"]
    assert textfix.clean(text, select=["artifacts"]).text == "Kim left.\nPutin stayed.\n"


# --- triggers --------------------------------------------------------------------


def test_triggers_are_necessary_for_every_example() -> None:
    """A rule runs only when one of its triggers occurs: every line it removes holds one."""
    documented = {r.id: r for r in FIXER.rules}
    for rule in FIXER._rules:
        assert rule.triggers, rule.id
        for ex in documented[rule.id].examples:
            if rule.scope == "inline":
                for m in rule.pattern.finditer(ex.before):
                    if rule.accepts(m):
                        assert any(t in m.group().lower() for t in rule.triggers), (rule.id, m)
            else:
                for line in ex.before.split("\n"):
                    if rule.pattern.fullmatch(line):
                        assert any(t in line.lower() for t in rule.triggers), (rule.id, line)


# --- user packs --------------------------------------------------------------------

USER_PACK = """
[pack]
fixer = "artifacts"
disable = ["artifacts/click-here"]

[[rule]]
id = "newsroom-promo"
summary = "The Newsroom's own promotion line"
scope = "line"
triggers = ["newsroom"]
pattern = '''Get The Newsroom app[.!]?'''
examples = [{ before = "Get The Newsroom app\\nText.", after = "Text." }]
counter_examples = ["The Newsroom app is free."]
"""


def write(tmp_path: Path, name: str, source: str) -> str:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return str(path)


def test_a_user_pack_adds_rules_and_disables_built_ins(tmp_path: Path) -> None:
    pack = write(tmp_path, "mine.toml", USER_PACK)
    text = "Kim left.\nGet The Newsroom app\nClick here to subscribe.\n"
    result = textfix.clean(text, rule_packs=[pack], select=["artifacts"])
    assert result.text == "Kim left.\nClick here to subscribe.\n"
    assert [e.rule for e in result.edits] == ["artifacts/newsroom-promo"]
    ids = {r.id for r in textfix.rules(rule_packs=[pack])}
    assert "artifacts/newsroom-promo" in ids
    assert "artifacts/click-here" not in ids


STARS_PACK = """
[pack]
fixer = "artifacts"

[[rule]]
id = "stars"
summary = "A divider of stars"
pattern = '''\\*{3,}'''
"""


def test_a_user_rule_without_triggers_runs_on_every_line(tmp_path: Path) -> None:
    fixer = artifacts.build(Options(rule_packs=(write(tmp_path, "stars.toml", STARS_PACK),)))
    result = Pipeline([fixer]).clean("One.\n***\nTwo. *** stays.\n*****\n")
    assert result.text == "One.\nTwo. *** stays.\n"


def test_a_pack_for_another_fixer_is_not_ours(tmp_path: Path) -> None:
    pack = write(tmp_path, "other.toml", '[pack]\nfixer = "somebody-else"\n')
    assert artifacts.build(Options(rule_packs=(pack,))).rules == FIXER.rules


@pytest.mark.parametrize(
    ("source", "line", "key"),
    [
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            "pattern = 'a'\nscope = \"everywhere\"\n",
            8,
            "scope",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            "pattern = 'a'\ncolour = 1\n",
            8,
            "colour",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            "pattern = 'a'\ntriggers = \"a\"\n",
            8,
            "triggers",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\npattern = \'a*\'\n',
            7,
            "pattern",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            'scope = "line"\npattern = \'a\'\nglue = "space"\n',
            9,
            "glue",
        ),
        ('[pack]\nfixer = "artifacts"\ndisable = ["artifacts/no-such-rule"]\n', 3, "disable"),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            "pattern = 'a'\nstarts = 'a'\n",
            8,
            "starts",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            "scope = \"inline\"\npattern = 'a'\nstarts = '('\n",
            9,
            "starts",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "wp-shortcode"\nsummary = "s"\n'
            "pattern = 'a'\n",
            5,
            "id",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\npattern = \'(a\'\n',
            7,
            "pattern",
        ),
        (
            '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "x"\nsummary = "s"\n'
            'scope = "inline"\npattern = \'a\'\ntags = ["b"]\n',
            9,
            "tags",
        ),
    ],
)
def test_pack_errors_name_file_line_and_key(
    tmp_path: Path, source: str, line: int, key: str
) -> None:
    pack = write(tmp_path, "bad.toml", source)
    with pytest.raises(RulePackError) as info:
        artifacts.build(Options(rule_packs=(pack,)))
    assert info.value.path == pack
    assert info.value.line == line
    assert info.value.key == key
    assert f"bad.toml:{line}" in str(info.value)


def test_a_user_pattern_that_backtracks_times_out_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import textfix.packs

    monkeypatch.setattr(textfix.packs, "PATTERN_TIMEOUT", 0.2)
    monkeypatch.setattr(artifacts, "PATTERN_TIMEOUT", 0.2)
    pack = write(
        tmp_path,
        "slow.toml",
        '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "slow"\nsummary = "s"\n'
        "scope = \"inline\"\npattern = '''(?:a|aa)+b'''\n",
    )
    fixer = artifacts.build(Options(rule_packs=(pack,)))
    with pytest.raises(TimeoutError):
        Pipeline([fixer]).clean("a" * 60 + "c")


# --- properties ---------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "[ad_1]",
        "[ad_2]",
        "[/ad]",
        '[caption id="a"]',
        "[/caption]",
        "[embed]",
        "[/embed]",
        "[1]",
        "[",
        "]",
        "[[",
        "<br>",
        "<br/>",
        "<p>",
        "</p>",
        "</div>",
        '<span class="x">',
        "<",
        ">",
        "a < b",
        "<a@b.com>",
        "Source link",
        "Source",
        "Source: Reuters",
        "Share this:",
        "Facebook Twitter",
        "Advertisement",
        "Read more",
        "Related: x",
        "The post X appeared first on Y.",
        "We use cookies. Accept",
        "Kim left.",
        "word",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\r\n",
        "\t",
        "`<br>`",
        "https://example.com/[ad_1]",
    ]
)
#: pieces glued together: artifacts may nest ("<<b>br>"), so a second pass can
#: find more; the pipeline runs fixers to a fixed point
DOCS = st.lists(PIECES, max_size=30).map("".join)
#: pieces apart, as artifacts are in scraped text: one pass must be enough
SPACED = st.lists(st.tuples(PIECES, st.sampled_from([" ", "\n", "\n\n"])), max_size=30).map(
    lambda parts: "".join(p + sep for p, sep in parts)
)


@settings(max_examples=300, deadline=None)
@given(SPACED)
def test_spaced_artifacts_are_fixed_in_one_pass_and_replay(text: str) -> None:
    once = Pipeline([FIXER], unsafe_fixes=True, max_passes=1).clean(text)
    assert apply_edits(text, once.edits) == once.text
    for e in once.edits:
        assert text[e.start : e.end] == e.original
    again = Pipeline([FIXER], unsafe_fixes=True, max_passes=1).clean(once.text)
    assert again.edits == [], (text, once.text, again.explain())


@settings(max_examples=300, deadline=None)
@given(DOCS)
def test_artifact_soup_is_idempotent_and_replays(text: str) -> None:
    once = only_artifacts(text)
    assert apply_edits(text, once.edits) == once.text
    for e in once.edits:
        assert text[e.start : e.end] == e.original
    assert fixed(once.text) == once.text, (text, once.text)


@settings(max_examples=300, deadline=None)
@given(DOCS)
def test_no_new_leading_or_doubled_blank_lines(text: str) -> None:
    out = fixed(text)

    def blank_run(s: str) -> int:
        lines = s.split("\n")
        best = run = 0
        for line in lines[1:-1]:
            run = run + 1 if not line.strip() else 0
            best = max(best, run)
        return best

    assert blank_run(out) <= blank_run(text), (text, out)
    if out and text.split("\n", 1)[0].strip():
        assert out.split("\n", 1)[0].strip() or out.strip() == "", (text, out)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    result = only_artifacts(text)
    assert apply_edits(text, result.edits) == result.text


@pytest.mark.parametrize(
    "text",
    [
        "<" * 100_000,
        "[" * 100_000,
        "[[[[ a ]]]] " * 10_000,
        "[" * 50_000 + "]" * 50_000,
        "[ad_1" * 20_000,
        "<br>" * 25_000,
        "<\n" * 50_000,
        "cookie " * 15_000,
        "The post x\n" * 10_000 + "appeared first on X\n",
        "a\n" * 50_000 + "cookie Accept\n",
    ],
    ids=lambda t: repr(t[:12]),
)
def test_pathological_inputs_finish(text: str) -> None:
    """Inputs that make naive patterns quadratic (speed itself is measured in bench/)."""
    result = only_artifacts(text)
    assert apply_edits(text, result.edits) == result.text


@pytest.mark.parametrize(
    "text",
    [
        "Some code:\n\n    Share this:\n    [ad_1]\n\nEnd of code.\n",
        "Example:\n\n```\nShare this:\n<br>\n```\n\nDone.\n",
        "The output ends with:\n\n    Source link\n",
    ],
)
def test_artifact_lines_inside_code_blocks_stay(text: str) -> None:
    result = only_artifacts(text)
    assert result.edits == [], result.explain()


# --- the fast paths agree with the plain ones ---------------------------------------

_PIECES = st.sampled_from(
    [
        "[", "]", "/", "<", ">", "[ad_1]", "[/caption]", "<br>", "</p>", "<b>", "a", "Z", " ",
        "\n", "=", '"', "[embed]", "read", "READ", "Share", "share this", "like this:",
        "e-mail", "\u0130", "\u212a", "\u00e9", "\u2019", "Facebook ", "cookie", "?",
        "also like", "copy link", "edin", "ta", "print", "pin it", "reddit", "read read",
        "click", "clic", "follow", "fol", "low", "tap", "p", "facebook", "k", "whatsapp",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_triggers_found_by_anchor_are_the_triggers_in_the_text(text: str) -> None:
    found, _, _, occurrences, ends = FIXER._present(text)
    lower = text.lower()
    every = {t for r in FIXER._rules for t in r.triggers}
    assert set(found) == {t for t in every if t in lower}
    for t, first in found.items():
        assert lower.find(t) == first
    # anchored triggers: the start of each line that holds them, and its end
    lines = lower.split("\n")
    starts = [sum(len(x) + 1 for x in lines[:k]) for k in range(len(lines))]
    for t, places in occurrences.items():
        assert places == [s for s, ln in zip(starts, lines, strict=True) if t in ln]
        assert all(ends[s] == s + len(lines[starts.index(s)]) for s in places)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_inline_patterns_tried_where_they_may_start_find_what_finditer_finds(text: str) -> None:
    for rule in FIXER._inline_rules:
        if rule.starts is not None:
            fast = [m.span() for m in artifacts._finditer_from_starts(rule, text)]
            assert fast == [m.span() for m in rule.pattern.finditer(text) if m.end() > m.start()]


# --- the built-in pack, compiled on first use ---------------------------------------


def _eager_fixer() -> artifacts.ArtifactsFixer:
    """The default fixer with the built-in pack read as a user's pack is: checked in full."""
    source = read_builtin("artifacts.toml")
    pack = builtin_pack("artifacts.toml", extra_keys=artifacts.EXTRA_KEYS, lazy=False)
    return artifacts.ArtifactsFixer([(pack, source)])


def _fresh_fixer() -> artifacts.ArtifactsFixer:
    """The default fixer, with lazy patterns no other test has compiled yet."""
    source = read_builtin("artifacts.toml")
    pack = builtin_pack.__wrapped__("artifacts.toml", extra_keys=artifacts.EXTRA_KEYS)
    return artifacts.ArtifactsFixer([(pack, source)])


def test_the_built_in_pack_passes_every_check_a_user_pack_gets() -> None:
    eager = _eager_fixer()  # would raise as a user's pack does
    assert [r.id for r in eager._rules] == [r.id for r in FIXER._rules]
    for lazy, full in zip(FIXER._rules, eager._rules, strict=True):
        assert isinstance(lazy.source, LazyPattern) and not isinstance(full.source, LazyPattern)
        # what the fixer reads without compiling equals what the compiled pattern says
        assert artifacts._flags(lazy.source) == full.source.flags, lazy.id
        assert (lazy.pattern.pattern, lazy.pattern.flags) == (
            full.pattern.pattern,
            full.pattern.flags,
        ), lazy.id
        assert (lazy.raw.pattern, lazy.raw.flags) == (full.raw.pattern, full.raw.flags)
    assert [[r.id for r in g] for g in FIXER._inline_groups] == [
        [r.id for r in g] for g in eager._inline_groups
    ]


def test_lazy_patterns_remove_what_eager_ones_remove() -> None:
    lazy, eager = _fresh_fixer(), _eager_fixer()
    assert not any(r.source.is_compiled for r in lazy._rules)
    texts = [ex.before for r in lazy.rules for ex in r.examples]
    texts += [c for r in lazy.rules for c in r.counter_examples]
    texts += ["\n".join(texts), "<html><body><p>x</p></body></html>"]
    for text in texts:
        doc = textfix.Document(text)
        assert list(lazy.run(doc)) == list(eager.run(doc)), text


def test_built_in_patterns_compile_when_their_triggers_occur() -> None:
    fixer = _fresh_fixer()
    assert list(fixer.run(textfix.Document("Plain prose, nothing to remove.\n"))) == []
    assert not any(r.source.is_compiled for r in fixer._rules)
    (edit,) = fixer.run(textfix.Document("[ad_1]\nText.\n"))
    compiled = {r.id for r in fixer._rules if r.source.is_compiled}
    assert edit.rule in compiled and len(compiled) < len(fixer._rules)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_the_rules_on_for_a_text_are_those_whose_triggers_it_holds(text: str) -> None:
    lower = text.lower()
    markup = FIXER._is_markup(text) or artifacts._is_markdown(text)

    def on(rules: tuple[artifacts._Rule, ...]) -> tuple[artifacts._Rule, ...]:
        held = [r for r in rules if not r.triggers or any(t in lower for t in r.triggers)]
        if markup and any(r.skip_in_markup for r in held):
            held = [r for r in held if not r.skip_in_markup]
        return tuple(held)

    present = FIXER._present(text)[0]
    expected = (on(FIXER._inline_rules), on(FIXER._line_rules), on(FIXER._end_rules))
    # the first time a set of triggers is met and the next (from the table)
    assert FIXER._active(text, present) == expected
    assert FIXER._active(text, present) == expected


def _blank_back_plain(text: str, ls: int) -> int:
    a = ls
    while a > 0:
        prev = text.rfind("\n", 0, a - 1) + 1
        if text[prev : a - 1].strip():
            break
        a = prev
    return a


def _blank_forward_plain(text: str, le: int) -> int:
    n = len(text)
    b = le + 1 if le < n else n
    while b < n:
        end = text.find("\n", b)
        end = n if end < 0 else end
        if text[b:end].strip():
            break
        b = end + 1 if end < n else n
    return min(b, n)


_BLANKISH = st.text(
    st.sampled_from(["\n", " ", "\t", "\r", "\x0c", "\u2028", "a", "."]), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(_BLANKISH)
def test_blank_lines_around_a_line_are_found_as_by_walking_line_by_line(text: str) -> None:
    starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
    for ls in starts:
        assert artifacts._blank_back(text, ls) == _blank_back_plain(text, ls)
    for le in [k for k, c in enumerate(text) if c == "\n"] + [len(text)]:
        assert artifacts._blank_forward(text, le) == _blank_forward_plain(text, le)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["[ad_1]", "<br>", " ", "\t", "x", "\n", "\u00a0"]), max_size=20))
def test_inline_runs_join_artifacts_that_only_spaces_and_tabs_separate(pieces: list[str]) -> None:
    text = "".join(pieces)
    spans, pos = [], 0
    for p in pieces:
        if p in ("[ad_1]", "<br>"):
            spans.append((pos, pos + len(p), None))
        pos += len(p)
    runs = artifacts._runs(text, spans)  # type: ignore[arg-type]
    assert [m for run in runs for m in run] == spans
    for run in runs:
        assert all(text[a[1] : b[0]].strip(" \t") == "" for a, b in zip(run, run[1:], strict=False))
    for a, b in zip(runs, runs[1:], strict=False):
        assert text[a[-1][1] : b[0][0]].strip(" \t") != ""


@settings(max_examples=300, deadline=None)
@given(_BLANKISH)
def test_removing_one_line_deletes_what_the_group_rule_deletes(text: str) -> None:
    starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
    for ls in starts:
        le = text.find("\n", ls)
        le = len(text) if le < 0 else le
        (piece,) = artifacts._group_pieces(text, {ls: (le, None)}, [ls])
        assert artifacts._one_line_span(text, ls, le) == piece


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_inline_matches_come_by_start_longest_first(text: str) -> None:
    for rules in (FIXER._inline_rules, FIXER._inline_rules[1:2], FIXER._inline_rules[3:]):
        found = FIXER._inline_matches(rules, text)
        assert found == sorted(found, key=lambda t: (t[0], -t[1]))
        on = set(rules)
        expected = [
            (m.start(), m.end(), r)
            for whole in FIXER._inline_groups
            if (group := [r for r in whole if r in on])
            for m in group[0].pattern.finditer(text)
            if m.end() > m.start()
            for r in [next((r for r in group if r.accepts(m)), None)]
            if r is not None
        ]
        assert sorted(found, key=lambda t: (t[0], -t[1], t[2].id)) == sorted(
            expected, key=lambda t: (t[0], -t[1], t[2].id)
        )


_LINE_PIECES = st.sampled_from(
    [
        "Share this:", "SHARE", "Read more", "read more", "Related:", "Follow us on Twitter",
        "Advertisement", "— Advertisement —", "Click here", "Subscribe", "sign up now",
        "Source link", "original article", "Cookie settings", "We use cookies. Accept",
        "Facebook", " Twitter", "\t", " ", ":", ".", "»", "x", "The post", " appeared first on ",
        "Kim", "\u00e9", "\u0130", "-", "\r", "@kim",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE_PIECES, min_size=1, max_size=6).map("".join))
def test_a_line_rule_matches_only_lines_starting_with_one_of_its_starts(line: str) -> None:
    for rule in FIXER._line_rules + FIXER._end_rules:
        if rule.pattern.match(line) and line[0] < "\x80":
            assert line[0] in rule.line_starts, (rule.id, line)


def test_the_examples_of_line_rules_start_with_one_of_their_starts() -> None:
    for rule in FIXER._line_rules + FIXER._end_rules:
        spec = next(r for r in FIXER.rules if r.id == rule.id)
        lines = [ln for ex in spec.examples for ln in ex.before.split("\n")]
        lines += [ln for c in spec.counter_examples for ln in c.split("\n")]
        for line in lines:
            if line and rule.pattern.match(line) and line[0] < "\x80":
                assert line[0] in rule.line_starts, (rule.id, line)


_TRIGGER_ALPHABET = "abdeghiklmnoprstuwy -.[/"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(_TRIGGER_ALPHABET, min_size=1, max_size=6), min_size=1, max_size=8),
    st.text(_TRIGGER_ALPHABET.upper() + _TRIGGER_ALPHABET + "\n\u0130", max_size=80),
)
def test_a_user_pack_s_triggers_are_found_by_anchor_as_by_find(
    triggers: list[str], text: str
) -> None:
    source = (
        '[pack]\nfixer = "artifacts"\n\n[[rule]]\nid = "mine"\nsummary = "Mine"\n'
        f"pattern = '''zqzq'''\ntriggers = {json.dumps(triggers)}\n"
    )
    pack = parse_pack(source, "mine.toml", extra_keys=artifacts.EXTRA_KEYS, id_prefix="artifacts/")
    fixer = artifacts.ArtifactsFixer([artifacts._builtin(), (pack, source)])
    found = fixer._present(text)[0]
    lower = text.lower()
    every = {t for r in fixer._rules for t in r.triggers}
    assert set(found) == {t for t in every if t in lower}
    for t, first in found.items():
        assert lower.find(t) == first


LOOKBEHIND_PACK = """
[pack]
fixer = "artifacts"

[[rule]]
id = "after-a-sentence"
summary = "A 'Promo' line right after a sentence"
triggers = ["promo"]
pattern = '''(?<=\\.\\n)Promo'''
"""


def test_a_line_rule_looking_behind_the_line_start_is_tried_on_every_line(
    tmp_path: Path,
) -> None:
    fixer = artifacts.build(Options(rule_packs=(write(tmp_path, "lb.toml", LOOKBEHIND_PACK),)))
    (rule,) = [r for r in fixer._line_rules if r.id == "artifacts/after-a-sentence"]
    assert len(rule.line_starts) == 128
    result = Pipeline([fixer]).clean("End.\nPromo\nA Promo\nMore\nPromo\n")
    assert result.text == "End.\nA Promo\nMore\nPromo\n"


ASSERTING_PACK = """
[pack]
fixer = "artifacts"

[[rule]]
id = "promo-not-a"
summary = "A 'promo' line that does not start with the word A"
triggers = ["promo"]
pattern = '''(?!A\\b)[A-Z]\\w*[ \\t]++promo'''

[[rule]]
id = "deal-inside-word"
summary = "A 'deal' line whose first word has two letters or more"
triggers = ["deal"]
pattern = '''\\w\\B\\w*[ \\t]++deal'''
"""


def test_a_user_line_rule_is_tried_on_every_line_whatever_its_assertions(
    tmp_path: Path,
) -> None:
    # one character cannot tell whether \B or a negative look-ahead holds further on
    # (the regex module fails them at the end of a partial string): no start filter
    fixer = artifacts.build(Options(rule_packs=(write(tmp_path, "as.toml", ASSERTING_PACK),)))
    for rule in fixer._line_rules:
        if not rule.trusted:
            assert len(rule.line_starts) == 128
    result = Pipeline([fixer]).clean("Text.\nAds promo\nBig promo\nA promo\nBig deal\nMore.\n")
    assert result.text == "Text.\nA promo\nMore.\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(_TRIGGER_ALPHABET, min_size=2, max_size=8), max_size=20))
def test_an_anchor_plan_places_every_trigger_once_at_a_byte_it_holds(triggers: list[str]) -> None:
    plan = artifacts._anchor_plan({t: t.encode() for t in triggers})
    placed = [(t, b, a, c) for c, members in plan.items() for t, b, a in members]
    assert sorted(t for t, _, _, _ in placed) == sorted(set(triggers))
    for t, b, a, c in placed:
        assert b == t.encode() and b[a] == c
        # one that ends at its anchor holds no other anchor before its end
        if a + 1 == len(b):
            assert not any(x in plan and x != c for x in b[:-1])
