"""The calques fixer: its rule packs, confidence policy, user packs and do-no-harm."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import textfix
import textfix.packs
from textfix.fixers import calques
from textfix.model import Edit, Flag
from textfix.options import Options
from textfix.packs import RulePackError
from textfix.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_2f1ded03767b9897.txt"
CLEAN = sorted((ROOT / "tests" / "corpus" / "clean").glob("*.txt"))
RULES = calques.builtin_rules()


def fixer(**options: object) -> calques.CalquesFixer:
    return calques.build(Options.from_kwargs(**options))


def run(text: str, *, unsafe_fixes: bool | None = None, select=None, **options: object):
    return Pipeline([fixer(**options)], unsafe_fixes=unsafe_fixes, select=select).clean(text)


# --- the packs -----------------------------------------------------------------


def test_every_pack_parses_and_holds_its_own_language() -> None:
    langs = {cr.id.split("/")[1] for cr in RULES}
    assert langs == {"fr", "es", "de", "it", "pt"}
    for name in calques.BUILTIN_PACKS:
        lang = name.split("/")[-1][:2]
        assert any(cr.id.startswith(f"calques/{lang}/") for cr in RULES), name


def test_at_least_80_rules_with_documentation() -> None:
    assert len(RULES) >= 80
    assert len({cr.id for cr in RULES}) == len(RULES)
    for cr in RULES:
        assert cr.rule.examples, cr.id
        assert cr.rule.counter_examples, cr.id
        assert cr.sources and all(idiom for _, idiom in cr.sources), cr.id
        assert cr.anchors, f"{cr.id}: built-in rules need an anchor for the prefilter"
        assert cr.family in calques.FAMILIES, cr.id
        assert 0 < cr.rule.confidence < 1, cr.id


def test_safe_rules_are_few_and_sure() -> None:
    safe = [cr for cr in RULES if cr.rule.safety == "safe"]
    assert safe, "safe-only mode needs at least one safe calque"
    assert all(cr.rule.confidence >= 0.9 for cr in safe)


@pytest.mark.parametrize("cr", RULES, ids=lambda cr: cr.id)
def test_rule_examples_and_fixed_point(cr: calques.CalqueRule) -> None:
    fx = fixer()
    only = Pipeline([fx], select=[cr.id], unsafe_fixes=True)
    for ex in cr.rule.examples:
        result = only.clean(ex.before)
        assert result.text == ex.after, ex.before
        # the fix is a fixed point: nothing in the whole calque set fires on it again
        again = Pipeline([fx], unsafe_fixes=True).clean(result.text)
        assert not again.edits and not again.flags, result.text
    for text in cr.rule.counter_examples:
        result = Pipeline([fx], unsafe_fixes=True).clean(text)
        assert not result.edits and not result.flags, (text, result.explain())


# --- the seed --------------------------------------------------------------------


def test_seed_slips_are_fixed_by_default() -> None:
    seed = SEED.read_text(encoding="utf-8")
    result = textfix.clean(seed)
    text = result.text
    for gone in ("in his pulse", "in neutrality", "security device"):
        assert gone not in text
    assert "is at a standstill with Washington" in text
    assert "supported in his standoff with Washington" in text
    assert "an important" not in text and "a large security operation was deployed" in text
    assert "Kim Jong Il" in text and "Kim Il Sung" in text
    calque_edits = [e for e in result.edits if any(r.startswith("calques/") for r in e.rules)]
    assert sorted(r for e in calque_edits for r in e.rules if r.startswith("calques/")) == [
        "calques/fr/important-security-device",
        "calques/fr/in-his-pulse",
        "calques/fr/in-neutrality",
    ]
    assert not [f for f in result.flags if f.rule.startswith("calques/")]


def test_seed_calques_touch_nothing_else() -> None:
    seed = SEED.read_text(encoding="utf-8")
    result = run(seed)
    assert [(e.original, e.replacement) for e in result.edits] == [
        ("in neutrality", "at a standstill"),
        ("pulse by", "standoff with"),
        ("an important security device", "a large security operation"),
    ]
    assert not result.flags


def test_message_names_the_source_idiom() -> None:
    (edit,) = run("The nuclear issue is in neutrality with Washington.").edits
    assert edit.message == (
        "calque of French 'au point mort' (stalled): 'in neutrality' → 'at a standstill'"
    )
    (edit,) = run("Please report any eventual problems.").edits
    assert edit.message.startswith("false friend of French 'éventuel'")


def test_message_names_the_declared_language_or_the_first_two() -> None:
    text = "He has lived here since five years."
    (edit,) = run(text).edits
    assert edit.message.startswith("calque of French 'depuis' / Spanish 'desde hace' and 3 more")
    (edit,) = run(text, source_lang="de").edits
    assert edit.message.startswith("calque of German 'seit' (")
    assert edit.message.endswith("'since five years' → 'for five years'")


def test_edit_is_trimmed_but_message_quotes_the_whole_hit() -> None:
    (edit,) = run("Can you explain me the problem?").edits
    assert (edit.original, edit.replacement) == ("me", "to me")
    assert edit.message.endswith("'explain me' → 'explain to me'")


def test_protected_spans_are_left_alone() -> None:
    text = "Type `it depends of` in the box, then see https://example.com/since-5-years now."
    assert _items(fixer(), text), "the fixer itself sees the calque inside the code span"
    result = textfix.clean(text, select=["calques"], unsafe_fixes=True)
    assert result.text == text and not result.flags


def test_capitalised_hit_gets_capitalised_replacement() -> None:
    assert run("On the long term, prices fall.").text == "In the long term, prices fall."
    assert run("Sensible data leaked.").text == "Sensitive data leaked."
    assert run("What for a car is that?").text == "What kind of car is that?"


def test_context_is_the_sentence_holding_the_hit() -> None:
    # 'war' in the previous sentence does not block the rule; in the same sentence it does
    text = "Sweden stayed out of the war. The talks are in neutrality."
    assert run(text).text == "Sweden stayed out of the war. The talks are at a standstill."
    assert not run("The talks are in neutrality, as in the war.").edits


def test_overlapping_readings_keep_the_longest() -> None:
    result = run("Flags were set up and an important security device was deployed.")
    assert [e.rule for e in result.edits] == ["calques/fr/important-security-device"]


# --- confidence and safety -----------------------------------------------------------


def test_low_confidence_rules_flag_with_a_suggestion() -> None:
    result = run("It is question of a new tax on fuel.")
    assert result.text == "It is question of a new tax on fuel."
    (flag,) = result.flags
    assert flag.rule == "calques/fr/it-is-question-of"
    assert flag.suggestion == "There is talk"
    assert result.original[flag.start : flag.end] == "It is question"
    assert "il est question de" in flag.message


def test_source_lang_raises_that_packs_confidence() -> None:
    text = "It is question of a new tax on fuel."
    assert run(text, source_lang="fr").text == "There is talk of a new tax on fuel."
    fr = fixer(source_lang="fr")
    base = {r.id: r.confidence for r in fixer().rules}
    boosted = {r.id: r.confidence for r in fr.rules}
    assert boosted["calques/fr/it-is-question-of"] == pytest.approx(0.85)
    assert boosted["calques/fr/in-neutrality"] == pytest.approx(
        min(calques.CAP, base["calques/fr/in-neutrality"] + calques.BOOST)
    )
    # a rule shared by several languages gains from each of them
    assert boosted["calques/es/explain-me"] >= base["calques/es/explain-me"]
    # rules of other languages lose confidence
    assert boosted["calques/de/handy-mobile"] < base["calques/de/handy-mobile"]
    assert all(c <= calques.CAP for c in boosted.values())


def test_other_source_lang_lowers_confidence_to_a_flag() -> None:
    text = "The nuclear issue is in neutrality with Washington."
    assert run(text).edits
    result = run(text, source_lang="de")
    assert not result.edits
    assert [f.rule for f in result.flags] == ["calques/fr/in-neutrality"]


def test_ambiguous_rules_stay_below_threshold_without_source_lang() -> None:
    for rid in (
        "calques/fr/actually-currently-count",
        "calques/fr/actually-underway",
        "calques/fr/eventually-would-you",
        "calques/es/actual-current",
        "calques/de/my-chef",
        "calques/de/it-gives",
    ):
        cr = next(c for c in RULES if c.id == rid)
        assert cr.rule.confidence < 0.8, rid


def test_safe_only_mode_applies_only_safe_rules() -> None:
    text = "It depends of the weather. The institute realised a survey of voters."
    result = run(text, unsafe_fixes=False)
    assert result.text == "It depends on the weather. The institute realised a survey of voters."
    assert [f.rule for f in result.flags] == ["calques/fr/realise-study"]
    assert result.flags[0].suggestion == "carried out"
    everything = run(text, unsafe_fixes=True)
    assert everything.text == (
        "It depends on the weather. The institute carried out a survey of voters."
    )


def test_unsafe_true_applies_low_confidence_rules() -> None:
    text = "The company actually employs 300 people in Lyon."
    assert not run(text).edits
    assert run(text, unsafe_fixes=True).text == "The company currently employs 300 people in Lyon."


# --- user packs -------------------------------------------------------------------------

USER_PACK = """\
[pack]
fixer = "calques"
lang = "fr"

