"""The entities fixer: one spelling per name in a document."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import textfix
from textfix import Document, Options, Pipeline
from textfix.fixers import entities
from textfix.fixers.entities import EntitiesFixer, _one_edit, load_gazetteers
from textfix.model import apply_edits
from textfix.packs import RulePackError

SEED = Path(__file__).parent.parent / "seeds" / "000_2f1ded03767b9897.txt"
CORPUS = Path(__file__).parent / "corpus" / "clean"
OUTLIER = "entities/outlier-spelling"
FORM = "entities/inconsistent-form"
GAZ = "entities/gazetteer"


def run(text: str, **options: object) -> list:
    """Everything the fixer proposes, before the pipeline filters it."""
    fixer = entities.build(Options.from_kwargs(**options))
    assert fixer is not None
    return list(fixer.run(Document(text)))


def edits(text: str, **options: object) -> list[textfix.Edit]:
    return [e for e in run(text, **options) if isinstance(e, textfix.Edit)]


def flags(text: str, **options: object) -> list[textfix.Flag]:
    return [f for f in run(text, **options) if isinstance(f, textfix.Flag)]


def only_entities(text: str, **options: object) -> textfix.Result:
    return textfix.clean(text, select=["entities"], **options)


# --- the seed article ---------------------------------------------------------------


def test_seed_fixes_kim_jon_un_and_leaves_the_other_kims() -> None:
    original = SEED.read_text(encoding="utf-8")
    result = textfix.clean(original)
    ours = [e for e in result.edits if any(r.startswith("entities/") for r in e.rules)]
    assert [(e.original, e.replacement) for e in ours] == [("Jon-un", "Jong-un")]
    assert ours[0].rules == (OUTLIER,)
    assert ours[0].confidence >= 0.8
    assert "Kim Jon-un" not in result.text
    assert result.text.count("Kim Jong Il") == original.count("Kim Jong Il") == 2
    assert result.text.count("Kim Il Sung") == original.count("Kim Il Sung") == 2
    # the spaced form is flagged with the hyphenated one as suggestion, never rewritten
    assert result.text.count("Kim Jong Un") == 2
    form_flags = [f for f in result.flags if f.rule == FORM]
    assert [original[f.start : f.end] for f in form_flags] == ["Kim Jong Un", "Kim Jong Un"]
    assert {f.suggestion for f in form_flags} == {"Kim Jong-un"}
    # nothing else in the seed is touched by this fixer
    assert not [f for f in result.flags if f.rule.startswith("entities/") and f.rule != FORM]


def test_seed_message_says_why() -> None:
    result = only_entities(SEED.read_text(encoding="utf-8"))
    (edit,) = result.edits
    assert edit.message.startswith("`Kim Jon-un` → `Kim Jong-un`: the document spells it")
    assert "`Kim Jong-un` 1 time" in edit.message
    assert "`Kim Jong Un` 2 times" in edit.message
    assert "(edit distance 1)" in edit.message


def test_seed_is_a_fixed_point() -> None:
    once = textfix.clean(SEED.read_text(encoding="utf-8"), select=["entities"]).text
    again = textfix.clean(once, select=["entities"])
    assert again.edits == []


# --- outliers ----------------------------------------------------------------------


def test_pyongyan_once_pyongyang_five_times() -> None:
    text = (
        "Pyongyang said no. Envoys flew to Pyongyang, met in Pyongyang and left "
        "Pyongyang. Later Pyongyan agreed, and Pyongyang signed."
    )
    result = only_entities(text)
    assert result.text == text.replace("Pyongyan agreed", "Pyongyang agreed")
    (edit,) = result.edits
    assert edit.confidence >= 0.95
    assert "`Pyongyang` 5 times" in edit.message


def test_two_to_one_on_a_multiword_name_with_a_short_part() -> None:
    text = "Kim Jong-un spoke. Kim Jong-un left. Kim Jon-un returned."
    (edit,) = edits(text)
    assert (text[edit.start : edit.end], edit.replacement) == ("Jon-un", "Jong-un")
    assert edit.message == (
        "`Kim Jon-un` → `Kim Jong-un`: the document spells it `Kim Jong-un` 2 times "
        "(edit distance 1)"
    )
    assert textfix.clean(text).text == text.replace("Jon-un", "Jong-un")


def test_a_doubtful_outlier_becomes_a_flag_with_the_suggestion() -> None:
    # "Moskow" is rare but known to wordfreq (Zipf 1.4) and the vote is 2:1
    text = "Envoys waited in Moscow. Officials in Moscow replied. Then Moskow agreed."
    (edit,) = edits(text)
    assert edit.replacement == "Moscow" and edit.confidence < 0.8
    default = textfix.clean(text, select=["entities"])
    assert default.text == text
    assert [(f.rule, f.suggestion) for f in default.flags] == [(OUTLIER, "Moscow")]
    assert textfix.clean(text, select=["entities"], unsafe_fixes=True).text == text.replace(
        "Moskow", "Moscow"
    )
    assert textfix.clean(text, select=["entities"], unsafe_fixes=False).flags == default.flags


def test_confidence_grows_with_the_count() -> None:
    def conf(times: int) -> float:
        text = " ".join(["Medvedev spoke."] * times) + " Then Medvedew left."
        (edit,) = edits(text)
        assert edit.replacement == "Medvedev"
        return edit.confidence

    assert conf(2) < conf(3) < conf(4)
    assert conf(2) >= 0.8  # a long, unknown outlier against a name seen twice


def test_outlier_seen_twice_needs_a_bigger_majority() -> None:
    text = "Zelensky spoke. Zelensky left. Zelensky came back. Zelenskyy waved. Zelenskyy sat."
    assert edits(text) == []
    text += " Zelensky smiled."
    assert [e.replacement for e in edits(text)] == ["Zelensky", "Zelensky"]


def test_transposition_and_substitution() -> None:
    text = "Vladivostok is cold. Vladivostok is far. Vladviostok is a port. Vladivostak too."
    result = only_entities(text)
    assert result.text.count("Vladivostok") == 4


@pytest.mark.parametrize(
    "text",
    [
        # distinct people of one family
        "Kim Jong-un met Putin. Kim Jong Il was his father. Kim Il Sung founded the "
        "state, and Kim Jong Il succeeded Kim Il Sung.",
        # look-alike places
        "Austria is small. Austria is Alpine. Australia is big.",
        "Iran and Iraq. Iran, Iran and Iran again, and Iraq once.",
        "Sudan split. Sudan lost oil. Sudan kept Khartoum. South Sudan became independent.",
        "Korea was one country. Korea was divided. Korea is two states, and North Korea "
        "is one of them.",
        # common given names
        "John smiled. John waved. John left. Joan stayed.",
        "Maria met Mario. Maria runs the shop, Maria cooks and Mario serves.",
        # an ending that makes another word
        "Korea is divided. Korea has two capitals. Korea exports ships. Korean food is sold.",
        "Bahrain is an island. Bahrain hosts a race. Bahrain is rich. A Bahraini spoke.",
        "Putin spoke. Putin left. Putin returned. The Putins were not there.",
        # a real surname close to another
        "Lopez won. Lopez scored. Lopez left. Lopes arrived.",
        "Peterson spoke. Peterson voted. Peterson left. Petersen stayed.",
        "Karin spoke. Karin left. Karin came. Katrin stayed.",
        # the outlier is an ordinary word elsewhere in the document
        "Marlow sailed. Marlow wrote. Marlow slept. The harbour was shallow; Marrow ate.",
    ],
)
def test_look_alikes_are_never_merged(text: str) -> None:
    assert [e for e in run(text) if e.rule == OUTLIER] == []
    assert textfix.clean(text, select=["entities"], unsafe_fixes=True).text == text


def test_the_marrow_case_is_about_the_lowercase_word() -> None:
    # without "marrow" written in lower case, Marrow is one letter off Marlow... and
    # Marrow is an English word (Zipf >= 2.5) anyway, so it stays
    assert edits("Marlow sailed. Marlow wrote. Marlow slept. Marrow ate.") == []


def test_short_names_never_merge_alone() -> None:
    text = "Oslo is cold. Oslo is far. Oslo is old. Olso is wrong."
    assert edits(text) == []


def test_ambiguous_outlier_is_left_alone() -> None:
    # Brandt is one letter from both Brant and Brandy-like names: two targets, no edit
    text = "Hallam spoke. Hallam left. Hallan waved. Hallas sat. Hallas ran."
    assert [e.replacement for e in edits(text)] == []
    text = "Hallam spoke. Hallam left. Hallar waved. Hallax sat. Hallax ran. Hallax won."
    assert edits(text) == []  # Hallar is one letter from both Hallam and Hallax


def test_sentence_initial_common_words_are_not_names() -> None:
    text = "Despite the rain, Macron spoke. Macron left. Macron waved. Despote is not a word here."
    # "Despote" only starts a sentence and is rare; "Despite" is a common word: no pair
    assert edits(text) == []


def test_possessive_counts_as_the_name() -> None:
    text = "Pyongyang's envoy spoke. Pyongyang's army marched. Pyongyan agreed."
    assert [e.replacement for e in edits(text)] == ["Pyongyang"]


def test_protected_spans_are_ignored() -> None:
    text = (
        "Kazakhstan grew. Kazakhstan voted. Kazakhstan won. "
        "See https://example.com/Kazakstan for more."
    )
    assert textfix.clean(text, select=["entities"]).text == text


def test_one_edit_kinds() -> None:
    assert _one_edit("jon", "jong") == ("ins", 3)
    assert _one_edit("jong", "jon") == ("del", 3)
    assert _one_edit("abcd", "abxd") == ("sub", 2)
    assert _one_edit("abcd", "acbd") == ("swap", 1)
    assert _one_edit("abcd", "abcd") is None
    assert _one_edit("austria", "australia") is None


# --- spacing and hyphenation variants ------------------------------------------------


def test_spacing_variant_is_a_flag_with_the_dominant_form() -> None:
    text = "Kim Jong-un met Putin. Kim Jong-un smiled. But Kim Jong Un left."
    result = textfix.clean(text, select=["entities"], unsafe_fixes=True)
    assert result.text == text
    (flag,) = result.flags
    assert flag.rule == FORM
    assert text[flag.start : flag.end] == "Kim Jong Un"
    assert flag.suggestion == "Kim Jong-un"
    assert "`Kim Jong-un` 2×" in flag.message and "`Kim Jong Un` 1×" in flag.message


def test_case_only_variants_are_not_flagged() -> None:
    assert flags("Van Gogh painted. Vincent van Gogh died. Van Gogh sold little.") == []


def test_common_compounds_are_not_flagged() -> None:
    assert flags("Health Care Reform is the title. Healthcare costs rose.") == []


# --- gazetteers -----------------------------------------------------------------------


def write(tmp_path: Path, body: str, name: str = "names.toml") -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


GAZETTEER = """
[[name]]
canonical = "Kim Jong-un"
variants = ["Kim Jong Un", "Kim Jon-un"]

