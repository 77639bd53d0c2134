"""Repair broken double quotes and guillemets, paragraph by paragraph.

Scrapers and machine translation drop closing quotes, double them, glue them
to the wrong word or turn them the wrong way. This fixer reads the quote
marks of each paragraph as openers and closers (from the glyph of a
typographic quote, from the spacing around a straight one), walks them once,
and repairs only what the walk makes certain:

- an opener that is never closed, followed in its paragraph by an attribution
  (``"We will win. Putin told Kim``) is closed before the attribution, the
  full stop becoming a comma: ``"We will win," Putin told Kim``;
- a doubled mark (``""we``), a mark glued to the word on its wrong side
  (``it"a``) and a typographic quote facing the wrong way (``”We``) are
  repaired when the rest of the paragraph balances, and flagged otherwise;
- a closer without an opener and an opener that never closes are flagged.

Correct text that looks odd is left alone: quotations spanning paragraphs
(every paragraph opens, only the last closes), quotes inside quotes (single
quotes are never touched), primes (``5'10"``, ``a 12" pizza``), an empty
string ``""`` and anything inside protected spans (code, URLs).

The reporting verbs and subject words that make an attribution live in
``textfix/rules/quotes.toml``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from textfix.model import Document, Edit, Fixer, Flag
from textfix.options import Options
from textfix.packs import PackRule, RulePackError, builtin_pack, pack_fixer, read_toml

PACK = "quotes.toml"
LIST_KEYS = (
    "verbs",
    "object_verbs",
    "listeners",
    "adverbials",
    "pronouns",
    "determiners",
    "not_names",
)

UNCLOSED = "quotes/unclosed-before-attribution"
STRAY = "quotes/stray-closing"
DIRECTION = "quotes/wrong-direction"
DOUBLED = "quotes/doubled"
GLUED = "quotes/glued"
UNBALANCED = "quotes/unbalanced"

#: runs of double quote marks and guillemets (the only triggers)
_MARKS = regex.compile(r"[\"“”„«»]++")
_MARK_CHARS = '"“”„«»'
# what may stand before an opening quote and after a closing one (besides white
# space): brackets, dashes, slashes, Markdown emphasis, and ``=``/``:`` before a
# value (``class="note"``, ``{"key":"value"}``)
_LEFT_OPEN = frozenset("([{<—–-/*_~=:")
_RIGHT_CLOSE = frozenset(".,;:!?)]}>…—–-/*_~")
#: A unit whose every double quote mark, straight or curly, opens or closes a
#: quotation in turn, each in a context that leaves no doubt (an opening mark
#: after white space or an opening bracket and before a letter, a closing one
#: after a letter or punctuation and before white space or punctuation): the
#: marks pair up with nothing to repair or flag. Tested on the unit alone
#: (``\A``/``\Z`` are its edges, as for :meth:`QuotesFixer._marks`). A match
#: is enough to skip the unit; a unit that fails it may still be fine and is
#: read mark by mark (the skip is pinned to that reading by
#: ``tests/test_quotes.py``). Linear: the marks split the unit into stretches
#: no quantifier can cross.
_PLAIN_QUOTES = regex.compile(
    r"(?:[^\"“”„«»]*+"
    r"(?:(?<=[ \t\n(\[{<—–\-/*_~=:])|(?<![\s\S]))[\"“](?=[\p{L}\p{N}'’‘(\[$£€#@&])"
    r"[^\"“”„«»]*+"
    r"(?<=[\p{L}\p{M}.,;!?'’)\]}…%])[\"”](?=\Z|[ \t\n.,;:!?)\]}>…—–\-/*_~])"
    r")*+[^\"“”„«»]*+\Z"
)
#: feet and inches: 5'10"
_FEET_INCHES = regex.compile(r"\d['’]\d{1,2}[\"”]")
_CLOSER_FOR = {'"': '"', "“": "”", "„": "“", "«": "»", "»": "«"}
#: a paragraph with more quote marks than this, one every 8 characters or more
#: densely, is data (CSV, JSON, a list of strings), not prose
DENSE_MARKS = 100
#: how a line that ends a sentence (or a quotation) ends
_ENDS = frozenset('.!?:;"”’»)…')
#: the longest line of a hard-wrapped paragraph
WRAP_WIDTH = 100


def text_units(doc: Document) -> list[tuple[int, int]]:
    """The paragraphs a quotation or a parenthesis may span.

    One line is one paragraph in scraped text, but a hard-wrapped paragraph
    (a block of short lines with no blank line between them, most of them
    breaking off in mid-sentence) is one unit. Short one-line paragraphs
    that each end a sentence stay apart.
    """
    text = doc.text
    units: list[tuple[int, int]] = []
    block: list[tuple[int, int]] = []

    def flush() -> None:
        if _wrapped(text, block):
            units.append((block[0][0], block[-1][1]))
        else:
            units.extend(block)
        block.clear()

    for s, e in doc.paragraphs:
        if block and s != block[-1][1] + 1:
            flush()
        block.append((s, e))
    flush()
    return units


_INF = float("inf")


def _wrapped(text: str, block: list[tuple[int, int]]) -> bool:
    """Is this block of adjacent paragraphs one hard-wrapped paragraph?"""
    if len(block) > 1 and all(e - s <= WRAP_WIDTH for s, e in block):
        open_ends = sum(1 for s, e in block[:-1] if text[s:e].rstrip()[-1:] not in _ENDS)
        return 2 * open_ends >= len(block) - 1
    return False


class UnitFinder:
    """The text unit (see :func:`text_units`) holding a given position, found lazily.

    A fixer that looks for a rare mark finds it with one scan of the whole
    text, asks for its unit here and goes on scanning after that unit: only
    the blocks of lines that hold a mark are judged. Ask for positions in
    increasing order (each block is then walked once).
    """

    __slots__ = ("_text", "_paras", "_block")

    def __init__(self, doc: Document) -> None:
        self._text = doc.text
        self._paras = doc.paragraphs
        # the last block looked at: paragraph indexes [a, b) and whether it is one unit
        self._block = (0, 0, False)

    def unit(self, pos: int) -> tuple[int, int, int]:
        """``(start, end, k)``: the unit holding ``pos`` (a character that is not
        white space) and the index of the first paragraph after it."""
        paras = self._paras
        k = bisect.bisect_right(paras, (pos, _INF)) - 1
        a, b, whole = self._block
        if not a <= k < b:
            a = k
            while a > 0 and paras[a][0] == paras[a - 1][1] + 1:
                a -= 1
            b = k + 1
            while b < len(paras) and paras[b][0] == paras[b - 1][1] + 1:
                b += 1
            whole = b - a > 1 and _wrapped(self._text, paras[a:b])
            self._block = (a, b, whole)
        if whole:
            return paras[a][0], paras[b - 1][1], b
        return paras[k][0], paras[k][1], k + 1


def units_holding(doc: Document, chars: str) -> Iterator[tuple[int, int, int]]:
    """``(start, end, k)`` (see :meth:`UnitFinder.unit`) of each unit holding one of
    ``chars``, in order.

    Each character is looked for with ``str.find`` (a memchr in C, faster than
    any regex scan); after a unit, only the characters found inside it are
    looked for again, so the text is read once per character.
    """
    text = doc.text
    find = text.find
    heads = {}
    for c in chars:
        i = find(c)
        if i >= 0:
            heads[c] = i
    if not heads:
        return
    finder = UnitFinder(doc)
    while heads:
        s, e, k = finder.unit(min(heads.values()))
        for c, i in list(heads.items()):
            if i < e:
                i = find(c, e)
                if i < 0:
                    del heads[c]
                else:
                    heads[c] = i
        yield s, e, k


#: a string literal's prefix in code: f"..." r"..." b"..."
_STRING_PREFIX = regex.compile(r"(?<![\p{L}\p{N}_])(?i:[rfbu]|rb|br|fr|rf)\Z")
#: characters that are rare in prose and common in code and markup
_CODE_CHAR = re.compile(r"[{}<>=\\|^\[\]]")
_CODE_START = re.compile(r"[ \t]*+(?:>>>|\.\.\.|\$|%|#include|import|def|return)[ \t]")


def code_like(doc: Document, s: int, e: int) -> bool:
    """Does the paragraph ``[s, e)`` look like code or markup rather than prose?

    Code that no fence or indentation marks (a doctest, a snippet in a
    README) is full of quotes and brackets that follow other rules than
    prose; both the quotes and the bracket checks leave it alone. Protected
    spans (URLs, inline code) do not count.
    """
    text = doc.text
    if _CODE_START.match(text, s):
        return True
    n = len(_CODE_CHAR.findall(text, s, e))
    if n <= 3:
        return False
    spans = doc.protected
    i = bisect.bisect_left(spans, (s, -1))
    while i < len(spans) and spans[i][0] < e:
        ps, pe = spans[i]
        n -= len(_CODE_CHAR.findall(text, max(ps, s), min(pe, e)))
        i += 1
    return n > 3 and n * 64 > e - s


def _alt(words: list[str]) -> str:
    return "|".join(regex.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def attribution_pattern(
    lists: dict[str, list[str]], shared_name: bool = True
) -> regex.Pattern[str]:
    """The compiled attribution detector for these word lists.

    It matches at a sentence boundary inside an open quotation: the boundary
    mark (``. , ? !``), an optional space, then one of ``Name verb``,
    ``he verb``, ``the minister verb``, ``verb the minister``/``verb Name``
    or ``according to``. A bare verb must be followed by punctuation or an
    adverbial (``he said on Monday``), an object verb by a listener
    (``told Kim``, ``told reporters``), so that narrative inside a quotation
    (``He said we would wait``) is not taken for an attribution.

    A name (a capitalised word that is not one of ``not_names``) is needed in
    four places. With ``shared_name`` it is written once, as a ``DEFINE``d
    group the four places call, which halves the compile time (~25 ms, paid by
    every process that meets an open quotation). A name matches in one way only
    (a look-ahead, then a possessive run), so a call matches exactly what the
    pattern written out in place would (tests/test_quotes.py compares the two).
    """
    name_pattern = r"(?!(?:" + _alt(lists["not_names"]) + r")\b)\p{Lu}[\p{L}'’-]*+"
    name = r"(?&_name)" if shared_name else name_pattern
    names = name + r"(?:[ ]" + name + r"){0,3}+"
    verbs = _alt(lists["verbs"])
    objv = _alt(lists["object_verbs"])
    tail = (
        r"(?:(?:" + verbs + r")(?=[ ]?[,.;:]|[ ](?:" + _alt(lists["adverbials"]) + r")\b)"
        r"|(?:" + objv + r")[ ](?:" + name + r"|(?:" + _alt(lists["listeners"]) + r")\b))"
    )
    subject = (
        r"(?:(?P<name>" + names + r")"
        r"|(?P<pro>(?i:" + _alt(lists["pronouns"]) + r"))"
        r"|(?P<det>(?i:" + _alt(lists["determiners"]) + r")(?:[ ][\p{Ll}\p{Lu}'’-]++){1,4}?))"
    )
    inverted = (
        r"(?P<inv>(?i:"
        + verbs
        + "|"
        + objv
        + r")[ ](?:(?:"
        + _alt(lists["determiners"])
        + r")[ ]\p{L}|"
        + name
        + r"))"
    )
    pattern = (
        r"(?<=[\p{L}\p{N})%])(?P<b>[.!?,])(?P<g>[ ]?+)\b(?:"
        + subject
        + r"[ ]"
        + tail
        + r"\b"
        + "|"
        + inverted
        + r"|(?P<acc>(?i:according)[ ]to)\b)"
    )
    if shared_name:
        pattern += r"(?(DEFINE)(?P<_name>" + name_pattern + r"))"
    return regex.compile(pattern, regex.VERSION1)


@dataclass(slots=True)
class _Mark:
    pos: int
    glyph: str
    family: str  # "d" double quotes, "g" guillemets
    role: str  # O opener, C closer, S spaced (either), G glued (either), P digit + "
    fix: Edit | None = None  # the repair that applies if the paragraph balances
    fix_rule: str = ""
    width: int = 1


class QuotesFixer(Fixer):
    """Close quotations left open before an attribution; repair doubled,
    glued and reversed quote marks; flag the rest."""

    name = "quotes"

    def __init__(self, rules: tuple[PackRule, ...]) -> None:
        self._pack = {r.id: r for r in rules}
        self.rules = tuple(r.rule for r in rules)
        lists: dict[str, list[str]] = {}
        for key in LIST_KEYS:
            lists[key] = [w for r in rules for w in r.data.get(key, ())]
        self._lists = lists
        # compiled on first use: only a quotation left open needs it (the words are
        # escaped, so a user's list cannot make it fail to compile)
        self._attribution_pattern: regex.Pattern[str] | None = None

    @property
    def _attribution(self) -> regex.Pattern[str]:
        """The attribution detector (:func:`attribution_pattern`) for this fixer's word lists."""
        pattern = self._attribution_pattern
        if pattern is None:  # a race compiles it twice, to equal patterns
            pattern = self._attribution_pattern = attribution_pattern(self._lists)
        return pattern

    def _msg(self, rid: str) -> str:
        return self._pack[rid].message

    def _conf(self, rid: str) -> float:
        return self._pack[rid].rule.confidence

    # --- reading the marks -------------------------------------------------

    def _marks(self, text: str, s: int, e: int, runs: list[tuple[int, int]]) -> list[_Mark]:
        german = "„" in text[s:e]
        out: list[_Mark] = []
        for rs, re_ in runs:
            p = text[rs - 1] if rs > s else "\n"
            n = text[re_] if re_ < e else "\n"
            lo = p.isspace() or p in _LEFT_OPEN
            rc = n.isspace() or n in _RIGHT_CLOSE
            ctx = "S" if lo and rc else "O" if lo else "C" if rc else "G"
            if p == "`" or n == "`":
                continue  # a literal in reStructuredText or Markdown: ``"["``
            run = text[rs:re_]
            if len(run) == 1:
                out.append(self._single(text, rs, run, ctx, p, german))
            elif len(run) == 2 and "«" not in run and "»" not in run:
                out.extend(self._pair(rs, run, ctx))
            elif len(run) == 2:
                for k, ch in enumerate(run):
                    fam = "g" if ch in "«»" else "d"
                    out.append(_Mark(rs + k, ch, fam, "O" if ch in "«“„" else "C"))
            # three or more marks in a row: not prose, leave them alone
        return out

    def _single(self, text: str, i: int, ch: str, ctx: str, p: str, german: bool) -> _Mark:
        if ch == '"':
            if p.isdigit() and ctx in ("C", "G"):
                return _Mark(i, ch, "d", "P")
            return _Mark(i, ch, "d", ctx)
        if ch in "«»":
            role = ctx if ctx in ("O", "C") else ("O" if ch == "«" else "C")
            return _Mark(i, ch, "g", role)
        glyph_role = "C" if ch == "”" else "O"
        if ch == "”" and p.isdigit() and ctx in ("C", "G"):
            return _Mark(i, ch, "d", "P")  # a typographic inch mark: 12” pizza
        if german and ch == "“":
            return _Mark(i, ch, "d", ctx if ctx in ("O", "C") else "C")
        if ctx in ("O", "C") and ctx != glyph_role and ch != "„":
            right = "“" if ctx == "O" else "”"
            return _Mark(
                i,
                ch,
                "d",
                ctx,
                Edit(i, i + 1, right, DIRECTION, self._msg(DIRECTION), self._conf(DIRECTION)),
                DIRECTION,
            )
        return _Mark(i, ch, "d", glyph_role)

    def _pair(self, i: int, run: str, ctx: str) -> list[_Mark]:
        if ctx == "S":
            return []  # an empty string: ""
        if ctx == "G":
            a = _Mark(i, run[0], "d", "C" if run[0] == "”" else "G")
            b = _Mark(i + 1, run[1], "d", "O" if run[1] == "“" else "G")
            return [a, b]
        want = "“" if ctx == "O" else "”"
        keep = run.index(want) if want in run else 0
        drop = i + 1 - keep
        edit = Edit(drop, drop + 1, "", DOUBLED, self._msg(DOUBLED), self._conf(DOUBLED))
        return [_Mark(i, run[keep], "d", ctx, edit, DOUBLED, width=2)]

    # --- running -----------------------------------------------------------

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        protected = doc.protected
        paras = doc.paragraphs
        count = text.count
        # only the units that hold a quote mark
        for s, e, k in units_holding(doc, _MARK_CHARS):
            n = count('"', s, e) + count("“", s, e) + count("”", s, e)
            n += count("„", s, e) + count("«", s, e) + count("»", s, e)
            if n > DENSE_MARKS and n * 8 > e - s:
                continue  # so many quote marks that this is data, not prose
            if _PLAIN_QUOTES.match(text[s:e]) and not (protected and doc.overlaps_protected(s, e)):
                continue  # the marks pair up plainly: nothing to do
            runs = [m.span() for m in _MARKS.finditer(text, s, e)]
            if protected:
                runs = [r for r in runs if not _inside(protected, r)]
            if runs and not code_like(doc, s, e):
                nxt = paras[k] if k < len(paras) else None
                yield from self._unit(doc, s, e, runs, nxt)

    def _unit(
        self,
        doc: Document,
        s: int,
        e: int,
        runs: list[tuple[int, int]],
        nxt: tuple[int, int] | None,
    ) -> Iterator[Edit | Flag]:
        text = doc.text
        marks = self._marks(text, s, e, runs)
        if not marks:
            return
        problems: list[Flag] = []
        repairs: list[Edit | Flag] = []
        fixes: list[_Mark] = []
        open_: dict[str, _Mark | None] = {"d": None, "g": None}
        # double quote marks after each mark, to settle whether a height (5'10")
        # inside a quotation also closes it: it does when an even number follow
        after = [0] * len(marks)
        seen = 0
        for k in range(len(marks) - 1, -1, -1):
            after[k] = seen
            seen += marks[k].family == "d"
        for k, m in enumerate(marks):
            cur = open_[m.family]
            role = m.role
            if role == "P":
                if cur is None or (after[k] % 2 and _feet_inches(text, m.pos, s)):
                    continue  # an inch mark
                role = "C"
            if role in ("G", "S"):
                if role == "G" and m.fix is None:
                    # only between Latin letters: in Hebrew ״ is written " (צה"ל)
                    if cur is not None:
                        if _latin_alnum(text[m.pos + 1]) and _latin_alnum(text[m.pos - 1], ".,;!?"):
                            m.fix = self._insert(m.pos + 1, GLUED)
                    elif (
                        _latin_alnum(text[m.pos - 1], ".;!?") and _latin_alnum(text[m.pos + 1])
                    ) and not _STRING_PREFIX.search(text, max(s, m.pos - 3), m.pos):
                        m.fix = self._insert(m.pos, GLUED)
                    if m.fix is not None:
                        m.fix_rule = GLUED
                role = "C" if cur is not None else "O"
            if m.fix is not None:
                fixes.append(m)
            if role == "O":
                if cur is not None and not _line_start(text, m.pos):
                    found = self._close(doc, cur, cur.pos + cur.width, m.pos, continued=False)
                    if found is None:
                        problems.append(self._unbalanced(text, cur, m.pos))
                    else:
                        repairs.append(found)
                open_[m.family] = m
            elif cur is not None:
                open_[m.family] = None
            elif not (m.family == "g" and _line_start(text, m.pos)):
                problems.append(self._flag(STRAY, *_word_before(text, m.pos, s)))
        for fam, cur in open_.items():
            if cur is None:
                continue
            continued = nxt is not None and _opens(text, nxt[0], fam)
            found = self._close(doc, cur, cur.pos + cur.width, e, continued=continued)
            if found is not None:
                repairs.append(found)
            elif not continued:
                problems.append(self._unbalanced(text, cur, e))
        if problems:
            for m in fixes:
                assert m.fix is not None
                yield self._flag(m.fix_rule, *_around(text, m, s, e), suggestion=None)
            yield from problems
        else:
            for m in fixes:
                assert m.fix is not None
                yield m.fix
        yield from repairs

    def _insert(self, at: int, rule: str) -> Edit:
        return Edit(at, at, " ", rule, self._msg(rule), self._conf(rule))

    def _flag(self, rule: str, start: int, end: int, suggestion: str | None = None) -> Flag:
        return Flag(start, end, rule, self._msg(rule), suggestion, self._conf(rule))

    def _unbalanced(self, text: str, m: _Mark, limit: int) -> Flag:
        return self._flag(UNBALANCED, m.pos, _words_after(text, m.pos + m.width, limit, 2))

    def _close(
        self, doc: Document, opener: _Mark, start: int, end: int, *, continued: bool
    ) -> Edit | Flag | None:
        """The edit closing ``opener`` before the attribution in ``[start, end)``."""
        text = doc.text
        for m in self._attribution.finditer(text, start, end):
            b = m.start("b")
            mark = text[b]
            gap = m.group("g")
            if mark == "," and not gap:
                continue
            if not gap and not text[m.end("g")].isupper():
                continue
            if doc.overlaps_protected(b, b + 1):
                continue
            if b - start < 2:
                continue
            close = _CLOSER_FOR.get(opener.glyph, '"')
            punct = "," if mark in ".," else mark
            if opener.family == "g":
                inner = " " if text[opener.pos + 1].isspace() else ""
                new = inner + close + punct
            else:
                new = punct + close
            a = m.end("g")
            lower = m.group("name") is None
            if lower and text[a].isupper():
                edit = (b, a + 1, new + " " + text[a].lower())
            elif gap:
                edit = (b, b + 1, new)
            else:
                edit = (b, b + 1, new + " ")
            if continued:
                # the next paragraph opens a quote, so this one may be the first of
                # a quotation spanning paragraphs: leave it alone, unless a glued
                # sentence ("States.Putin") shows the text is damaged anyway
                if gap:
                    return None
                return Flag(
                    b, m.end(), UNCLOSED, self._msg(UNCLOSED), new + " " + text[a : m.end()], 0.5
                )
            return Edit(*edit, UNCLOSED, self._msg(UNCLOSED), self._conf(UNCLOSED))
        return None


