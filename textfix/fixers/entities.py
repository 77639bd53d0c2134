"""One spelling per name in a document.

Machine translation and hurried copy-editing leave a name spelt several ways
in one article: ``Kim Jong-un`` twice and ``Kim Jon-un`` once, ``Pyongyang``
five times and ``Pyongyan`` once. A reader (and a search index) takes them for
different people and places. This fixer finds the names of a document, groups
the spellings of each one, and

- rewrites a rare outlier to the dominant spelling (``entities/outlier-spelling``,
  unsafe, with a confidence built from the counts, the length of what differs
  and how common the outlier is as a word: below the pipeline's threshold it
  becomes a flag carrying the suggestion);
- flags spacing and hyphenation variants of one name (``Kim Jong Un`` next to
  ``Kim Jong-un``) with the dominant form as suggestion, without rewriting them
  (``entities/inconsistent-form``);
- rewrites the variants a user's gazetteer lists to their canonical name
  (``entities/gazetteer``, safe: the user said so).

What counts as a name: a run of capitalised words joined by single spaces,
allowing lower-case particles between them (``Jean de la Fontaine``, ``Ludwig
van Beethoven``, ``Mohammed bin Salman``), hyphenated and apostrophised parts
(``Jong-un``, ``O'Neill``, ``al-Assad``); a possessive ``'s`` ends the name. A
sentence's first word is dropped when it is a function word or a common word
that the document never capitalises elsewhere (``Despite Kim`` is ``Kim``).

Different names that merely look alike are never merged. The spelling being
replaced must

- differ from the dominant one in one token only, by one deletion, insertion,
  substitution or transposition of adjacent letters (``Kim Jong Il`` and
  ``Kim Il Sung`` are two tokens or two letters away from ``Kim Jong-un``);
- differ in a part (a word, or a hyphen-separated piece) of at least three
  letters; a part of four letters or fewer is only corrected inside a
  multi-word name whose other words are identical (``Kim Jon-un``), never on
  its own (``John``/``Joan``, ``Iran``/``Iraq``);
- occur at most twice, while the dominant spelling occurs at least twice as
  often and at least twice (``Sudan``/``South Sudan`` and ``Korea``/``North
  Korea`` are not one token apart anyway);
- not be a word of its own: wordfreq's Zipf frequency below 1.8 (``Joan``, ``Katrin``,
  ``Lopes``, ``Petersen`` are real names and stay) and not written in lower
  case elsewhere in the document;
- not differ by an ending that makes another word (``Korea``/``Korean``,
  ``Bahrain``/``Bahraini``, ``Putin``/``Putins``, ``Mario``/``Maria``).

A gazetteer is a TOML file (a path in ``Options.gazetteers``) holding one
``[[name]]`` table per name::

    # names.toml
    [[name]]
    canonical = "Kim Jong-un"
    variants = ["Kim Jong Un", "Kim Jon-un"]
    note = "North Korean leader since 2011"     # optional, for the reader

    [[name]]
    canonical = "Pyongyang"
    variants = ["Pyong Yang"]

Every variant found in the text (whole words, case-sensitive, any run of
spaces where the variant has one) is rewritten to its canonical name, and a
canonical name is never treated as an outlier of another spelling. The same
TOML text may be given inline instead of a path (an entry holding a line
break is read as TOML). ``canonical`` is required; ``variants`` is a list of
strings, none equal to its canonical name, none listed under two names and
none the canonical name of another entry. Anything else raises
:class:`textfix.packs.RulePackError` naming the file, the line and the key.

Cost: a first regex scan lists the mentions and counts them in C, each taken
as possibly starting a sentence and protected or not, and the quick test
below (``_may_vary_roughly``) sets most documents aside on that alone. Only
the others are scanned again for the sentence end before each mention, the
mentions that touch a protected span left out by bisection in the same pass,
and the quick test is asked again on what that scan counted. Most documents
write every name one way: a quick necessary test over units cached per
distinct mention (``_may_vary``: two shapes of one skeleton, or a token that
shares a deletion key with a token seen twice, is itself seen at most twice
for sure, and differs from it as the vote's tests on two tokens allow) sends
only the others to the vote. There, counting, the sentence-initial decisions and the families are
worked out once per distinct spelling, not per occurrence, and positions are
looked up only for the few names that can become an edit or a flag (in the
scan's list of matches for a section up to ``_LISTED_SECTION`` characters,
around their substrings elsewhere). A word is checked for lower-case use as a
substring first. Candidate pairs come from the tokens' cached deletion keys:
only a rare token that shares one with a frequent token is compared with it,
and a rare token with too many such neighbours is skipped as undecidable. A
document with more than ``MAX_DISTINCT`` distinct tokens counts single tokens
only, and a document longer than ``WINDOW`` characters is voted on in sections
of that size (cut at line breaks), which bounds the memory one document takes.
Word frequencies come from the lexicon's English table (``_zipf``), so
wordfreq's own list is never loaded for names in English text.
"""

from __future__ import annotations

import bisect
import math
import operator
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, islice, repeat
from operator import itemgetter

import regex

from textfix.fixers.lexicon import LEXICONS
from textfix.model import Document, Edit, Example, Fixer, Flag, Rule
from textfix.options import Options
from textfix.packs import RulePackError, line_of, parse_toml, read_source

try:  # the C helper behind Counter, without Counter's own overhead
    from _collections import _count_elements
except ImportError:  # pragma: no cover - other Pythons

    def _count_elements(mapping: dict, iterable: Iterable) -> None:  # type: ignore[misc]
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1


#: the longest key (in characters) a memo keeps
MEMO_KEY_CHARS = 256


class _Memo(dict):  # type: ignore[type-arg]
    """A memo of a pure function of one argument (a string or a tuple of
    strings), emptied when it grows past ``size`` entries: a hit is one dict
    look-up in C (no LRU bookkeeping).

    A key longer than :data:`MEMO_KEY_CHARS` is computed but not kept, so the
    memo's size in bytes is bounded too: a corpus of long title-case lines
    would otherwise keep ``size`` of them alive.
    """

    __slots__ = ("fn", "size")

    def __init__(self, fn: Callable, size: int) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.fn = fn
        self.size = size

    def __missing__(self, key: str | tuple[str, ...]) -> object:
        value = self.fn(key)
        if len(key) <= MEMO_KEY_CHARS and (
            isinstance(key, str) or sum(map(len, key)) <= MEMO_KEY_CHARS
        ):
            if len(self) >= self.size:
                self.clear()
            self[key] = value
        return value


# --- rules ---------------------------------------------------------------------

_PYONGYANG_DOC = (
    "Pyongyang rejected the offer on Monday. Officials in Pyongyang said the talks "
    "were over, and a spokesman for Pyongyang repeated it. By Friday Pyongyan had "
    "changed its mind."
)
_KIM_DOC = (
    "Kim Jong-un arrived on Wednesday. Reporters waited for Kim Jong-un at the "
    "station, but Kim Jon-un left by car."
)
OUTLIER = Rule(
    "entities/outlier-spelling",
    "A name spelt once or twice in a way that is one letter off its dominant spelling",
    safety="unsafe",
    confidence=0.85,
    examples=(
        Example(_PYONGYANG_DOC, _PYONGYANG_DOC.replace("Pyongyan had", "Pyongyang had")),
        Example(_KIM_DOC, _KIM_DOC.replace("Jon-un", "Jong-un")),
        Example(
            "Vladivostok is a port. The summit took place in Vladivostok, and the "
            "leaders left Vladivostock by train.",
            "Vladivostok is a port. The summit took place in Vladivostok, and the "
            "leaders left Vladivostok by train.",
        ),
    ),
    counter_examples=(
        "Kim Jong-un met officials. Kim Jong-un spoke. His father Kim Jong Il and "
        "his grandfather Kim Il Sung ruled before him; Kim Jong Il died in 2011.",
        "Austria and Australia both use the euro? No: Austria does, Australia does "
        "not. Austria borders Germany.",
        "John grows beans. John's wife, Joan, grows dahlias, and John envies them.",
        "Iran and Iraq fought a long war. Iran lost many soldiers, and so did Iraq.",
        "South Sudan split from Sudan in 2011. Sudan kept Khartoum; Sudan lost oil.",
        "North Korea and South Korea share a border. Korea was one country; North "
        "Korea tested missiles while Korea watched.",
        "Korea is divided. Korea has two capitals. Korean food is popular in Korea.",
        "Maria met Mario. Maria and her brother Mario run the shop; Maria cooks.",
    ),
)
INCONSISTENT = Rule(
    "entities/inconsistent-form",
    "One name written with different spacing or hyphenation in the same document",
    safety="unsafe",
    examples=(
        Example(
            "Kim Jong-un met Putin. Kim Jong-un smiled. Kim Jong Un left.",
            flag="Kim Jong Un",
        ),
        Example(
            "Jean-Paul Sartre wrote it. Critics praised Jean-Paul Sartre, and Jean "
            "Paul Sartre replied.",
            flag="Jean Paul Sartre",
        ),
    ),
    counter_examples=(
        "Van Gogh painted it. Vincent van Gogh died in 1890.",
        "Kim Jong-un met Putin. Kim Jong Il, his father, had met him too.",
        "Health Care Reform was the title. Healthcare costs rose.",
    ),
)
_GAZ_EXAMPLE = '[[name]]\ncanonical = "Kim Jong-un"\nvariants = ["Kim Jong Un", "Kim Jon Un"]\n'
GAZETTEER = Rule(
    "entities/gazetteer",
    "A variant listed in the user's gazetteer, rewritten to its canonical name",
    safety="safe",
    example_options=(("gazetteers", (_GAZ_EXAMPLE,)),),
    examples=(
        Example(
            "Kim Jong Un met Putin in Vladivostok.",
            "Kim Jong-un met Putin in Vladivostok.",
        ),
    ),
    counter_examples=(
        "Kim Jong-un met Putin. Kim Jong Il had met him before.",
        "Kim Jong Unification is not a name in the gazetteer.",
    ),
)

