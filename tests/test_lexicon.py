"""The lexicon fixer: untranslated source words, typos and unknown words.

Every passage here was written for these tests.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import textfix
from textfix.fixers import lexicon
from textfix.fixers.lexicon import LexiconFixer, osa_distance, typo_candidates
from textfix.model import Document, Edit, Flag
from textfix.options import Options
from textfix.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
CLEAN = sorted((ROOT / "tests" / "corpus" / "clean").glob("*.txt"))
SEED = ROOT / "seeds" / "000_2f1ded03767b9897.txt"


def run(text: str, **options: object) -> list[Edit | Flag]:
    fixer = lexicon.build(Options.from_kwargs(**options))
    assert fixer is not None
    return list(fixer.run(Document(text)))


def flagged(text: str, **options: object) -> dict[str, str]:
    """``{covered text: rule}`` for every flag the fixer raises on ``text``."""
    return {text[f.start : f.end]: f.rule for f in run(text, **options) if isinstance(f, Flag)}


def clean(text: str, **options: object):
    opts = Options.from_kwargs(**options)
    return Pipeline(
        [lexicon.build(opts)],
        unsafe_fixes=opts.unsafe_fixes,
        min_confidence=opts.min_confidence,
        options={"source_lang": opts.source_lang},
    ).clean(text)


# --- untranslated -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Traffic was diverted from the Landesstraße for two hours.", "Landesstraße"),
        ("The goalkeeper gave him a Schubser and the referee ignored it.", "Schubser"),
        ("Geologists dated a single Zirkon from the outcrop.", "Zirkon"),
    ],
)
def test_capitalised_german_noun_mid_sentence_is_untranslated(text: str, word: str) -> None:
    flags = [f for f in run(text) if isinstance(f, Flag)]
    assert [(text[f.start : f.end], f.rule) for f in flags] == [(word, "lexicon/untranslated")]
    assert "German" in flags[0].message


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Workers repaired the gleisbed overnight.", "gleisbed"),
        ("Three bundespolists boarded the train at the border.", "bundespolists"),
    ],
)
def test_half_translated_compound(text: str, word: str) -> None:
    flags = [f for f in run(text) if isinstance(f, Flag)]
    assert [(text[f.start : f.end], f.rule) for f in flags] == [(word, "lexicon/untranslated")]
    assert "half-translated German compound" in flags[0].message


def test_lower_case_source_word_names_the_likeliest_language() -> None:
    text = "The council closed the trottoir and the mairie for repairs."
    flags = [f for f in run(text) if isinstance(f, Flag)]
    assert [text[f.start : f.end] for f in flags] == ["trottoir", "mairie"]
    assert all(f.rule == "lexicon/untranslated" and "French" in f.message for f in flags)
    dutch = "Cyclists kept to the fietspad along the canal."
    assert "Dutch" in next(f.message for f in run(dutch) if isinstance(f, Flag))
    polish = "He parked his samochód outside the station."
    assert "Polish" in next(f.message for f in run(polish) if isinstance(f, Flag))


def test_source_lang_restricts_the_languages() -> None:
    text = "The council closed the trottoir and the haushalt was cut."
    assert flagged(text) == {"trottoir": "lexicon/untranslated", "haushalt": "lexicon/untranslated"}
    only_fr = run(text, source_lang="fr")
    assert [text[f.start : f.end] for f in only_fr] == ["trottoir"]
    assert "French" in only_fr[0].message
    # a capitalised noun is judged German only when German is a candidate
    assert flagged("Traffic left the Landesstraße early.", source_lang="fr") == {}


def test_russian_cyrillic_and_transliterated() -> None:
    cyr = "The sign simply said сегодня in red paint."
    assert flagged(cyr) == {"сегодня": "lexicon/untranslated"}
    latin = "The guide kept saying khorosho to every question."
    flags = [f for f in run(latin) if isinstance(f, Flag)]
    assert [latin[f.start : f.end] for f in flags] == ["khorosho"]
    assert "Russian" in flags[0].message


def test_a_quoted_foreign_phrase_is_left_alone() -> None:
    text = "She quoted the old saying « il faut goûter avant de juger » with a smile."
    assert flagged(text) == {}
    # the same word alone among English words is a slip
    assert flagged("We stopped for a goûter near the river.") == {"goûter": "lexicon/untranslated"}


# --- typos ------------------------------------------------------------------


def test_typo_is_flagged_with_the_dominant_candidate() -> None:
    text = "The patients were kept in isloation for a week."
    (flag,) = run(text)
    assert isinstance(flag, Flag)
    assert (text[flag.start : flag.end], flag.rule, flag.suggestion) == (
        "isloation",
        "lexicon/typo",
        "isolation",
    )


def test_sentence_initial_typo_keeps_its_capital() -> None:
    text = "Isloation ended on Monday."
    (flag,) = run(text)
    assert isinstance(flag, Flag) and flag.suggestion == "Isolation"


def test_typo_is_fixed_only_with_document_evidence() -> None:
    text = "Weeks of isloation were hard. The isolation rules eased in May."
    result = clean(text)
    assert result.text == "Weeks of isolation were hard. The isolation rules eased in May."
    assert [e.rule for e in result.edits] == ["lexicon/typo"]
    assert result.flags == []
    # without the word elsewhere in the document it stays a flag
    alone = clean("Weeks of isloation were hard.")
    assert alone.edits == [] and alone.text == "Weeks of isloation were hard."
    assert [f.suggestion for f in alone.flags] == ["isolation"]
    # and the fix is a fixed point
    again = clean(result.text)
    assert again.edits == [] and again.flags == []


def test_a_capitalised_word_is_never_rewritten() -> None:
    # at a sentence start it may be a name ("Borin" is one letter from "boring"),
    # so even with the suggestion elsewhere in the document it stays a flag
    text = "Isloation was hard on the ward. The isolation rules eased in May."
    result = clean(text)
    assert result.edits == [] and result.text == text
    assert [(f.rule, f.suggestion) for f in result.flags] == [("lexicon/typo", "Isolation")]


def test_safe_only_runs_do_not_apply_typo_fixes() -> None:
    text = "Weeks of isloation were hard. The isolation rules eased."
    result = clean(text, unsafe_fixes=False)
    assert result.text == text
    assert [f.rule for f in result.flags] == ["lexicon/typo"]


def test_no_typo_without_a_clearly_dominant_candidate() -> None:
    # 'shqre' is one edit from 'share' and from 'shore', neither ten times commoner
    text = "They agreed to shqre the costs."
    assert flagged(text) == {}
    flags = run(text, lexicon_unknown=True)
    assert [f.rule for f in flags] == ["lexicon/unknown"]
    assert "'share'" in flags[0].message and "'shore'" in flags[0].message


def test_candidates_count_a_transposition_as_one_edit() -> None:
    distance, cands = typo_candidates("isloation")
    assert distance == 1 and cands[0][1] == "isolation"
    assert osa_distance("isloation", "isolation") == 1
    assert osa_distance("recieve", "receive") == 1
    assert osa_distance("abcd", "abcd") == 0
    assert osa_distance("kitten", "sitting", limit=2) == 3  # capped at limit + 1
    distance, cands = typo_candidates("goverment")
    assert cands and cands[0][1] == "government"


# --- unknown ----------------------------------------------------------------


def test_unknown_words_only_when_asked() -> None:
    text = "The gadget went frobzwick and stopped."
    assert flagged(text) == {}
    assert flagged(text, lexicon_unknown=True) == {"frobzwick": "lexicon/unknown"}
    # capitalised unknown words are names, not unknown words
    assert flagged("Frobzwick and Quendel met in Ghent.", lexicon_unknown=True) == {}


# --- exemptions -------------------------------------------------------------


def test_the_documents_own_vocabulary_is_exempt() -> None:
    text = (
        "The trottoir was narrow. Children played on the trottoir all day, "
        "and the mayor promised a wider trottoir."
    )
    assert flagged(text) == {}
    twice = "The trottoir was narrow. Children played on the trottoir all day."
    assert list(flagged(twice).values()) == ["lexicon/untranslated"]


def test_user_word_list(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# house style\nfrobzwick\nTrottoir\n", encoding="utf-8")
    text = "The gadget went frobzwick on the trottoir."
    assert flagged(text, lexicon_unknown=True, wordlist=str(words)) == {}
    assert len(flagged(text, lexicon_unknown=True)) == 2
    with pytest.raises(ValueError, match="word list"):
        lexicon.build(Options(wordlist=str(tmp_path / "missing.txt")))


def test_protected_spans_are_exempt() -> None:
    text = "Details at https://example.de/landesstrasse/trottoir and in `gleisbed`."
    assert flagged(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "Kowalczyk said the talks in Gdańsk went well.",
        "Moon Jae-in met Kim Jong-un at Panmunjom.",
        "Putin's aides and Putin’s critics don't agree; they'd rather wait.",
        "The colour of the neighbours' organisation was grey.",
        "An olive-green, well-armoured train left at 3pm on the 3rd.",
        "The NATO and OSZE delegations met; the iPhone and McDonald's were mentioned.",
        "She booked the matinée at the café and praised the naïve façade.",
        "The B52s and COVID19 are not words; neither is snake_case_name.",
    ],
)
def test_correct_text_raises_nothing(text: str) -> None:
    assert run(text, lexicon_unknown=True) == []


def test_capitalised_name_used_mid_sentence_is_not_a_typo_at_sentence_start() -> None:
    text = "Kalder won the race. The coach praised Kalder afterwards."
    assert flagged(text) == {}


# --- corpora ----------------------------------------------------------------


@pytest.mark.skipif(not CLEAN, reason="the do-no-harm corpus is missing")
def test_do_no_harm_corpus() -> None:
    words = 0
    found: list[str] = []
    for path in CLEAN:
        text = path.read_text(encoding="utf-8")
        words += len(text.split())
        result = clean(text)
        assert result.edits == [], path.name
        found += [f"{path.name}: {text[f.start : f.end]!r} {f.rule}" for f in result.flags]
    assert len(found) <= words / 1000, found


def test_the_seed_article_raises_nothing() -> None:
    # the seed's damage is spacing, quotes and calques; every word in it is English
    # or a name, so the lexicon has nothing to say about it
    result = clean(SEED.read_text(encoding="utf-8"))
    assert result.edits == [] and result.flags == []


def test_large_text_is_read_in_blocks() -> None:
    sentence = "The quick brown fox jumps over the lazy dog near the river bank.\n"
    text = sentence * 400 + "A single trottoir remains, said  the   guide."
    assert LexiconFixer._chunks(text, block=100) == set(text.split())
    assert LexiconFixer._chunks(text, block=1 << 20) == set(text.split())
    lines = "\n".join(f"word{i % 97}x" for i in range(5000))
    assert LexiconFixer._chunks(lines, block=64) == set(lines.split())
    # and spaced: the tokens of the whole text with its ASCII punctuation as spaces
    odd = text + " «Grüße»,\u00a0co-op (l'autoroute)…\n" * 50
    for block in (7, 100, 1 << 20):
        assert LexiconFixer._chunks(odd, block=block, spaced=True) == set(
            lexicon._spaced(odd).split()
        )


def test_build_reads_options() -> None:
    fixer = lexicon.build(Options(source_lang="de", lexicon_unknown=True))
    assert isinstance(fixer, LexiconFixer)
    assert fixer.source_lang == "de" and fixer.unknown is True


@pytest.mark.parametrize(
    "text",
    [
        "x" * 100_000,
        "." * 100_000,
        "\n".join(["word"] * 20_000),
        "(" * 5_000 + "gleisbed" + ")" * 5_000,
    ],
    ids=["one-long-word", "dots", "one-word-lines", "nested-brackets"],
)
def test_pathological_inputs_finish(text: str) -> None:
    items = run(text, lexicon_unknown=True)
    assert all(isinstance(i, Flag) for i in items)
    assert len(items) <= 1


def test_a_document_of_distinct_non_words_is_bounded() -> None:
    # many distinct unknown words: only the first few hundred get the typo search,
    # the rest are still looked up (and reported as unknown when asked)
    import itertools

    letters = "bcdfghjklmnpqrstvwxz"
    junk = ["".join(p) for p in itertools.islice(itertools.product(letters, repeat=6), 3000)]
    text = " ".join(f"qz{w}" for w in junk)
    found = run(text, lexicon_unknown=True)
    assert len(found) == len(junk)
    assert {f.rule for f in found} == {"lexicon/unknown"}


def test_capitalised_word_after_a_preposition_is_taken_for_a_place() -> None:
    assert flagged("The convoy drove through Zirkon before dawn.") == {}
    assert flagged("The convoy passed a Zirkon before dawn.") == {"Zirkon": "lexicon/untranslated"}


def test_a_common_misspelling_in_the_english_list_is_a_typo_but_never_fixed() -> None:
    # wordfreq's web data lists 'improvment' (rarely); 'improvement' is far commoner
    text = "The mayor promised an improvment of the signs."
    (flag,) = run(text)
    assert isinstance(flag, Flag)
    assert (flag.rule, flag.suggestion) == ("lexicon/typo", "improvement")
    # a listed word may be real, so even with the evidence it is not rewritten
    both = "The mayor promised an improvment. The improvement never came."
    result = clean(both)
    assert result.edits == [] and [f.suggestion for f in result.flags] == ["improvement"]
    # and a rare word beside no far commoner one is left alone
    assert flagged("The cat sat on the windowsill and yawned at the gloaming.") == {}


def test_technical_names_and_derived_words_are_not_typos() -> None:
    # letters added in front of an English word, or an English word plus an affix
    text = "Run pytest against lxml behind gunicorn; the records were deduplicated first."
    assert flagged(text) == {}
    unknown = flagged(text, lexicon_unknown=True)
    assert set(unknown.values()) == {"lexicon/unknown"}
    assert "deduplicated" not in unknown


# --- the word extraction of the hot path ----------------------------------------------

_TOKENS = [
    "the", "The", "isloation", "Landesstraße", "U.S.", "e-mail", "well-known", "l'autoroute",
    "Putin's", "Putin’s", "it’s", "don't", "(gleisbed)", "«Schubser»", "a.b.c", "x--y",
    "qu'il", "o'er's", "3rd", "snake_case", "café-bar", "'quoted'", "...", "—", "a.", "Ã©",
    "Zirkon,", "STRASSE", "straße", "Straße", "naïve", "ﬁrst", "İstanbul", "word_", "x'abcd",
]  # fmt: skip


def _reference_words(text: str, common: frozenset[str]) -> set[str]:
    """What the earlier chunk-by-chunk loop judged: each chunk stripped, else split."""
    out = set()
    for chunk in set(text.split()) - common:
        bare = chunk.strip(lexicon._PUNCT)
        if chunk.isalpha():
            out.add(chunk)
        elif bare not in common:
            out.update([bare] if bare.isalpha() else lexicon._WORD.findall(chunk))
    return out


def _judged(words: set[str], common: frozenset[str]) -> set[str]:
    """The words the fixer goes on to judge (the first test of its loop)."""
    return {
        w
        for w in words
        if lexicon.MIN_LETTERS <= len(w) <= lexicon.MAX_LETTERS and lexicon._key(w) not in common
    }


_SEPARATORS = [" ", "\n", "", ",", "-", ".", "/", "(", "'", "’", "\u00a0", "\u2028", "1"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from(_SEPARATORS))))
def test_word_extraction_matches_the_chunk_by_chunk_reference(parts) -> None:
    text = "".join(token + sep for token, sep in parts)
    common = lexicon.LEXICONS.common
    reference = _judged(_reference_words(text, common), common)
    assert _judged(LexiconFixer._chunk_words(text, common), common) == reference
    assert _judged(LexiconFixer._words(text, common), common) == reference


# A made-up lexicon whose common entries hold words it does not know, as wordfreq's
# "youtu.be" holds "youtu": the fast path must drop what the simple path drops
_ODD_COMMON = frozenset(
    [
        "the", "The", "bar", "also", "youtu.be", "tinyurl.com", "i\u0307stanbul", "ab'cdefg",
        "e-mail", "mail", "isloation", "Isloation", "co-op", "(gleisbed)", "qu'il", "well",
    ]
)  # fmt: skip
_ODD_TOKENS = [
    "youtu.be", "youtu.be/x", "(youtu.be)", "youtu", "Youtu", "tinyurl.com", "tinyurl",
    "i\u0307stanbul", "İstanbul", "stanbul", "ab'cdefg", "ab'cdefg's", "cdefg", "e-mail",
    "email", "co-op", "coop", "(gleisbed)", "[(gleisbed)]", "gleisbed", "qu'il", "well-known",
    "known", "also", "the", "The", "bar", "isloation", "ISLOATION", "abc1defg", "x'abcd",
    "(the)", "-well",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_TOKENS + _ODD_TOKENS), st.sampled_from(_SEPARATORS))),
    st.sampled_from([lexicon.LEXICONS.common, _ODD_COMMON]),
)
# a common token of an uncommon chunk; a token common once stripped; a word of a
# common chunk: each is read by the simple path
@example([("i\u0307stanbul", "-"), ("the", " ")], _ODD_COMMON)
@example([("i\u0307stanbul", "’"), ("(the)", " ")], _ODD_COMMON)
@example([("youtu.be", " ")], _ODD_COMMON)
def test_the_fast_word_extraction_judges_the_words_of_the_simple_one(parts, common) -> None:
    text = "".join(token + sep for token, sep in parts)
    fast = LexiconFixer._words(text, common)
    assert _judged(fast, common) == _judged(LexiconFixer._chunk_words(text, common), common)
    assert _judged(fast, common) == _judged(_reference_words(text, common), common)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from([lexicon.LEXICONS.common, _ODD_COMMON]))
def test_the_fast_word_extraction_on_any_text(text: str, common: frozenset[str]) -> None:
    fast = LexiconFixer._words(text, common)
    assert _judged(fast, common) == _judged(LexiconFixer._chunk_words(text, common), common)


def test_exceptions_are_the_common_entries_that_hold_a_judged_word() -> None:
    entries, words = lexicon._exceptions(_ODD_COMMON)
    # ("ab'cdefg" is its own only word, which is common)
    assert entries == {"youtu.be", "tinyurl.com", "i\u0307stanbul", "(gleisbed)"}
    assert words == {"youtu", "tinyurl", "stanbul", "gleisbed"}
    # the real list's, found with C-level steps, are those a plain loop finds
    common = lexicon.LEXICONS.common
    plain = {s for s in common if lexicon._judged_words(s, common)}
    assert lexicon.LEXICONS.exceptions[0] == plain == lexicon._common_exceptions(common)
    assert lexicon._exceptions(common) is lexicon.LEXICONS.exceptions


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_spaced_text_maps_ascii_punctuation_to_spaces(text: str) -> None:
    table = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_'")}
    assert lexicon._spaced(text) == text.translate(table)


def test_long_punctuated_chunks_are_split_like_short_ones() -> None:
    common = lexicon.LEXICONS.common
    text = "a." * 5_000 + " " + "x." * 3_000 + "gleisbed." + "y." * 3_000
    assert LexiconFixer._words(text, common) == {"gleisbed"}
    assert LexiconFixer._words("a." * 5_000, common) == set()


# --- the compact tables -------------------------------------------------------------


def test_sorted_words_bisect_like_a_list() -> None:
    import bisect

    words = sorted(["gleisbett", "landesstraße", "bundespolizei", "straße", "zug", "ähnlich"])
    table = lexicon.SortedWords(words)
    assert len(table) == len(words) and list(table) == words and table[-1] == words[-1]
    for key in ("a", "gleis", "landesstraßen", "straße", "zzz", "ä", ""):
        assert bisect.bisect_left(table, key) == bisect.bisect_left(words, key)
    assert len(lexicon.SortedWords([])) == 0


def test_delete_index_holds_each_word_and_its_deletions() -> None:
    words = ["isolation", "letter", "cat", "of"]
    index = lexicon._delete_index(words)
    for n, w in enumerate(words):
        probes = {w, *lexicon._deletes1(w)} if len(w) >= 3 else set()
        for probe in probes:
            assert n in index.values(probe), (w, probe)
    assert index.values("o") == [] and index.values("isolatio") == [0]
    assert sorted(set(index.values("leter"))) == [1]  # either 't' deleted: one word


def test_verdicts_depend_on_the_document_alone_not_on_what_was_cleaned_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the per-document budget words get the quick check, cached verdicts or not."""
    monkeypatch.setattr(lexicon, "THOROUGH_BASE", 3)
    filler = "abzqvt acxqpw adyrkv afzmqx agwqzt ahqvzx"  # sorted before "isloation"
    crowded = f"{filler}. The patients stayed in isloation for a week.\n"
    alone = "The patients stayed in isloation for a week.\n"

    def typo(text: str) -> list[str]:
        r = textfix.clean(text)
        return [text[f.start : f.end] for f in r.flags if f.rule == "lexicon/typo"]

    lexicon._JUDGED.clear()
    first = typo(crowded)
    assert typo(alone) == ["isloation"]  # judged thoroughly, and cached
    assert typo(crowded) == first == []  # still past the budget in this document
    # and the pipeline's second pass (forced by a trailing space) changes nothing
    assert typo("A line. \n" + crowded) == []


