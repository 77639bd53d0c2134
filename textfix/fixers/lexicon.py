"""Words that are not English: untranslated source words, typos and unknown words.

Machine translation passes source words through (``Landesstraße``, ``Schubser``),
translates half a compound (``gleisbed`` for *Gleisbett*) and scraped text
carries plain typos (``Isloation``). A frequency lexicon finds most of them
cheaply. The lexicons are wordfreq's bundled frequency lists, read straight
from their data files (nothing is downloaded), down to a frequency floor, and
kept as sorted arrays of stable word hashes (:class:`HashedWords`). The tables
built from them are stored in textfix's on-disk cache (:mod:`textfix.cache`)
after the first build, so later processes read them back in a few
milliseconds without importing wordfreq.

What the fixer reports:

- ``lexicon/untranslated``: a word unknown or very rare in English but common
  in the source language (the ``source_lang`` option, or the likeliest of
  :data:`SOURCES`); also a capitalised mid-sentence word that English does not
  know and German uses as a noun, and an unknown word that shares a long
  prefix with a German or Dutch word but not with any common English one (a
  half-translated compound).
- ``lexicon/typo``: a lower-case (or sentence-initial) word unknown in English
  with one clearly dominant English word within edit distance 1 or 2 (same
  first letter), or a rare listed misspelling beside a far commoner word.
  When the document itself uses the suggested word elsewhere, a lower-case
  unknown word is fixed by an unsafe edit (confidence 0.85 at distance 1,
  applied by default; 0.7 at distance 2, shown as a flag); otherwise, and for
  capitalised or listed words, it stays a flag with the suggestion.
- ``lexicon/unknown``: any other unknown lower-case word, only when the
  ``lexicon_unknown`` option is on.

Exempt: words of fewer than four letters, all-caps and mixed-case words,
capitalised words that look like names, words in protected spans, words the
document uses three or more times, words in the user's word list, words with
digits, the parts of hyphenated compounds that English knows, English words
with a common affix, and words inside a quoted source-language phrase.

Russian is matched both in Cyrillic and in one Latin transliteration
(BGN/PCGN-like: ``khorosho``, ``segodnya``); other romanisations (``horosho``)
are not recognised.

The hot path makes the text's ASCII punctuation white space (one
``bytes.translate``), splits it into a set of distinct tokens and removes the
common English ones with set differences (C speed), strips and splits what is
left in one pass, and looks each remaining distinct word up once; only the few
suspicious words are then located in the text.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import marshal
import operator
import os
import re
import sys
import threading
import unicodedata
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, filterfalse, repeat
from pathlib import Path
from typing import TypeVar, overload

from textfix import cache
from textfix.model import Document, Edit, Example, Fixer, Flag, Rule
from textfix.options import Options

#: candidate source languages, in the order ties are broken
SOURCES = ("de", "fr", "es", "it", "pt", "nl", "ru", "cs", "pl")
LANGUAGE_NAMES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ru": "Russian",
    "cs": "Czech",
    "pl": "Polish",
}
#: languages whose compounds are written as one word
COMPOUND_LANGS = ("de", "nl")

#: a word at or above this Zipf frequency in English is plainly English
EN_KNOWN = 2.0
#: a lower-case word must be at least this common in the source language
SOURCE_COMMON = 3.0
#: ... and this many Zipf points (powers of ten) commoner than in English
SOURCE_MARGIN = 2.0
#: a capitalised mid-sentence word unknown to English is a German noun from here
GERMAN_NOUN = 2.3
#: typo suggestions are English words at least this common
TYPO_TARGET = 3.0
#: ... and beat the runner-up by this many Zipf points
TYPO_MARGIN = 1.0
#: a rare English word (Zipf < EN_KNOWN) is a typo only this much below its candidate
RARE_MARGIN = 2.5
#: the document's own vocabulary: words it uses this often are never flagged
DOC_VOCABULARY = 3
MIN_LETTERS = 4
#: longer "words" are data (base64, a run of CJK text), not words
MAX_LETTERS = 32
#: per document, distinct unknown words given the full (typo) analysis: a base
#: number plus one per this many characters; the rest get dictionary lookups only
THOROUGH_BASE = 200
THOROUGH_PER_CHARS = 500
#: source-language words this common mark a quoted foreign phrase around a word
FUNCTION_WORD = 4.0

#: confidence of a typo fix whose suggestion the document uses elsewhere
CONFIDENCE_D1 = 0.85  # above the default threshold: applied
CONFIDENCE_D2 = 0.7  # below it: shown as a flag with the suggestion

# prepositions after which a capitalised word is most likely a place name
_PLACE_WORDS = frozenset(
    "in at from to near of for by via into onto towards toward outside inside around "
    "between across through throughout along within beyond past over under and or".split()
)
_CLITICS = frozenset(("s", "t", "ll", "re", "ve", "d", "m", ""))
_SENTENCE_END = frozenset(".!?…:")
_PUNCT = ".,;:!?\"'“”‘’«»()[]{}…*"
_OPENERS = "\"'“‘«([{*_—–- \t\u00a0"

# A word: letters, with inner apostrophes (don't, Putin's). Hyphens split words,
# so each part of a compound is judged on its own. Digits and underscores are
# word characters for the look-arounds: "3rd", "COVID19", "snake_case" are not words.
_WORD = re.compile(r"(?<!\w)(?<!\w['’])[^\W\d_]++(?:['’][^\W\d_]++)*+(?!\w)")

# The same words, only those of MIN_LETTERS characters or more (the others are
# never judged), for splitting chunks with inner punctuation. The first letter
# comes first so that the engine skips to letters in C; the look-behinds then
# check what precedes it, and a look-ahead drops short words before any string
# is made (1 MB of "a." holds half a million one-letter words).
_LONG_WORD = re.compile(
    r"[^\W\d_]"
    rf"(?=(?:[^\W\d_]|['’](?=[^\W\d_])){{{MIN_LETTERS - 1}}})"
    r"(?<!\w[^\W\d_])(?<!\w['’][^\W\d_])[^\W\d_]*+(?:['’][^\W\d_]++)*+(?!\w)"
)
#: ASCII characters that cannot be part of a word, to white space: a long ASCII
#: chunk whose runs of letters and apostrophes are all short holds no long word
_ASCII_NON_WORD = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalpha() or chr(c) == "'")}
)
#: UTF-8 bytes of the ASCII characters that are neither word characters (\w: letters,
#: digits, "_") nor apostrophes, to spaces; every other byte, and so every non-ASCII
#: character, is kept. The look-arounds of _WORD and _LONG_WORD see such a character
#: and a space alike, so the text with them as spaces has the same words, and its
#: white-space tokens hold them whole (see LexiconFixer._words).
_SPACED = bytes(
    0x20 if c < 128 and not (chr(c).isalnum() or chr(c) in "_'") else c for c in range(256)
)


def _spaced(text: str) -> str:
    """``text`` with its ASCII non-word characters (but apostrophes) as spaces: mapped
    in C on the UTF-8 bytes (``str.translate`` is slow on non-ASCII text), which stay
    valid UTF-8 as only ASCII bytes change."""
    data = text.encode("utf-8", "surrogatepass").translate(_SPACED)
    return data.decode("utf-8", "surrogatepass")


_SPACE = re.compile(r"\s")

_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip


def _key(word: str) -> str:
    """The form wordfreq stores: NFC, case-folded, straight apostrophe."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", word).replace("’", "'")
    return word.casefold()