# --- names -------------------------------------------------------------------

_L = r"[\p{L}\p{M}]"
# a capitalised token with its hyphen and apostrophe parts; a possessive "'s"
# is left out. The look-behind sits after the first letter so that the regex
# engine can still scan for a capital letter quickly.
_TOKEN_TAIL = rf"{_L}*+(?:[-'’](?:(?<=-)|(?!s(?!{_L})))\p{{L}}{_L}*+)*+"
_TOKEN = rf"\p{{Lu}}{_TOKEN_TAIL}"
_PARTICLES = "de|del|della|der|den|di|da|das|dos|du|la|le|van|von|bin|ibn|ben|ter|ten|zu|af|av"
_ARABIC_ARTICLES = "al|el|ad|an|ar|as|ash|at|az|ud|ul"
_PARTICLE_INITIALS = "".join(sorted({w[0] for w in f"{_PARTICLES}|{_ARABIC_ARTICLES}".split("|")}))


def _prefix_tree(words: Iterable[str]) -> str:
    """An alternation of ``words`` written as a prefix tree (``d(?:e(?:l(?:la)?|[nr])?|...)``).

    It matches what the plain alternation matches; the engine tries one branch
    per letter instead of every word in turn, after every space that follows a name.
    """
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        # letters that end a word and go no further share one class
        leaves = [ch for ch, child in sorted(node.items()) if ch and list(child) == [""]]
        atom = _char_class(leaves) if len(leaves) > 1 else regex.escape(leaves[0]) if leaves else ""
        branches = [atom] if atom else []
        branches += [
            regex.escape(ch) + emit(child)
            for ch, child in sorted(node.items())
            if ch and ch not in leaves
        ]
        if not branches:
            return ""
        if len(branches) > 1:
            body = f"(?:{'|'.join(branches)})"
        elif branches[0] == atom:
            body = atom  # one letter or one class
        else:
            body = f"(?:{branches[0]})" if "" in node else branches[0]
        return f"{body}?" if "" in node else body

    return emit(tree)


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(regex.escape(c, special_only=False) for c in sorted(chars)) + "]"


# (after a space, a name goes on only at a particle, an article or a capital:
# the look-ahead turns away every other word at once)
_MENTION_REST = (
    rf"(?<![\p{{L}}\p{{M}}\d_'’-]\p{{Lu}}){_TOKEN_TAIL}"
    rf"(?:[ \u00a0](?=[\p{{Lu}}{_PARTICLE_INITIALS}])"
    rf"(?:(?:{_prefix_tree(_PARTICLES.split('|'))})[ \u00a0])*+"
    rf"(?:(?:{_prefix_tree(_ARABIC_ARTICLES.split('|'))})-)?+{_TOKEN})*+"
    r"(?![\d_])"
)
_MENTION_BODY = rf"\p{{Lu}}{_MENTION_REST}"
_MENTION = regex.compile(_MENTION_BODY)
_SPLIT = regex.compile(r"[^ \u00a0]++")
# what may stand between a sentence end and the first word of the next sentence
_OPENERS = frozenset(" \t\"'“”‘’«»([{*_#>–—-")
_ENDERS = frozenset(".!?:;…\n\r")
_OPENER_CHARS = "".join(sorted(_OPENERS))
_MAX_OPENERS = 12


# One scan finds the mentions and which of them start a sentence: the second
# group holds the sentence end before a sentence-initial mention (what
# ``_starts_sentence`` says), except at the very start of the text, where
# nothing stands before the first mention (checked on its own).
# (a one-character look-behind first turns away, cheaply, a capital that follows
# neither a sentence end nor an opener)
_SCAN = regex.compile(
    rf"(\p{{Lu}}(?:(?<={_char_class(_ENDERS | _OPENERS)}\p{{Lu}})"
    rf"(?<=({_char_class(_ENDERS)}){_char_class(_OPENERS)}{{0,{_MAX_OPENERS}}}\p{{Lu}})|)"
    rf"{_MENTION_REST})"
)
# any character that no name holds: a name never spans one
_NOT_IN_NAME = regex.compile(r"[^\p{L}\p{M}'’ \u00a0-]", regex.REVERSE)
_NAME_BREAK = regex.compile(r"[^\p{L}\p{M}'’ \u00a0-]")
_SKELETON = str.maketrans("", "", " -'’\u00a0")
_PARTS = re.compile(r"[-'’]")

#: capitalised words that start sentences without being names
STOPWORDS = frozenset(
    """a about above after again against all also although among an and another any
    are as at because before being both but by can could despite did do does during
    each either even every few for from had has have he her here hers him his how
    however i if in instead into is it its just many may meanwhile might more most
    much my neither no nor not now of on once one only or other our out over per
    perhaps since so some such than that the their them then there these they this
    those though through thus to too under unless until upon us was we were what
    when where whether which while who whom whose why will with within without would
    yet you your yesterday today tonight tomorrow last next later earlier still
    according dear hello thanks""".split()
)

# (a sentence-initial mention, the sentence end before it) for a function word alone
_STOP_KEYS = frozenset(
    (form, end)
    for w in STOPWORDS
    for form in (w[:1].upper() + w[1:], w.upper())
    for end in _ENDERS
    if form.casefold() in STOPWORDS and not form.islower()
)

#: endings that turn a name into another word (plural, demonym, gendered form)
_END_INSERTIONS = frozenset("snaeio")
_END_VOWELS = frozenset("aeiou")

MIN_PART = 3  # a differing part shorter than this never merges
SHORT_PART = 4  # a differing part this short needs a multi-word context
MAX_OUTLIER_COUNT = 2
MAX_WORD_ZIPF = 1.8  # an outlier at least this frequent in English is a real word or name
MAX_COMPOUND_ZIPF = 3.0  # a joined form this frequent is a word (Healthcare)
MAX_NGRAM = 3
MAX_TOKEN_LETTERS = 40  # longer capitalised runs are not names
MAX_MENTION_TOKENS = 6
#: above this many distinct tokens only single tokens are counted
MAX_DISTINCT = 200_000
#: at most this many rare tokens are checked, against this many frequent ones
MAX_RARE = 100_000
MAX_DOMINANT = 50_000
#: a rare token this close to more frequent names is too crowded to decide
MAX_NEIGHBOURS = 3
MAX_CANDIDATES = 24


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    """wordfreq's ``zipf_frequency(word, "en")``, read from the lexicon's English table.

    The lexicon fixer holds wordfreq's English list already; asking wordfreq
    would load a second copy. wordfreq looks a word up as the tokens its
    tokenizer makes of it: for a word of Latin, Greek or Cyrillic letters,
    hyphens and apostrophes (every name this fixer meets in English text)
    :func:`_en_tokens` makes the same tokens, and several tokens combine as
    wordfreq combines them. Any other word is handed to wordfreq itself.
    """
    tokens = _en_tokens(word)
    if tokens is None:
        return _wordfreq_zipf(word)
    en = LEXICONS.en
    one_over = 0.0
    for token in tokens:
        z = en.get(token, -1.0)
        if z < 0.0:
            return 0.0  # wordfreq: any unknown token makes the word unknown
        # the token's frequency bucket, and wordfreq's frequency for it
        one_over += 1.0 / 10 ** (-round((9 - z) * 100) / 100)
    if not tokens:
        return 0.0
    return _freq_to_zipf(1.0 / one_over)


def _freq_to_zipf(freq: float) -> float:
    """A frequency as wordfreq rounds it (three significant digits, at least
    Zipf 0) and turns it into a Zipf value (two decimals)."""
    freq = max(freq, 1e-9)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)
    return round(math.log(freq, 10) + 9, 2)


def _wordfreq_zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