# --- the tables in the on-disk cache --------------------------------------------------

# words of every kind the lexicon tells apart: English, rare English (a listed
# misspelling among them), typos, source-language words, half-translated
# compounds, unknown words and a lone surrogate
_PROBES = (
    "isolation", "government", "window", "matinée",
    "improvment", "windowsill", "gloaming",
    "isloation", "wrold", "goverment", "recieve", "shqre",
    "trottoir", "mairie", "haushalt", "landesstraße", "schubser", "fietspad", "samochód",
    "goûter", "сегодня", "khorosho",
    "gleisbed", "bundespolists",
    "frobzwick", "qzbcdfgh", "x\ud800y",
)  # fmt: skip


def _tables(lex: lexicon.Lexicons) -> dict[str, object]:
    """Every table ``lex`` loads on ordinary text, in a comparable form."""
    tables: dict[str, object] = {
        "en": lex.en.to_bytes(),
        "common": lex.common,
        "en_common": lex.en_common,
        "exceptions": lex.exceptions,
        "typo": lex.typo_index.to_bytes(),
    }
    for lang in lexicon.SOURCES:
        tables[f"source-{lang}"] = lex.source(lang).to_bytes()
        tables[f"function-{lang}"] = lex.function_words(lang)
    for lang in lexicon.COMPOUND_LANGS:
        tables[f"prefixes-{lang}"] = lex.prefixes(lang).to_parts()
    return tables