# --- the lexicons ------------------------------------------------------------


@functools.cache
def _data_dir() -> Path | None:
    """wordfreq's data folder, found without importing wordfreq (0.2 s of imports)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _list_file(lang: str) -> Path | None:
    """The data file of wordfreq's best list for ``lang`` (``None``: none on disk)."""
    folder = _data_dir()
    if folder is not None:
        for size in ("large", "small"):
            path = folder / f"{size}_{lang}.msgpack.gz"
            if path.exists():
                return path
    return None  # pragma: no cover - every language textfix uses ships a list


def _buckets(lang: str, floor: float = 0.0) -> Iterator[list[str]]:
    """wordfreq's list for ``lang``: words grouped by frequency, commonest first.

    Bucket ``i`` holds the words of Zipf frequency ``9 - i / 100``. The data
    file is read as a stream and reading stops below ``floor``: the rare tail
    holds most of the words, and never unpacking it saves time and memory.
    wordfreq's own loaders would unpack and cache the whole list.
    """
    import gzip

    import msgpack

    last = int(round((9 - floor) * 100))
    path = _list_file(lang)
    if path is None:  # pragma: no cover - every language textfix uses ships a list
        import wordfreq

        yield from wordfreq.get_frequency_list(lang, wordlist="best")[: last + 1]
        return
    with gzip.open(path, "rb") as f:
        unpacker = msgpack.Unpacker(f, raw=False)
        n = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB":
            raise ValueError(f"{path}: not a wordfreq cBpack file")
        for _ in range(min(n - 1, last + 1)):
            yield unpacker.unpack()


def _zipf(bucket: int) -> float:
    # bucket i holds words of frequency 10 ** (-i / 100): Zipf 9 - i / 100
    return _ZIPFS[bucket]


#: how deep each source list is read (Zipf): German nouns are judged from 2.3;
#: Russian, the biggest list, only from 3.3 (its Cyrillic forms are large strings)
_FLOORS = {"de": GERMAN_NOUN, "ru": 3.3}
#: how deep the word lists of compounding languages are read for prefixes
_PREFIX_FLOOR = 2.5

_ZIPFS = [round(9 - i / 100, 2) for i in range(1001)]


# --- the on-disk cache of the tables ------------------------------------------

#: the version of the stored tables: bump it whenever what a table holds or how
#: it is stored changes (the word hash, the packing, the words kept, the layout);
#: an edit of this module changes the keys anyway (:func:`_code_digest`)
CACHE_FORMAT = 1


@functools.cache
def _code_digest() -> str | None:
    """A digest of this module's source: the tables are what its code builds, so
    another textfix (an upgrade, an edit in a checkout) never reads this one's."""
    return cache.source_digest(__file__)


def _source_id(lang: str) -> tuple[str, int, int] | None:
    """The data file ``lang``'s tables derive from: path, size, modification time."""
    path = _list_file(lang)
    if path is None:  # pragma: no cover - every language textfix uses ships a list
        return None
    try:
        st = path.stat()
    except OSError:  # pragma: no cover - it existed a moment ago
        return None
    return (str(path), st.st_size, st.st_mtime_ns)


def _cache_key(table: str, langs: Sequence[str], *settings: object) -> str | None:
    """The cache key of a table: everything it derives from.

    That is :data:`CACHE_FORMAT`, this module's code, the word hash, the Python
    that reads it back (marshal, Unicode case rules, byte order), wordfreq's data
    files of ``langs`` and the constants that shape the table (``settings``);
    ``None`` (build, do not store) when a list does not come from a data file or
    the code has no source file. The key is made when a table is loaded, so a
    changed constant is a different table.
    """
    code = _code_digest()
    if code is None:  # pragma: no cover
        return None
    files = []
    for lang in langs:
        ident = _source_id(lang)
        if ident is None:  # pragma: no cover
            return None
        files.append(ident)
    # the hash of a sample word: tables of another word hash are never read back
    version = (
        CACHE_FORMAT,
        code,
        _word_hash("Landesstraße"),
        sys.version_info[:2],
        sys.byteorder,
    )
    return repr((version, table, tuple(files), settings))


_T = TypeVar("_T")


def _cached_table(
    name: str,
    key: str | None,
    build: Callable[[], _T],
    dump: Callable[[_T], object],
    parse: Callable[[object], _T],
) -> _T:
    """The table stored under ``(name, key)``, else built (and stored for later runs).

    Tables are stored as the :mod:`marshal` data of a few plain values (bytes,
    a string, a set of strings), which reads back in milliseconds. An entry that
    does not parse is rebuilt and replaced; with the cache off nothing is
    serialised.
    """
    if key is None or cache.cache_dir() is None:
        return build()
    data = cache.load(name, key)
    if data is not None:
        try:
            return parse(marshal.loads(data))
        except (ValueError, TypeError, EOFError, IndexError):
            pass  # written by another build of textfix under the same key: rebuilt
    table = build()
    cache.store(name, key, marshal.dumps(dump(table)))
    return table


# --- compact tables ------------------------------------------------------------

#: the word hash keeps 40 bits: see :class:`HashedWords` for why that is enough
_HASH_MASK = (1 << 40) - 1
_VALUE_BITS = 20
_VALUE_MASK = (1 << _VALUE_BITS) - 1
_blake2s = hashlib.blake2s
_from_bytes = int.from_bytes


def _word_hash(word: str) -> int:
    """A 40-bit hash of ``word`` that is the same in every process (``hash()`` is
    salted per process, so tables built with it could not be stored)."""
    try:
        data = word.encode()
    except UnicodeEncodeError:  # a lone surrogate: never in a table, but looked up
        data = word.encode("utf-8", "surrogatepass")
    # the default digest size: a shorter one is a parameter, and costs more than it saves
    return _from_bytes(_blake2s(data).digest(), "little") & _HASH_MASK