#: a case-folded word of Latin, Greek or Cyrillic letters, its hyphens and
#: apostrophes between letters: wordfreq's tokenizer splits it at hyphens only
#: (Unicode word breaks), and splits off a French elision (``d'`` before a vowel)
_PLAIN_LETTER = r"[[\p{Latin}\p{Greek}\p{Cyrillic}]&&\p{L}]"
_PLAIN_WORD = regex.compile(rf"{_PLAIN_LETTER}++(?:[-'’]{_PLAIN_LETTER}++)*+", regex.V1)
# wordfreq's tokenizer starts a token "\w\w?'" before these (its INITIAL_VOWEL_EXPR)
_ELISION = regex.compile(
    r"\w\w?'(?=[AEHIOUYÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛÅÏÖŒaehiouyáéíóúàèìòùâêîôûåïöœ])", regex.V1 | regex.WORD
)


def _en_tokens(word: str) -> list[str] | None:
    """The tokens wordfreq looks ``word`` up as in English, or ``None`` for a
    word with other characters (wordfreq alone knows how it splits those).

    wordfreq normalises (NFC), case-folds, tokenizes the NFC form, strips
    straight apostrophes from each token's ends, case-folds it again and
    straightens curly apostrophes.
    """
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", word).casefold())
    if _PLAIN_WORD.fullmatch(text) is None:
        return None
    tokens = []
    for piece in text.split("-"):
        start = 0
        while (m := _ELISION.match(piece, start)) is not None:
            tokens.append(piece[start : m.end()])
            start = m.end()
        tokens.append(piece[start:])
    return [t.strip("'").casefold().replace("’", "'") for t in tokens]


def _skeleton(surface: str) -> str:
    return surface.casefold().translate(_SKELETON)


_skel = _Memo(_skeleton, 1 << 16).__getitem__


def _one_edit(a: str, b: str) -> tuple[str, int] | None:
    """``(kind, position)`` when ``a`` and ``b`` are one edit apart, else ``None``.

    Kinds: ``sub`` (substitution), ``swap`` (adjacent transposition), ``ins``
    (``b`` has one letter more) and ``del`` (``b`` has one letter less).
    """
    la, lb = len(a), len(b)
    if a == b or abs(la - lb) > 1:
        return None
    i = 0
    m = min(la, lb)
    while i < m and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return ("sub", i)
        if i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]:
            return ("swap", i)
        return None
    if la < lb:
        return ("ins", i) if a[i:] == b[i + 1 :] else None
    return ("del", i) if a[i + 1 :] == b[i:] else None


def _differing_part(o_fold: str, d_fold: str, o_skel: str, d_skel: str) -> int | None:
    """The length of the part (a word, or a piece between hyphens) in which an
    outlier token differs from a dominant one (given case-folded and as
    skeletons), or ``None`` when the two can never be merged whatever the name
    around them: they differ in more than one part, by more than one edit, in
    a part shorter than ``MIN_PART``, or by an ending that makes another word."""
    o_parts = _PARTS.split(o_fold)
    d_parts = _PARTS.split(d_fold)
    if len(o_parts) == len(d_parts):
        diff = [(a, b) for a, b in zip(o_parts, d_parts, strict=True) if a != b]
        if len(diff) != 1:
            return None
        po, pd = diff[0]
    else:
        po, pd = o_skel, d_skel
    edit = _one_edit(po, pd)
    if edit is None:
        return None
    part = max(len(po), len(pd))
    if part < MIN_PART:
        return None
    kind, pos = edit
    if kind in ("ins", "del") and pos >= min(len(po), len(pd)):
        extra = (pd if kind == "ins" else po)[-1]
        if extra in _END_INSERTIONS:
            return None
    if kind == "sub" and pos == part - 1 and po[-1] in _END_VOWELS and pd[-1] in _END_VOWELS:
        return None
    return part


def _deletions(token: str) -> frozenset[str]:
    """``token`` and its one-letter deletions: two tokens one edit apart
    (substitution, insertion, deletion or swap) share one of these."""
    return frozenset([token, *(token[:i] + token[i + 1 :] for i in range(len(token)))])


def _sharing_a_key(rare: Iterable[str], common: list[str]) -> list[str]:
    """The tokens of ``rare`` that share a deletion key with another token of
    ``common``: only these can be one edit from a frequent token."""
    holders: dict[str, int] = {}
    _count_elements(holders, chain.from_iterable(map(_KEYS.__getitem__, common)))
    frequent = set(common)
    shared: set[str] | None = None
    candidates = []
    for o in rare:
        if o not in frequent:
            if not holders.keys().isdisjoint(_KEYS[o]):
                candidates.append(o)
            continue
        # a token seen twice is rare and frequent at once: its own keys do not count
        if shared is None:
            shared = set(compress(holders, map((1).__lt__, holders.values())))
        if not shared.isdisjoint(_KEYS[o]):
            candidates.append(o)
    return candidates


def _neighbours(rare: list[str], common: list[str]) -> dict[str, list[str]]:
    """For each rare token that has them, the frequent tokens one edit from it,
    sorted (at most ``MAX_NEIGHBOURS``; a token sharing a deletion key with more
    than ``MAX_CANDIDATES`` frequent ones, itself included, is too crowded to decide).

    Does what :func:`_neighbours_plain` does. Most rare tokens share no
    deletion key with any frequent one: they are set aside with set operations
    in C over the cached keys, and only the others are compared.
    """
    candidates = _sharing_a_key(rare, common)
    if not candidates:
        return {}
    if len(candidates) * len(common) > _FEW_PAIRS:
        # a one-deletion index of the frequent tokens
        index: dict[str, list[str]] = {}
        for d in common:
            for key in _KEYS[d]:
                index.setdefault(key, []).append(d)
        near_of = ({d for key in _KEYS[o] for d in index.get(key, ())} for o in candidates)
    else:
        near_of = ({d for d in common if not _KEYS[o].isdisjoint(_KEYS[d])} for o in candidates)
    out: dict[str, list[str]] = {}
    for o, found in zip(candidates, near_of, strict=True):
        if len(found) > MAX_CANDIDATES:
            continue  # a crowded neighbourhood: too many names to decide
        found.discard(o)
        near = sorted(d for d in found if _one_edit(o, d) is not None)
        if 0 < len(near) <= MAX_NEIGHBOURS:
            out[o] = near
    return out


def _neighbours_plain(rare: list[str], common: list[str]) -> dict[str, list[str]]:
    """:func:`_neighbours` the plain way: every rare token against every frequent one."""
    out: dict[str, list[str]] = {}
    for o in rare:
        keys = {o, *(o[:i] + o[i + 1 :] for i in range(len(o)))}
        found = {d for d in common if keys & {d, *(d[:i] + d[i + 1 :] for i in range(len(d)))}}
        if len(found) > MAX_CANDIDATES:
            continue
        near = sorted(d for d in found if d != o and _one_edit(o, d) is not None)
        if 0 < len(near) <= MAX_NEIGHBOURS:
            out[o] = near
    return out


def _starts_sentence(text: str, pos: int) -> bool:
    """Whether the word at ``pos`` is the first of a sentence, line or text."""
    k = pos
    limit = max(0, pos - _MAX_OPENERS)
    while k > limit and text[k - 1] in _OPENERS:
        k -= 1
    if k == 0:
        return True
    return text[k - 1] in _ENDERS


def _is_particle(token: str) -> bool:
    return token.islower()


# --- gazetteers ------------------------------------------------------------------


@dataclass(frozen=True)
class Gazetteer:
    """Canonical names and the variants to rewrite to them."""

    #: variant -> (canonical, source file)
    variants: dict[str, tuple[str, str]]
    canonicals: frozenset[str]

    @property
    def canonical_skeletons(self) -> frozenset[str]:
        return frozenset(_skel(c) for c in self.canonicals)

    @property
    def variant_skeletons(self) -> frozenset[str]:
        return frozenset(_skel(v) for v in self.variants) - self.canonical_skeletons


_GAZ_KEYS = frozenset({"canonical", "variants", "note"})


def _gaz_line(source: str, index: int, key: str | None) -> int | None:
    """Line of ``key`` in the ``index``-th ``[[name]]`` table (or of the table)."""
    return line_of(source, index, key, table="name")