def _verdicts(lex: lexicon.Lexicons) -> dict[str, object]:
    """What the lexicon says of each probe word when ``lex`` holds the tables."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(lexicon, "LEXICONS", lex)
        m.setattr(lexicon, "_JUDGED", {})
        return {
            w: (
                lexicon.judge(w, lexicon.SOURCES),
                lexicon.german_noun(w),
                lex.en.get(w, -1.0),
                w in lex.en,
                lexicon.typo_candidates(w),
            )
            for w in _PROBES
        }


def _no_word_lists(lang: str, floor: float = 0.0):
    raise AssertionError(f"the {lang} list was read: a table was built, not loaded")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory):
    """A cache folder that a cold build filled, with that build's tables and verdicts."""
    folder = tmp_path_factory.mktemp("lexicon-cache")
    with pytest.MonkeyPatch.context() as m:
        m.setenv("TEXTFIX_CACHE_DIR", str(folder))
        cold = lexicon.Lexicons()
        tables = _tables(cold)
        verdicts = _verdicts(cold)
    return folder, tables, verdicts


def test_a_warm_cache_gives_the_tables_and_verdicts_of_a_cold_build(
    warm_cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, tables, verdicts = warm_cache
    names = sorted(p.name.rsplit("-", 1)[0] for p in folder.glob("lexicon-*.bin"))
    assert names == sorted(
        f"lexicon-{name}" for name in tables if name not in ("common", "en_common", "exceptions")
    )
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(folder))
    monkeypatch.setattr(lexicon, "_buckets", _no_word_lists)  # every table is read back
    warm = lexicon.Lexicons()
    assert _tables(warm) == tables
    assert _verdicts(warm) == verdicts
    # and the verdicts are the lexicon's usual ones
    kinds = {w: (v[0].kind if v[0] else None) for w, v in verdicts.items()}
    assert kinds["isolation"] is None and kinds["matinée"] is None
    assert verdicts["isloation"][0].other == "isolation" and kinds["wrold"] == "typo"
    assert verdicts["improvment"][0].rare and kinds["windowsill"] is None
    assert verdicts["trottoir"][0].lang == "fr" and verdicts["сегодня"][0].lang == "ru"
    assert verdicts["khorosho"][0].lang == "ru" and verdicts["samochód"][0].lang == "pl"
    assert verdicts["schubser"][1] >= lexicon.GERMAN_NOUN  # a German noun
    assert kinds["gleisbed"] == kinds["landesstraße"] == "compound"
    assert kinds["frobzwick"] == "unknown"
    assert verdicts["x\ud800y"][2] == -1.0  # looked up, not found, no error