def _word_hashes(words: Iterable[str]) -> Iterator[int]:
    """:func:`_word_hash` of each word, every step mapped in C (and lazily: no list
    of encoded words is kept; "surrogatepass" gives the bytes of a strict encoding
    for every word that has one)."""
    data = map(str.encode, words, repeat("utf-8"), repeat("surrogatepass"))
    digests = map(_blake2s.digest, map(_blake2s, data))
    return map(operator.and_, map(_from_bytes, digests, repeat("little")), repeat(_HASH_MASK))


def _pack(words: Iterable[str], values: Iterable[int]) -> Iterator[int]:
    """Each word's :func:`_word_hash` shifted above its value, computed in C."""
    return map(operator.or_, map(operator.lshift, _word_hashes(words), repeat(_VALUE_BITS)), values)


class HashedWords:
    """A read-only word → Zipf map that keeps eight bytes a word, not the word.

    Each word is stored as a 40-bit hash and its value (a frequency bucket)
    packed in one 64-bit integer, in a sorted array, and looked up by bisection.
    The hash (:func:`_word_hash`, 40 bits of the word's blake2s digest) is the
    same in every process, so a table can be stored and read back. A collision
    is unlikely: a non-word matches one of 300 000 words once in three million
    look-ups, and would only make one rare word look known. Two words of one
    table share a hash with a chance of n² / 2**41 (one in twenty for the
    English list; no table built from today's lists holds such a pair), which
    would give the rarer word the commoner one's value. The hash costs about
    half a microsecond; a caller looking a word up in several tables hashes it
    once (:meth:`hashed_bucket`, :meth:`hashed_get`).
    """

    __slots__ = ("_packed",)

    def __init__(self, words: list[str], values: list[int]) -> None:
        # hash and value packed in one int below 2**60 sort fast; every step runs in C
        self._packed = HashedWords.of_packed(list(_pack(words, values)))._packed

    @classmethod
    def of_packed(cls, packed: list[int]) -> HashedWords:
        """The table of integers made by :func:`_pack` (sorted here, in place)."""
        packed.sort()
        table = cls.__new__(cls)
        table._packed = array("q", packed)
        return table

    def to_bytes(self) -> bytes:
        """The table as bytes, for :meth:`from_bytes` (in another process)."""
        return self._packed.tobytes()

    @classmethod
    def from_bytes(cls, data: object) -> HashedWords:
        """The table stored by :meth:`to_bytes` (on this machine's byte order)."""
        if not isinstance(data, bytes):
            raise TypeError("HashedWords.from_bytes needs bytes")
        table = cls.__new__(cls)
        table._packed = array("q")
        table._packed.frombytes(data)
        return table

    def __len__(self) -> int:
        return len(self._packed)

    def values(self, word: str) -> list[int]:
        """Every value stored under ``word`` (a multimap lookup)."""
        h = _word_hash(word)
        packed = self._packed
        i = bisect.bisect_left(packed, h << _VALUE_BITS)
        out = []
        while i < len(packed) and packed[i] >> _VALUE_BITS == h:
            out.append(packed[i] & _VALUE_MASK)
            i += 1
        return out

    def hashed_bucket(self, h: int) -> int:
        """The value of the word whose :func:`_word_hash` is ``h`` (-1: none)."""
        packed = self._packed
        i = bisect.bisect_left(packed, h << _VALUE_BITS)
        if i < len(packed) and packed[i] >> _VALUE_BITS == h:
            return packed[i] & _VALUE_MASK
        return -1

    def bucket(self, word: str) -> int:
        return self.hashed_bucket(_word_hash(word))

    def hashed_get(self, h: int, default: float = 0.0) -> float:
        """:meth:`get` of the word whose :func:`_word_hash` is ``h``."""
        b = self.hashed_bucket(h)
        return default if b < 0 else _ZIPFS[b]

    def get(self, word: str, default: float = 0.0) -> float:
        b = self.hashed_bucket(_word_hash(word))
        return default if b < 0 else _ZIPFS[b]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.bucket(word) >= 0

    def __getitem__(self, word: str) -> float:
        b = self.bucket(word)
        if b < 0:
            raise KeyError(word)
        return _ZIPFS[b]


class SortedWords(Sequence[str]):
    """A sorted word list kept as one string and an array of offsets.

    A list of 100 000 short strings costs some 7 MB; this costs under 2 MB and
    still bisects (each probe slices one word out).
    """

    __slots__ = ("_text", "_starts")

    def __init__(self, words: list[str]) -> None:
        self._text = "\n".join(words)
        # starts[i] is where word i begins; starts[n] - 1 is the end of the text
        self._starts = array("q", accumulate(map((1).__add__, map(len, words)), initial=0))

    def to_parts(self) -> tuple[str, bytes]:
        """The list as a string and bytes, for :meth:`from_parts` (in another process)."""
        return self._text, self._starts.tobytes()

    @classmethod
    def from_parts(cls, parts: object) -> SortedWords:
        """The list stored by :meth:`to_parts`."""
        text, starts = parts  # type: ignore[misc]
        if not isinstance(text, str) or not isinstance(starts, bytes):
            raise TypeError("SortedWords.from_parts needs a string and bytes")
        table = cls.__new__(cls)
        table._text = text
        table._starts = array("q")
        table._starts.frombytes(starts)
        if not table._starts or table._starts[-1] != len(text) + 1:
            raise ValueError("SortedWords.from_parts: offsets do not match the text")
        return table

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._text[self._starts[i] : self._starts[i + 1] - 1]


_EnTables = tuple[HashedWords, frozenset[str], list[str], frozenset[str]]


def _build_en() -> _EnTables:
    """The English table, :attr:`Lexicons.common`, :attr:`Lexicons.en_common` and
    the entries of :func:`_exceptions`."""
    # each bucket is hashed as it is read: the rare words (two thirds of the
    # list) are never kept as strings
    packed: list[int] = []
    common: set[str] = set()
    frequent: list[str] = []
    known = int(round((9 - EN_KNOWN) * 100))
    target = int(round((9 - TYPO_TARGET) * 100))
    for i, bucket in enumerate(_buckets("en")):
        packed += _pack(bucket, repeat(i))
        if i <= known:
            common.update(bucket)
        if i <= target:
            # sentence-initial forms of the commonest words ("The", "However")
            common.update(map(str.capitalize, bucket))
            frequent += filter(str.isalpha, bucket)
    frequent.sort()
    frozen = frozenset(common)
    return HashedWords.of_packed(packed), frozen, frequent, _common_exceptions(frozen)


def _judged_words(entry: str, common: frozenset[str]) -> list[str]:
    """The words of a chunk ``entry`` that the fixer would judge, were it not common:
    of a judged length and not common in lower case."""
    return [
        w
        for w in _LONG_WORD.findall(entry.strip(_PUNCT))
        if MIN_LETTERS <= len(w) <= MAX_LETTERS and _key(w) not in common
    ]


