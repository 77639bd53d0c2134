"""Calques: machine-translation slips that copy the source language's idiom.

``in his pulse by Washington`` (Spanish *pulso*, French *bras de fer*), ``the
issue is in neutrality`` (French *au point mort*), ``assist at the meeting``
(*assister à*), ``since five years`` (*depuis cinq ans*), ``my handy``
(German *Handy*): English words in a foreign idiom. The rules are data, one
TOML pack per source language in ``textfix/rules/calques/`` (``fr-en.toml``,
``es-en.toml``, ...), in the format of :mod:`textfix.packs` plus these keys:

``source``
    the idiom copied, ``"fr: au point mort"`` or a list of them when several
    languages share the slip (``["fr: bras de fer", "es: pulso"]``)
``meaning``
    what the idiom means (``"stalled"``), for the message
``family``
    ``false-friend``, ``literal-idiom``, ``preposition``, ``word-order``
    or ``grammar``
``anchor``
    one word (or a list of words) that every match contains, matched as a word
    prefix regardless of case; one combined regex over the whole text finds
    the anchors and a rule's pattern only runs within ``WINDOW`` characters of
    them. A user rule without an anchor scans the whole text.
``context`` / ``not_context``
    regexes that must (must not) match in the sentence holding the hit
``map``
    a table of words: ``{name}`` in the replacement stands for the group
    ``name`` looked up in it (``became`` → ``got``), keeping its capital

The replacement is expanded with ``match.expand`` (``\\g<name>``); a
capitalised hit gets a capitalised replacement. The edit is trimmed to the
words that change (``pulse by`` → ``standoff with``) while the message quotes
the whole hit: ``'in his pulse by' → 'in his standoff with'``. A rule without
a replacement only raises a flag.

Confidence: each rule's ``confidence`` is for text of unknown origin. With
``Options.source_lang`` the rules whose ``source`` names that language gain
``BOOST`` (capped at ``CAP``) and the others lose ``PENALTY``. The pipeline
applies unsafe fixes at or above ``min_confidence`` and flags the rest with
the replacement as suggestion.

User packs (``Options.rule_packs``) whose ``[pack]`` table says ``fixer =
"calques"`` load on top of the built-in ones (a rule with the same id replaces
the built-in rule); ``[pack] lang`` names the source language of rules whose
``source`` does not.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import accumulate
from operator import add
from pathlib import Path
from typing import Any

import regex

from textfix.cache import cached, source_digest
from textfix.model import Document, Edit, Fixer, Flag, Rule
from textfix.options import SOURCE_LANGS, Options
from textfix.packs import (
    PATTERN_TIMEOUT,
    LazyPattern,
    Pack,
    PackRule,
    RulePackError,
    builtin_toml,
    compiled,
    finditer,
    line_of,
    pack_fixer,
    parse_pack,
    read_toml,
)

try:  # the standard library's private regex parser reads patterns for the prefilter
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - a Python that moved them: no literal prefilter
    _sre = _sre_parse = None  # type: ignore[assignment]

LANG_NAMES = {
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
}
#: the built-in packs, one per source language
BUILTIN_PACKS = tuple(f"calques/{lang}-en.toml" for lang in ("fr", "es", "de", "it", "pt"))
EXTRA_KEYS = ("source", "meaning", "family", "anchor", "context", "not_context", "map")
FAMILIES = frozenset({"false-friend", "literal-idiom", "preposition", "word-order", "grammar"})

#: confidence added to the rules of the declared source language, and its cap
BOOST = 0.15
CAP = 0.99
#: confidence taken from the other languages' rules when a source language is declared
PENALTY = 0.1
#: a match must lie within this many characters of its anchor
WINDOW = 160
#: room for the anchor word itself after the start of a hit
_WORD_SLACK = 48
#: the sentence that ``context`` sees reaches at most this far either side of the hit
SENTENCE_REACH = 300

_ANCHOR_OK = regex.compile(r"\w+")
_SOURCE = regex.compile(r"(?P<lang>[a-z]{2}):\s*(?P<idiom>\S.*)", regex.DOTALL)
_MAP_REF = regex.compile(r"\{(\w+)\}")
#: whether the character at a position is one that ``\w`` matches (in ``re``)
_is_word = re.compile(r"\w").match
#: the word characters from a position on
_word_run = re.compile(r"\w*").match
#: bytes.translate table: ASCII word characters stay, every other byte is a space
_WORD_BYTES = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == ord("_")) else ord(" ") for c in range(256)
)
_SENTENCE_END = regex.compile(r"[.!?…]+[\"'”’)\]]*+(?=\s)|\n")


@dataclass(frozen=True)
class CalqueRule:
    """One calque rule, checked, with its patterns compiled or (built-in) compiled lazily."""

    rule: Rule
    pattern: regex.Pattern[str] | LazyPattern
    replacement: str | None
    sources: tuple[tuple[str, str], ...]
    meaning: str
    family: str
    anchors: tuple[str, ...]
    context: regex.Pattern[str] | LazyPattern | None
    not_context: regex.Pattern[str] | LazyPattern | None
    mapping: Mapping[str, str]
    #: a built-in rule: its patterns run without the match timeout a user's get
    #: (with ``regex`` the timeout costs about as much as a failed search of a
    #: window); the test suite runs them on pathological inputs instead
    trusted: bool = False

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def langs(self) -> frozenset[str]:
        return frozenset(lang for lang, _ in self.sources)

    def describe(self, before: str, after: str | None, source_lang: str | None = None) -> str:
        """``calque of French 'au point mort' (stalled): 'in neutrality' → 'at a standstill'``.

        With a known source language only its idiom is named; otherwise the
        first two, and how many other languages share the slip.
        """
        kind = "false friend" if self.family == "false-friend" else "calque"
        sources = [(lang, idiom) for lang, idiom in self.sources if lang == source_lang]
        sources = sources or list(self.sources)
        if sources:
            named = [
                f"{LANG_NAMES[lang]} '{idiom}'" if idiom else LANG_NAMES[lang]
                for lang, idiom in sources[:2]
            ]
            origin = " / ".join(named)
            if len(sources) > 2:
                origin += f" and {len(sources) - 2} more"
            head = f"{kind} of {origin}"
        else:
            head = self.rule.summary
        if self.meaning:
            head += f" ({self.meaning})"
        if after is None:
            return f"{head}: '{before}'"
        return f"{head}: '{before}' → '{after}'"


# --- loading -----------------------------------------------------------------


def _compile_rules(
    pack: Pack, source: str, default_lang: str | None, lazy: bool = False
) -> list[CalqueRule]:
    """Check the calque keys of each rule of ``pack`` and compile it.

    With ``lazy`` (the built-in packs, checked by the test suite) the context
    patterns are compiled on first use, and the checks that need a compiled
    pattern are left out.
    """
    out = []
    for index, pr in enumerate(pack.rules):

        def fail(message: str, key: str, _i: int = index) -> RulePackError:
            return RulePackError(pack.path, message, line_of(source, _i, key), key)

        out.append(_compile_rule(pr, fail, default_lang, lazy))
    return out


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _compile_rule(
    pr: PackRule, fail: Any, default_lang: str | None, lazy: bool = False
) -> CalqueRule:
    data = pr.data
    if pr.pattern is None:
        raise fail("rule has no pattern", "pattern")
    sources: list[tuple[str, str]] = []
    if "source" in data:
        raw = _strings(data["source"])
        if not raw:
            raise fail("source is 'xx: idiom' or a list of them", "source")
        for item in raw:
            m = _SOURCE.fullmatch(item.strip())
            if not m or m["lang"] not in LANG_NAMES:
                raise fail(
                    f"source {item!r} must read 'xx: idiom' with xx one of "
                    f"{', '.join(SOURCE_LANGS)}",
                    "source",
                )
            sources.append((m["lang"], m["idiom"].strip()))
    else:
        parts = pr.id.split("/")
        lang = parts[1] if len(parts) > 2 and parts[1] in LANG_NAMES else default_lang
        if lang is not None:
            sources.append((lang, ""))
    meaning = data.get("meaning", "")
    if not isinstance(meaning, str):
        raise fail("meaning must be a string", "meaning")
    family = data.get("family", "literal-idiom")
    if family not in FAMILIES:
        raise fail(f"family is one of {', '.join(sorted(FAMILIES))}", "family")
    anchors: tuple[str, ...] = ()
    if "anchor" in data:
        raw = _strings(data["anchor"])
        if not raw or not all(_ANCHOR_OK.fullmatch(a) for a in raw):
            raise fail("anchor is a word or a list of words (letters, digits, _)", "anchor")
        anchors = tuple(sorted({a.casefold() for a in raw}))
    contexts: list[regex.Pattern[str] | LazyPattern | None] = []
    for key in ("context", "not_context"):
        if key not in data:
            contexts.append(None)
            continue
        if not isinstance(data[key], str):
            raise fail(f"{key} must be a regex string", key)
        if lazy:
            contexts.append(LazyPattern(data[key], regex.VERSION0))
            continue
        try:
            contexts.append(regex.compile(data[key], regex.VERSION0))
        except regex.error as exc:
            raise fail(f"{key} does not compile: {exc}", key) from None
    mapping = data.get("map", {})
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise fail('map is a table of words: { became = "got" }', "map")
    if pr.replacement is not None and not isinstance(pr.pattern, LazyPattern):
        for name in _MAP_REF.findall(pr.replacement):
            if name not in pr.pattern.groupindex:
                raise fail(
                    f"replacement refers to {{{name}}}, not a group of the pattern", "replacement"
                )
    return CalqueRule(
        rule=pr.rule,
        pattern=pr.pattern,
        replacement=pr.replacement,
        sources=tuple(sources),
        meaning=meaning,
        family=family,
        anchors=anchors,
        context=contexts[0],
        not_context=contexts[1],
        mapping={k.casefold(): v for k, v in mapping.items()},
    )


def builtin_rules(lazy: bool = True) -> tuple[CalqueRule, ...]:
    """Every rule of the built-in packs, at its documented confidence.

    Their patterns are compiled on first use (:class:`textfix.packs.LazyPattern`);
    ``lazy=False`` compiles and checks everything now, as for a user's pack
    (the test suite does).
    """
    return _builtin_rules(bool(lazy))


@cache
def _builtin_rules(lazy: bool) -> tuple[CalqueRule, ...]:
    out: list[CalqueRule] = []
    for name in BUILTIN_PACKS:
        source, data = builtin_toml(name)
        pack = parse_pack(
            source, f"textfix/rules/{name}", extra_keys=EXTRA_KEYS, lazy=lazy, data=data
        )
        lang = name.split("/")[-1][:2]
        for cr in _compile_rules(pack, source, lang, lazy):
            if not cr.id.startswith(f"calques/{lang}/"):
                raise RulePackError(pack.path, f"rule id {cr.id} must start with calques/{lang}/")
            out.append(replace(cr, trusted=True))
    return tuple(out)


def read_user_pack(path: str | Path) -> list[CalqueRule] | None:
    """The calque rules of a user's pack, or ``None`` when the pack is for another fixer."""
    p = Path(path)
    source, data = read_toml(p)
    if pack_fixer(data) != "calques":
        return None
    meta = data["pack"]
    lang = meta.get("lang")
    if lang is not None and lang not in LANG_NAMES:
        line = next(
            (n for n, ln in enumerate(source.splitlines(), 1) if ln.strip().startswith("lang")),
            None,
        )
        raise RulePackError(str(p), f"lang is one of {', '.join(SOURCE_LANGS)}", line, "lang")
    pack = parse_pack(source, str(p), extra_keys=EXTRA_KEYS, id_prefix="calques/")
    return _compile_rules(pack, source, lang)