def parse_gazetteer(source: str, path: str) -> list[tuple[str, list[str], int]]:
    """Validate one gazetteer's TOML text: ``(canonical, variants, entry index)`` each."""
    data = parse_toml(source, path)
    for key in data:
        if key != "name":
            line = next(
                (
                    n
                    for n, ln in enumerate(source.splitlines(), 1)
                    if ln.strip().lstrip("[").strip().startswith(key)
                ),
                None,
            )
            raise RulePackError(path, "unknown top-level key (expected [[name]] tables)", line, key)
    entries = data.get("name", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RulePackError(path, "'name' must be a list of [[name]] tables", None, "name")
    out = []
    for index, entry in enumerate(entries):

        def fail(message: str, key: str | None, _i: int = index) -> RulePackError:
            return RulePackError(path, message, _gaz_line(source, _i, key), key)

        for key in entry:
            if key not in _GAZ_KEYS:
                raise fail("unknown key in [[name]]", key)
        canonical = entry.get("canonical")
        if not isinstance(canonical, str) or not canonical.strip():
            raise fail("every [[name]] needs a canonical name", "canonical")
        variants = entry.get("variants", [])
        if not isinstance(variants, list) or not all(
            isinstance(v, str) and v.strip() for v in variants
        ):
            raise fail("variants must be a list of non-empty strings", "variants")
        if canonical in variants:
            raise fail(f"{canonical!r} is listed as a variant of itself", "variants")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise fail("note must be a string", "note")
        out.append((" ".join(canonical.split()), [" ".join(v.split()) for v in variants], index))
    return out


def load_gazetteers(entries: Sequence[str]) -> Gazetteer | None:
    """Read the gazetteers named in ``Options.gazetteers`` (paths or inline TOML)."""
    if not entries:
        return None
    variants: dict[str, tuple[str, str]] = {}
    where: dict[str, tuple[str, int]] = {}  # variant -> (path, entry index)
    canonicals: dict[str, tuple[str, int]] = {}
    sources: dict[str, str] = {}
    for number, entry in enumerate(entries, 1):
        if "\n" in entry:
            path, source = f"<gazetteer {number}>", entry
        else:
            path = entry
            source = read_source(entry, what="gazetteer")
        sources[path] = source
        for canonical, names, index in parse_gazetteer(source, path):
            if canonical in variants:
                vpath, vindex = where[canonical]
                raise RulePackError(
                    path,
                    f"{canonical!r} is a variant of {variants[canonical][0]!r} "
                    f"({vpath}:{_gaz_line(sources[vpath], vindex, 'variants')})",
                    _gaz_line(source, index, "canonical"),
                    "canonical",
                )
            canonicals.setdefault(canonical, (path, index))
            for v in names:
                if v in canonicals:
                    raise RulePackError(
                        path,
                        f"{v!r} is itself a canonical name",
                        _gaz_line(source, index, "variants"),
                        "variants",
                    )
                if v in variants and variants[v][0] != canonical:
                    raise RulePackError(
                        path,
                        f"{v!r} is already a variant of {variants[v][0]!r}",
                        _gaz_line(source, index, "variants"),
                        "variants",
                    )
                variants[v] = (canonical, path)
                where[v] = (path, index)
    return Gazetteer(variants, frozenset(canonicals))


# --- the fixer ---------------------------------------------------------------------


_Tokens = list[tuple[int, int, str]]


@dataclass(frozen=True, slots=True)
class _Proposal:
    replacement: str
    confidence: float
    message: str


class EntitiesFixer(Fixer):
    name = "entities"
    rules = (OUTLIER, INCONSISTENT, GAZETTEER)

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer
        self._canon = gazetteer.canonical_skeletons if gazetteer else frozenset()
        self._variant_skels = gazetteer.variant_skeletons if gazetteer else frozenset()
        self._gaz_pattern: regex.Pattern[str] | None = None
        if gazetteer and gazetteer.variants:
            alts = "|".join(
                r"[ \t\u00a0]++".join(regex.escape(w) for w in v.split())
                for v in sorted(gazetteer.variants, key=len, reverse=True)
            )
            self._gaz_pattern = regex.compile(
                rf"(?<![\p{{L}}\p{{M}}\d_-])(?:{alts})(?![\p{{L}}\p{{M}}\d_]|-\p{{L}})"
            )

    # --- entry point -----------------------------------------------------------

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        gazetteer: list[tuple[int, int]] = []
        if self._gaz_pattern is not None:
            for edit in self._gazetteer_edits(doc):
                gazetteer.append((edit.start, edit.end))
                yield edit
        for lo, hi in _sections(text):
            yield from self._vote(doc, lo, hi, gazetteer)

    def _vote(
        self, doc: Document, lo: int, hi: int, gazetteer: list[tuple[int, int]]
    ) -> Iterator[Edit | Flag]:
        """Outliers and inconsistent forms among the names of ``text[lo:hi]``."""
        text = doc.text
        if not _may_vary_roughly(text, lo, hi):
            return  # (most documents: every name is written one way)
        listed: list[regex.Match[str]] | None = [] if hi - lo <= _LISTED_SECTION else None
        every = _scan(doc, lo, hi, listed)
        if every is None or not _may_vary(every):
            return
        names = _Names.of_scan(doc, lo, hi, every, listed)
        counts = names.counts
        families = _Families(counts)
        outliers = self._outliers(text, lo, hi, names.locate, counts, families, exact=False)
        if outliers is None:
            # so many names that only some are compared: count them in text order,
            # as the limits apply in that order
            mentions = names.locate(None)
            counts, _ = self._count(mentions)
            families = _Families(counts)
            outliers = self._outliers(
                text, lo, hi, lambda _: mentions, counts, families, exact=True
            )
            assert outliers is not None
        if not outliers and not families.multi_shape:
            return
        # what the gazetteer rewrites, the vote leaves alone (it runs again on
        # the rewritten text in the pipeline's next pass)
        taken = _Spans(gazetteer)
        edits = []
        for (s, e), p in sorted(outliers.items()):
            if not taken.overlaps(s, e):
                edits.append((s, e))
                yield Edit(s, e, p.replacement, OUTLIER.id, p.message, p.confidence)
        if not families.multi_shape:
            return
        taken = _Spans(sorted(gazetteer + edits))
        for flag in self._inconsistent(names, counts, families):
            if not taken.overlaps(flag.start, flag.end):
                yield flag

    # --- finding names ---------------------------------------------------------

    def _gazetteer_edits(self, doc: Document) -> Iterator[Edit]:
        assert self.gazetteer is not None and self._gaz_pattern is not None
        for m in self._gaz_pattern.finditer(doc.text):
            found = m.group()
            key = " ".join(found.split())
            canonical, path = self.gazetteer.variants[key]
            if doc.overlaps_protected(m.start(), m.end()):
                continue
            yield Edit(
                m.start(),
                m.end(),
                canonical,
                GAZETTEER.id,
                f"`{found}` → `{canonical}`: the gazetteer {path} lists it as a variant",
                1.0,
            )

    def _count(self, mentions: list[_Tokens]) -> tuple[Counter[str], dict[str, int]]:
        """Occurrences of every name unit (1 to 3 tokens) and where each first occurs."""
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        distinct = len({t[2] for m in mentions for t in m})
        max_n = 1 if distinct > MAX_DISTINCT else MAX_NGRAM
        for m in mentions:
            words = [t[2] for t in m[:MAX_MENTION_TOKENS]]
            k = len(words)
            for i in range(k):
                if _is_particle(words[i]):
                    continue
                for n in range(1, min(max_n, k - i) + 1):
                    if _is_particle(words[i + n - 1]):
                        continue
                    unit = " ".join(words[i : i + n])
                    counts[unit] += 1
                    if unit not in first:
                        first[unit] = m[i][0]
        return counts, first

    # --- outliers ----------------------------------------------------------------

    def _outliers(
        self,
        text: str,
        lo: int,
        hi: int,
        locate: Callable[[set[str] | None], list[_Tokens]],
        counts: dict[str, int],
        families: _Families,
        exact: bool,
    ) -> dict[tuple[int, int], _Proposal] | None:
        """Proposals by token span; ``None`` when the limits apply and ``exact`` is off."""
        # token skeletons (in the order of the counts) and their surfaces
        pairs = [
            (u, s)
            for u, s in zip(counts, families.skels, strict=True)
            if " " not in u and len(u) <= MAX_TOKEN_LETTERS and not u.islower()
        ]
        skels = [s for _, s in pairs]
        distinct = dict.fromkeys(skels)
        fcount = families.count
        rare = [s for s in distinct if len(s) >= MIN_PART and fcount[s] <= MAX_OUTLIER_COUNT]
        if not rare:
            return {}
        common = [s for s in distinct if len(s) >= MIN_PART and fcount[s] >= 2]
        if not exact and (len(rare) > MAX_RARE or len(common) > MAX_DOMINANT):
            return None  # which ones are kept depends on the order of the names
        if not common:
            return {}
        rare = rare[:MAX_RARE]
        common.sort(key=lambda s: -fcount[s])
        common = common[:MAX_DOMINANT]
        neighbours = _neighbours(rare, common)
        if not neighbours:
            return {}
        tok_forms: dict[str, list[str]] = {}
        for unit, skel in pairs:
            tok_forms.setdefault(skel, []).append(unit)

        judged: dict[tuple[str, str, int], _Proposal | None] = {}
        best: dict[tuple[int, int], list[_Proposal]] = {}
        suspects = {form for o in neighbours for form in tok_forms[o]}
        for m in locate(suspects):
            toks = m[:MAX_MENTION_TOKENS]
            for j, tok in enumerate(toks):
                if tok[2] not in suspects:
                    continue
                words = [t[2] for t in toks]
                near = neighbours[_skel(tok[2])]
                for i in range(max(0, j - MAX_NGRAM + 1), j + 1):
                    for n in range(max(1, j - i + 1), MAX_NGRAM + 1):
                        if i + n > len(words) or _is_particle(words[i]):
                            continue
                        if _is_particle(words[i + n - 1]):
                            continue
                        unit = words[i : i + n]
                        for d in near:
                            for form in tok_forms[d]:
                                key = (" ".join(unit), form, j - i)
                                if key not in judged:
                                    judged[key] = self._judge(unit, j - i, form, counts, families)
                                p = judged[key]
                                if p is not None:
                                    best.setdefault((toks[j][0], toks[j][1]), []).append(p)
        proposals: dict[tuple[int, int], _Proposal] = {}
        for span, ps in best.items():
            if len({p.replacement for p in ps}) != 1:
                continue  # two different names are one letter away: ambiguous
            proposals[span] = max(ps, key=lambda p: p.confidence)
        # an outlier that is written in lower case elsewhere is a word, not a name
        words = {text[s:e].casefold() for s, e in proposals}
        lower = _lowercase_words(text, lo, hi, words)
        # never rewrite towards a spelling that is itself being rewritten
        rewritten = {_skel(text[s:e]) for s, e in proposals}
        return {
            span: p
            for span, p in proposals.items()
            if text[span[0] : span[1]].casefold() not in lower
            and _skel(p.replacement) not in rewritten
        }

    def _judge(
        self,
        unit: list[str],
        j: int,
        form: str,
        counts: dict[str, int],
        families: _Families,
    ) -> _Proposal | None:
        """Whether ``unit`` with token ``j`` spelt ``form`` is the dominant spelling."""
        o_tok = unit[j]
        o_unit = " ".join(unit)
        d_unit = " ".join([*unit[:j], form, *unit[j + 1 :]])
        if counts.get(d_unit, 0) == 0:
            return None
        o_skel, d_skel = _skel(o_unit), _skel(d_unit)
        c_o = families.count[o_skel]
        c_d = families.count[d_skel]
        if c_o > MAX_OUTLIER_COUNT or c_d < 2 or c_d < 2 * c_o:
            return None
        if o_skel in self._canon or _skel(o_tok) in self._canon:
            return None
        if d_skel in self._variant_skels or _skel(form) in self._variant_skels:
            return None
        part = _differing_part(o_tok.casefold(), form.casefold(), _skel(o_tok), _skel(form))
        if part is None:
            return None
        short = part <= SHORT_PART
        if short and len(unit) == 1:
            return None
        z_o = _zipf(_skel(o_tok))
        if z_o >= MAX_WORD_ZIPF:
            return None
        # Evidence for a slip: how often the dominant spelling is used, a long
        # name, identical neighbouring words, an outlier no English text uses;
        # against: a short differing part, an outlier seen twice or known to
        # wordfreq. A 2:1 vote on an unknown string reaches 0.8 (applied by
        # default); with a short part it needs the longer name too.
        conf = 0.55 + 0.1 * min(c_d, 4) - 0.15 * (c_o - 1)
        if len(o_skel) >= 8:
            conf += 0.05
        if len(unit) > 1:
            conf += 0.05
        if short:
            conf -= 0.1
        if z_o == 0.0:
            conf += 0.05
        conf -= 0.15 * max(0.0, z_o - 1.0)
        conf = round(min(0.99, max(0.3, conf)), 3)
        forms = families.forms_of(d_skel, counts)
        forms.sort(key=lambda fc: fc[0] != d_unit)
        spelt = " and ".join(f"`{f}` {c} time{'s' if c != 1 else ''}" for f, c in forms[:3])
        message = f"`{o_unit}` → `{d_unit}`: the document spells it {spelt} (edit distance 1)"
        return _Proposal(form, conf, message)

    # --- spacing and hyphenation variants -------------------------------------------

    def _inconsistent(
        self, names: _Names, counts: dict[str, int], families: _Families
    ) -> Iterator[Flag]:
        shown: list[tuple[str, list[tuple[str, int]]]] = []
        for skel in families.multi_shape:
            if len(skel) < 5 or _zipf(skel) >= MAX_COMPOUND_ZIPF:
                continue
            shown.append((skel, families.forms_of(skel, counts)))
        if not shown:
            return
        units = {f for _, forms in shown for f, _ in forms}
        mentions = names.locate({w for u in units for w in u.split(" ")})
        first = names.first_positions(mentions, units)
        # form -> (suggestion, message); None for a family's dominant form
        suggest: dict[str, tuple[str, str] | None] = {}
        for skel, forms in shown:
            if skel in self._canon and self.gazetteer is not None:
                dominant = next(c for c in self.gazetteer.canonicals if _skel(c) == skel)
            else:
                dominant = min(forms, key=lambda fc: (-fc[1], first[fc[0]]))[0]
            shape = dominant.casefold()
            forms.sort(key=lambda fc: fc[0] != dominant)
            listing = ", ".join(f"`{f}` {c}×" for f, c in forms[:4])
            for f, _ in forms:
                if f.casefold() == shape:
                    suggest[f] = None
                else:
                    suggest[f] = (
                        dominant,
                        f"`{f}` and `{dominant}` are one name written two ways in this "
                        f"document ({listing}); use one form",
                    )
        if not any(suggest.values()):
            return
        found: list[tuple[int, int, tuple[int, ...], tuple[str, str] | None]] = []
        # (the runs of words to flag, worked out once per distinct mention)
        hits: dict[tuple[str, ...], list[tuple[int, int, tuple[str, str] | None]]] = {}
        for m in mentions:
            words = tuple(map(_third, m))
            hit = hits.get(words)
            if hit is None:
                hit = hits[words] = [
                    (i, n, suggest[unit]) for i, n, unit, _ in _word_runs(words) if unit in suggest
                ]
            for i, n, h in hit:
                starts = tuple(t[0] for t in m[i : i + n])
                found.append((m[i][0], m[i + n - 1][1], starts, h))
        # nested forms (``Jong Un`` inside ``Kim Jong Un``): the longest decides,
        # whether it is flagged or the dominant form itself
        found.sort(key=lambda f: (f[0] - f[1], f[0]))
        claimed: set[int] = set()
        out = []
        for s, e, starts, hit in found:
            if claimed.intersection(starts):
                continue
            claimed.update(starts)
            if hit is not None:
                out.append(Flag(s, e, INCONSISTENT.id, hit[1], hit[0]))
        out.sort(key=lambda f: f.start)
        yield from out


class _Spans:
    """Sorted, disjoint spans with a fast overlap test."""

    __slots__ = ("spans", "starts")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = [s for s, _ in spans]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, max(end, start + 1)) - 1
        return i >= 0 and self.spans[i][1] > start