def _common_exceptions(common: frozenset[str]) -> frozenset[str]:
    """The entries of ``common`` that hold a word the fixer would judge (``youtu.be``:
    ``youtu``; a handful), found without a Python step for most entries."""
    # an ASCII alphabetic entry is its only word, judged when its lower case is not
    # common: never for a lower-case one
    alpha = list(filter(str.isalpha, common))
    capital = list(filterfalse(str.islower, filter(str.isascii, alpha)))
    lowered = map(str.lower, capital)
    found = {w for w, low in zip(capital, lowered, strict=True) if low not in common}
    # any other entry is looked at in Python (a few thousand)
    others = chain(filterfalse(str.isalpha, common), filterfalse(str.isascii, alpha))
    found.update(others)
    return frozenset(w for w in found if _judged_words(w, common))


_EXCEPTIONS: list[tuple[frozenset[str], tuple[frozenset[str], frozenset[str]]]] = []


def _exceptions(common: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The entries of ``common`` that hold a word the fixer would judge, and those words.

    :meth:`LexiconFixer._chunk_words` drops a chunk that is common (or stripped of
    punctuation is) with all its words; :meth:`LexiconFixer._words` drops the tokens
    of a chunk split at punctuation that are common. The two differ only on these
    entries and their words. For :attr:`Lexicons.common` they are stored with the
    table; another set (a test's) gets them computed, once.
    """
    if LEXICONS._en is not None and common is LEXICONS._common:
        return LEXICONS._exceptions
    if not _EXCEPTIONS or _EXCEPTIONS[0][0] is not common:
        entries = _common_exceptions(common)
        words = frozenset(w for e in entries for w in _judged_words(e, common))
        _EXCEPTIONS[:] = [(common, (entries, words))]
    return _EXCEPTIONS[0][1]


def _joined(words: Collection[str]) -> str | Collection[str]:
    """The words as one string, which reads back faster than marshal's sets and
    lists of strings (the words as they are if one holds a line break)."""
    text = "\n".join(words)
    return text if text.count("\n") == len(words) - 1 and words else words


def _split(data: object) -> list[str]:
    if isinstance(data, str):
        return data.split("\n")
    if isinstance(data, (list, frozenset)):
        return list(data)
    raise TypeError("not a list of words")


def _dump_en(tables: _EnTables) -> object:
    en, common, frequent, exceptions = tables
    # sorted: a set's order changes with the per-process string hash, the file should not
    return en.to_bytes(), _joined(sorted(common)), _joined(frequent), sorted(exceptions)


def _parse_en(data: object) -> _EnTables:
    packed, common, frequent, exceptions = data  # type: ignore[misc]
    if not isinstance(exceptions, list):
        raise TypeError("not a list of exceptions")
    return (
        HashedWords.from_bytes(packed),
        frozenset(_split(common)),
        _split(frequent),
        frozenset(exceptions),
    )


def _parse_function_words(data: object) -> dict[str, float]:
    if not isinstance(data, dict):
        raise TypeError("not a table of function words")
    return data


class Lexicons:
    """The frequency lists, loaded on first use and shared by every fixer.

    Only the words the hot path compares as strings are kept as strings: the
    common English words (a set, for one C-level set difference per document).
    The prefix lists of compounding languages are one string each
    (:class:`SortedWords`); everything else is a :class:`HashedWords` table.
    English and the source lists load on the first word to judge; a source
    language's function words and prefixes only when a check needs them. Every
    table is read from the on-disk cache when it holds one built from the same
    data files and constants (see :func:`_cache_key`), else built and stored.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()  # loaders call each other
        self._en: HashedWords | None = None
        self._sources: dict[str, HashedWords] = {}
        self._prefixes: dict[str, SortedWords] = {}
        self._top: dict[str, dict[str, float]] = {}
        self._typo: HashedWords | None = None
        self._en_common: list[str] = []
        self._common: frozenset[str] = frozenset()
        self._exceptions: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())

    def _after_fork(self) -> None:
        """In a forked child: a new lock (a thread of the parent may hold the old one)."""
        self._lock = threading.RLock()

    @property
    def en(self) -> HashedWords:
        """Every English word wordfreq knows (Zipf ≥ 1), with its Zipf frequency."""
        if self._en is None:
            with self._lock:
                if self._en is None:
                    self._load_en()
        assert self._en is not None
        return self._en

    def _load_en(self) -> None:
        key = _cache_key("en", ("en",), EN_KNOWN, TYPO_TARGET, MIN_LETTERS, MAX_LETTERS, _PUNCT)
        en, common, frequent, exceptions = _cached_table(
            "lexicon-en", key, _build_en, _dump_en, _parse_en
        )
        words = frozenset(w for e in exceptions for w in _judged_words(e, common))
        self._exceptions = (exceptions, words)
        self._common = common
        self._en_common = frequent
        self._en = en  # last: the property reads it without the lock

    def source(self, lang: str) -> HashedWords:
        """Common words of ``lang`` that English does not use (Zipf < EN_KNOWN)."""
        got = self._sources.get(lang)
        if got is None:
            with self._lock:
                got = self._sources.get(lang)
                if got is None:
                    got = self._sources[lang] = self._load_source(lang)
        return got

    def _load_source(self, lang: str) -> HashedWords:
        floor = _FLOORS.get(lang, SOURCE_COMMON)
        translit = sorted(_CYRILLIC.items()) if lang == "ru" else None
        key = _cache_key(
            "source", (lang, "en"), floor, MIN_LETTERS, EN_KNOWN, TYPO_TARGET, translit
        )
        return _cached_table(
            f"lexicon-source-{lang}",
            key,
            lambda: self._build_source(lang, floor),
            HashedWords.to_bytes,
            HashedWords.from_bytes,
        )

    def _build_source(self, lang: str, floor: float) -> HashedWords:
        common = self.common
        packed: list[int] = []
        for i, bucket in enumerate(_buckets(lang, floor)):
            # words English uses commonly can never be flagged: not kept
            kept = [w for w in set(bucket) - common if len(w) >= MIN_LETTERS]
            if lang == "ru":
                latin = {w.translate(_CYRILLIC) for w in kept if not w.isascii()}
                kept += [w for w in latin - common if len(w) >= 5]
            packed += _pack(kept, repeat(i))
        return HashedWords.of_packed(packed)

    def function_words(self, lang: str) -> dict[str, float]:
        """The commonest words of ``lang`` (Zipf ≥ FUNCTION_WORD) that English uses less.

        Only a flag about to be raised needs them: they are read on first use,
        from the head of the list.
        """
        got = self._top.get(lang)
        if got is None:
            with self._lock:
                got = self._top.get(lang)
                if got is None:
                    key = _cache_key("function", (lang, "en"), FUNCTION_WORD)
                    got = self._top[lang] = _cached_table(
                        f"lexicon-function-{lang}",
                        key,
                        lambda: self._build_function_words(lang),
                        dict,
                        _parse_function_words,
                    )
        return got

    def _build_function_words(self, lang: str) -> dict[str, float]:
        en = self.en
        got: dict[str, float] = {}
        for i, bucket in enumerate(_buckets(lang, FUNCTION_WORD)):
            z = _zipf(i)
            for w in bucket:
                if w.isalpha() and z > en.get(w, 0.0) + 0.5:
                    got[w] = z
        return got

    def prefixes(self, lang: str) -> Sequence[str]:
        """Sorted words of a compounding language with Zipf ≥ 2.5 (read on first use)."""
        if lang not in COMPOUND_LANGS:
            return ()
        got = self._prefixes.get(lang)
        if got is None:
            with self._lock:
                got = self._prefixes.get(lang)
                if got is None:
                    key = _cache_key("prefixes", (lang,), _PREFIX_FLOOR)
                    got = self._prefixes[lang] = _cached_table(
                        f"lexicon-prefixes-{lang}",
                        key,
                        lambda: _build_prefixes(lang),
                        SortedWords.to_parts,
                        SortedWords.from_parts,
                    )
        return got

    @property
    def common(self) -> frozenset[str]:
        """English words with Zipf ≥ EN_KNOWN (and the commonest capitalised), as a set."""
        if self._en is None:
            self.en  # noqa: B018 - loads the lists
        return self._common

    @property
    def exceptions(self) -> tuple[frozenset[str], frozenset[str]]:
        """The entries of :attr:`common` that hold a word the fixer would judge, and
        those words (see :func:`_exceptions`)."""
        if self._en is None:
            self.en  # noqa: B018 - loads the lists
        return self._exceptions

    @property
    def en_common(self) -> list[str]:
        """Sorted English words with Zipf ≥ TYPO_TARGET."""
        if self._en is None:
            self.en  # noqa: B018 - loads the lists
        return self._en_common

    @property
    def typo_index(self) -> HashedWords:
        """Symmetric-delete index: each common English word and its one-letter
        deletions, mapped to the word's position in :attr:`en_common`."""
        if self._typo is None:
            with self._lock:
                if self._typo is None:
                    key = _cache_key("typo", ("en",), TYPO_TARGET)
                    self._typo = _cached_table(
                        "lexicon-typo",
                        key,
                        lambda: _delete_index(self.en_common),
                        HashedWords.to_bytes,
                        HashedWords.from_bytes,
                    )
        return self._typo


def _build_prefixes(lang: str) -> SortedWords:
    words: list[str] = []
    for bucket in _buckets(lang, _PREFIX_FLOOR):
        words += [w for w in bucket if len(w) >= 6 and w.isalpha()]
    words.sort()
    return SortedWords(words)


def _delete_index(words: list[str]) -> HashedWords:
    """Each word of three letters or more and its one-letter deletions, mapped to
    the word's position in ``words``.

    The deletions are made a position at a time over all the words long enough,
    with slices mapped in C; a word deleting either of two equal letters gives
    the same probe twice, and the table keeps both entries (the caller collects
    candidates in a set, so a duplicate costs a look-up, not a wrong answer).
    """
    by_length: dict[int, tuple[list[int], list[str]]] = {}
    for n, w in enumerate(words):
        if len(w) >= 3:
            group = by_length.setdefault(len(w), ([], []))
            group[0].append(n)
            group[1].append(w)
    keys: list[str] = []
    positions: list[int] = []
    for length, (ns, ws) in by_length.items():
        keys += ws
        positions += ns
        for i in range(length):
            head = map(operator.itemgetter(slice(None, i)), ws)
            tail = map(operator.itemgetter(slice(i + 1, None)), ws)
            keys += map(operator.add, head, tail)
            positions += ns
    return HashedWords(keys, positions)


LEXICONS = Lexicons()
# A process forked while another thread loads a table (holding the lock, for a
# second or two on a first run) would wait for that thread forever: the child
# gets a lock of its own (whatever the thread had loaded is complete or absent)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=LEXICONS._after_fork)


def _deletes1(w: str) -> set[str]:
    return {w[:i] + w[i + 1 :] for i in range(len(w))}


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (a transposition counts 1), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


# --- verdicts that depend only on the word ---------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # "untranslated", "compound", "typo", "unknown"
    lang: str = ""
    zipf: float = 0.0
    other: str = ""  # the source word of a compound, or the typo suggestion
    distance: int = 0
    alternatives: tuple[str, ...] = ()
    rare: bool = False  # the word is in the English list, if rarely


def typo_candidates(key: str, exhaustive: bool = True) -> tuple[int, list[tuple[float, str]]]:
    """Common English words (Zipf ≥ TYPO_TARGET) within edit distance 1, else 2.

    Returns the distance searched and the ``(zipf, word)`` pairs found,
    commonest first. Distance 1 is exhaustive. Distance 2 is bounded: the query's deletions (up to
    two) meet the index's single deletions, which finds two extra letters, a
    substitution or transposition plus one more edit, and so on, but not two
    missing letters or two substitutions.
    """
    en = LEXICONS.en
    words = LEXICONS.en_common
    lookup = LEXICONS.typo_index.values
    d1 = _deletes1(key)
    found: set[int] = set()
    for probe in (key, *d1):
        found.update(lookup(probe))
    near = [(en[w], w) for w in map(words.__getitem__, found) if osa_distance(key, w, 1) == 1]
    if near or len(key) < 6 or not exhaustive:
        return 1, sorted(near, reverse=True)
    for d in d1:
        for probe in _deletes1(d):
            found.update(lookup(probe))
    far = [(en[w], w) for w in map(words.__getitem__, found) if osa_distance(key, w, 2) == 2]
    return 2, sorted(far, reverse=True)


def _lcp(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _longest_prefix(words: Sequence[str], key: str) -> tuple[int, str]:
    i = bisect.bisect_left(words, key)
    best = (0, "")
    for j in (i - 1, i):
        if 0 <= j < len(words):
            n = _lcp(words[j], key)
            if n > best[0]:
                best = (n, words[j])
    return best


def _source_guess(key: str, langs: tuple[str, ...], h: int | None = None) -> tuple[str, float]:
    """The source language that uses ``key`` most, and its Zipf there (``h``: the
    word's hash, computed once for every table)."""
    if h is None:
        h = _word_hash(key)
    best_lang, best = "", 0.0
    for lang in langs:
        z = LEXICONS.source(lang).hashed_get(h)
        if z > best:
            best_lang, best = lang, z
    return best_lang, best


def _english_zipf(key: str, h: int | None = None) -> float:
    """English frequency of a word, also under its unaccented spelling (matinée)."""
    en = LEXICONS.en
    z = en.get(key, 0.0) if h is None else en.hashed_get(h)
    if z < EN_KNOWN and not key.isascii():
        plain = "".join(
            ch for ch in unicodedata.normalize("NFD", key) if not unicodedata.combining(ch)
        )
        z = max(z, en.get(plain, 0.0))
    return z


_JUDGED: dict[tuple[str, ...], dict[str, Verdict | None]] = {}
_JUDGED_MAX = 200_000


def _judged(langs: tuple[str, ...]) -> dict[str, Verdict | None]:
    """The verdicts given so far for these candidate languages (a bounded cache)."""
    cache = _JUDGED.get(langs)
    if cache is None or len(cache) > _JUDGED_MAX:
        cache = _JUDGED[langs] = {}
    return cache


def judge(key: str, langs: tuple[str, ...], thorough: bool = True) -> Verdict | None:
    """What a lower-case word is, from the lexicons alone (None: English enough).

    ``thorough=False`` skips the typo and compound searches (and neither reads
    nor fills the cache, so the verdict never depends on what came before):
    the fixer's guard against documents full of distinct non-words.
    """
    if not thorough:
        return _judge(key, langs, thorough=False)
    cache = _judged(langs)
    if key in cache:
        return cache[key]
    v = cache[key] = _judge(key, langs)
    return v


def _judge(key: str, langs: tuple[str, ...], thorough: bool = True) -> Verdict | None:
    h = _word_hash(key)
    en_z = _english_zipf(key, h)
    if en_z >= EN_KNOWN:
        return None
    lang, z = _source_guess(key, langs, h)
    if z >= SOURCE_COMMON and z - en_z >= SOURCE_MARGIN:
        return Verdict("untranslated", lang, z)
    if not key.isalpha():
        return None  # a word with an apostrophe
    if en_z > 0.0:
        # a rare English word: wordfreq's web data holds common misspellings
        # (improvment); one is a typo only beside a far commoner word, and even
        # then only flagged, since rare words are real words too (terrorises)
        if not thorough or len(key) < 5:
            return None
        distance, cands = typo_candidates(key, exhaustive=False)
        if (
            cands
            and _dominant(cands)
            and cands[0][0] >= en_z + RARE_MARGIN
            and _plausible(key, cands[0][1], 2)
        ):
            return Verdict("typo", zipf=cands[0][0], other=cands[0][1], distance=1, rare=True)
        return None
    if not thorough:
        return Verdict("unknown")
    if _derived(key):
        return None  # deduplicated, sharding, undill: English word plus affix
    distance, cands = typo_candidates(key)
    if distance == 1 and cands and _dominant(cands) and _plausible(key, cands[0][1], 1):
        return Verdict("typo", zipf=cands[0][0], other=cands[0][1], distance=1)
    compound = _compound(key, langs)
    if compound is not None:
        return compound
    if cands and _dominant(cands) and _plausible(key, cands[0][1], distance):
        return Verdict("typo", zipf=cands[0][0], other=cands[0][1], distance=distance)
    return Verdict("unknown", alternatives=tuple(w for _, w in cands[:3]))


_PREFIXES = ("de", "re", "un", "pre", "non", "sub", "co", "mis", "anti", "multi", "over", "under")
_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "ers", "ly", "able", "ness", "ings")


def _derived(key: str) -> bool:
    """True when ``key`` is a common English word with a prefix or suffix added."""
    common = LEXICONS.common
    stems = [key]
    for p in _PREFIXES:
        if key.startswith(p) and len(key) - len(p) >= 4:
            stems.append(key[len(p) :])
    for stem in stems:
        if stem != key and stem in common:
            return True
        for suf in _SUFFIXES:
            if stem.endswith(suf) and len(stem) - len(suf) >= 3:
                base = stem[: -len(suf)]
                if base in common or base + "e" in common:
                    return True
                if len(base) > 3 and base[-1] == base[-2] and base[:-1] in common:
                    return True  # shipping, planned
    return False


def _plausible(word: str, candidate: str, strictness: int) -> bool:
    """Typos keep the first letter; looser matches must keep the last one too.

    Technical names are English words with letters added in front (``pytest``,
    ``lxml``, ``gunicorn``) and inflections differ at the end (``senates``):
    neither is a typo.
    """
    if word[0] != candidate[0]:
        return False
    return strictness < 2 or word[-1] == candidate[-1]


def _dominant(cands: list[tuple[float, str]]) -> bool:
    return cands[0][0] >= TYPO_TARGET and (
        len(cands) == 1 or cands[0][0] - cands[1][0] >= TYPO_MARGIN
    )


def _compound(key: str, langs: tuple[str, ...]) -> Verdict | None:
    """A word that starts like a source-language word and like no common English one."""
    if len(key) < 7:
        return None
    en_n, _ = _longest_prefix(LEXICONS.en_common, key)
    for lang in langs:
        if lang not in COMPOUND_LANGS:
            continue
        n, word = _longest_prefix(LEXICONS.prefixes(lang), key)
        if n >= 6 and n >= 0.6 * len(key) and n >= en_n + 3:
            return Verdict("compound", lang, 0.0, word)
    return None


def german_noun(key: str) -> float:
    """Zipf of a word English lacks and German uses (0.0 when it is no such word)."""
    h = _word_hash(key)
    if LEXICONS.en.hashed_bucket(h) >= 0 or _english_zipf(key, h) > 0.0:
        return 0.0
    return LEXICONS.source("de").hashed_get(h)


# --- the fixer ----------------------------------------------------------------


def _rules() -> tuple[Rule, ...]:
    return (
        Rule(
            "lexicon/untranslated",
            "a source-language word left untranslated, or a half-translated compound",
            safety="unsafe",
            examples=(
                Example(
                    "The bus stopped on the Landesstraße near the village.", flag="Landesstraße"
                ),
                Example("A small Schubser sent the cart rolling downhill.", flag="Schubser"),
                Example("The crew inspected the gleisbed after the storm.", flag="gleisbed"),
                Example("Two bundespolists checked the passports.", flag="bundespolists"),
            ),
            counter_examples=(
                "The bus stopped on the main road near the village.",
                "She met Angela Merkel in Berlin on Tuesday.",
                "The crew inspected the track bed after the storm.",
            ),
        ),
        Rule(
            "lexicon/typo",
            "a misspelt word with one clear English candidate",
            safety="unsafe",
            confidence=CONFIDENCE_D1,
            examples=(
                Example("The patients stayed in isloation for a week.", flag="isloation"),
                Example(
                    "Weeks of isloation were hard. The isolation ward was full.",
                    "Weeks of isolation were hard. The isolation ward was full.",
                ),
            ),
            counter_examples=(
                "The patients stayed in isolation for a week.",
                "Kowalczyk said the talks went well.",
            ),
        ),
        Rule(
            "lexicon/unknown",
            "a lower-case word no English lexicon knows (off by default)",
            safety="unsafe",
            example_options=(("lexicon_unknown", True),),
            examples=(Example("The gadget went frobzwick and stopped.", flag="frobzwick"),),
            counter_examples=("The gadget went quiet and stopped.",),
        ),
    )


RULES = _rules()


def read_wordlist(path: str) -> frozenset[str]:
    """A user word list: one word per line; blank lines and ``#`` comments ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read word list {path!r}: {exc}") from exc
    words = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(_key(line))
    return frozenset(words)


@dataclass(slots=True)
class _Candidate:
    surface: str
    key: str
    title: bool
    verdict: Verdict | None


class LexiconFixer(Fixer):
    name = "lexicon"
    rules = RULES

    def __init__(
        self,
        source_lang: str | None = None,
        unknown: bool = False,
        wordlist: frozenset[str] = frozenset(),
    ) -> None:
        self.source_lang = source_lang
        self.unknown = unknown
        self.wordlist = wordlist

    # distinct chunks of text split at white space, 1 MB at a time (keeps memory
    # flat); ``spaced``: of the text with ASCII punctuation as spaces (_spaced)
    @staticmethod
    def _chunks(text: str, block: int = 1 << 20, spaced: bool = False) -> set[str]:
        if len(text) <= block:
            return set((_spaced(text) if spaced else text).split())
        out: set[str] = set()
        pos, n = 0, len(text)
        while pos < n:
            end = min(n, pos + block)
            if end < n:
                sp = _SPACE.search(text, end)
                end = n if sp is None else sp.start()
            piece = text[pos:end]
            out.update((_spaced(piece) if spaced else piece).split())
            pos = end
        return out

    @classmethod
    def _words(cls, text: str, common: frozenset[str]) -> set[str]:
        """The distinct words of ``text`` worth a look: :meth:`_chunk_words`, found
        faster.

        The text's ASCII punctuation is made white space first (in C, see
        :func:`_spaced`), so that "word," and "(word" are the token "word" and
        leave with the common English words in the first set difference; hardly
        any tokens are left to strip and split. A token is part of a chunk and
        has the chunk's words there, but the simple path drops a chunk (or a
        stripped chunk) that is itself common, and this one a token: the two
        differ only where a common entry holds a word that would be judged
        (``youtu.be``). The few such entries are known (:func:`_exceptions`);
        a document that meets one, or yields one of their words, is read by
        the simple path.
        """
        tokens = cls._chunks(text, spaced=True)
        entries, entry_words = _exceptions(common)
        if not entries.isdisjoint(tokens):
            return cls._chunk_words(text, common)
        rest = tokens - common
        if not rest:
            return set()
        left = set(map(str.strip, rest, repeat(_PUNCT)))
        if not entries.isdisjoint(left):
            return cls._chunk_words(text, common)
        words = cls._split_words(left - common)
        if not entry_words.isdisjoint(words):
            return cls._chunk_words(text, common)
        # ASCII words that are common English as they stand leave in C too
        words -= set(filter(str.isascii, words & common))
        return words

    @classmethod
    def _chunk_words(cls, text: str, common: frozenset[str]) -> set[str]:
        """The distinct words of ``text`` worth a look (the simple path of
        :meth:`_words`): a superset of the words of four letters or more that
        are not common English as they stand.

        Common English words leave in C-level set differences: first the
        white-space chunks, then the chunks stripped of punctuation. Only the
        few distinct words left are looked at in Python.
        """
        rest = cls._chunks(text) - common
        if not rest:
            return set()
        words = cls._split_words(set(map(str.strip, rest, repeat(_PUNCT))) - common)
        # ASCII words that are common English as they stand leave in C too
        words -= set(filter(str.isascii, words & common))
        return words

    @staticmethod
    def _split_words(left: set[str]) -> set[str]:
        """The words of chunks stripped of punctuation at their ends."""
        words = set(filter(str.isalpha, left))
        if len(words) < len(left):
            # Chunks with inner punctuation are split into words, all in one
            # scan: the punctuation stripped from their ends is never part of a
            # word, so the words of a stripped chunk are those of the chunk, and
            # joined with spaces the chunks do not touch. A chunk that was all
            # punctuation (stripped to nothing) holds none.
            odd = left - words
            odd.discard("")
            joined = " ".join(odd)
            if len(joined) > 4096 and joined.isascii():
                # a long stretch of punctuated text (1 MB of "a."): look for a
                # run of word characters long enough first, in C
                runs = joined.translate(_ASCII_NON_WORD).split()
                if max(map(len, runs), default=0) < MIN_LETTERS:
                    joined = ""
            if joined:
                words.update(_LONG_WORD.findall(joined))
        return words

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        source = doc.options.get("source_lang") or self.source_lang
        langs = (source,) if source else SOURCES
        wordlist = self.wordlist
        unknown = self.unknown
        common = LEXICONS.common
        words = self._words(text, common)
        if not words:
            return
        cands: list[_Candidate] = []
        seen: set[str] = set()
        # the first ``budget`` distinct words to judge, in sorted order, get the full
        # analysis whether or not an earlier document already judged them: the
        # verdicts depend on this document alone (the pipeline relies on it)
        judged, budget = 0, THOROUGH_BASE + len(text) // THOROUGH_PER_CHARS
        for w in sorted(words):  # sorted: the typo budget is spent in a fixed order
            if w in seen or not MIN_LETTERS <= len(w) <= MAX_LETTERS:
                continue
            seen.add(w)
            k = w.lower() if w.isascii() else _key(w)
            if k in common or k in wordlist:  # English with Zipf >= EN_KNOWN
                continue
            if "'" in k:
                cut = max(w.rfind("'"), w.rfind("’"))
                if w[cut + 1 :].lower() not in _CLITICS or cut < MIN_LETTERS:
                    continue  # l'autoroute, O'Brien: not judged
                w = w[:cut]
                k = _key(w)
                if w in seen or k in common or k in wordlist:
                    continue
                seen.add(w)
            judged += 1
            v = judge(k, langs, judged <= budget)
            if w.islower():
                if v is not None and (v.kind != "unknown" or unknown):
                    cands.append(_Candidate(w, k, False, v))
            elif w.istitle() and not w.isupper():
                if (v is not None and v.kind != "unknown" and not v.rare) or (
                    "de" in langs and german_noun(k) >= GERMAN_NOUN
                ):
                    cands.append(_Candidate(w, k, True, v))
        if not cands:
            return
        found = sorted(self._report(doc.text, cands, langs), key=lambda x: (x.start, x.rule))
        for item in found:
            if not (doc.protected and doc.overlaps_protected(item.start, item.end)):
                yield item

    def _report(
        self, text: str, cands: list[_Candidate], langs: tuple[str, ...]
    ) -> Iterator[Edit | Flag]:
        by_key: dict[str, list[_Candidate]] = {}
        for c in cands:
            by_key.setdefault(c.key, []).append(c)
        for key, group in by_key.items():
            hits: list[tuple[int, _Candidate]] = []
            frequent = False
            for c in group:
                for start in _occurrences(text, c.surface, DOC_VOCABULARY - len(hits)):
                    hits.append((start, c))
                if len(hits) >= DOC_VOCABULARY:
                    frequent = True
                    break
            if frequent or not hits:
                continue
            # a capitalised word used mid-sentence anywhere is a name (or a German noun)
            contexts = [(s, c, _context(text, s)) for s, c in hits]
            named = any(c.title and ctx != "initial" for _, c, ctx in contexts)
            for start, c, ctx in contexts:
                end = start + len(c.surface)
                if ctx == "compound-name":
                    continue
                if c.title and ctx in ("lower", "other"):
                    if ctx == "lower" and "de" in langs:
                        z = german_noun(key)
                        if z >= GERMAN_NOUN and not _foreign_phrase(text, start, end, "de"):
                            yield Flag(
                                start,
                                end,
                                "lexicon/untranslated",
                                f"{c.surface!r} looks German (zipf {z:.1f}), not English: "
                                "a noun left untranslated?",
                            )
                    continue
                if c.title and named:
                    continue
                verdict = c.verdict
                if verdict is None or (c.title and verdict.rare):
                    continue
                if verdict.lang and _foreign_phrase(text, start, end, verdict.lang):
                    continue  # a quotation in the source language, not a slip
                yield from self._verdict(text, start, end, c, verdict)

    def _verdict(
        self, text: str, start: int, end: int, c: _Candidate, v: Verdict
    ) -> Iterator[Edit | Flag]:
        word = c.surface
        if v.kind == "untranslated":
            name = LANGUAGE_NAMES[v.lang]
            yield Flag(
                start,
                end,
                "lexicon/untranslated",
                f"{word!r} looks {name} (zipf {v.zipf:.1f}), not English",
            )
        elif v.kind == "compound":
            name = LANGUAGE_NAMES[v.lang]
            yield Flag(
                start,
                end,
                "lexicon/untranslated",
                f"{word!r} looks like a half-translated {name} compound (cf. {name} {v.other!r})",
            )
        elif v.kind == "typo":
            suggestion = v.other.capitalize() if c.title else v.other
            # a capitalised word at a sentence start may be a name: never rewritten
            if not c.title and not v.rare and _uses(text, v.other):
                confidence = CONFIDENCE_D1 if v.distance == 1 else CONFIDENCE_D2
                yield Edit(
                    start,
                    end,
                    suggestion,
                    "lexicon/typo",
                    f"{word!r} is not English; the document writes {v.other!r} elsewhere",
                    confidence,
                )
            else:
                yield Flag(
                    start,
                    end,
                    "lexicon/typo",
                    f"{word!r} is not English: {suggestion!r}?",
                    suggestion,
                )
        elif self.unknown and not c.title:
            also = f" (near {', '.join(map(repr, v.alternatives))})" if v.alternatives else ""
            yield Flag(
                start, end, "lexicon/unknown", f"{word!r} is not in the English lexicon{also}"
            )


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _occurrences(text: str, word: str, limit: int) -> list[int]:
    """Up to ``limit`` starts of ``word`` as a whole word in ``text``."""
    out: list[int] = []
    find = text.find
    n = len(word)
    i = find(word)
    while i >= 0 and len(out) < limit:
        j = i + n
        before = text[i - 1] if i else " "
        after = text[j] if j < len(text) else " "
        ok = not _is_word_char(before) and not _is_word_char(after)
        if ok and before in "'’" and i >= 2 and _is_word_char(text[i - 2]):
            ok = False  # l'autoroute
        if ok and after in "'’" and j + 1 < len(text) and _is_word_char(text[j + 1]):
            rest = _WORD.match(text, j + 1)
            clitic = rest.group(0).lower() if rest else ""
            ok = clitic in _CLITICS
        if ok:
            out.append(i)
        i = find(word, i + 1)
    return out


def _foreign_phrase(text: str, start: int, end: int, lang: str, reach: int = 60) -> bool:
    """True when two of the three words on either side are common ``lang`` words.

    A word inside a quoted foreign phrase (« Il faut goûter avant de juger »)
    was left in on purpose; a machine-translation leftover stands alone among
    English words.
    """
    top = LEXICONS.function_words(lang)
    before = _WORD.findall(text, max(0, start - reach), start)[-3:]
    after = _WORD.findall(text, end, end + reach)[:3]
    return sum(1 for w in before + after if _key(w) in top) >= 2


def _uses(text: str, word: str) -> bool:
    """True when the document uses ``word`` (or ``Word``) somewhere."""
    return bool(_occurrences(text, word, 1) or _occurrences(text, word.capitalize(), 1))


def _context(text: str, start: int) -> str:
    """Where a word stands: ``initial`` (starts a sentence or line), ``lower`` (after
    a lower-case word that is not a preposition), ``compound-name`` (after
    ``Name-``) or ``other``."""
    i = start
    if i and text[i - 1] == "-" and i >= 2 and text[i - 2].isalpha():
        j = i - 1
        while j > 0 and text[j - 1].isalpha():
            j -= 1
        return "compound-name" if text[j].isupper() else "other"
    while i > 0 and text[i - 1] in _OPENERS:
        i -= 1
    if i == 0 or text[i - 1] == "\n":
        return "initial"
    ch = text[i - 1]
    if ch in _SENTENCE_END:
        return "initial"
    if start > i and text[start - 1] not in " \t\u00a0":
        return "other"  # after an opening quote or bracket
    if ch.isalpha() and ch.islower():
        j = i - 1
        while j > 0 and text[j - 1].isalpha():
            j -= 1
        prev = text[j:i]
        if prev.islower() and prev not in _PLACE_WORDS:
            return "lower"
    return "other"


def build(options: Options) -> Fixer | None:
    wordlist = read_wordlist(options.wordlist) if options.wordlist else frozenset()
    return LexiconFixer(
        source_lang=options.source_lang,
        unknown=options.lexicon_unknown,
        wordlist=wordlist,
    )