_CHILD = """
import sys
from textfix.fixers import lexicon
from textfix.model import Document
from textfix.options import Options

text = sys.stdin.read()
items = lexicon.build(Options()).run(Document(text))
print([(text[i.start : i.end], i.rule, i.message) for i in items])
print(sorted(name for name in ("wordfreq", "msgpack") if name in sys.modules))
"""


def test_a_fresh_process_reads_the_tables_without_wordfreq_or_msgpack(warm_cache) -> None:
    folder, _, _ = warm_cache
    text = (
        "The old wrold was kind to us. Traffic left the Landesstraße early, and the "
        "crew inspected the gleisbed. She quoted « il faut goûter avant de juger » "
        "before we stopped for a goûter near the trottoir."
    )
    expected = [(text[i.start : i.end], i.rule, i.message) for i in run(text)]
    assert [found for found, _, _ in expected] == [
        "wrold", "Landesstraße", "gleisbed", "goûter", "trottoir"
    ]  # fmt: skip

    def child(cache_dir: str) -> list[str]:
        env = {**os.environ, "TEXTFIX_CACHE_DIR": cache_dir}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=text,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            check=True,
        )
        return done.stdout.splitlines()

    assert child(str(folder)) == [repr(expected), "[]"]
    # with the cache off, the same verdicts from the word lists (read with msgpack)
    assert child("off") == [repr(expected), "['msgpack']"]