[[name]]
canonical = "Pyongyang"
variants = ["Pyong Yang"]
note = "capital"
"""


def test_gazetteer_rewrites_variants(tmp_path: Path) -> None:
    path = write(tmp_path, GAZETTEER)
    text = "Kim Jong Un met envoys in Pyong Yang. Kim Jon-un left; Kim Jong Unification is a joke."
    result = textfix.clean(text, gazetteers=[path], unsafe_fixes=False)
    assert result.text == (
        "Kim Jong-un met envoys in Pyongyang. Kim Jong-un left; Kim Jong Unification is a joke."
    )
    assert {e.rule for e in result.edits} == {GAZ}
    assert all(path in e.message for e in result.edits)


def test_gazetteer_overrides_the_vote(tmp_path: Path) -> None:
    # the vote alone would turn the one Medvedew into Medvedev
    text = "Medvedev spoke. Medvedev left. Medvedev waved. Medvedew came."
    assert textfix.clean(text, select=["entities"]).text.count("Medvedew") == 0
    path = write(tmp_path, '[[name]]\ncanonical = "Medvedew"\nvariants = []\n')
    assert textfix.clean(text, select=["entities"], gazetteers=[path]).text == text


def test_gazetteer_canonical_is_the_suggested_form(tmp_path: Path) -> None:
    path = write(tmp_path, '[[name]]\ncanonical = "Kim Jong Un"\n')
    text = "Kim Jong-un met Putin. Kim Jong-un smiled. Kim Jong Un left."
    found = flags(text, gazetteers=[path])
    assert [text[f.start : f.end] for f in found] == ["Kim Jong-un", "Kim Jong-un"]
    assert {f.suggestion for f in found} == {"Kim Jong Un"}


def test_gazetteer_inline_toml() -> None:
    result = textfix.clean("Pyong Yang.", gazetteers=[GAZETTEER])
    assert result.text == "Pyongyang."


def test_gazetteer_variant_matches_any_run_of_spaces() -> None:
    gaz = '[[name]]\ncanonical = "Kim Jong-un"\nvariants = ["Kim  Jong Un"]\n'
    text = "Kim Jong Un and Kim   Jong Un met; Kim Jong Unity did not."
    result = textfix.clean(text, gazetteers=[gaz], select=["entities"])
    assert result.text == "Kim Jong-un and Kim Jong-un met; Kim Jong Unity did not."


@pytest.mark.parametrize(
    ("body", "line", "key"),
    [
        ('[[name]]\ncanonical = "A"\nspelling = ["B"]\n', 3, "spelling"),
        ('[[name]]\nvariants = ["B"]\n', 1, "canonical"),
        ('[[name]]\ncanonical = "A"\n\n[[name]]\ncanonical = "C"\nvariants = "D"\n', 6, "variants"),
        ('[[name]]\ncanonical = "A"\nvariants = ["A"]\n', 3, "variants"),
        (
            '[[name]]\ncanonical = "A"\nvariants = ["B"]\n[[name]]\ncanonical = "C"\n'
            'variants = ["B"]\n',
            6,
            "variants",
        ),
        (
            '[[name]]\ncanonical = "A"\nvariants = ["B"]\n[[name]]\ncanonical = "B"\n',
            5,
            "canonical",
        ),
        ('[[names]]\ncanonical = "A"\n', 1, "names"),
        ('[[name]]\ncanonical = "A"\nnote = 3\n', 3, "note"),
    ],
)
def test_bad_gazetteer_names_file_line_and_key(
    tmp_path: Path, body: str, line: int, key: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(RulePackError) as info:
        load_gazetteers([path])
    err = info.value
    assert (err.path, err.line, err.key) == (path, line, key)
    assert f"{path}:{line}" in str(err)


def test_gazetteer_that_is_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[[name]]\ncanonical = "A\n')
    with pytest.raises(RulePackError) as info:
        textfix.clean("x", gazetteers=[path])
    assert info.value.path == path and info.value.line == 2


def test_missing_gazetteer(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="cannot read gazetteer"):
        load_gazetteers([str(tmp_path / "nope.toml")])


# --- do no harm, pipeline, scale ----------------------------------------------------


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_clean_corpus_gets_nothing_from_entities(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert run(text) == []


def test_registered_after_sentences_in_the_default_pipeline() -> None:
    names = [f.name for f in textfix.default_fixers(Options())]
    assert "entities" in names
    earlier = {"encoding", "artifacts", "spacing", "quotes", "sentences"}
    later = {"calques", "lexicon", "grammar"}
    i = names.index("entities")
    assert not earlier & set(names[i + 1 :])
    assert not later & set(names[:i])


def test_pipeline_applies_above_threshold_only() -> None:
    text = "Kim Jong-un spoke. Kim Jong-un left. Kim Jon-un returned."
    pipe = Pipeline([EntitiesFixer()], min_confidence=0.7)
    assert pipe.clean(text).text == text.replace("Jon-un", "Jong-un")
    assert Pipeline([EntitiesFixer()], min_confidence=0.95).clean(text).text == text


def test_big_documents_vote_section_by_section(monkeypatch: pytest.MonkeyPatch) -> None:
    section = "Pyongyang said no. Envoys met in Pyongyang. Pyongyang waited.\n"
    text = section + "Pyongyan agreed.\n" + section * 3
    assert [e.replacement for e in edits(text)] == ["Pyongyang"]
    # with sections of one line, the outlier's line holds no other spelling
    monkeypatch.setattr(entities, "WINDOW", len(section))
    assert edits(text) == []
    assert list(entities._windows(text)) == [
        (0, len(section)),
        (len(section), len(section) + 17),
        *[(len(section) * k + 17, len(section) * (k + 1) + 17) for k in range(1, 4)],
    ]


def test_section_cuts_follow_the_text_not_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entities, "WINDOW", 4000)
    monkeypatch.setattr(entities, "_LANDMARK", 8)
    lines = [f"Line {i} of the report names {_letters(i * 7919)} and moves on." for i in range(800)]
    text = "\n".join(lines) + "\n"

    def cut_lines(t: str) -> list[str]:
        sections = list(entities._sections(t))
        assert sections[0][0] == 0 and sections[-1][1] == len(t)
        assert all(a[1] == b[0] for a, b in zip(sections, sections[1:], strict=False))
        assert all(0 < hi - lo <= entities.WINDOW for lo, hi in sections)
        return [t[lo : t.find("\n", lo)] for lo, _ in sections[1:]]

    before = cut_lines(text)
    assert len(before) >= 5
    # lines added and removed early in the text move every later offset, not the cuts
    extra = "An added line that says little at all.\n" * 2
    moved = extra + text.replace(lines[3] + "\n", "", 1)
    assert cut_lines(moved) == before
    # offset cuts (the old way) moved with them
    old_cuts = [text[lo : text.find("\n", lo)] for lo, _ in list(entities._windows(text))[1:]]
    new_cuts = [moved[lo : moved.find("\n", lo)] for lo, _ in list(entities._windows(moved))[1:]]
    assert old_cuts != new_cuts


def test_small_documents_are_one_section() -> None:
    assert list(entities._sections("")) == []
    assert list(entities._sections("Kim met Kim.")) == [(0, 12)]
    text = "x" * entities.WINDOW
    assert list(entities._sections(text)) == [(0, entities.WINDOW)]


def _letters(i: int) -> str:
    out = ""
    for _ in range(4):
        i, r = divmod(i, 26)
        out += chr(97 + r)
    return out


def test_many_distinct_names_still_find_the_outlier() -> None:
    # 20,000 distinct names, each written twice and crowded one letter apart,
    # plus one outlier of a name written three times
    body = " ".join(f"Then Zq{_letters(i)} met Zq{_letters(i)}." for i in range(20000))
    text = body + " Ulaanbaatar grew. Ulaanbaatar froze. Ulaanbaatar voted. Ulanbaatar won."
    found = run(text)
    assert [(text[e.start : e.end], getattr(e, "replacement", None)) for e in found] == [
        ("Ulanbaatar", "Ulaanbaatar")
    ]


# --- the fast survey agrees with a plain walk over every mention ---------------------

_PIECES = [
    "Kim",
    "Jong-un",
    "Jon-un",
    "Jong",
    "Un",
    "Il",
    "Sung",
    "Pyongyang",
    "Pyongyan",
    "de",
    "la",
    "van",
    "al-",
    "bin",
    "O'Neill",
    "O'Neill's",
    "The",
    "In",
    "Officials",
    "officials",
    "kim",
    "relations",
    "Relations",
    "U.S.",
    "Dr.",
    "J. R.",
    "2011",
    "3.5",
    "http://x.org/Kim",
    "`Kim`",
    " ",
    " ",
    " ",
    "\u00a0",
    ". ",
    ".",
    "\n",
    "\n\n",
    ", ",
    "; ",
    "? ",
    '"',
    "'",
    "(",
    ")",
    "- ",
    "— ",
    "*",
    "  ",
    "\t",
    "Ã",
    "©",
    "_",
    "x",
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


def _reference_mentions(doc: Document, lo: int, hi: int) -> list[list[tuple[int, int, str]]]:
    """The names of ``text[lo:hi]`` found the plain way: every mention, one by one."""
    text = doc.text
    raw = []
    mid: set[str] = set()
    for m in entities._MENTION.finditer(text, lo, hi):
        s = m.start()
        if doc.overlaps_protected(s, m.end()):
            continue
        toks = [(s + t.start(), s + t.end(), t.group()) for t in entities._SPLIT.finditer(m[0])]
        mid.update(t[2] for t in toks[1:])
        initial = entities._starts_sentence(text, s)
        if not initial:
            mid.add(toks[0][2])
        raw.append((toks, initial))
    leads = {toks[0][2].casefold() for toks, initial in raw if initial} - entities.STOPWORDS
    lower = leads & set(entities._LOWER_WORD.findall(text, lo, hi))
    out = []
    for toks, initial in raw:
        if initial:
            low = toks[0][2].casefold()
            if (
                low in entities.STOPWORDS
                or low in lower
                or (len(toks) == 1 and toks[0][2] not in mid and entities._zipf(low) >= 3.5)
            ):
                toks = toks[1:]
                while toks and toks[0][2].islower():
                    toks = toks[1:]
        if toks:
            out.append(toks)
    return out


@example('The Kim"The', 0, (0, 64))  # "The" only in the sentence-initial word dropped
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts, st.integers(0, 30), st.sampled_from([(0, 64), (0, 0), (1 << 17, 64)]))
def test_survey_counts_what_a_walk_over_every_mention_counts(
    text: str, cut: int, limits: tuple[int, int]
) -> None:
    # names are looked up around their places, in a scan of the whole section,
    # or in the list of mentions the scan made
    old = entities._LISTED_SECTION, entities._FEW_PLACES
    entities._LISTED_SECTION, entities._FEW_PLACES = limits
    try:
        _survey_agrees_with_a_walk(text, cut)
    finally:
        entities._LISTED_SECTION, entities._FEW_PLACES = old


def _survey_agrees_with_a_walk(text: str, cut: int) -> None:
    doc = Document(text)
    for lo, hi in ((0, len(text)), (min(cut, len(text)), len(text))):
        mentions = _reference_mentions(doc, lo, hi)
        names = entities._Names.survey(doc, lo, hi)
        if names is None:
            assert mentions == []
            continue
        counts, first = EntitiesFixer()._count(mentions)
        assert names.counts == counts
        assert names.locate(None) == mentions
        assert names.first_positions(mentions, set(counts)) == first
        words = {t[2] for m in mentions for t in m}
        for w in sorted(words)[:3]:
            assert names.locate({w}) == [m for m in mentions if w in {t[2] for t in m}]


@settings(max_examples=300, deadline=None)
@given(_texts, st.integers(0, 30), st.sampled_from([1, 2, 4096]), st.booleans())
def test_the_scan_counts_the_mentions_clear_of_protected_spans(
    text: str, cut: int, batch: int, listing: bool
) -> None:
    doc = Document(text)
    lo = min(cut, len(text))
    expected: Counter[tuple[str, str]] = Counter()
    for m in entities._SCAN.finditer(text, lo):
        if not doc.overlaps_protected(m.start(), m.end()):
            end = m.group(2) or ("\n" if entities._starts_sentence(text, m.start()) else "")
            expected[m.group(1), end] += 1
    listed: list | None = [] if listing else None
    old = entities._BATCH
    entities._BATCH = batch  # a few matches at a time, as in a section of a million
    try:
        found = entities._scan(doc, lo, len(text), listed)
    finally:
        entities._BATCH = old
    if found is None:
        assert entities._SCAN.search(text, lo) is None
    else:
        assert found == dict(expected)
        if listed is not None:  # every mention, protected or not
            assert [m.span() for m in listed] == [
                m.span() for m in entities._MENTION.finditer(text, lo)
            ]


def test_many_protected_abbreviations_are_left_out() -> None:
    text = "U.S. " * 50_000 + "Kim Jong-un spoke. Kim Jong-un left. Kim Jon-un returned."
    doc = Document(text)
    assert len(doc.protected) >= 50_000
    every = entities._scan(doc, 0, len(text))
    assert every is not None and not any(g in {"U", "S"} for g, _ in every)
    assert [(text[e.start : e.end], e.replacement) for e in edits(text)] == [("Jon-un", "Jong-un")]


@settings(max_examples=300, deadline=None)
@given(_texts, st.sets(st.sampled_from(["kim", "officials", "relations", "x", "un", "ã"])))
def test_lowercase_words_by_substring_agree_with_a_full_word_list(
    text: str, words: set[str]
) -> None:
    every = set(entities._LOWER_WORD.findall(text))
    assert entities._lowercase_words(text, 0, len(text), words) == words & every


def test_lowercase_words_of_a_frequent_substring() -> None:
    # more occurrences than are checked one by one: the full word list decides
    text = "kimchi " * (entities._FEW + 1)
    assert entities._lowercase_words(text, 0, len(text), {"kim"}) == set()
    assert entities._lowercase_words(text + "kim", 0, len(text) + 3, {"kim"}) == {"kim"}


_tokens = st.text(alphabet="abcdß", min_size=3, max_size=9)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_tokens, max_size=12, unique=True),
    st.lists(_tokens, max_size=40, unique=True),
    st.sampled_from([0, 400, 10**6]),
    st.sampled_from([1, 3, 24]),
)
def test_neighbours_are_what_comparing_every_pair_finds(
    rare: list[str], common: list[str], few: int, crowd: int
) -> None:
    # tokens seen twice are rare and frequent at once
    common = common + rare[: len(rare) // 2]
    old = entities._FEW_PAIRS, entities.MAX_CANDIDATES
    entities._FEW_PAIRS, entities.MAX_CANDIDATES = few, crowd  # the index, or pair by pair
    try:
        assert entities._neighbours(rare, common) == entities._neighbours_plain(rare, common)
    finally:
        entities._FEW_PAIRS, entities.MAX_CANDIDATES = old


def test_neighbours_of_a_misspelt_name() -> None:
    common = ["pyongyang", "seoul", "kim", "jong"]
    assert entities._neighbours(["pyongyan", "seoull", "tokyo"], common) == {
        "pyongyan": ["pyongyang"],
        "seoull": ["seoul"],
    }
    # seen twice, a token is one of the frequent ones too: it is not its own neighbour
    assert entities._neighbours(["seoul"], common) == {}


def test_limits_are_applied_in_text_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # past the limits, which frequent tokens are indexed depends on the order of
    # the names: the vote counts them again in text order
    text = (
        "Vladivostok hosted it. Delegates met in Vladivostok. Pyongyang agreed, "
        "and Pyongyang signed. Pyongyang smiled. Pyongyan left."
    )
    monkeypatch.setattr(entities, "MAX_DOMINANT", 1)
    doc = Document(text)
    names = entities._Names.survey(doc, 0, len(text))
    assert names is not None
    families = entities._Families(names.counts)
    fixer = EntitiesFixer()
    assert fixer._outliers(text, 0, len(text), names.locate, names.counts, families, False) is None
    assert [(text[e.start : e.end], e.replacement) for e in edits(text)] == [
        ("Pyongyan", "Pyongyang")
    ]
    monkeypatch.setattr(entities, "MAX_DOMINANT", 0)
    assert edits(text) == []


@pytest.mark.parametrize("letter", ["ß", "İ", "ﬃ", "ΐ"])
def test_long_names_that_grow_when_case_folded_are_judged_like_any_other(letter: str) -> None:
    """A 40-letter capitalised word may fold to 41-120 letters; it must not break the vote."""
    word = ("Gro" + letter + "herzogtumsverwaltungsgericht" + "x" * 40)[:40]
    text = f"We met Anna. We saw Anna. Then {word} ruled, and {word} left. Anne stayed."
    result = textfix.clean(text)
    assert apply_edits(text, result.edits) == result.text
    assert word in result.text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet="aßİﬃbnK", min_size=1, max_size=44).map(lambda w: "K" + w),
        min_size=1,
        max_size=6,
    )
)
def test_names_with_expanding_letters_never_break_the_fixer(names: list[str]) -> None:
    text = " ".join(f"Then {n} spoke." for n in names + names[:2])
    result = textfix.clean(text, select=["entities"])
    assert apply_edits(text, result.edits) == result.text


# --- word frequencies: the lexicon's English table gives wordfreq's answer ----------

_WORD_PIECES = [
    "kim",
    "Jong",
    "un",
    "o",
    "neill",
    "d",
    "arc",
    "qu",
    "il",
    "the",
    "Pyongyang",
    "zzqx",
    "Łódź",
    "Ølsen",
    "José",
    "Jose\u0301",
    "straße",
    "İstanbul",
    "ﬃ",
    "ΐ",
    "Αθήνα",
    "Москва",
    "ŉ",
    "ǰ",
    "שלום",
    "東京",
    "Müller",
    "ÿ",
    "œuvre",
    "h",
    "y",
]
_words = st.lists(
    st.tuples(st.sampled_from(_WORD_PIECES), st.sampled_from(["", "-", "'", "’"])),
    min_size=1,
    max_size=4,
).map(lambda parts: "".join(p + sep for p, sep in parts).rstrip("-'’") or "kim")


@settings(max_examples=400, deadline=None)
@given(_words)
def test_zipf_is_what_wordfreq_says(word: str) -> None:
    from wordfreq import zipf_frequency

    assert entities._zipf.__wrapped__(word) == zipf_frequency(word, "en")


def test_zipf_of_hyphenated_elided_and_accented_words() -> None:
    from wordfreq import zipf_frequency

    words = ["Jean-Paul", "d'Arc", "d’Arc", "O'Neill", "qu'il", "don't", "you’re", "Łódź", "hé"]
    words += ["Pyongyan", "Medvedew", "Moskow", "Marrow", "Kim-jong-un", "l'état", "Ølsen"]
    for word in words:
        assert entities._zipf.__wrapped__(word) == zipf_frequency(word, "en"), word
    assert entities._en_tokens("d'Arc") == ["d", "arc"]
    assert entities._en_tokens("Jean-Paul") == ["jean", "paul"]
    assert entities._en_tokens("d’Arc") == ["d'arc"]
    assert entities._en_tokens("東京") is None  # wordfreq decides


def test_plain_letters_split_as_wordfreq_splits_them() -> None:
    """Every letter the table path accepts, next to hyphens, apostrophes and vowels."""
    import unicodedata

    from wordfreq.tokens import lossy_tokenize

    plain = regex.compile(entities._PLAIN_LETTER, regex.V1)
    letters = [chr(c) for c in range(0x110000) if plain.fullmatch(chr(c))]
    assert len(letters) > 1000
    for c in letters:
        for word in (c, f"a{c}b", f"{c}'a", f"d'{c}", f"a'{c}e", f"{c}{c}'e", f"x{c}-y", f"{c}’e"):
            tokens = entities._en_tokens(word)
            if tokens is not None:
                assert tokens == lossy_tokenize(word, "en"), (word, unicodedata.name(c, ""))


def test_ordinary_text_never_asks_wordfreq(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names in English text are looked up in the lexicon's table, never in wordfreq's."""
    from textfix.fixers.lexicon import LEXICONS

    LEXICONS.en  # noqa: B018 - the table loads first (it may read wordfreq's data)
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # importing it now fails

    def refuse(word: str) -> float:
        raise AssertionError(f"asked wordfreq about {word!r}")

    monkeypatch.setattr(entities, "_wordfreq_zipf", refuse)
    entities._zipf.cache_clear()
    try:
        text = (
            "Envoys met in Kędzierzyn. Officials in Kędzierzyn replied. Then Kedzierzyn agreed. "
            "O'Neill spoke. D'Arcy left. Jean-Paul waved. Straße ran. Müller sat; Muller "
            "stood. Officials said so. Moskow agreed, after Moscow and Moscow. Łódź won.\n"
            "Athens is Αθήνα. Moscow is Москва."
        )
        found = run(text) + run(SEED.read_text(encoding="utf-8"))
        assert any(isinstance(e, textfix.Edit) and e.replacement == "Kędzierzyn" for e in found)
    finally:
        entities._zipf.cache_clear()