def effective_confidence(cr: CalqueRule, source_lang: str | None) -> float:
    """The rule's confidence once the text's source language is known."""
    base = cr.rule.confidence
    if source_lang is None:
        return base
    if source_lang in cr.langs:
        return round(min(CAP, max(base, base + BOOST)), 3)
    return round(max(0.0, base - PENALTY), 3)


# --- the anchor prefilter ----------------------------------------------------


def _trie_regex(words: Iterable[str]) -> str:
    """One regex alternation for ``words`` shaped as a trie, so it branches once per letter."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(trie)


# --- the literal prefilter ---------------------------------------------------

#: characters that match an ASCII letter case-insensitively but lower-case to
#: something else (dotless i, long s): a text holding one skips the prefilters
_CASE_ODD = ("\u0131", "\u017f")
# constructs of the ``regex`` module that the standard parser would misread
# (POSIX classes, fuzzy matching): such a pattern gets no literal prefilter
_FOREIGN_SYNTAX = re.compile(r"\[:|(?<!\\)(?:\\\\)*\{(?!\d*,?\d*\})")
_BACKSLASH_K = re.compile(r"(?<!\\)((?:\\\\)*)\\K")
_NAMED_GROUP = re.compile(r"(?<!\\)((?:\\\\)*)\(\?P<\w+>")
#: at most this many literal requirements are checked per rule
_MAX_NEEDS = 3
#: an alternation multiplies the strings around it up to this many
_MAX_PRODUCT = 8
_FUNCTION_WORDS = frozenset(
    "a an and are as at be by for from had has have he her his i in is it its of on or "
    "our she that the their they this to was we were will with you".split()
)

Need = tuple[str, ...]  # lower-case strings, one of which a match contains


def required_literals(pattern: str, verbose: bool = False) -> tuple[Need, ...]:
    """Lower-case strings that every match of ``pattern`` must contain.

    Each requirement is a tuple of alternatives (``("last", "first")``): a
    match holds at least one of them, within the text it consumes or looks
    ahead at (never in a look-behind, which may reach before the window).
    The pattern is read with the standard library's parser; anything it
    cannot read, or may read differently from ``regex``, yields no
    requirement, which only costs speed. The most selective come first.
    """
    if _sre_parse is None or _FOREIGN_SYNTAX.search(pattern):
        return ()
    src = _NAMED_GROUP.sub(r"\1(?:", _BACKSLASH_K.sub(r"\1", pattern))
    try:
        parsed = _sre_parse.parse(src, re.VERBOSE if verbose else 0)
        needs = set(_sequence_needs(list(parsed)))
    except Exception:  # noqa: BLE001 - a private parser's surprise costs speed, not matches
        return ()
    # (ties in the order of the strings, not of the set: the same in every process)
    ranked = sorted(sorted(needs), key=_weight, reverse=True)
    useful = [n for n in ranked if _weight(n) >= 1]
    return tuple(useful[:_MAX_NEEDS] or ranked[:1])


def _weight(need: Need) -> float:
    """How selective a requirement is: longer strings, fewer alternatives, no
    bare function word (``the`` is in every text)."""
    if not need:
        return 0.0
    shortest = min(0 if s.strip() in _FUNCTION_WORDS else len(s.strip()) for s in need)
    return shortest - math.log2(len(need))


def _literal_char(op: Any, av: Any) -> str | None:
    """The lower-case character a node always matches, or None."""
    if op is _sre.LITERAL:
        ch = chr(av).lower()
    elif op is _sre.IN and av and all(o is _sre.LITERAL for o, _ in av):
        chars = {chr(c).lower() for _, c in av}
        if len(chars) != 1:
            return None
        ch = chars.pop()
    else:
        return None
    return ch if len(ch) == 1 and ch.isascii() else None


def _zero_width(op: Any, av: Any) -> bool:
    return op in (_sre.AT, _sre.ASSERT_NOT) or (op is _sre.ASSERT and av[0] < 0)


def _pure(nodes: Sequence[Any]) -> list[str] | None:
    """Every string a run of plain literals (and alternations of them) matches, or None."""
    out = [""]
    for op, av in nodes:
        ch = _literal_char(op, av)
        if ch is not None:
            out = [o + ch for o in out]
            continue
        if _zero_width(op, av):
            continue
        if op is _sre.SUBPATTERN:
            inner = _pure(list(av[-1]))
        elif op is _sre.BRANCH:
            inner = []
            for alt in av[1]:
                got = _pure(list(alt))
                if got is None:
                    return None
                inner += got
        else:
            return None
        if inner is None or len(out) * len(inner) > _MAX_PRODUCT:
            return None
        out = [o + i for o in out for i in inner]
    return out


def _sequence_needs(items: Sequence[Any]) -> list[Need]:
    """The requirements of a sequence of parsed nodes.

    Adjacent literals join into one string; an alternation of plain literals
    multiplies the strings around it (``a (?:by|with)`` → ``a by``, ``a with``).
    """
    needs: list[Need] = []
    runs = [""]

    def flush() -> None:
        nonlocal runs
        if all(runs):
            needs.append(tuple(sorted(set(runs))))
        runs = [""]

    def walk(nodes: Sequence[Any]) -> None:
        nonlocal runs
        for op, av in nodes:
            ch = _literal_char(op, av)
            if ch is not None:
                runs = [r + ch for r in runs]
            elif _zero_width(op, av):
                continue  # nothing they see is required, and the text stays contiguous
            elif op is _sre.ASSERT:
                # a look-ahead: its text lies at or after the match start, inside the window
                needs.extend(_sequence_needs(list(av[1])))
            elif op is _sre.SUBPATTERN or op is _sre.BRANCH:
                alts = _pure([(op, av)])
                if alts is not None and len(runs) * len(alts) <= _MAX_PRODUCT:
                    runs = [r + a for r in runs for a in alts]
                elif alts is not None:
                    flush()
                    runs = alts
                elif op is _sre.SUBPATTERN:
                    walk(list(av[-1]))  # a group's text is contiguous with its neighbours
                else:
                    flush()
                    alternatives: set[str] = set()
                    for alt in av[1]:
                        best = max(_sequence_needs(list(alt)), key=_weight, default=None)
                        if best is None:
                            alternatives.clear()
                            break
                        alternatives.update(best)
                    if alternatives:
                        needs.append(tuple(sorted(alternatives)))
            elif op is _sre.ATOMIC_GROUP:
                walk(list(av))
            elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
                flush()
                if av[0] >= 1:
                    needs.extend(_sequence_needs(list(av[2])))
            else:
                flush()

    walk(items)
    flush()
    return needs


def _pattern_key(pattern: regex.Pattern[str] | LazyPattern) -> tuple[str, bool]:
    """What :func:`required_literals` reads of a pattern: its text and whether it is verbose.

    A lazy pattern's declared flags lack the global flags written inline, which
    its compiled form would show; the standard parser reads those from the text
    itself, so the requirements come out the same.
    """
    if isinstance(pattern, LazyPattern):
        return pattern.pattern, bool(pattern.declared_flags & regex.VERBOSE)
    return pattern.pattern, bool(pattern.flags & regex.VERBOSE)


#: bump when the stored requirements change shape
_NEEDS_CACHE_VERSION = 1


def _code_digest() -> str | None:
    """A digest of this module's source: the requirements depend on its code."""
    return source_digest(__file__)


