"""Point at broken sentences: what machine translation and scraping cut apart.

A translated article loses words at sentence boundaries (``criticized
Vladimir Putin. interview with the People's Daily``), leaves a name stranded
after a full stop (``with the Chinese president. Trump.``), drops one half of
a parenthesis, repeats a word or stops in mid-sentence. None of these can be
repaired without knowing what was meant, so this fixer only raises flags with
a tight span, except for one certain repair: a repeated article, preposition
or ``and`` (``the the``) loses its second copy.

Each check skips what is correct: abbreviations, ellipses, lists and text
written in lower case by design; headings, captions, sign-offs and one-word
replies; list numbering, smileys and half-open intervals; ``had had`` and
``that that``. Word lists live in ``textfix/rules/sentences.toml``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import islice

import regex

try:  # the standard library engine's own lower case, to fold words as it compares them
    from _sre import unicode_tolower as _sre_lower
except ImportError:  # pragma: no cover - another Python: the repeat prefilter stays off
    _sre_lower = None

from textfix.fixers.quotes import code_like, units_holding, with_user_lists
from textfix.model import Document, Edit, Fixer, Flag
from textfix.options import Options
from textfix.packs import PackRule, builtin_pack

PACK = "sentences.toml"
LIST_KEYS = (
    "lowercase_words",
    "abbreviations",
    "units",
    "interjections",
    "fix",
    "allow",
    "credits",
)

LOWERCASE = "sentences/lowercase-start"
FRAGMENT = "sentences/fragment"
BRACKETS = "sentences/unbalanced-brackets"
REPEATED = "sentences/repeated-word"
TRUNCATED = "sentences/truncated-end"

_WORD = r"[\p{L}\p{N}'’-]"
# The patterns start with the full stop, a literal the regex engine finds fast;
# the word before it is read afterwards (see _word_before).
#: a full stop, spaces and a word starting in lower case (plus the next word)
_LOWER_START = regex.compile(
    r"\.(?P<sp>[ ]++)(?P<w>\p{Ll}[\p{L}\p{N}'’-]*+)(?:[ ](?P<w2>" + _WORD + r"++))?"
)
#: any sentence start after a full stop (to tell stylistic lower case from damage)
_UPPER_START = regex.compile(r"\.(?<=[\p{L}\p{N}][)\]\"”’]?\.)[ ]++\p{Lu}")
#: a full stop, then one or two capitalised words and a full stop
_FRAGMENT = regex.compile(
    r"\.[ ]++(?P<f>\p{Lu}[\p{Ll}'’-]*+(?:[ ]\p{Lu}[\p{Ll}'’-]*+)?+)\.(?=\s|$)"
)


@cache
def _word_before_pattern() -> regex.Pattern[str]:
    """The word that ends right before a full stop, with a closing quote or bracket:
    the simple path :func:`_word_before` replaces (compiled for the tests that pin
    the two together, not at import)."""
    return regex.compile(r"(?<![\p{L}\p{N}.'’-])(?P<w>[\p{L}\p{N}'’-]++)(?P<close>[)\]\"”’]?+)\Z")


#: the same, read backwards: the word characters that end at a position
_WORD_RUN_BACK = regex.compile(r"[\p{L}\p{N}'’-]++", regex.REVERSE)
_WORD_CHAR = regex.compile(r"[\p{L}\p{N}'’-]")
#: a word character as the standard library's engine reads ``\w``
_WORD_CHAR_RE = re.compile(r"\w")
#: the closing marks the word may have after it (’ is a word character)
_CLOSERS = frozenset(')]"”')
#: capitalised words inside a sentence: names, as the document itself uses them
_UPPER = regex.compile(r"\p{Lu}")
# (the capital first, then the look-behind: the engine skips to capitals)
_MID_NAME = regex.compile(r"\p{Lu}(?<=[\p{L},;:][ ]\p{Lu})[\p{Ll}'’-]++")
#: what goes before such a name (a letter, a comma, a semicolon or a colon, then a space)
#: and what may not follow it (a character that would lengthen it), one character each
_NAME_BEFORE = regex.compile(r"[\p{L},;:]")
_NAME_MORE = regex.compile(r"[\p{Ll}'’-]")
#: what every name of _MID_NAME reads
_NAME_SHAPE = regex.compile(r"\p{Lu}[\p{Ll}'’-]++")
#: distinct words looked up one at a time, and places tried per word, before the
#: whole text is scanned for its names once
MAX_NAME_WORDS = 16
MAX_NAME_PLACES = 64
_LIST_ITEM = regex.compile(
    r"[ \t]*+(?:[-*•+–][ \t]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)][ \t]|>)"
)
_ENUMERATOR = regex.compile(r"(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})")
_BRACKETS = re.compile(r"[()\[\]{}]")
_EMOTICON_LEFT = frozenset(":;=-o'^")
#: where _emoticon may hold: a bracket after ":", ";" or "=" (and a nose), or "(:"
_EMOTICON_AT = re.compile(r"[:;=][-o'^]?[()\[\]]|\(:")
_INF = float("inf")
#: a paragraph with more brackets than this, one every 8 characters or more
#: densely, is code or data, not prose
DENSE_BRACKETS = 100
#: a text with more brackets than this is checked unit by unit (see _lines_close_in_order)
MAX_LINE_BRACKETS = 64
_PAIR = {")": "(", "]": "[", "}": "{"}
_INTERVAL = regex.compile(r"[\s\d.,+−∞πa-zA-Z/-]*+")
# The standard library's engine scans for this backreference pattern several
# times faster than ``regex``; the word edges it cannot express are checked after.
_REPEAT = re.compile(r"\b(?P<a>\w++)(?P<rest>(?: ++(?P=a)\b)++)", re.IGNORECASE)
# ``_REPEAT`` is tried at every position of the text. A repeated word after the
# first position follows a space or a mark (a character that is neither a word
# character nor a space); these two patterns start there, so the engine skips
# from one space (or mark, or non-ASCII character) to the next. Together with a
# match at position 0 they find every match of ``_REPEAT``; see _repeated_words.
_REPEAT_AFTER_SPACE = re.compile(r" (?P<a>\w++)(?P<rest>(?: ++(?i:(?P=a))\b)++)")
_REPEAT_AFTER_MARK = re.compile(
    r"[^ a-zA-Z0-9_](?<=[^\w ])(?P<a>\w++)(?P<rest>(?: ++(?i:(?P=a))\b)++)"
)
#: two words with only spaces between them: no repeated word without one
_WORD_SPACE_WORD = re.compile(r"\w ++\w")
_WORD_EDGE = frozenset("'’-")
#: ``_repeats`` reports a repeat of letters only (``a.isalpha()``); its words are
#: compared folded (:func:`_may_repeat`): ASCII letters in lower case, every other
#: ASCII byte (digits, ``_``, marks, white space) a space, other bytes kept
_FOLD = bytes(
    b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 or b >= 128 else 32 for b in range(256)
)
_ASCII_BYTES = bytes(range(128))
#: in folded bytes: a space, a word, spaces and the same word
_FOLDED_REPEAT = re.compile(rb" ([^ ]++) ++\1(?![^ ])")
#: how a character that is not ASCII is folded: its UTF-8 and what replaces it,
#: ``b"\x01"`` (not a word character: a mark), its lower case (an upper-case
#: letter) or ``b""`` (kept); ``None``: it cannot be folded as the engine compares
#: it. Derived once per character.
_FOLDED_CHAR: dict[str, tuple[bytes, bytes] | None] = {}
#: at most this many kinds of characters are folded one by one (each a pass over the text)
MAX_FOLDED_KINDS = 48
#: at most this many repeats of a folded word that the text disproves are looked at
MAX_FOLDED_TRIES = 64
#: a full stop, spaces and something else: the standard library's engine tells
#: whether the text has one at all faster than ``regex`` on ". . . . "
_DOT_SPACE = re.compile(r"\. +[^\s.]")
#: where a lower-case start or a fragment may begin: a full stop and spaces, then a
#: lower-case letter or a fragment's one or two capitalised words and full stop.
#: One scan finds both; the exact patterns above are matched only there.
_SENTENCE_START = regex.compile(
    r"\.[ ]++(?:(?P<low>\p{Ll})|(?=\p{Lu}[\p{Ll}'’-]*+(?:[ ]\p{Lu}[\p{Ll}'’-]*+)?+\.(?=\s|$)))"
)
#: where _SENTENCE_START may match, found by the standard library's engine (several
#: times faster than ``regex`` here): a full stop and a space, then a lower-case ASCII
#: letter or any character that is not ASCII, or one or two words that start with a
#: capital, hold only what a fragment's words hold and end in a full stop, where any
#: character that is not ASCII stands for a letter of either case
_SENTENCE_START_NEAR = re.compile(
    r"\. (?= *+(?:[a-z\x80-\U0010ffff]|[A-Z][a-z'\-\x80-\U0010ffff]*+"
    r"(?: [A-Z\x80-\U0010ffff][a-z'\-\x80-\U0010ffff]*+)?+\.))"
)
#: a sentence break: [.!?], a closing mark and blanks (:func:`_last_break`, read
#: backwards; :func:`_sentence_break_pattern` is its simple path)
_SENTENCE_BREAK = r"[.!?][\"”’)]?+[ ]++"
_SENTENCE_BREAK_BACK = regex.compile(_SENTENCE_BREAK, regex.REVERSE)
#: what may follow the last [.!?] of a sentence break: a closing mark and blanks
_BREAK_TAIL = regex.compile(r"[\"”’)]?+[ ]*+")
#: a character that is not white space (as ``Document.paragraphs`` reads it), the last one first
_SOLID_BACK = regex.compile(r"\S", regex.REVERSE)
_TERMINAL = frozenset(".!?…:\"”’')]»*`|>")
_DANGLING = frozenset(",;–—-")


class SentencesFixer(Fixer):
    """Flag broken sentence boundaries; remove a repeated article or preposition."""

    name = "sentences"

    def __init__(self, rules: tuple[PackRule, ...]) -> None:
        self._pack = {r.id: r for r in rules}
        self.rules = tuple(r.rule for r in rules)
        data = {k: [w for r in rules for w in r.data.get(k, ())] for k in LIST_KEYS}
        self._lowercase_words = frozenset(data["lowercase_words"])
        self._abbreviations = frozenset(w.lower() for w in data["abbreviations"])
        self._units = frozenset(w.lower() for w in data["units"])
        self._interjections = frozenset(data["interjections"])
        self._fix = frozenset(w.lower() for w in data["fix"])
        self._allow = frozenset(w.lower() for w in data["allow"])
        self._credits = tuple(data["credits"])
        #: skip units whose brackets close in order (off only to test the long way)
        self._fast_brackets = True
        #: the folded spelling of the allowed words that are ASCII letters (see _may_repeat)
        self._allow_folded = frozenset(
            w.encode("ascii") for w in self._allow if w.isascii() and w.isalpha()
        )
        #: skip texts that hold no repeat to report (off only to test the long way)
        self._fast_repeats = _sre_lower is not None

    def _flag(self, rule: str, start: int, end: int, suggestion: str | None = None) -> Flag:
        r = self._pack[rule]
        return Flag(start, end, rule, r.message, suggestion, r.rule.confidence)

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        if not text or text.isspace():
            return
        if ". " in text and _DOT_SPACE.search(text):
            lower, fragments = _sentence_starts(text)
            if lower:
                yield from self._lowercase_starts(doc, lower)
            if fragments:
                yield from self._fragments(doc, fragments)
        yield from self._brackets(doc)
        yield from self._repeats(doc)
        yield from self._truncated_end(doc)

    # --- lower-case sentence starts ----------------------------------------

    def _lowercase_starts(self, doc: Document, dots: list[int]) -> Iterator[Flag]:
        """Flag the lower-case starts after the full stops at ``dots``."""
        text = doc.text
        found = []
        match = _LOWER_START.match
        le = -1  # end of the current dot's line
        ok = False
        i, n = 0, len(dots)
        while i < n:
            dot = dots[i]
            i += 1
            if dot >= le:
                # a new line: it may hold a lower-case start unless it is a list item
                # or written all in lower case
                ls = text.rfind("\n", 0, dot) + 1
                le = text.find("\n", dot)
                le = len(text) if le < 0 else le
                ok = not _LIST_ITEM.match(text, ls) and _UPPER.search(text, ls, le) is not None
            if not ok:
                i = bisect.bisect_left(dots, le, i)  # skip the rest of this line
                continue
            m = match(text, dot)
            assert m is not None
            w = m.group("w")
            if w in self._lowercase_words or not w[1:].islower() and len(w) > 1:
                continue  # iPhone, eBay, x86
            pw = _word_before(text, dot, closers=True)
            if pw is None:
                continue  # an ellipsis, a number, punctuation
            if _ENUMERATOR.fullmatch(text, *pw):
                continue  # "1. open the file. 2. save it" or "(a. the first)"
            before = text[pw[0] : pw[1]].lower()
            if before in self._abbreviations:
                continue  # "op. cit.", "ibid."
            if before in self._units and _after_number(text, pw[0]):
                continue  # "5 in. wide"
            dot = m.start("sp") - 1
            if doc.overlaps_protected(dot, dot + 1) or doc.overlaps_protected(*m.span("w")):
                continue
            if dot > 0 and text[dot - 1].isspace():
                continue  # a lone dot ("pip install . and wait") ends no sentence
            found.append((pw[0], m))
        if not found:
            return
        # text that never capitalises its sentences is written that way
        # (counting the capitalised starts only as far as needed)
        need = len(found)
        if need >= 2 and sum(1 for _ in islice(_UPPER_START.finditer(text), need)) < need:
            return
        for start, m in found:
            end = m.end("w2") if m.group("w2") else m.end("w")
            yield self._flag(LOWERCASE, start, end)

    # --- fragments ---------------------------------------------------------

    def _fragments(self, doc: Document, dots: list[int]) -> Iterator[Flag]:
        """Flag the fragments after the full stops at ``dots``."""
        text = doc.text
        names: _MidNames | None = None
        match = _FRAGMENT.match
        end = 0
        for dot in dots:
            if dot < end:
                continue  # the closing full stop of the fragment before
            m = match(text, dot)
            assert m is not None
            end = m.end()
            words = m.group("f").split(" ")
            if words[0] in self._interjections:
                continue
            if names is None:
                names = _MidNames(text)
            if not any(w in names for w in words):
                continue  # a one-word sentence of prose ("Silence."), not a stranded name
            dot1 = m.start()
            pw = _word_before(text, dot1, closers=False)
            if pw is None:
                continue
            if doc.overlaps_protected(dot1, dot1 + 1) or doc.overlaps_protected(
                m.end() - 1, m.end()
            ):
                continue
            yield self._flag(FRAGMENT, pw[0], m.end())

    # --- brackets ------------------------------------------------------------

    def _brackets(self, doc: Document) -> Iterator[Flag]:
        text = doc.text
        protected = doc.protected
        if self._fast_brackets and _lines_close_in_order(doc):
            return  # so every unit does (see _lines_close_in_order)
        # only the units that hold a bracket
        count = text.count
        for s, e, _ in units_holding(doc, "()[]{}"):
            n = count("(", s, e) + count(")", s, e) + count("[", s, e)
            n += count("]", s, e) + count("{", s, e) + count("}", s, e)
            if n > DENSE_BRACKETS and n * 8 > e - s:
                continue  # data, not prose (counted before any is listed)
            seq = "".join(_BRACKETS.findall(text, s, e))
            if self._fast_brackets and _nested(seq) and not _may_skip(doc, s, e):
                continue  # every bracket closes the last one opened: nothing to flag
            if code_like(doc, s, e):
                continue  # code, not prose
            stack: list[int] = []
            bad: list[int] = []
            for m in _BRACKETS.finditer(text, s, e):
                i = m.start()
                ch = text[i]
                if protected and doc.overlaps_protected(i, i + 1):
                    continue
                if (i > s and text[i - 1] in _EMOTICON_LEFT or ch == "(") and _emoticon(text, i, s):
                    continue
                if ch in "([{":
                    stack.append(i)
                    continue
                top = text[stack[-1]] if stack else ""
                if top == _PAIR[ch]:
                    stack.pop()
                elif top in ("(", "[") and ch in ")]" and _interval(text, stack[-1], i):
                    stack.pop()
                elif ch == ")" and _enumerator(text, i, s):
                    continue
                elif protected and i > 0 and doc.overlaps_protected(i - 1, i):
                    continue  # the URL pattern stops before a closing bracket it contains
                else:
                    bad.append(i)
            bad.extend(stack)
            for i in sorted(bad):
                if text[i] in "([{":
                    end = i + 1
                    while end < e and end < i + 40 and not text[end].isspace():
                        end += 1
                    yield self._flag(BRACKETS, i, end)
                else:
                    start = i
                    while start > s and start > i - 40 and not text[start - 1].isspace():
                        start -= 1
                    yield self._flag(BRACKETS, start, i + 1)

    # --- repeated words ------------------------------------------------------

    def _repeats(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        if " " not in text or not _WORD_SPACE_WORD.search(text):
            return
        if self._fast_repeats and not _may_repeat(text, self._allow_folded):
            return
        n = len(text)
        for m in _repeated_words(text):
            start = m.start("a")
            if start > 0 and text[start - 1] in _WORD_EDGE:
                continue
            if m.end() < n and text[m.end()] in _WORD_EDGE:
                continue
            a, rest = m.group("a"), m.group("rest")
            if not a.isalpha():
                continue  # numbers ("10 10") and identifiers
            repeats = rest.split()
            b = repeats[0]
            if any(r != b for r in repeats):
                continue
            low = b.lower()
            if a != b:
                # "The the" at a sentence start; "Walla Walla", "A a" are left alone
                if not (a[0].isupper() and a[1:] == b[1:] and b.islower()):
                    continue
                if not _sentence_start(text, start):
                    continue
            elif not a.islower():
                continue
            if low in self._allow:
                continue
            if doc.overlaps_protected(start, m.end()):
                continue
            if low in self._fix:
                r = self._pack[REPEATED]
                yield Edit(m.end("a"), m.end(), "", REPEATED, r.message, r.rule.confidence)
            else:
                yield self._flag(REPEATED, start, m.end(), a)

    # --- truncated end -------------------------------------------------------

    def _truncated_end(self, doc: Document) -> Iterator[Flag]:
        text = doc.text
        last = _last_paragraph(text)
        if last is None:
            return
        s, e = last
        line = text[s:e].rstrip()
        e = s + len(line)
        if not line or line[-1] in _TERMINAL or not (line[-1].isalnum() or line[-1] in _DANGLING):
            return
        stripped = line.lstrip()
        if _LIST_ITEM.match(stripped) or stripped.startswith(("#", "|", "—", "~")):
            return
        if stripped.startswith(self._credits):
            return
        brk = _last_break(line)
        last = line if brk is None else line[brk:]
        # a heading, a caption or a sign-off is short; so is "Chapter 1. The End"
        if len(last.split()) < (12 if brk is None else 5):
            return
        if doc.overlaps_protected(e - 1, e):
            return
        last = text.rfind(" ", s, e)
        start = text.rfind(" ", s, last) + 1 if last > s else s
        yield self._flag(TRUNCATED, start, e)


class _MidNames:
    """``word in _MidNames(text)``: is ``word`` in ``set(_MID_NAME.findall(text))``?

    For the one or two words of a fragment: a few ``str.find`` calls for the
    places the word follows a space, instead of listing every name of the text
    for a document that has a fragment or two. Each word is looked up once;
    many words, or a word in many places, and the names are listed after all.
    """

    __slots__ = ("_text", "_known", "_all")

    def __init__(self, text: str) -> None:
        self._text = text
        self._known: dict[str, bool] = {}
        self._all: set[str] | None = None

    def __contains__(self, word: str) -> bool:
        known = self._known.get(word)
        if known is not None:
            return known
        if self._all is None and len(self._known) < MAX_NAME_WORDS:
            known = _mid_name(self._text, word)
        if known is None:
            if self._all is None:
                self._all = set(_MID_NAME.findall(self._text))
            known = word in self._all
        self._known[word] = known
        return known


def _mid_name(text: str, word: str) -> bool | None:
    """Does ``word`` stand after a letter or ``,;:`` and a space, and end there, as
    a name of :data:`_MID_NAME` does? ``None``: too many places to try."""
    if _NAME_SHAPE.fullmatch(word) is None:
        return False  # no name reads so ("A", "O’Neil")
    find = text.find
    key = " " + word
    size = len(text)
    i = find(key, 1)
    for _ in range(MAX_NAME_PLACES):
        if i < 0:
            return False
        j = i + len(key)
        if _NAME_BEFORE.match(text, i - 1) and (j == size or not _NAME_MORE.match(text, j)):
            return True
        i = find(key, i + 1)
    return None


def _sentence_starts(text: str) -> tuple[list[int], list[int]]:
    """The full stops where ``_SENTENCE_START.finditer(text)`` finds a lower-case
    start, and those where it finds a fragment: its pattern tried only where
    ``_SENTENCE_START_NEAR`` finds it may match (its matches never overlap)."""
    lower: list[int] = []
    fragments: list[int] = []
    match = _SENTENCE_START.match
    for n in _SENTENCE_START_NEAR.finditer(text):
        dot = n.start()
        m = match(text, dot)
        if m is not None:
            (fragments if m.start("low") < 0 else lower).append(dot)
    return lower, fragments


def _word_before(text: str, dot: int, *, closers: bool) -> tuple[int, int] | None:
    """The span of the word that ends at the full stop at ``dot``, if one does.

    What ``_word_before_pattern().search(text, max(0, dot - 64), dot)`` finds, read
    backwards from the full stop instead of trying every start in the window.
    """
    lo = max(0, dot - 64)
    end = dot
    if end > lo and text[end - 1] in _CLOSERS:
        if not closers:
            return None
        end -= 1
    m = _WORD_RUN_BACK.match(text, lo, end)
    if m is None:
        return None
    start = m.start()
    if start > 0 and (text[start - 1] == "." or _WORD_CHAR.match(text, start - 1)):
        return None  # a longer word, or one after a full stop ("e.g")
    return start, end


def _repeated_words(text: str) -> list[re.Match[str]]:
    """What ``_REPEAT.finditer(text)`` finds (the word at group ``a``), from faster scans.

    Every match of ``_REPEAT`` starts at 0, after a space or after a mark, so
    it is found by one of the three. Each scan leaves out matches that start
    inside one it found; those start at a copy of the same word and end where
    it ends, so dropping the matches that start inside an earlier one, as
    ``finditer`` does, gives the same list.
    """
    first = _REPEAT.match(text)
    pos = 0 if first is None else first.end()
    found = [*_REPEAT_AFTER_SPACE.finditer(text, pos), *_REPEAT_AFTER_MARK.finditer(text, pos)]
    if first is not None:
        found.append(first)
    if len(found) < 2:
        return found
    found.sort(key=lambda m: m.start("a"))
    out = []
    end = 0
    for m in found:
        if m.start("a") >= end:
            out.append(m)
            end = m.end()
    return out


def _fold_char(c: str) -> tuple[bytes, bytes] | None:
    """How :func:`_may_repeat` folds the character ``c`` (not ASCII); see ``_FOLDED_CHAR``."""
    low = _sre_lower(ord(c))
    if _WORD_CHAR_RE.match(c) is None:
        fold: bytes | None = b"\x01"
    elif _sre_lower(low) != low or (low < 128 and not chr(low).isalpha()):
        fold = None  # (no such character in Python 3.11's tables)
    elif low != ord(c):
        fold = chr(low).encode("utf-8", "surrogatepass")
    else:
        fold = b""
    if len(_FOLDED_CHAR) >= 1 << 16:
        _FOLDED_CHAR.clear()
    found = None if fold is None else (c.encode("utf-8", "surrogatepass"), fold)
    _FOLDED_CHAR[c] = found
    return found


def _may_repeat(text: str, allow: frozenset[bytes]) -> bool:
    """May ``_repeats`` report a repeated word in ``text``? (A necessary condition.)

    A reported repeat is two words of letters with only spaces between them
    that the engine finds equal: character by character, its lower case
    (``_sre_lower``) of one is that of the other. So fold the text's UTF-8: a
    space for every character that is not a word character and for ASCII
    digits and ``_``, the engine's lower case for every letter. The two words
    then read the same, each between spaces; look for such pairs with one
    scan, and keep those whose gap is spaces in the text and whose word (for
    an ASCII one) is not allowed. A few C passes instead of the engine trying
    its pattern after every space and every mark.
    """
    b = (" " + text).encode("utf-8", "surrogatepass")
    if not text.isascii():
        marks = []
        letters = []
        get = _FOLDED_CHAR.get
        for c in set(b.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")):
            fold = get(c, False)
            if fold is False:
                fold = _fold_char(c)
            if fold is None:
                return True
            if fold[1]:
                (marks if fold[1] == b"\x01" else letters).append(fold)
        if len(marks) + len(letters) > MAX_FOLDED_KINDS:
            return True
        # marks first, so that no letter's lower case written in is then taken for a mark
        for c, fold in marks:
            b = b.replace(c, fold)
        for c, fold in letters:
            b = b.replace(c, fold)
    folded = b.translate(_FOLD)
    search = _FOLDED_REPEAT.search
    count = b.count
    pos = tries = 0
    while (m := search(folded, pos)) is not None:
        word = m.group(1)
        s, e = m.end(1), m.end() - len(word)  # the gap
        if count(b" ", s, e) == e - s and word not in allow:
            return True
        tries += 1
        if tries > MAX_FOLDED_TRIES:
            return True
        pos = s  # the second word may start a pair of its own
    return False


@cache
def _sentence_break_pattern() -> regex.Pattern[str]:
    """Sentence breaks read forwards: the simple path of :func:`_last_break`."""
    return regex.compile(_SENTENCE_BREAK)


def _last_break(line: str) -> int | None:
    """Where the last match of ``_sentence_break_pattern().finditer(line)`` ends, if any.

    Read backwards from the blanks after the last [.!?] of the line, instead
    of listing every break (a line of 1 MB of ". " has half a million).
    """
    mark = max(line.rfind("."), line.rfind("!"), line.rfind("?"))
    if mark < 0:
        return None
    tail = _BREAK_TAIL.match(line, mark + 1)
    m = _SENTENCE_BREAK_BACK.search(line, 0, tail.end())
    return None if m is None else m.end()


def _nested(seq: str) -> bool:
    """Do the brackets ``seq`` (in text order) close in order, at most 4 deep?"""
    for _ in range(4):
        if not seq:
            return True
        seq = seq.replace("()", "").replace("[]", "").replace("{}", "")
    return not seq


def _lines_close_in_order(doc: Document) -> bool:
    """Do the brackets of each line close in order (:func:`_nested`), with none that
    the bracket check may pass over (see :func:`_may_skip`)? At most
    ``MAX_LINE_BRACKETS`` brackets are looked at, else ``False``.

    A unit is a line or a block of lines, and brackets that close in order on
    each line close in order on the block (an opening bracket never meets the
    closing one of another line), so then no unit has anything to flag: one
    look at each bracket instead of the units of lines holding one.
    """
    text = doc.text
    find = text.find
    places = []
    for c in "()[]{}":
        i = find(c)
        while i >= 0:
            places.append(i)
            if len(places) > MAX_LINE_BRACKETS:
                return False
            i = find(c, i + 1)
    if not places:
        return True
    places.sort()
    protected = doc.protected
    size = len(text)
    line: list[str] = []
    end = -1  # where the current line ends
    for i in places:
        ch = text[i]
        # a smiley's bracket (any that _EMOTICON_AT may find) or one in a protected span
        before = text[i - 1] if i else ""
        if before and before in _EMOTICON_LEFT:
            if before in ":;=" or (i > 1 and text[i - 2] in ":;="):
                return False
        if ch == "(" and i + 1 < size and text[i + 1] == ":":
            return False
        if protected and doc.overlaps_protected(i, i + 1):
            return False
        if i > end:
            if line and not _nested("".join(line)):
                return False
            line = []
            end = find("\n", i)
            if end < 0:
                end = size
        line.append(ch)
    return _nested("".join(line))


def _may_skip(doc: Document, s: int, e: int) -> bool:
    """May the bracket check pass over a bracket of ``[s, e)``?

    It does for a smiley's bracket and a bracket in a protected span; when
    it passes over none, brackets that close in order raise no flag.
    """
    text = doc.text
    if _EMOTICON_AT.search(text, s, e):
        return True
    spans = doc.protected
    i = max(bisect.bisect_right(spans, (s, _INF)) - 1, 0)
    while i < len(spans) and spans[i][0] < e:
        ps, pe = spans[i]
        if pe > s and _BRACKETS.search(text, max(ps, s), min(pe, e)):
            return True
        i += 1
    return False


def _last_paragraph(text: str) -> tuple[int, int] | None:
    """``Document(text).paragraphs[-1]`` (``None`` when there is none): the line of
    the last character that is not white space, found from the end instead of
    listing every paragraph."""
    m = _SOLID_BACK.search(text)
    if m is None:
        return None
    i = m.start()
    end = text.find("\n", i)
    return text.rfind("\n", 0, i) + 1, len(text) if end < 0 else end


def _after_number(text: str, i: int) -> bool:
    """Is the word at ``i`` preceded by a number (``5 in.``, ``12 oz.``)?"""
    j = i
    while j > 0 and text[j - 1] == " ":
        j -= 1
    return j < i and j > 0 and text[j - 1].isdigit()


def _emoticon(text: str, i: int, limit: int) -> bool:
    """``:)``, ``:-(``, ``;]`` and ``(:``."""
    j = i - 1
    if j >= limit and text[j] in "-o'^":
        j -= 1
    if j >= limit and text[j] in ":;=" and text[i] in "()[]":
        return True
    return text[i] == "(" and i + 1 < len(text) and text[i + 1] == ":"


def _enumerator(text: str, i: int, limit: int) -> bool:
    """``1)``, ``b)``, ``iv)`` starting a list item (at a line start or after white space)."""
    j = i
    while j > limit and j > i - 4 and text[j - 1].isalnum():
        j -= 1
    if j == i or not _ENUMERATOR.fullmatch(text, j, i):
        return False
    return j == limit or text[j - 1].isspace()


def _interval(text: str, a: int, b: int) -> bool:
    """``[0, 1)`` and ``(0, 1]``: half-open intervals, not mismatched brackets."""
    return b - a < 40 and "," in text[a:b] and _INTERVAL.fullmatch(text, a + 1, b) is not None


def _sentence_start(text: str, i: int) -> bool:
    """Does a sentence start at ``i`` (after a line break or a sentence's end)?"""
    j = i
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    if j == 0 or text[j - 1] == "\n":
        return True
    if text[j - 1] in '"”’)' and j > 1:
        j -= 1
    return j < i and text[j - 1] in ".!?"


@lru_cache(maxsize=32)
def _rules(rule_packs: tuple[str, ...]) -> tuple[PackRule, ...]:
    pack = builtin_pack(PACK, extra_keys=LIST_KEYS, require_pattern=False)
    return with_user_lists(pack.rules, rule_packs, "sentences", LIST_KEYS)


def build(options: Options) -> SentencesFixer:
    """The sentences fixer, with the word lists of any user pack for it."""
    return SentencesFixer(_rules(tuple(options.rule_packs)))