def _latin_alnum(ch: str, also: str = "") -> bool:
    """A Latin letter or a digit (or one of ``also``)."""
    return ch.isalnum() and ch < "\u0250" or ch in also


def _feet_inches(text: str, pos: int, limit: int) -> bool:
    """Is the ``"`` at ``pos`` the inch mark of a height like ``5'10"``?"""
    return any(_FEET_INCHES.fullmatch(text, pos - k, pos + 1) for k in (3, 4) if pos - k >= limit)


def _inside(spans: list[tuple[int, int]], run: tuple[int, int]) -> bool:
    i = bisect.bisect_right(spans, (run[0], float("inf"))) - 1
    return i >= 0 and spans[i][0] <= run[0] and run[1] <= spans[i][1]


def _line_start(text: str, pos: int) -> bool:
    """True when only white space or a block-quote marker precedes ``pos`` on its line."""
    i = pos
    while i > 0 and text[i - 1] in " \t>":
        i -= 1
    return i == 0 or text[i - 1] == "\n"


def _opens(text: str, start: int, family: str) -> bool:
    """Does the paragraph at ``start`` open with a quote of this family?"""
    i = start
    n = len(text)
    while i < n and text[i] in " \t>":
        i += 1
    return i < n and text[i] in ('"“„”' if family == "d" else "«»")