@cache
def builtin_needs() -> dict[tuple[str, bool], tuple[Need, ...]]:
    """:func:`required_literals` of every built-in pattern, by :func:`_pattern_key`.

    Reading ~120 patterns with the standard parser costs a tenth of a second,
    so the results are kept in the on-disk cache (:mod:`textfix.cache`) under a
    key naming the format, the Python, this module's code and every pattern.
    A miss (or no cache) computes them exactly as an uncached build would.
    """
    keys = sorted({_pattern_key(cr.pattern) for cr in builtin_rules()})
    computed: list[tuple[Need, ...]] | None = None

    def build() -> bytes:
        nonlocal computed
        computed = [required_literals(p, verbose) for p, verbose in keys]
        return marshal.dumps(computed)

    code = _code_digest()
    stored = None
    if code is not None:
        patterns = hashlib.blake2b(repr(keys).encode("utf-8"), digest_size=16)
        key = (
            f"needs {_NEEDS_CACHE_VERSION} marshal {marshal.version} "
            f"python {'.'.join(map(str, sys.version_info[:3]))} "
            f"code {code} patterns {patterns.hexdigest()}"
        )
        raw = cached("calques-needs", key, build)
        if computed is None:
            stored = _read_needs(raw, len(keys))
    if computed is None and stored is None:  # no cache, or an entry that is not ours
        build()
    needs = computed if computed is not None else stored
    assert needs is not None
    return dict(zip(keys, needs, strict=True))