def test_a_damaged_or_unreadable_entry_is_rebuilt(
    warm_cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, tables, _ = warm_cache
    copy = tmp_path / "cache"
    shutil.copytree(folder, copy)
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(copy))
    # a torn file (its checksum fails)
    (entry,) = copy.glob("lexicon-prefixes-de-*.bin")
    entry.write_bytes(entry.read_bytes()[:-1000])
    # an entry stored under the right key whose data is not a table
    key = lexicon._cache_key("function", ("fr", "en"), lexicon.FUNCTION_WORD)
    assert lexicon.cache.store("lexicon-function-fr", key, b"\x00not marshal data")
    rebuilt = lexicon.Lexicons()
    assert rebuilt.prefixes("de").to_parts() == tables["prefixes-de"]
    assert rebuilt.function_words("fr") == tables["function-fr"]
    # both were stored again, whole: a later process reads them back
    monkeypatch.setattr(lexicon, "_buckets", _no_word_lists)
    again = lexicon.Lexicons()
    assert again.prefixes("de").to_parts() == tables["prefixes-de"]
    assert again.function_words("fr") == tables["function-fr"]


def test_a_changed_format_or_constant_is_a_new_entry(
    warm_cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, tables, _ = warm_cache
    copy = tmp_path / "cache"
    shutil.copytree(folder, copy)
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(copy))
    read: list[str] = []
    buckets = lexicon._buckets

    def counted(lang: str, floor: float = 0.0):
        read.append(lang)
        return buckets(lang, floor)

    monkeypatch.setattr(lexicon, "_buckets", counted)
    # another format: the English tables are built again, the same
    monkeypatch.setattr(lexicon, "CACHE_FORMAT", lexicon.CACHE_FORMAT + 1)
    lex = lexicon.Lexicons()
    assert (lex.en.to_bytes(), lex.common, lex.en_common) == (
        tables["en"],
        tables["common"],
        tables["en_common"],
    )
    assert read == ["en"]
    monkeypatch.undo()
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(copy))
    monkeypatch.setattr(lexicon, "_buckets", counted)
    # a constant that shapes a table: read again, and different
    monkeypatch.setattr(lexicon, "_PREFIX_FLOOR", 3.0)
    monkeypatch.setattr(lexicon, "FUNCTION_WORD", 4.5)
    read.clear()
    lex = lexicon.Lexicons()
    shallow, fewer = lex.prefixes("de"), lex.function_words("fr")
    assert read == ["de", "fr"]
    deep = lexicon.SortedWords.from_parts(tables["prefixes-de"])
    assert 0 < len(shallow) < len(deep) and set(shallow) < set(deep)
    assert (
        0 < len(fewer) < len(tables["function-fr"])
        and fewer.items() <= tables["function-fr"].items()
    )
    # and back at the usual values the usual entries are read, nothing is built
    monkeypatch.setattr(lexicon, "_PREFIX_FLOOR", 2.5)
    monkeypatch.setattr(lexicon, "FUNCTION_WORD", 4.0)
    read.clear()
    lex = lexicon.Lexicons()
    assert lex.prefixes("de").to_parts() == tables["prefixes-de"]
    assert lex.function_words("fr") == tables["function-fr"]
    assert read == []