def _word_before(text: str, pos: int, limit: int) -> tuple[int, int]:
    i = pos
    while i > limit and not text[i - 1].isspace():
        i -= 1
    return i, pos + 1


def _words_after(text: str, pos: int, limit: int, words: int) -> int:
    i = pos
    for _ in range(words):
        while i < limit and text[i].isspace():
            i += 1
        while i < limit and not text[i].isspace():
            i += 1
    return i


def _around(text: str, m: _Mark, s: int, e: int) -> tuple[int, int]:
    a = m.pos
    while a > s and a > m.pos - 30 and not text[a - 1].isspace():
        a -= 1
    b = m.pos + m.width
    while b < e and b < m.pos + 30 and not text[b].isspace():
        b += 1
    return a, b


def with_user_lists(
    rules: tuple[PackRule, ...], rule_packs: tuple[str, ...], family: str, keys: tuple[str, ...]
) -> tuple[PackRule, ...]:
    """``rules`` with their word lists extended by the user packs meant for ``family``.

    A user pack whose ``[pack]`` table says ``fixer = "quotes"`` (or
    ``"sentences"``) holds ``[[rule]]`` tables naming a built-in rule by id
    and adding words to its lists::

        [pack]
        fixer = "quotes"

        [[rule]]
        id = "quotes/unclosed-before-attribution"
        verbs = ["murmured", "quipped"]

    The words are added to the built-in ones; other packs are ignored.
    """
    if not rule_packs:
        return rules
    by_id = {r.id: r for r in rules}
    extra: dict[str, dict[str, list[str]]] = {}
    for path in rule_packs:
        _, data = read_toml(path)
        if pack_fixer(data) != family:
            continue
        for raw in data.get("rule", []):
            rid = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(rid, str) and "/" not in rid:
                rid = f"{family}/{rid}"
            if rid not in by_id:
                raise RulePackError(path, f"{family} packs extend built-in rules; no rule {rid!r}")
            for key, words in raw.items():
                if key == "id":
                    continue
                if key not in keys or key not in by_id[rid].data:
                    raise RulePackError(path, f"{rid} has no word list {key!r}", key=key)
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise RulePackError(path, "a word list is a list of strings", key=key)
                extra.setdefault(rid, {}).setdefault(key, []).extend(words)
    out = []
    for r in rules:
        lists = extra.get(r.id)
        if lists:
            data = dict(r.data)
            for key, words in lists.items():
                data[key] = [*data[key], *words]
            r = replace(r, data=data)
        out.append(r)
    return tuple(out)


@lru_cache(maxsize=32)
def _rules(rule_packs: tuple[str, ...]) -> tuple[PackRule, ...]:
    pack = builtin_pack(PACK, extra_keys=LIST_KEYS, require_pattern=False)
    return with_user_lists(pack.rules, rule_packs, "quotes", LIST_KEYS)


def build(options: Options) -> QuotesFixer:
    """The quotes fixer, with the word lists of any user pack for it."""
    return QuotesFixer(_rules(tuple(options.rule_packs)))