def _read_needs(raw: bytes, count: int) -> list[tuple[Need, ...]] | None:
    """Stored requirements, or None when the data is not what :func:`builtin_needs` wrote."""
    try:
        data = marshal.loads(raw)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, list) or len(data) != count:
        return None
    for needs in data:
        if not isinstance(needs, tuple) or not all(
            isinstance(need, tuple) and all(isinstance(s, str) for s in need) for need in needs
        ):
            return None
    return data


#: characters that keep a text off the byte view: dotted capital I lower-cases to
#: two characters, dotless i and long s match an ASCII letter ignoring case, and
#: the Kelvin sign lower-cases to an ASCII 'k' (no other character lower-cases to
#: ASCII or to more than one character)
_BYTES_ODD = ("\u0130", "\u0131", "\u017f", "\u212a")


def lowered_bytes(text: str) -> bytes | None:
    """``text`` lower-cased as ASCII bytes, one per character (``?`` for a non-ASCII
    one), or None when that view could miss a case-insensitive match.

    An ASCII string (a requirement, an anchor) occurs in it wherever it occurs in
    :func:`lowered` ``(text)``, at the same offsets; a ``?`` may stand for more.
    """
    if text.isascii():
        return text.encode("ascii").lower()
    for odd in _BYTES_ODD:
        if odd in text:
            return None
    return text.encode("ascii", "replace").lower()