class _Names:
    """The names of ``text[lo:hi]``, counted per distinct spelling.

    One scan lists the mentions, each with the sentence end before it when it
    starts a sentence; everything else is worked out once per distinct
    mention, not per occurrence. Positions are looked up (``locate``) only
    for the few names that can become an edit or a flag.
    """

    __slots__ = (
        "doc",
        "lo",
        "hi",
        "_seen",
        "drop",
        "counts",
        "max_n",
        "_listed",
        "_at",
        "_holding",
    )

    def __init__(self, doc: Document, lo: int, hi: int) -> None:
        self.doc = doc
        self.lo = lo
        self.hi = hi
        #: occurrences of each mention, as it stands and sentence-initial
        self._seen: tuple[dict[str, int], dict[str, int]] = ({}, {})
        #: for a sentence-initial mention, how many tokens it drops
        self.drop: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.max_n = MAX_NGRAM
        #: every mention's match in a small section, as the scan listed them
        self._listed: list[regex.Match[str]] | None = None
        #: ``(start, mention)`` of each listed mention, once asked
        self._at: list[tuple[int, str]] | None = None
        #: the mentions that hold each word, once asked
        self._holding: dict[str, list[str]] | None = None

    @classmethod
    def survey(cls, doc: Document, lo: int, hi: int) -> _Names | None:
        listed: list[regex.Match[str]] | None = [] if hi - lo <= _LISTED_SECTION else None
        every = _scan(doc, lo, hi, listed)
        if every is None:
            return None
        return cls.of_scan(doc, lo, hi, every, listed)

    @classmethod
    def of_scan(
        cls,
        doc: Document,
        lo: int,
        hi: int,
        every: dict[tuple[str, str], int],
        listed: list[regex.Match[str]] | None = None,
    ) -> _Names:
        """The names of the section from what :func:`_scan` counted (``every``,
        emptied) and listed."""
        text = doc.text
        self = cls(doc, lo, hi)
        self._listed = listed
        # a function word alone at the start of a sentence is no name: set aside
        # in C (most sentences start so)
        stop = _STOP_KEYS.intersection(every)
        if stop:
            for key in stop:
                every.pop(key)
            self.drop = dict.fromkeys([g for g, _ in stop], 1)
        # mentions as they stand (non-initial) and sentence-initial ones
        plain = {g: c for (g, end), c in every.items() if not end}
        initial: dict[str, int] = {}
        if len(plain) < len(every):
            for (g, end), c in every.items():
                if end:
                    initial[g] = initial.get(g, 0) + c
        # A sentence's first word is part of the name unless it is a function
        # word, or a common word the document also writes in lower case
        # ("Relations between Kim..."); a word alone is dropped too when the
        # document never capitalises it elsewhere and it is a frequent English
        # word ("Officials said").
        counts = self.counts = {
            g: c for g, c in plain.items() if " " not in g and "\u00a0" not in g
        }
        mid = set(counts)
        kept: list[tuple[tuple[str, ...], int]] = []  # names of several tokens
        if len(counts) < len(plain):
            for g, c in plain.items():
                if g not in counts:
                    toks = _parse(g)[0]
                    mid.update(toks)
                    kept.append((toks, c))
        pending: list[tuple[str, tuple[str, ...], str, int, int]] = []
        for g, c in initial.items():
            toks, low, lead = _parse(g)
            if len(toks) > 1:
                mid.update(toks[1:])
            elif low in STOPWORDS:
                self.drop[g] = 1
                continue
            pending.append((g, toks, low, lead, c))
        # the first word is dropped when it is a common word the document also
        # writes in lower case; ask only where nothing else drops it already
        drop = self.drop
        undecided = []
        for item in pending:
            g, toks, low, d, c = item
            if low in STOPWORDS or (len(toks) == 1 and toks[0] not in mid and _zipf(low) >= 3.5):
                drop[g] = d
                if d == len(toks) - 1:
                    counts[toks[d]] = counts.get(toks[d], 0) + c
                elif d < len(toks):
                    kept.append((toks[d:], c))
            else:
                undecided.append(item)
        if undecided:
            lower = _lowercase_words(text, lo, hi, {item[2] for item in undecided})
            for g, toks, low, d, c in undecided:
                if low in lower:
                    drop[g] = d
                    toks = toks[d:]
                if len(toks) == 1:
                    counts[toks[0]] = counts.get(toks[0], 0) + c
                elif toks:
                    kept.append((toks, c))
        # occurrences of every name unit (1 to 3 tokens), as ``_count`` has them
        # (distinct tokens are at most half as many as characters)
        if (
            kept
            and hi - lo >= 2 * MAX_DISTINCT
            and len(counts.keys() | {w for toks, _ in kept for w in toks}) > MAX_DISTINCT
        ):
            self.max_n = 1
        if kept:
            max_n = self.max_n
            units: list[str] = []
            for toks, c in kept:
                found = _units(toks, max_n)
                units += found if c == 1 else found * c
            _count_elements(counts, units)
        self._seen = (plain, initial)
        return self

    def locate(self, wanted: set[str] | None) -> list[_Tokens]:
        """In text order, the mentions (as ``(start, end, token)`` lists, a dropped
        sentence-initial word left out) holding a word of ``wanted`` (all if None)."""
        doc, text = self.doc, self.doc.text
        drop = self.drop
        plain, initial = self._seen
        if wanted is None:
            look = plain.keys() | initial.keys()  # (every count is positive)
        else:
            holding = self._holding
            if holding is None:
                holding = self._holding = {}
                for g in plain.keys() | initial.keys():
                    for w in _parse(g)[0]:
                        holding.setdefault(w, []).append(g)
            look = set(chain.from_iterable(map(holding.get, wanted, repeat(()))))
        if not look:
            return []
        has_protected = bool(doc.protected)
        spans: dict[str, tuple[tuple[int, int, str], ...]] = {}
        out: list[_Tokens] = []
        for s, g in self._occurrences(look):
            if has_protected and doc.overlaps_protected(s, s + len(g)):
                continue
            rel = spans.get(g)
            if rel is None:
                rel = spans[g] = _token_spans(g)
            d = drop.get(g, 0)
            if d and _starts_sentence(text, s):
                if d >= len(rel):
                    continue
                kept = rel[d:]
                if wanted is not None and wanted.isdisjoint([w for _, _, w in kept]):
                    continue  # it held the word only in the sentence-initial word dropped
                out.append([(s + a, s + b, w) for a, b, w in kept])
            else:
                out.append([(s + a, s + b, w) for a, b, w in rel])
        return out

    def _occurrences(self, look: set[str]) -> Iterable[tuple[int, str]]:
        """``(start, mention)`` of the mentions in ``look``, in text order.

        In a small section, the scan's list of mentions. Elsewhere a mention is
        looked for as a substring; the scan then runs only around the places
        found (all of the section when they are many).
        """
        text, lo, hi = self.doc.text, self.lo, self.hi
        if self._listed is not None:
            at = self._at
            if at is None:
                listed = self._listed
                starts = map(_Match.start, listed)
                at = self._at = list(zip(starts, map(_Match.group, listed, repeat(1)), strict=True))
            return list(compress(at, map(look.__contains__, map(_second, at))))
        if sum(text.count(g, lo, hi) for g in look) > _FEW_PLACES:
            found = ((m.start(), m.group()) for m in _MENTION.finditer(text, lo, hi))
            return [sg for sg in found if sg[1] in look]
        places = []
        for g in look:
            i = text.find(g, lo, hi)
            while i >= 0:
                places.append((i, i + len(g)))
                i = text.find(g, i + 1, hi)
        return [sg for sg in _mentions_touching(text, _merged(places), lo, hi) if sg[1] in look]

    def first_positions(self, mentions: list[_Tokens], units: set[str]) -> dict[str, int]:
        """Where each of ``units`` first occurs among ``mentions``, as ``_count`` counts."""
        first: dict[str, int] = {}
        max_n = self.max_n
        # (the runs of words counted as one of ``units``, once per distinct mention)
        runs: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for m in mentions:
            words = tuple(map(_third, m))
            found = runs.get(words)
            if found is None:
                found = runs[words] = [
                    (i, unit)
                    for i, n, unit, free in _word_runs(words)
                    if free and n <= max_n and unit in units
                ]
            for i, unit in found:
                if unit not in first:
                    first[unit] = m[i][0]
        return first