@pytest.mark.parametrize("where", ["off", "unwritable"])
def test_without_a_usable_cache_the_tables_are_built_in_memory(
    warm_cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _, tables, _ = warm_cache
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", "off" if where == "off" else str(blocker / "cache"))
    lex = lexicon.Lexicons()  # (the subprocess test above builds every table with it off)
    assert lex.prefixes("de").to_parts() == tables["prefixes-de"]
    assert lex.prefixes("nl").to_parts() == tables["prefixes-nl"]
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_the_word_hash_is_the_same_in_every_process() -> None:
    words = ["isloation", "Landesstraße", "сегодня", "x\ud800y", ""]
    code = (
        "from textfix.fixers.lexicon import _word_hash\n"
        f"print([(_word_hash(w), hash(w)) for w in {words!r}])"
    )

    def hashes(seed: str) -> list[tuple[int, int]]:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        return ast.literal_eval(out.stdout)

    one, two = hashes("1"), hashes("2")
    assert [h for h, _ in one] == [h for h, _ in two] == list(map(lexicon._word_hash, words))
    assert [s for _, s in one][:3] != [s for _, s in two][:3]  # while hash() is salted
    assert all(0 <= h < 1 << 40 for h, _ in one)
    # the C-mapped hashing of a whole list gives the same values
    assert list(lexicon._word_hashes(words)) == [h for h, _ in one]
    assert len({h for h, _ in one}) == len(words)


def test_tables_survive_their_byte_forms() -> None:
    table = lexicon.HashedWords(["straße", "zug", "gleis"], [5, 7, 9])
    back = lexicon.HashedWords.from_bytes(table.to_bytes())
    assert [back.bucket(w) for w in ("straße", "zug", "gleis", "bahn")] == [5, 7, 9, -1]
    words = lexicon.SortedWords(["gleisbett", "landesstraße", "zug"])
    assert list(lexicon.SortedWords.from_parts(words.to_parts())) == list(words)
    with pytest.raises(ValueError):
        lexicon.SortedWords.from_parts(("gleisbett\nzug", words.to_parts()[1]))
    with pytest.raises(TypeError):
        lexicon.HashedWords.from_bytes("not bytes")


_FUNCTION_WORDS_CHILD = """
import textfix
from textfix.fixers import lexicon
print(textfix.__file__)
print(sorted(lexicon.LEXICONS.function_words("fr")))
"""


def test_a_changed_lexicon_module_never_reads_the_tables_of_the_old_one(tmp_path: Path) -> None:
    # another textfix (an upgrade, an edit in a checkout) whose lexicon builds a table
    # differently shares the cache folder: it must build its own table, not read ours
    from changed_copy import HERE, changed_copy, run_with

    old = "if w.isalpha() and z > en.get(w, 0.0) + 0.5:"
    changed = changed_copy(tmp_path, "fixers/lexicon.py", old, old.replace("0.5", "2.5"))

    def function_words(where: Path) -> list[str]:
        found, words = run_with(where, _FUNCTION_WORDS_CHILD, tmp_path / "c").splitlines()
        assert Path(found).parent == where / "textfix"
        return ast.literal_eval(words)

    ours = function_words(HERE)  # built and stored
    theirs = function_words(changed)  # the same data files and constants, other code
    assert 0 < len(theirs) < len(ours) and set(theirs) < set(ours)
    assert function_words(HERE) == ours  # and ours are still read back


_FORK_CHILD = """
import os, signal, sys, threading
from textfix.fixers.lexicon import LEXICONS

loading, done = threading.Event(), threading.Event()

def load():  # a thread in the middle of loading a table: it holds the lock
    with LEXICONS._lock:
        loading.set()
        done.wait()

thread = threading.Thread(target=load)
thread.start()
loading.wait()
pid = os.fork()
if pid == 0:
    signal.alarm(60)  # a child that waits for the parent's thread dies of this
    os._exit(0 if len(LEXICONS.source("de")) > 0 else 1)
done.set()
thread.join()
_, status = os.waitpid(pid, 0)
print(status)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_process_forked_while_a_thread_loads_a_table_loads_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FORK_CHILD], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]  # not killed by its alarm: it did not hang