def lowered(text: str) -> str | None:
    """``text`` in lower case with the same offsets, or None when lower-casing
    would shift offsets or hide a case-insensitive match of an ASCII letter."""
    low = text.lower()
    if not text.isascii() and (
        len(low) != len(text) or _CASE_ODD[0] in text or _CASE_ODD[1] in text
    ):
        return None
    return low


def _holds(
    find: Callable[[bytes, int, int], int],
    needs: tuple[tuple[bytes, ...], ...],
    start: int,
    end: int,
) -> bool:
    """Does every requirement (its strings as ASCII bytes) have one of its strings in
    ``[start, end)`` of the lower-cased bytes whose ``find`` this is?"""
    for alternatives in needs:
        for lit in alternatives:
            if find(lit, start, end) >= 0:
                break
        else:
            return False
    return True


# --- the fixer ---------------------------------------------------------------


class CalquesFixer(Fixer):
    """Find calques with the rule packs and propose their idiomatic English."""

    name = "calques"
    #: use the lower-cased scan and the literal prefilter (off: the reference path)
    prefilter = True

    def __init__(self, rules: Iterable[CalqueRule], source_lang: str | None = None) -> None:
        by_id: dict[str, CalqueRule] = {}
        for cr in rules:
            by_id[cr.id] = cr  # a later (user) rule replaces a built-in one
        self.calques: tuple[CalqueRule, ...] = tuple(by_id.values())
        self.source_lang = source_lang
        self._confidence = {cr.id: effective_confidence(cr, source_lang) for cr in self.calques}
        self.rules = tuple(
            replace(cr.rule, confidence=self._confidence[cr.id]) for cr in self.calques
        )
        self._by_anchor: dict[str, list[int]] = {}
        self._unanchored: list[int] = []
        for i, cr in enumerate(self.calques):
            if not cr.anchors:
                self._unanchored.append(i)
            for a in cr.anchors:
                self._by_anchor.setdefault(a, []).append(i)
        self._anchor_lengths = sorted({len(a) for a in self._by_anchor})
        # a trie of plain words cannot backtrack, and the standard library's
        # engine scans it about twice as fast as ``regex``
        trie = _trie_regex(self._by_anchor)
        self._trie = trie if self._by_anchor else None
        # the scan of the text itself, for texts off the fast path: compiled on first use
        self._trigger: re.Pattern[str] | None = None
        # The same scan over the lower-cased text, as bytes: one byte per
        # character (a non-ASCII one encodes as '?'), and every byte that is not
        # an ASCII word character made a space, so the engine skips to the next
        # space as fast as it finds a byte (rather than testing ``\W``, a
        # Unicode category, on every character) and tries each branch of the
        # trie with one comparison. A space after a non-ASCII letter is no word
        # boundary, and a word may go on past its ASCII letters: :meth:`_hits`
        # reads those few characters in the text. The text is split on the hits,
        # after a space so that its first word has one before it: the pieces'
        # lengths give the offsets, with no match object per hit. The trie is
        # greedy, so its group is the longest anchor the word starts with.
        ascii_anchors = all(a.isascii() for a in self._by_anchor)
        self._low_trigger = (
            re.compile(rb" (" + trie.encode("ascii") + rb")(\w*)")
            if self._by_anchor and ascii_anchors
            else None
        )
        # Rules with the same anchors get the same windows: they are built once
        # per group. Per anchor, the groups of every anchor it starts with, as
        # often as _rules_of would name their rules.
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, cr in enumerate(self.calques):
            if cr.anchors:
                groups.setdefault(cr.anchors, []).append(i)
        self._groups: tuple[tuple[int, ...], ...] = tuple(map(tuple, groups.values()))
        self._group_of = {members[0]: g for g, members in enumerate(self._groups)}
        self._chain: dict[str, tuple[int, ...]] = {}  # empty while _members builds it
        self._chain = {a: self._members(a) for a in self._by_anchor}
        #: per rule, lower-case literals every match holds (see required_literals)
        known = builtin_needs()
        keys = [_pattern_key(cr.pattern) for cr in self.calques]
        self._needs: tuple[tuple[Need, ...], ...] = tuple(
            known[k] if k in known else required_literals(*k) for k in keys
        )
        #: the same as ASCII bytes, for the byte view (see lowered_bytes); a
        #: requirement with a non-ASCII string is left out (it only costs speed)
        self._needs_b: tuple[tuple[tuple[bytes, ...], ...], ...] = tuple(
            tuple(
                tuple(lit.encode("ascii") for lit in need)
                for need in needs
                if all(lit.isascii() for lit in need)
            )
            for needs in self._needs
        )
        #: per group, its rules with their requirements (with and without the prefilter)
        self._checks = tuple(
            tuple((i, self._needs_b[i]) for i in members) for members in self._groups
        )
        self._no_checks = tuple(tuple((i, ()) for i in members) for members in self._groups)
        #: per rule, its compiled pattern once a document needed it (built-in
        #: patterns compile on the first document whose prefilters let them run)
        self._patterns: list[regex.Pattern[str] | None] = [None] * len(self.calques)

    def _slow_trigger(self) -> re.Pattern[str]:
        """The anchor scan over the text itself (case-insensitive), compiled on first use."""
        trigger = self._trigger
        if trigger is None:
            assert self._trie is not None
            trigger = self._trigger = re.compile(r"(?<!\w)" + self._trie + r"\w*", re.IGNORECASE)
        return trigger

    def _members(self, word: str) -> tuple[int, ...]:
        """The groups of the rules whose anchor starts ``word`` (casefolded): each
        as often as :meth:`_rules_of` names its first rule, in group order."""
        got = self._chain.get(word)
        if got is None:
            group_of = self._group_of
            got = tuple(sorted(group_of[i] for i in self._rules_of(word) if i in group_of))
        return got

    def _rules_of(self, word: str) -> list[int]:
        """The rules whose anchor starts ``word`` (casefolded)."""
        out: list[int] = []
        for length in self._anchor_lengths:
            if length > len(word):
                break
            out.extend(self._by_anchor.get(word[:length], ()))
        return out

    def _hits(self, text: str, low: bytes | None) -> dict[str, list[int]]:
        """Where words starting with an anchor start.

        The key is the casefolded word, or, on the lower-cased fast path, the
        longest anchor an ASCII word starts with (its rules are the same).
        """
        hits: dict[str, list[int]] = {}
        trigger = self._low_trigger
        if trigger is None or low is None:
            if self._trie is not None:
                for m in self._slow_trigger().finditer(text):
                    hits.setdefault(m.group().casefold(), []).append(m.start())
            return hits
        # [gap, anchor, rest of the word, gap, anchor, ...]: each hit's space is
        # in no part (a group for it would cost the engine more than the sum)
        parts = trigger.split((b" " + low).translate(_WORD_BYTES))
        count = len(parts) // 3
        if not count:
            return hits
        # where each part starts in ``low``, but for the spaces of the hits before
        # it (one less: the leading space)
        ends = list(accumulate(map(len, parts), initial=-1))
        anchors = parts[1::3]
        starts = list(map(add, ends[1::3], range(1, count + 1)))
        keys: dict[bytes, list[int]] = {}
        if text.isascii():
            for key, s in zip(anchors, starts, strict=False):
                got = keys.get(key)
                if got is None:
                    keys[key] = [s]
                else:
                    got.append(s)
            return {key.decode("ascii"): got for key, got in keys.items()}
        # (a character is a word character exactly when its lower case is one)
        n = len(text)
        word_ends = map(add, ends[3::3], range(1, count + 1))
        for key, s, e in zip(anchors, starts, word_ends, strict=False):
            if s and text[s - 1] > "\x7f" and _is_word(text[s - 1]):
                continue  # after a non-ASCII letter: inside a word
            if e < n and text[e] > "\x7f" and _is_word(text[e]):
                # the word goes on past its ASCII letters: keyed by the whole
                # word casefolded, as the reference scan does
                word = text[s : _word_run(text, e).end()].casefold()
                hits.setdefault(word, []).append(s)
                continue
            got = keys.get(key)
            if got is None:
                keys[key] = [s]
            else:
                got.append(s)
        for key, got in keys.items():
            hits.setdefault(key.decode("ascii"), []).extend(got)
        return hits

    def _possible(self, i: int, low: bytes | None, start: int = 0, end: int | None = None) -> bool:
        """False when ``low[start:end]`` lacks a literal that every match of rule ``i`` holds."""
        if low is None:
            return True
        return _holds(low.find, self._needs_b[i], start, len(low) if end is None else end)

    def _group_starts(self, text: str, low: bytes | None) -> dict[int, list[int]]:
        """Per group of rules, where the words starting with one of its anchors
        start: once per rule of the group that :meth:`_rules_of` names for the
        word (unsorted). The same with or without the lower-cased text."""
        starts_of: dict[int, list[int]] = {}
        chain, members_of = self._chain, self._members
        for word, starts in self._hits(text, low).items():
            members = chain.get(word)
            if members is None:  # a word outside the fast path
                members = members_of(word)
            for g in members:
                got = starts_of.get(g)
                if got is None:
                    starts_of[g] = list(starts)
                else:
                    got.extend(starts)
        return starts_of

    def _windows(self, text: str, low: bytes | None = None) -> dict[int, list[tuple[int, int]]]:
        """For each rule, the merged stretches of ``text`` within reach of its anchors.

        One pass of the trigger regex collects the anchor hits per word; the
        per-rule work is then a sort and a merge of plain integers, and a rule
        whose windows would cover most of the text simply scans all of it.
        Given the lower-cased bytes (see :func:`lowered_bytes`), a rule whose literals
        are missing from the text, or from one of its stretches, drops it: its
        pattern could not match there.
        """
        n = len(text)
        out: dict[int, list[tuple[int, int]]] = {
            i: [(0, n)] for i in self._unanchored if self._possible(i, low)
        }
        if self._trie is None:
            return out
        starts_of = self._group_starts(text, low)
        groups = self._groups
        before, after = WINDOW, WINDOW + _WORD_SLACK
        checks = self._checks if low is not None else self._no_checks
        find = low.find if low is not None else None
        for g, starts in starts_of.items():
            if len(starts) * (before + after) >= n:
                for i in groups[g]:
                    if self._possible(i, low):
                        out[i] = [(0, n)]
                continue
            if len(starts) == 1:  # most groups: one stretch, checked without lists
                s = starts[0]
                ws, we = s - before if s > before else 0, s + after if s + after < n else n
                for i, needs in checks[g]:
                    if _holds(find, needs, ws, we):
                        out[i] = [(ws, we)]
                continue
            starts.sort()
            spans = []
            lo, hi = starts[0] - before, starts[0] + after
            for s in starts:
                if s - before > hi:
                    spans.append((lo if lo > 0 else 0, hi if hi < n else n))
                    lo = s - before
                hi = s + after
            spans.append((lo if lo > 0 else 0, hi if hi < n else n))
            for i, needs in checks[g]:
                if not needs:
                    out[i] = spans
                    continue
                kept = [(ws, we) for ws, we in spans if _holds(find, needs, ws, we)]
                if kept:
                    out[i] = kept
        return out

    def _sentence(self, text: str, start: int, end: int) -> str:
        lo = max(0, start - SENTENCE_REACH)
        s = lo
        for m in _SENTENCE_END.finditer(text, lo, start):
            s = m.end()
        hi = min(len(text), end + SENTENCE_REACH)
        m = _SENTENCE_END.search(text, end, hi)
        e = m.end() if m else hi
        return text[s:e]

    def _replacement(self, cr: CalqueRule, m: regex.Match[str]) -> str:
        template = cr.replacement or ""
        if cr.mapping and "{" in template:

            def mapped(ref: regex.Match[str]) -> str:
                value = m.group(ref[1]) or ""
                out = cr.mapping.get(value.casefold(), value)
                if value[:1].isupper() and out[:1].islower():
                    out = out[:1].upper() + out[1:]
                return out.replace("\\", "\\\\")

            template = _MAP_REF.sub(mapped, template)
        out = m.expand(template)
        hit = m.group()
        if hit[:1].isupper() and out[:1].islower():
            out = out[:1].upper() + out[1:]
        return out

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        if not text or not self.calques:
            return
        found: list[tuple[int, int, float, int, regex.Match[str]]] = []
        seen: set[tuple[int, int, int]] = set()
        windows = self._windows(text, lowered_bytes(text) if self.prefilter else None)
        patterns = self._patterns
        for i, spans in windows.items():
            cr = self.calques[i]
            pattern = patterns[i]
            if pattern is None:  # a race compiles it twice, to equal patterns
                pattern = patterns[i] = compiled(cr.pattern)
            trusted = cr.trusted
            search = pattern.search
            for ws, we in spans:
                if trusted:
                    # most stretches hold no match: one search is cheaper than an iterator
                    if search(text, ws, we) is None:
                        continue
                    matches = pattern.finditer(text, ws, we)
                else:
                    matches = finditer(pattern, text, ws, we)
                for m in matches:
                    s, e = m.span()
                    if e == s or (s, e, i) in seen:
                        continue
                    seen.add((s, e, i))
                    if cr.context is not None or cr.not_context is not None:
                        sentence = self._sentence(text, s, e)
                        timeout = None if trusted else PATTERN_TIMEOUT
                        if cr.context is not None and not compiled(cr.context).search(
                            sentence, timeout=timeout
                        ):
                            continue
                        if cr.not_context is not None and compiled(cr.not_context).search(
                            sentence, timeout=timeout
                        ):
                            continue
                    found.append((s, e, self._confidence[cr.id], i, m))
        # one reading per stretch of text: the earliest, then longest, then surest
        found.sort(key=lambda f: (f[0], -(f[1] - f[0]), -f[2], f[3]))
        last_end = -1
        for s, e, conf, i, m in found:
            if s < last_end:
                continue
            last_end = e
            cr = self.calques[i]
            if cr.replacement is None:
                yield Flag(s, e, cr.id, cr.describe(m.group(), None, self.source_lang), None, conf)
                continue
            before, after = m.group(), self._replacement(cr, m)
            if before == after:
                continue
            # the edit covers only the words that change; the message quotes the whole hit
            message = cr.describe(before.strip(), after.strip(), self.source_lang)
            head, tail = _trim(before, after)
            replacement = after[head : len(after) - tail]
            yield Edit(s + head, e - tail, replacement, cr.id, message, conf)