def _lead_words(toks: Sequence[str]) -> int:
    """How many words a sentence-initial mention loses with its first word: that
    word and the particles after it."""
    d = 1
    while d < len(toks) and toks[d].islower():
        d += 1
    return d


def _parse_mention(mention: str) -> tuple[tuple[str, ...], str, int]:
    """A mention's tokens, its first token case-folded, and how many tokens it
    loses when its first word is dropped (:func:`_lead_words`)."""
    toks = tuple(_tokens(mention))
    return toks, toks[0].casefold(), _lead_words(toks)


_parse = _Memo(_parse_mention, 1 << 14).__getitem__


def _spans_of(mention: str) -> tuple[tuple[int, int, str], ...]:
    """``(start, end, token)`` of a mention's tokens, relative to its start."""
    return tuple((t.start(), t.end(), t.group()) for t in _SPLIT.finditer(mention))


_token_spans = _Memo(_spans_of, 1 << 13).__getitem__


def _runs(words: tuple[str, ...]) -> tuple[tuple[int, int, str, bool], ...]:
    """``(i, n, unit, particle_free)`` for every run of 1 to ``MAX_NGRAM`` of a
    mention's first ``MAX_MENTION_TOKENS`` words, in order (``particle_free``:
    it neither starts nor ends with a particle, as a counted unit)."""
    ws = words[:MAX_MENTION_TOKENS]
    k = len(ws)
    return tuple(
        (i, n, " ".join(ws[i : i + n]), not ws[i].islower() and not ws[i + n - 1].islower())
        for i in range(k)
        for n in range(1, min(MAX_NGRAM, k - i) + 1)
    )


_WORD_RUNS = _Memo(_runs, 1 << 12)


def _word_runs(words: tuple[str, ...]) -> tuple[tuple[int, int, str, bool], ...]:
    """:func:`_runs`, memoised on the words that count (see :func:`_units`)."""
    return _WORD_RUNS[words[:MAX_MENTION_TOKENS]]


_second = itemgetter(1)
_third = itemgetter(2)


def _units(toks: tuple[str, ...], max_n: int) -> tuple[str, ...]:
    """The name units of one mention's tokens, as ``EntitiesFixer._count`` counts them:
    every run of 1 to ``max_n`` of its first ``MAX_MENTION_TOKENS`` tokens that
    neither starts nor ends with a particle."""
    # memoised on the tokens that count: a long title-case line would otherwise
    # keep every one of its tokens alive in the memo
    return _units_of(toks[:MAX_MENTION_TOKENS], max_n)


@lru_cache(maxsize=1 << 14)
def _units_of(ws: tuple[str, ...], max_n: int) -> tuple[str, ...]:
    k = len(ws)
    out = []
    for i in range(k):
        if ws[i].islower():
            continue
        for n in range(1, min(max_n, k - i) + 1):
            if not ws[i + n - 1].islower():
                out.append(" ".join(ws[i : i + n]))
    return tuple(out)