# --- the name pattern --------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.text(alphabet="abcd", min_size=1, max_size=4), min_size=1, max_size=12),
    st.text(alphabet="abcd", max_size=5),
)
def test_prefix_tree_matches_the_words_it_is_made_of(words: set[str], probe: str) -> None:
    tree = regex.compile(entities._prefix_tree(sorted(words)))
    assert bool(tree.fullmatch(probe)) == (probe in words)
    for w in words:
        assert tree.fullmatch(w)


def test_particles_and_articles_as_prefix_trees() -> None:
    import itertools

    for listing in (entities._PARTICLES, entities._ARABIC_ARTICLES):
        words = set(listing.split("|"))
        tree = regex.compile(entities._prefix_tree(words))
        letters = sorted(set("".join(words)) | {"x"})
        for n in range(1, 6):
            for t in itertools.product(letters, repeat=n):
                w = "".join(t)
                assert bool(tree.fullmatch(w)) == (w in words), w
    # particles and articles inside names, as the plain alternation had them
    assert entities._MENTION.findall("Ludwig van Beethoven and Jean de la Fontaine") == [
        "Ludwig van Beethoven",
        "Jean de la Fontaine",
    ]
    assert entities._MENTION.findall("Bashar al-Assad met Mohammed bin Salman") == [
        "Bashar al-Assad",
        "Mohammed bin Salman",
    ]
    assert entities._MENTION.findall("Anna dell Rio, Otto dela Cruz") == [
        "Anna",
        "Rio",
        "Otto",
        "Cruz",
    ]