[[rule]]
id = "fr/grand-public"
summary = "'the large public' for 'the general public' (le grand public)"
source = "fr: le grand public"
meaning = "the general public"
safety = "unsafe"
confidence = 0.9
anchor = "large"
pattern = '''\\b(?i:the) large public\\b'''
replacement = 'the general public'
examples = [{ before = "Open to the large public.", after = "Open to the general public." }]
counter_examples = ["A large public park."]

[[rule]]
id = "calques/fr/in-neutrality"
summary = "override: only flag 'in neutrality'"
source = "fr: au point mort"
safety = "unsafe"
confidence = 0.5
pattern = '''\\bin neutrality\\b'''
replacement = 'at a standstill'
examples = [{ before = "Talks are in neutrality.", after = "Talks are at a standstill." }]
counter_examples = ["Talks are at a standstill."]
"""


def write(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_user_pack_loads_on_top(tmp_path: Path) -> None:
    pack = write(tmp_path, "mine.toml", USER_PACK)
    fx = fixer(rule_packs=[pack])
    ids = {r.id for r in fx.rules}
    assert "calques/fr/grand-public" in ids
    assert len(ids) == len(RULES) + 1  # the second rule replaced a built-in one
    result = run("The museum is open to the large public.", rule_packs=[pack])
    assert result.text == "The museum is open to the general public."
    assert result.edits[0].message.startswith("calque of French 'le grand public'")
    # the override has no anchor (scans the whole text) and a lower confidence: a flag now
    result = run("Talks are in neutrality.", rule_packs=[pack])
    assert not result.edits and [f.rule for f in result.flags] == ["calques/fr/in-neutrality"]


def test_user_pack_through_clean(tmp_path: Path) -> None:
    pack = write(tmp_path, "mine.toml", USER_PACK)
    result = textfix.clean("Open to the large public.", rule_packs=[pack], select=["calques"])
    assert result.text == "Open to the general public."


def test_user_rule_without_replacement_only_flags(tmp_path: Path) -> None:
    body = USER_PACK.replace("replacement = 'the general public'\n", "", 1).replace(
        'after = "Open to the general public."', 'flag = "the large public"'
    )
    pack = write(tmp_path, "flags.toml", body)
    result = run("Open to the large public.", rule_packs=[pack], unsafe_fixes=True)
    assert not result.edits
    (flag,) = result.flags
    assert (flag.rule, flag.suggestion) == ("calques/fr/grand-public", None)
    assert result.original[flag.start : flag.end] == "the large public"


def test_packs_for_other_fixers_are_ignored(tmp_path: Path) -> None:
    other = write(tmp_path, "other.toml", USER_PACK.replace('fixer = "calques"', 'fixer = "x"'))
    assert calques.read_user_pack(other) is None
    assert len(fixer(rule_packs=[other]).rules) == len(RULES)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('anchor = "large"', 'anchor = "large"\nwhere = 1', "where"),
        ('meaning = "the general public"', "context = '''(unclosed'''", "context"),
        ('source = "fr: le grand public"', 'source = "klingon: qapla"', "source"),
        ('anchor = "large"', 'anchor = "two words"', "anchor"),
        ("replacement = 'the general public'", "replacement = '{nope}'", "replacement"),
        ('meaning = "the general public"', 'family = "pun"', "family"),
    ],
)
def test_malformed_user_pack_names_file_line_and_key(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    assert old in USER_PACK
    body = USER_PACK.replace(old, new, 1)
    line = next(n for n, ln in enumerate(body.splitlines(), 1) if ln.startswith(f"{key} ="))
    path = write(tmp_path, "bad.toml", body)
    with pytest.raises(RulePackError) as info:
        fixer(rule_packs=[path])
    err = info.value
    assert err.path == path and err.key == key and err.line == line
    assert f"{path}:{line}" in str(err)


def test_unparsable_user_pack(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.toml", "[pack\nfixer = 'calques'\n")
    with pytest.raises(RulePackError, match="not valid TOML"):
        fixer(rule_packs=[path])


def test_user_patterns_run_with_a_timeout(tmp_path: Path, monkeypatch) -> None:
    body = USER_PACK.replace(r"\b(?i:the) large public\b", "(a|a)+b")
    assert "(a|a)+b" in body
    path = write(tmp_path, "slow.toml", body.replace('anchor = "large"\n', ""))
    monkeypatch.setattr(textfix.packs, "PATTERN_TIMEOUT", 0.05)
    # the text holds a 'b' somewhere, or the literal prefilter would not run the pattern
    with pytest.raises(TimeoutError):
        run("a" * 40 + "! b", rule_packs=[path])


def test_only_built_in_rules_run_without_the_timeout(tmp_path: Path) -> None:
    assert all(cr.trusted for cr in RULES)
    path = write(tmp_path, "user.toml", USER_PACK)
    user = calques.read_user_pack(path)
    assert user and not any(cr.trusted for cr in user)
    # a user's rule replacing a built-in one (same id) is the user's
    fx = calques.CalquesFixer([*RULES, *(dataclasses.replace(cr) for cr in user)])
    by_id = {cr.id: cr for cr in fx.calques}
    assert all(not by_id[cr.id].trusted for cr in user)


# --- do no harm and the prefilter -------------------------------------------------------


def test_clean_corpus_is_untouched_even_with_unsafe_fixes() -> None:
    assert CLEAN, "the do-no-harm corpus is missing"
    for lang in (None, "fr", "es", "de", "it", "pt"):
        pipe = Pipeline([fixer(source_lang=lang)], unsafe_fixes=True)
        for path in CLEAN:
            result = pipe.clean(path.read_text(encoding="utf-8"))
            assert not result.edits and not result.flags, (path.name, result.explain())


def _items(fx: calques.CalquesFixer, text: str) -> list[Edit | Flag]:
    return sorted(fx.run(textfix.Document(text)), key=lambda i: (i.start, i.end, i.rule))


def test_prefilter_finds_what_a_full_scan_finds() -> None:
    fx = fixer()
    unanchored = calques.CalquesFixer(dataclasses.replace(cr, anchors=()) for cr in RULES)
    befores = [ex.before for cr in RULES for ex in cr.rule.examples]
    counters = [c for cr in RULES for c in cr.rule.counter_examples]
    for sep in (" ", "\n", "\n\n"):
        text = sep.join(b for pair in zip(befores, counters * 2, strict=False) for b in pair)
        assert _items(fx, text) == _items(unanchored, text)
        assert len(_items(fx, text)) >= len(befores) * 0.9


@pytest.mark.parametrize(
    "text",
    [
        "." * 200_000,
        "since " * 40_000,
        "a" * 200_000,
        "the two last " * 20_000,
        "security device was deployed by officers\n" * 5_000,
        "(" * 50_000 + ")" * 50_000,
    ],
    ids=["dots", "anchors", "long-word", "word-order", "many-lines", "brackets"],
)
def test_pathological_inputs_finish(text: str) -> None:
    items = _items(fixer(), text)
    assert all(0 <= i.start <= i.end <= len(text) for i in items)


# --- the lower-cased scan and the literal prefilter ------------------------------

_SAMPLES = [ex.before for cr in RULES for ex in cr.rule.examples] + [
    c for cr in RULES for c in cr.rule.counter_examples
]


def _reference(**options: object) -> calques.CalquesFixer:
    """The fixer without the lower-cased scan and the literal prefilter."""
    ref = fixer(**options)
    ref.prefilter = False
    return ref


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(st.sampled_from(_SAMPLES), min_size=1, max_size=6),
    seps=st.lists(
        st.sampled_from(
            [" ", "\n", "", ". ", "«", "ſ", "ı", "İ", "é ", "K", "é", "中", "\u212a", "ß", "ﬁ"]
        )
    ),
    upper=st.booleans(),
)
def test_prefilter_agrees_with_the_reference_path(
    picks: list[str], seps: list[str], upper: bool
) -> None:
    # joined without a separator, words glue across samples (also to a non-ASCII
    # letter, which the scan's ASCII bytes see as a space); odd
    # characters (long s, dotless i, dotted capital I) switch the prefilter off
    text = "".join(p + (seps[i % len(seps)] if seps else " ") for i, p in enumerate(picks))
    if upper:
        text = text.upper()
    assert _items(fixer(), text) == _items(_reference(), text)


_ANCHORS = sorted({a for cr in RULES for a in cr.anchors})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(
        st.tuples(
            st.sampled_from(_ANCHORS),
            st.sampled_from(["", "s", "ed", "ß", "ﬁx", "é", "K", "中", "_1"]),
        ),
        max_size=12,
    ),
    seps=st.lists(
        st.sampled_from(
            [" ", "\n", "", "-", "«", "é", "ß", "中", "\u212a", "_", "7", "’", "\u00a0"]
        ),
        min_size=1,
    ),
    case=st.sampled_from([str, str.upper, str.title]),
)
def test_the_lower_cased_scan_finds_the_anchors_the_reference_scan_finds(
    words: list[tuple[str, str]], seps: list[str], case
) -> None:
    # the split of the text as ASCII bytes (a non-ASCII letter before or after
    # the ASCII letters of a word), the first word after a space and the keys of
    # non-ASCII words give every group the starts the case-insensitive scan of
    # the text itself gives it, as often
    text = case("".join(seps[i % len(seps)] + a + tail for i, (a, tail) in enumerate(words)))
    fx = fixer()
    low = calques.lowered_bytes(text)
    if low is None:
        return
    fast = {g: sorted(s) for g, s in fx._group_starts(text, low).items()}
    slow = {g: sorted(s) for g, s in fx._group_starts(text, None).items()}
    assert fast == slow


def test_the_scan_keys_words_as_the_reference_scan_does() -> None:
    fx = fixer()
    # after a non-ASCII letter: inside a word, not an anchor
    assert fx._hits("éwill be", calques.lowered_bytes("éwill be")) == {}
    assert fx._hits("中Since", calques.lowered_bytes("中Since")) == {}
    # after a non-ASCII non-letter, or first in the text: an anchor
    assert fx._hits("«Will»", calques.lowered_bytes("«Will»")) == {"will": [1]}
    assert fx._hits("will will", b"will will") == {"will": [0, 5]}
    # a non-ASCII word is keyed by the whole word casefolded, as the reference does
    assert fx._hits("Giftﬁx", calques.lowered_bytes("Giftﬁx")) == {"giftfix": [0]}
    assert fx._hits("Giftﬁx", None) == {"giftfix": [0]}


def test_prefilter_agrees_on_every_example_joined() -> None:
    text = "\n".join(_SAMPLES)
    assert _items(fixer(), text) == _items(_reference(), text)
    assert _items(fixer(source_lang="fr"), text) == _items(_reference(source_lang="fr"), text)


def test_every_match_holds_its_rules_literals() -> None:
    # the requirements are sound on the documented matches: each example's
    # match (and what its look-aheads saw) holds one string of every requirement
    fx = fixer()
    for i, cr in enumerate(fx.calques):
        for ex in cr.rule.examples:
            m = cr.pattern.search(ex.before)
            assert m is not None, cr.id
            for need in fx._needs[i]:
                assert any(lit in ex.before.lower() for lit in need), (cr.id, need)


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"\b(?i:in) the optic of\b", (("in the optic of",),)),
        (
            r"(?<=\bvery )educated(?= and (?:kind|nice)\b)",
            (("educated",), (" and kind", " and nice")),
        ),
        (r"\b(?:the )?dead point\b", (("dead point",),)),
        (r"\b(?P<v>[Hh]e|[Ss]he) has", (("he has", "she has"),)),
        (r"\bmake\K a walk", (("make a walk",),)),
        (r"[[:alpha:]]+ point", ()),  # POSIX class: the standard parser would misread it
        (r"(?:colour){e<=1}", ()),  # fuzzy matching, likewise
        (r"\p{L}+ing", ()),  # not readable by the standard parser
    ],
)
def test_required_literals(pattern: str, needs: tuple[tuple[str, ...], ...]) -> None:
    assert calques.required_literals(pattern) == needs


def test_lowered_keeps_offsets_or_gives_up() -> None:
    assert calques.lowered("Since Five Years") == "since five years"
    assert calques.lowered("Café Déjà") == "café déjà"
    assert calques.lowered("İstanbul") is None  # lower-casing adds a character
    assert calques.lowered("ſince five years") is None  # long s matches 's' ignoring case
    assert calques.lowered("dıd") is None


def test_lowered_bytes_keeps_offsets_or_gives_up() -> None:
    assert calques.lowered_bytes("Since Five Years") == b"since five years"
    assert calques.lowered_bytes("Café “Déjà”") == b"caf? ?d?j??"
    for odd in ("İstanbul", "ſince", "dıd", "\u212aind"):
        assert calques.lowered_bytes(odd) is None


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("aAsSkK iIé É?’ß\u212aſıİΣς中_1"), max_size=40),
    lit=st.text(alphabet=st.sampled_from("ask i?1_"), min_size=1, max_size=3),
)
def test_lowered_bytes_holds_every_ascii_string_the_lowered_text_holds(text: str, lit: str) -> None:
    # the requirements are checked on the bytes: none may be lost there
    low, low_b = calques.lowered(text), calques.lowered_bytes(text)
    if low_b is None:
        return
    assert low is not None and len(low_b) == len(low) == len(text)
    at = low.find(lit)
    while at >= 0:
        assert low_b.startswith(lit.encode("ascii"), at)
        at = low.find(lit, at + 1)


# --- lazy patterns and the cached prefilter ----------------------------------------

EAGER = calques.builtin_rules(lazy=False)


def test_the_built_in_packs_pass_every_check_a_user_pack_gets() -> None:
    # built-in patterns compile on first use, so the checks that need a compiled
    # pattern (it compiles, so do its contexts, the replacement's groups exist)
    # run here, on the eager reading, instead of at every start
    assert [cr.id for cr in EAGER] == [cr.id for cr in RULES]
    for lazy, eager in zip(RULES, EAGER, strict=True):
        assert isinstance(lazy.pattern, textfix.packs.LazyPattern), lazy.id
        assert isinstance(eager.pattern, regex.Pattern), eager.id
        assert lazy.pattern.compile().pattern == eager.pattern.pattern
        assert lazy.pattern.compile().flags == eager.pattern.flags, lazy.id
        for key in ("context", "not_context"):
            a, b = getattr(lazy, key), getattr(eager, key)
            assert (a is None) == (b is None), (lazy.id, key)
            if a is not None:
                assert (a.pattern, a.compile().flags) == (b.pattern, b.flags), (lazy.id, key)
        assert dataclasses.replace(lazy, pattern=None, context=None, not_context=None) == (
            dataclasses.replace(eager, pattern=None, context=None, not_context=None)
        )


def test_a_lazy_pattern_reads_as_its_compiled_form_for_the_prefilter() -> None:
    # the literal requirements are keyed by the declared flags, not the compiled ones
    for lazy, eager in zip(RULES, EAGER, strict=True):
        assert calques._pattern_key(lazy.pattern) == calques._pattern_key(eager.pattern)
    for pattern in (r"(?x) in \ neutrality", r"in (?x) neutrality", r"(?i)IN neutrality"):
        lazy = textfix.packs.LazyPattern(pattern, regex.VERSION0)
        eager = regex.compile(pattern, regex.VERSION0)
        assert calques.required_literals(*calques._pattern_key(lazy)) == (
            calques.required_literals(*calques._pattern_key(eager))
        ), pattern


def test_lazy_patterns_find_what_eager_ones_find() -> None:
    lazy_fx = calques.CalquesFixer(calques._builtin_rules.__wrapped__(True))
    eager_fx = calques.CalquesFixer(EAGER)
    assert lazy_fx._needs == eager_fx._needs
    for lang in (None, "fr", "de"):
        lazy_fx.source_lang = eager_fx.source_lang = lang
        for cr in RULES:
            for text in [ex.before for ex in cr.rule.examples] + list(cr.rule.counter_examples):
                assert _items(lazy_fx, text) == _items(eager_fx, text), text
        joined = "\n".join(_SAMPLES)
        assert _items(lazy_fx, joined) == _items(eager_fx, joined)


def test_patterns_compile_on_the_first_document_that_needs_them() -> None:
    fx = calques.CalquesFixer(calques._builtin_rules.__wrapped__(True))
    assert not any(cr.pattern.is_compiled for cr in fx.calques)
    assert not _items(fx, "A clean sentence about the weather in Lyon.")
    assert not any(cr.pattern.is_compiled for cr in fx.calques)
    (edit,) = _items(fx, "The nuclear issue is in neutrality with Washington.")
    assert edit.rule == "calques/fr/in-neutrality"
    compiled = {cr.id for cr in fx.calques if cr.pattern.is_compiled}
    assert "calques/fr/in-neutrality" in compiled and len(compiled) <= 5, compiled


def test_a_user_pattern_that_does_not_compile_fails_at_build(tmp_path: Path) -> None:
    body = USER_PACK.replace(r"\b(?i:the) large public\b", "(unclosed", 1)
    line = next(n for n, ln in enumerate(body.splitlines(), 1) if ln.startswith("pattern ="))
    path = write(tmp_path, "bad.toml", body)
    with pytest.raises(RulePackError, match="pattern does not compile") as info:
        calques.build(Options(rule_packs=(path,)))
    assert (info.value.path, info.value.line, info.value.key) == (path, line, "pattern")
    assert info.value.args[0].startswith(f"{path}:{line}: pattern does not compile: ")


_BUILD_SCRIPT = """
import hashlib, sys
from textfix.fixers import calques
calls = []
real = calques.required_literals
calques.required_literals = lambda *a: calls.append(a) or real(*a)
from textfix.options import Options
from textfix.pipeline import build_pipeline
pipe = build_pipeline(Options())
fx = next(f for f in pipe.fixers if f.name == "calques")
assert not any(cr.pattern.is_compiled for cr in fx.calques), "a pattern compiled at build"
samples = [ex.before for cr in fx.calques for ex in cr.rule.examples]
samples += [c for cr in fx.calques for c in cr.rule.counter_examples]
result = pipe.clean("\\n".join(samples))
state = repr((
    [(r.id, r.summary, r.confidence, r.examples, r.counter_examples) for r in pipe.rules],
    [(cr.pattern.pattern, cr.anchors, cr.sources, cr.replacement) for cr in fx.calques],
    fx._needs, fx._chain, result.text, result.edits, result.flags,
))
print(len(calls), hashlib.sha256(state.encode()).hexdigest())
"""


def _fresh_build(cache: str) -> tuple[int, str]:
    import os
    import subprocess
    import sys

    env = {**os.environ, "TEXTFIX_CACHE_DIR": cache}
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD_SCRIPT], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    calls, digest = proc.stdout.split()
    return int(calls), digest


def test_a_warm_cache_build_equals_a_cold_one(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    cold_calls, cold = _fresh_build(cache)  # a miss: computed, then stored
    warm_calls, warm = _fresh_build(cache)  # read back
    off_calls, off = _fresh_build("off")  # no cache at all
    assert cold_calls == off_calls > 80 and warm_calls == 0
    assert cold == warm == off
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()).count("toml") >= 5
    # a damaged entry is ignored and rebuilt, with the same result
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
    assert _fresh_build(cache) == (cold_calls, cold)
    assert _fresh_build(cache) == (0, cold)