def _tokens(mention: str) -> list[str]:
    return (mention if "\u00a0" not in mention else mention.replace("\u00a0", " ")).split(" ")


def _scan(
    doc: Document, lo: int, hi: int, listed: list[regex.Match[str]] | None = None
) -> dict[tuple[str, str], int] | None:
    """How often each ``(mention, sentence end before it)`` occurs in ``text[lo:hi]``,
    leaving out the mentions that share a character with a protected span
    (``None`` when the section holds no mention at all). With ``listed`` (for a
    small section), every mention's match is put there too, for the look-ups.

    One scan; when a protected span can touch a name, its matches are checked
    against the spans by bisection, all in C, in batches (a section may hold a
    million mentions).
    """
    text = doc.text
    spans = doc.protected
    if spans and (lo > 0 or hi < len(text)):
        spans = [(s, e) for s, e in spans if e > lo and s < hi]
    every: dict[tuple[str, str], int] = {}
    touchy = False
    if spans:
        # (a section without a single mention is done before its spans are looked at)
        if _SCAN.search(text, lo, hi) is None:
            return None
        span_starts, span_ends = map(list, zip(*spans, strict=True))
        touchy = any(map(_TOUCHY.search, repeat(text), span_starts, span_ends))
    if not touchy and listed is None:
        found = _SCAN.findall(text, lo, hi)
        if not found:
            return None
        _count_elements(every, found)
        g0, end0 = found[0]
        if not end0 and _opens_the_text(text, lo, hi):
            # the start of the text makes its first mention sentence-initial too
            every[g0, end0] -= 1
            every[g0, "\n"] = every.get((g0, "\n"), 0) + 1
            if not every[g0, end0]:
                del every[g0, end0]
        return every
    if touchy:
        span_starts.append(len(text) + 1)
    found_iter = _SCAN.finditer(text, lo, hi)
    m0 = next(found_iter, None)
    if m0 is None:
        return None
    if listed is not None:
        listed.append(m0)
    while batch := list(islice(found_iter, _BATCH)):
        if listed is not None:
            listed += batch
        if touchy:
            # clear of the spans: the first span that ends after the mention's
            # start starts at or after its end
            after = map(bisect.bisect_right, repeat(span_ends), map(_Match.start, batch))
            clear = map(operator.ge, map(span_starts.__getitem__, after), map(_Match.end, batch))
            batch = list(compress(batch, clear))
        _count_elements(every, map(_Match.groups, batch, repeat("")))
    if not touchy or not doc.overlaps_protected(*m0.span()):
        _count_first(every, text, m0)
    return every


def _opens_the_text(text: str, lo: int, hi: int) -> bool:
    """Whether the first mention of ``text[lo:hi]`` stands at the start of the text,
    after openers only (what ``_starts_sentence`` says of it when no sentence end
    stands before it): the text then starts with at most ``_MAX_OPENERS`` openers
    and a match of the scan (no mention starts among openers)."""
    head = text[: _MAX_OPENERS + 1]
    p = len(head) - len(head.lstrip(_OPENER_CHARS))
    return lo <= p <= _MAX_OPENERS and _SCAN.match(text, p, hi) is not None


def _may_vary(every: dict[tuple[str, str], int]) -> bool:
    """Whether the names :func:`_scan` counted can hold an outlier or a name
    written two ways: ``False`` means the vote finds nothing in the section.

    A necessary condition, worked out before the sentence-initial words are
    judged: every mention is taken with and without its first word, so the
    units counted here hold every unit the vote counts, as often or more
    often. The vote finds a name written two ways only where two units have
    one skeleton and two shapes (more shapes than skeletons), and an outlier
    only where a token that is no English word (as ``_judge`` asks of an
    outlier; most capitalised tokens are words) shares a deletion key with
    another token seen twice or more (in a family of one shape: a family's
    count is its token's); most documents have neither. It runs in C over what
    :func:`_raw_units` keeps per mention, and per-process memos of what each
    token is.
    """
    ends = list(map(_second, every))
    return _may_vary_units(list(map(_RAW_UNITS.__getitem__, every)), every.values(), ends)


def _may_vary_units(
    raw: list[tuple[tuple[str, ...], ...]], counts: Iterable[int], ends: list[str] | None
) -> bool:
    """:func:`_may_vary` on what :func:`_raw_units` keeps of each mention, how often
    each occurs and the sentence end before it (``None``: every mention may
    start a sentence)."""
    shapes = set(chain.from_iterable(map(itemgetter(0), raw)))
    if len(shapes) > len(set(chain.from_iterable(map(itemgetter(1), raw)))):
        return True  # one skeleton, two shapes
    tokens = set(chain.from_iterable(map(itemgetter(3), raw)))
    rare = list(compress(tokens, map(_NO_WORD.__getitem__, tokens)))
    if not rare:
        return False
    family: dict[str, int] = {}
    found = map(operator.mul, map(itemgetter(2), raw), counts)
    _count_elements(family, chain.from_iterable(found))
    common = [s for s in tokens if family[s] > 1]
    if not common:
        return False
    held = set(chain.from_iterable(map(_KEYS.__getitem__, common)))
    rare = [o for o in rare if not held.isdisjoint(_KEYS[o])]
    if not rare:
        return False
    return _some_pair_may_merge(raw, counts, ends, rare, common)


def _some_pair_may_merge(
    raw: list[tuple[tuple[str, ...], ...]],
    counts: Iterable[int],
    ends: list[str] | None,
    rare: list[str],
    common: list[str],
) -> bool:
    """The rest of :func:`_may_vary`'s outlier test, for the few sections where a
    token that is no English word (``rare``) shares a deletion key with one seen
    twice or more (``common``): whether a pair of such tokens can pass
    :func:`EntitiesFixer._judge` in some name.

    The outlier must be seen at most twice: the mentions that are no sentence's
    first count for sure, so a token they hold more often is no outlier. As
    every skeleton has one shape here (else the section went to the vote
    already), the two tokens' case-folded forms are known, and what ``_judge``
    asks of the two tokens whatever the name around them (:func:`_differing_part`)
    is asked of each pair.
    """
    sure: dict[str, int] = {}
    if ends is not None:
        held = [r[2] if not end else () for r, end in zip(raw, ends, strict=True)]
        _count_elements(sure, chain.from_iterable(map(operator.mul, held, counts)))
    fold = dict(chain.from_iterable(map(itemgetter(4), raw)))
    index: dict[str, list[str]] = {}
    for d in common:
        for key in _KEYS[d]:
            index.setdefault(key, []).append(d)
    for o in rare:
        if sure.get(o, 0) > MAX_OUTLIER_COUNT:
            continue
        near = {d for key in _KEYS[o] for d in index.get(key, ())}
        near.discard(o)
        for d in near:
            if _differing_part(fold[o], fold[d], o, d) is not None:
                return True
    return False


def _no_word(skel: str) -> bool:
    """Whether a token with this skeleton can be an outlier for ``_judge``: it is
    no English word as frequent as ``MAX_WORD_ZIPF``. (A word that only wordfreq
    itself can look up is not asked about here, and counts as no word.)"""
    return _en_tokens(skel) is None or _zipf(skel) < MAX_WORD_ZIPF


_NO_WORD = _Memo(_no_word, 1 << 14)


#: the sentence end of a mention that may or may not start a sentence
_MAYBE = "\x00"


def _may_vary_roughly(text: str, lo: int, hi: int) -> bool:
    """:func:`_may_vary` asked before the sentence ends and the protected spans
    are looked at: a necessary condition for it, from a cheaper scan.

    Every mention, protected or not, is taken as possibly starting a sentence
    (units with and without its first word, no count known for sure): the
    units and counts are thus as many and as high as those :func:`_scan` gives
    or more, and every test of :func:`_may_vary` holds on them too.
    """
    found = _MENTION.findall(text, lo, hi)
    if not found:
        return False
    counts: dict[str, int] = {}
    _count_elements(counts, found)
    return _may_vary_units(list(map(_RAW_MAYBE.__getitem__, counts)), counts.values(), None)


def _raw_units(
    key: tuple[str, str],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple]:  # type: ignore[type-arg]
    """What :func:`_may_vary` needs of one ``(mention, sentence end)``, for the
    units the vote may count for it (a sentence-initial mention's units with or
    without its first word, each as often as the likelier of the two has it):
    their shapes, their skeletons, the skeletons of the one-token units (as
    often as they occur), those of the tokens the outlier vote looks at, and
    these last as ``(skeleton, case-folded token)`` pairs."""
    if key in _STOP_KEYS:
        return (), (), (), (), ()  # a function word alone at the start of a sentence
    mention, end = key
    toks, _, lead = _parse(mention)
    units = _units(toks, MAX_NGRAM)
    if end and lead < len(toks):
        units = tuple((Counter(units) | Counter(_units(toks[lead:], MAX_NGRAM))).elements())
    skels = tuple(map(_skel, units))
    single = [(u, s) for u, s in zip(units, skels, strict=True) if " " not in u]
    looked_at = {
        s: u.casefold() for u, s in single if len(u) <= MAX_TOKEN_LETTERS and len(s) >= MIN_PART
    }
    return (
        tuple(set(map(str.casefold, units))),
        tuple(set(skels)),
        tuple(s for _, s in single),
        tuple(looked_at),
        tuple(looked_at.items()),
    )