@settings(max_examples=300, deadline=None)
@given(_texts, st.lists(st.tuples(st.integers(0, 80), st.integers(0, 12)), max_size=6))
def test_mentions_touching_spans_are_the_ones_a_full_scan_finds(
    text: str, raw: list[tuple[int, int]]
) -> None:
    spans = entities._merged([(s, s + n) for s, n in raw if n])
    expected = [
        (m.start(), m.group())
        for m in entities._MENTION.finditer(text)
        if any(a < m.end() and m.start() < b for a, b in spans)
    ]
    assert entities._mentions_touching(text, spans, 0, len(text)) == expected


# --- the quick test before the vote ----------------------------------------------------

_NAME_PIECES = [
    "Pyongyang",
    "Pyongyan",
    "Pyongyangs",
    "Kim Jong-un",
    "Kim Jong Un",
    "Kim Jon-un",
    "KIM JONG-UN",
    "Jean-Paul Sartre",
    "Jean Paul Sartre",
    "Medvedev",
    "Medvedew",
    "Medvedev's",
    "Healthcare",
    "Health Care",
    "Officials",
    "Relations",
    "relations",
    "The",
    "Then",
    "They",
    "Ludwig van Beethoven",
    "van Beethoven",
    "Al-Assad",
    "al-Assad",
    "O'Neill",
    "ONeill",
    "Moscow",
    "Moskow",
    "Ulaanbaatar",
    "Ulanbaatar",
    "Vladivostok",
    "Vladviostok",
    "A B C D E F G H",
    "Dr.",
    "U.S.",
    "http://x.org/Pyongyan",
    # pairs one edit apart that the vote never merges, alone or inside a longer name
    "Russia",
    "Russian",
    "Russia-Today",
    "Russian-Today",
    "John",
    "Joan",
    "John Smith",
    "Joan Smith",
    "Mario",
    "Maria",
    "Ann-a",
    "Anna-a",
    "Medvedev-Vox",
    "Medvedew-Vox",
]
_SEPARATORS = [" ", " ", " said. ", ", and ", ". ", "\n", ' "', " met ", "; ", " of the "]
_name_texts = st.lists(
    st.tuples(st.sampled_from(_NAME_PIECES), st.sampled_from(_SEPARATORS)), max_size=30
).map(lambda parts: "".join(p + sep for p, sep in parts))