def _trim(before: str, after: str) -> tuple[int, int]:
    """Lengths of the whole words ``before`` and ``after`` share at their start and end."""
    limit = min(len(before), len(after))
    i = 0
    while i < limit and before[i] == after[i]:
        i += 1
    if i < len(before) or i < len(after):
        while i > 0 and not before[i - 1].isspace():
            i -= 1
    j = 0
    while j < limit - i and before[-1 - j] == after[-1 - j]:
        j += 1
    while j > 0 and not before[len(before) - j].isspace():
        j -= 1
    if i + j >= len(before):  # keep a word to replace rather than a bare insertion
        j = 0
        if i >= len(before):
            i = 0
    return i, j


@lru_cache(maxsize=32)
def _rules_for(rule_packs: tuple[str, ...]) -> tuple[CalqueRule, ...]:
    rules = list(builtin_rules())
    for path in rule_packs:
        user = read_user_pack(path)
        if user:
            rules.extend(user)
    return tuple(rules)


def build(options: Options) -> CalquesFixer:
    """The calques fixer for ``options`` (source language, user packs)."""
    return CalquesFixer(_rules_for(tuple(options.rule_packs)), options.source_lang)


__all__ = [
    "BUILTIN_PACKS",
    "CalqueRule",
    "CalquesFixer",
    "build",
    "builtin_rules",
    "effective_confidence",
    "read_user_pack",
]