_RAW_UNITS = _Memo(_raw_units, 1 << 14)
#: :func:`_raw_units` of a mention that may start a sentence
_RAW_MAYBE = _Memo(lambda mention: _raw_units((mention, _MAYBE)), 1 << 14)
#: a token's deletion keys (:func:`_deletions`)
_KEYS = _Memo(_deletions, 1 << 13)


def _count_first(every: dict[tuple[str, str], int], text: str, m0: regex.Match[str]) -> None:
    g0, end0 = m0.groups("")
    # the start of the text makes its first mention sentence-initial too
    if not end0 and _starts_sentence(text, m0.start()):
        end0 = "\n"
    every[g0, end0] = every.get((g0, end0), 0) + 1


_Match = type(regex.match("", ""))
#: matches checked against the protected spans at a time
_BATCH = 4096


# Whether a mention can share a character with a span: it either starts inside
# (at a capital; anything beyond ASCII is looked at closely too) or runs into
# it from the left, across a letter, mark, hyphen or apostrophe, or across a
# space into a particle or an article.
_TOUCHY = regex.compile(
    rf"\G(?:(?<=[\p{{L}}\p{{M}}'’-])[\p{{L}}\p{{M}}'’ \u00a0-]|(?<=[ \u00a0])[{_PARTICLE_INITIALS}])"
    r"|[A-Z\x80-\U0010ffff]"
)


def _mentions_touching(
    text: str, spans: list[tuple[int, int]], lo: int, hi: int
) -> list[tuple[int, str]]:
    """``(start, mention)`` of the mentions in ``text[lo:hi]`` that share a character
    with one of ``spans`` (sorted and disjoint), as a scan of the section finds them.

    A span is looked at from the last character before it that no name can
    hold to the first such character after it (the spans that start before
    that are looked at with it): a scan of the whole section finds the same
    mentions there.
    """
    out = []
    cursor = lo  # no mention straddles it, and those before it are done
    i, n = 0, len(spans)
    while i < n:
        ps, pe = spans[i]
        i += 1
        if pe <= cursor:
            continue
        if ps >= hi:
            break
        start = cursor
        if ps > cursor:
            wall = _NOT_IN_NAME.search(text, cursor, ps)
            if wall is not None:
                start = wall.end()
        group = [(ps, pe)]
        while True:
            wall = _NAME_BREAK.search(text, pe, hi)
            stop = hi if wall is None else wall.start()
            if i == n or spans[i][0] >= stop:
                break
            group.append(spans[i])
            pe = max(pe, spans[i][1])
            i += 1
        # (the character after the region is seen: the pattern looks ahead at it)
        for m in _MENTION.finditer(text, start, min(stop + 1, hi)):
            s, e = m.span()
            if any(a < e and s < b for a, b in group):
                out.append((s, m.group()))
        cursor = stop
    return out


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, the overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


class _Families:
    """Name units grouped by skeleton (case, spaces, hyphens and apostrophes removed)."""

    __slots__ = ("count", "multi_shape", "skels", "_members")

    def __init__(self, counts: dict[str, int]) -> None:
        #: the skeleton of every unit, in the order of ``counts``
        self.skels = skels = list(map(_skel, counts))
        self.count: dict[str, int] = dict(zip(skels, counts.values(), strict=True))
        self.multi_shape: set[str] = set()
        self._members: dict[str, list[str]] | None = None
        if len(self.count) == len(skels):
            return  # one unit per skeleton: no family has two forms
        self.count = {}
        _count_elements(self.count, chain.from_iterable(map(repeat, skels, counts.values())))
        shapes = set(zip(skels, map(str.casefold, counts), strict=True))
        if len(shapes) > len(self.count):
            forms: dict[str, int] = {}
            _count_elements(forms, map(itemgetter(0), shapes))
            self.multi_shape = set(compress(forms, map((1).__lt__, forms.values())))

    def forms_of(self, skel: str, counts: dict[str, int]) -> list[tuple[str, int]]:
        """The surfaces of one family, most frequent first."""
        if self._members is None:
            self._members = {}
            for u, s in zip(counts, self.skels, strict=True):
                self._members.setdefault(s, []).append(u)
        members = self._members.get(skel, [])
        return sorted(((u, counts[u]) for u in members), key=lambda uc: (-uc[1], uc[0]))


_LOWER_WORD = regex.compile(r"(?<![\p{L}\p{M}\d_'’-])\p{Ll}[\p{L}\p{M}'’-]*+")
#: a word occurring more often than this is looked up among all lower-case words
_FEW = 16
#: more places than this to look at, and the whole section is scanned instead
_FEW_PLACES = 64
#: the scan lists the mentions of a section up to this long, for the look-ups
_LISTED_SECTION = 1 << 17
#: up to this many (rare, frequent) token pairs are compared one by one
_FEW_PAIRS = 400
_CHUNK = 1 << 20
#: the vote looks at a document in sections of this many characters at most
WINDOW = 1 << 21


def _lowercase_words(text: str, lo: int, hi: int, words: Iterable[str]) -> set[str]:
    """Which of ``words`` occur in lower case, as whole words, in ``text[lo:hi]``.

    A word is looked for as a substring (in C); only its few occurrences are
    checked for word boundaries, or, when it occurs often, the list of every
    lower-case word decides.
    """
    wanted = set(words)
    found: set[str] = set()
    chunks = [(lo, hi)] if hi - lo <= _CHUNK else list(_windows(text, lo, hi, _CHUNK))
    for a, b in chunks:
        every: set[str] | None = None
        for w in wanted - found:
            i = text.find(w, a, b)
            tries = 0
            while i >= 0:
                tries += 1
                if tries > _FEW:
                    if every is None:
                        every = set(_LOWER_WORD.findall(text, a, b))
                    if w in every:
                        found.add(w)
                    break
                m = _LOWER_WORD.match(text, i, b)
                if m is not None and m.end() == i + len(w):
                    found.add(w)
                    break
                i = text.find(w, i + 1, b)
    return found


def _windows(
    text: str, lo: int = 0, hi: int | None = None, size: int = 0
) -> Iterator[tuple[int, int]]:
    """``text[lo:hi]`` cut into pieces of about ``size`` characters at line breaks.

    A document bigger than ``WINDOW`` is a series of sections to the vote (see
    :func:`_sections`): a name's spellings are compared within one section, which
    bounds the memory one document can take.
    """
    hi = len(text) if hi is None else hi
    size = size or WINDOW
    pos = lo
    while pos < hi:
        end = min(hi, pos + size)
        if end < hi:
            cut = text.rfind("\n", pos, end)
            if cut <= pos:
                cut = text.rfind(" ", pos, end)
            end = cut + 1 if cut > pos else end
        yield pos, end
        pos = end


#: a line break is a landmark when the hash of the line after it is a multiple of this
_LANDMARK = 1 << 10


def _sections(text: str) -> Iterator[tuple[int, int]]:
    """The sections of ``text`` the vote looks at, each at most ``WINDOW`` characters.

    A section ends at a landmark: a line break chosen by the line that follows it
    (a hash of its opening characters), at least a quarter of ``WINDOW`` after the
    section began. Where a cut falls thus depends on the text around it, not on
    offsets: an edit earlier in the document moves no later cut unless it touches
    a landmark line or pushes a section past the limits. Cuts at fixed offsets
    (:func:`_windows`) moved with every edit before them, so after the first run's
    edits a long document's names were grouped anew, the vote found new outliers,
    and every fixer had to run over the whole document once more. Without a
    landmark in reach, a section ends at the last line break (or space) before
    ``WINDOW``, as :func:`_windows` cuts.
    """
    n = len(text)
    pos = 0
    while n - pos > WINDOW:
        limit = pos + WINDOW
        cut = -1
        i = text.find("\n", pos + WINDOW // 4, limit - 1)
        while i >= 0:
            head = text[i + 1 : i + 33].encode("utf-8", "surrogatepass")
            if zlib.crc32(head) % _LANDMARK == 0:
                cut = i + 1
                break
            i = text.find("\n", i + 1, limit - 1)
        if cut < 0:
            cut = next(_windows(text, pos, n, WINDOW))[1]
        yield pos, cut
        pos = cut
    if pos < n:
        yield pos, n


def build(options: Options) -> Fixer | None:
    return EntitiesFixer(load_gazetteers(options.gazetteers))