def _vote_without_quick_test(text: str, **options: object) -> list[textfix.Edit | textfix.Flag]:
    """What the fixer proposes when every section goes to the vote."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(entities, "_may_vary", lambda every: True)
        m.setattr(entities, "_may_vary_roughly", lambda text, lo, hi: True)
        return run(text, **options)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_name_texts, _texts))
def test_the_quick_test_never_hides_what_the_vote_finds(text: str) -> None:
    found = run(text)
    assert found == _vote_without_quick_test(text)
    every = entities._scan(Document(text), 0, len(text))
    if found:
        assert every is not None and entities._may_vary(every)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_name_texts, _texts), st.integers(0, 30))
def test_the_rough_quick_test_holds_wherever_the_quick_test_does(text: str, cut: int) -> None:
    # (before the sentence ends and the protected spans are looked at)
    doc = Document(text)
    for lo in (0, min(cut, len(text))):
        every = entities._scan(doc, lo, len(text))
        if every is not None and entities._may_vary(every):
            assert entities._may_vary_roughly(text, lo, len(text))


def test_the_quick_test_on_the_seed_and_the_clean_corpus() -> None:
    texts = [SEED.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for text in texts:
        assert run(text) == _vote_without_quick_test(text)
    quiet = "Pyongyang said no. Envoys met in Seoul. Kim Jong-un waited. Officials agreed."
    every = entities._scan(Document(quiet), 0, len(quiet))
    assert every is not None and not entities._may_vary(every)
    assert not entities._may_vary_roughly(quiet, 0, len(quiet))
    for noisy in (quiet + " Pyongyan left. Pyongyang won.", quiet + " Kim Jong Un left."):
        every = entities._scan(Document(noisy), 0, len(noisy))
        assert every is not None and entities._may_vary(every)
        assert entities._may_vary_roughly(noisy, 0, len(noisy))


@pytest.mark.parametrize(
    "text",
    [
        # an ending that makes another word, both spellings frequent
        "Russia said no. The Russian envoy left Russia; a Russian paper wrote it. Russia won.",
        # a short name alone, and an outlier that is an English word (Joan)
        "John grows beans. John's wife, Joan, grows dahlias, and John envies them.",
        # an outlier seen three times (mid-sentence: for sure) is no outlier
        "Envoys met Medvedev, then Medvedew and Medvedev; later Medvedew, Medvedev and Medvedew.",
    ],
)
def test_the_quick_test_sets_aside_pairs_the_vote_never_merges(text: str) -> None:
    every = entities._scan(Document(text), 0, len(text))
    assert every is not None and not entities._may_vary(every)
    assert run(text) == _vote_without_quick_test(text) == []


def test_the_quick_test_keeps_a_pair_that_differs_in_a_part() -> None:
    text = "Anna-Martha Vox spoke. Anna-Martha Vox left. Anna-Marta Vox came."
    every = entities._scan(Document(text), 0, len(text))
    assert every is not None and entities._may_vary(every)
    assert [(text[e.start : e.end], e.replacement) for e in edits(text)] == [
        ("Anna-Marta", "Anna-Martha")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Kim left.",
        "  Kim left.",
        "(Kim) left.",
        "'Kim left. Kim came.",
        "— Kim left.",
        " " * 12 + "Kim left.",
        " " * 13 + "Kim left.",
        "[ad_1]\nKim left.",
        "kim and Kim left.",
        "U.S. Kim left.",
    ],
)
def test_the_first_mention_at_the_start_of_the_text(text: str) -> None:
    doc = Document(text)
    expected: Counter[tuple[str, str]] = Counter()
    for m in entities._SCAN.finditer(text):
        if not doc.overlaps_protected(m.start(), m.end()):
            end = m.group(2) or ("\n" if entities._starts_sentence(text, m.start()) else "")
            expected[m.group(1), end] += 1
    assert entities._scan(doc, 0, len(text)) == dict(expected)
    assert entities._scan(doc, 0, len(text), []) == dict(expected)


def test_memos_keep_short_keys_only_and_empty_when_full() -> None:
    """A memo's memory is bounded in entries and in bytes: long keys are computed, not kept."""
    from textfix.fixers.entities import MEMO_KEY_CHARS, _Memo

    calls: list[object] = []

    def fn(key: object) -> int:
        calls.append(key)
        return len(key)  # type: ignore[arg-type]

    memo = _Memo(fn, 3)
    long_name = "Ab " * MEMO_KEY_CHARS
    assert memo[long_name] == len(long_name) and memo[long_name] == len(long_name)
    assert long_name not in memo and calls == [long_name, long_name]
    long_tuple = ("Kim", "Jong-un" * MEMO_KEY_CHARS)
    assert memo[long_tuple] == 2 and long_tuple not in memo
    for key in ("Kim", ("Kim", "Jong-un"), "Seoul"):
        assert memo[key] == len(key)
    assert len(memo) == 3
    calls.clear()
    assert memo["Kim"] == 3 and calls == []  # a hit
    assert memo["Hanoi"] == 5 and list(memo) == ["Hanoi"]  # full: emptied, then kept


def test_mention_memos_keep_only_the_tokens_that_count() -> None:
    """A long title-case line is one long mention: the memos must not keep all its tokens."""
    from textfix.fixers.entities import MAX_MENTION_TOKENS, _units, _word_runs

    toks = tuple(f"Name{i}x" for i in range(40))  # built at run time: nothing else holds it
    before = sys.getrefcount(toks)
    units = _units(toks, 3)
    runs = _word_runs(toks)
    assert sys.getrefcount(toks) == before  # no memo took the 40-token tuple as its key
    head = toks[:MAX_MENTION_TOKENS]
    assert units == _units(head, 3) and runs == _word_runs(head)
    assert "Name0x Name1x Name2x" in units and not any("Name9x" in u for u in units)
