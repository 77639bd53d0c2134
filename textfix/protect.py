"""Spans of text that no fixer may cut into.

URLs, e-mail addresses, domain and file names, numbers and versions,
abbreviations and initials, and code look like damage to naive rules (a dot
with no space after it, odd spacing, doubled punctuation) but are correct.
:func:`find_protected` finds them all in one linear scan.

Every pattern here is anchored with a look-behind so that a match can only
start at the beginning of a token: a regex that may start anywhere inside a
long run of word characters would rescan that run from each position, which is
quadratic on a 1 MB "word".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from operator import itemgetter

import regex

Span = tuple[int, int]
Match = tuple[int, int, str]  # start, end, kind

# Top-level domains and file extensions that mark a dotted token as a name
# rather than two sentences glued together. Lower case only: ``States.Putin``
# is a glued sentence, ``example.com`` and ``setup.py`` are names.
_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|ai|co|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|"
    "pl|cz|ru|ua|jp|cn|kr|in|au|nz|ca|br|mx|ar|za|eu|tv|me|ly|app|dev|xyz|online|site|news|"
    "blog|tech|ie|pt|gr|tr|il|hu|ro|sk|si|hr|bg|lt|lv|ee|is|lu|sg|hk|tw|id|my|ph|th|vn"
)
_EXTS = (
    "txt|md|rst|py|pyi|js|ts|tsx|jsx|json|jsonl|yaml|yml|toml|ini|cfg|conf|csv|tsv|xml|html|htm|"
    "css|scss|c|h|cc|cpp|hpp|rs|go|java|kt|rb|php|pl|sh|bash|zsh|ps1|bat|exe|dll|so|dylib|"
    "zip|gz|tgz|bz2|xz|tar|rar|7z|pdf|doc|docx|xls|xlsx|ppt|pptx|odt|png|jpg|jpeg|gif|svg|"
    "webp|mp3|mp4|wav|avi|mov|mkv|log|lock|sql|db|sqlite|whl|deb|rpm|iso|img|bin|dat|pkl|"
    "ipynb|r|swift|m|lua|dart|vue|env|cfg"
)

# Abbreviations written with a final dot that are followed by more sentence.
ABBREVIATIONS = (
    "Mr|Mrs|Ms|Mx|Dr|Prof|Sr|Jr|St|Mt|Ft|Gen|Col|Lt|Sgt|Capt|Cmdr|Adm|Maj|Gov|Sen|Rep|Pres|"
    "Rev|Hon|Fr|Sr|Br|Inc|Ltd|Co|Corp|Bros|Assn|Dept|Univ|Ave|Blvd|Rd|No|Nos|Vol|Vols|Ch|"
    "Fig|Figs|Eq|Eqs|Ed|Eds|Trans|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    "Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun|approx|ca|cf|al|etc|vs|viz|pp|p|ed|eds|"
    "vol|no|fig|op|cit|ibid|esp|incl|dept|est|min|max|misc|govt|Messrs|Mme|Mlle|Esq"
)

_NAME_ENDINGS = frozenset((_TLDS + "|" + _EXTS).split("|"))

_ABBREVIATION_SET = frozenset(ABBREVIATIONS.split("|"))

# Every scanner below starts with a literal or a rare character (a dot inside a
# token, "://", "@", "/", a back-quote, a digit) and looks back from it with a
# REVERSE pattern anchored at the trigger (linear, unlike a search for ``\Z``): the regex engines try a pattern that opens with a look-behind or a
# broad character class at every position of the text, which made protection
# the slowest step of the pipeline on ordinary prose.
_INDENT = re.compile(r"^(?:\t| {4})[^\n]*", re.MULTILINE)
_CODE = re.compile(r"`[^`\n]+`")
_SCHEME = regex.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,15}", regex.REVERSE)
_URL_TAIL = re.compile(r"[^\s<>\"\])]+")
_EMAIL_LEFT = regex.compile(r"[\w.+-]++", regex.REVERSE)
_EMAIL_RIGHT = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"[A-Za-z_]\w*")
# an "@" before what an address (_EMAIL_RIGHT) or a handle may start with, a "#"
# before what a handle may start with
_AT = re.compile(r"@(?=[\w-])")
_HASH = re.compile(r"#(?=[A-Za-z_])")
_PATH = regex.compile(r"/[\w.-]++(?:/[\w.-]*+)++")
_WINPATH = re.compile(r":\\\S+")
_DOT_IN_TOKEN = re.compile(r"\.(?=\w)")
_TOKEN_LEFT = regex.compile(r"[\w.-]*+", regex.REVERSE)
_TOKEN_RIGHT = re.compile(r"[\w.-]*")
# identifiers written as scheme:value in citations (doi:10.1000/xyz, arXiv:2101.00001).
# The scan starts at the colon (a literal the engine skips to) and looks back for
# the scheme, one fixed-width look-behind per length; the empty group that matched
# gives the scheme's length, hence the identifier's start.
_SCHEMES = ("doi", "arxiv", "isbn", "issn", "pmid", "pmcid", "hdl", "urn", "orcid")
_IDENTIFIER = re.compile(
    ":(?:"
    + "|".join(
        rf"(?<=(?<![\w.])(?:{'|'.join(x for x in _SCHEMES if len(x) == n)}):)(?P<s{n}>)"
        for n in sorted({len(x) for x in _SCHEMES})
    )
    + r")[^\s<>\"\])]+",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"(?:[A-Za-z]{1,2}\.){2,}")
_NAME = re.compile(r"\w[\w-]*(?:\.\w[\w-]*)+")
_NUMBER = regex.compile(r"\d++(?:[.,:/]\d++)++(?:[a-z]\w*+)?(?!\w)")
# Abbreviations (Dr.) and initials (J. Smith): the scan starts at the full stop (a
# literal the engine skips to) and looks back, one fixed-width look-behind per length
# of abbreviation; the empty group that matched names the length (``a3``) or says
# initial (``i``). A pattern that opens with a look-behind is tried at every position.
# Both end in an ASCII letter that no full stop precedes (``a.b.``): two cheap
# look-behinds rule out most full stops.
_ABBR_BY_LENGTH: dict[int, list[str]] = {}
for _a in ABBREVIATIONS.split("|"):
    _ABBR_BY_LENGTH.setdefault(len(_a), []).append(_a)
del _a
_AFTER_ABBR_DOT = (
    r"(?<=[A-Za-z]\.)(?<!\.[A-Za-z]\.)(?:(?:"
    + "|".join(
        rf"(?<=(?<![\w.])(?:{'|'.join(words)})\.)(?P<a{n}>)"
        for n, words in sorted(_ABBR_BY_LENGTH.items())
    )
    + r")(?![\w.])|(?<=(?<![\w.])[A-Z]\.)(?= ?[A-Z])(?P<i>))"
)
_ABBR_OR_INITIAL = re.compile(r"\." + _AFTER_ABBR_DOT)
# One search of the full stops for both the abbreviations and initials and the full
# stops between digits (``n``: where a number may start, see _numbers): a letter or
# a digit before the stop tells the two apart.
_DOT = re.compile(r"\.(?:(?<=\d\.)(?=\d)(?:\d++\.(?=\d))*+(?P<n>)|" + _AFTER_ABBR_DOT + ")")


def _before_closing(text: str, start: int, end: int) -> int:
    """``end`` moved back over the sentence's closing punctuation (not part of a URL)."""
    while end > start and text[end - 1] in ".,;:!?'":
        end -= 1
    return end


def _url(text: str, s: int, after: int, add: Callable[[Match], None]) -> None:
    tail = _URL_TAIL.match(text, after)
    if tail is not None:
        add((s, _before_closing(text, s, tail.end()), "url"))


# The parts of a name that say it is one (``.com``, ``.py``), as one class per position.
_ENDING_FIRST = "".join(sorted({w[0] for w in _NAME_ENDINGS}))
_ENDING_REST = "".join(sorted({c for w in _NAME_ENDINGS for c in w[1:]}))
_ENDING_MAX = max(map(len, _NAME_ENDINGS))
# Where a dotted token may be a name or an acronym: a dot then two letters and a dot
# (``U.S.``, ``e.g.``), or a dot then a short lower-case word that ends the token
# (checked against _NAME_ENDINGS in Python). Every acronym and name holds one; most
# dotted tokens (3.5, glued sentences: ``States.Putin``) hold none.
_DOTTED_HINT = re.compile(
    rf"\.(?:(?<=[A-Za-z]\.)[A-Za-z]{{1,2}}\.|([{_ENDING_FIRST}][{_ENDING_REST}]{{0,{_ENDING_MAX - 1}}})(?![\w-]))"
)
_LAST_BREAK = re.compile(r"(?s:.*)[^\w.-]")
# a character the look back over a token (_TOKEN_LEFT, module regex) counts as part of
# a word while the stdlib engine does not (a combining mark, a newer letter)
_REGEX_TOKEN_CHAR = regex.compile(r"[\w.-]")


def _dotted_token(text: str, i: int, add: Callable[[Match], None]) -> int:
    """Protect the token around the dot at ``i`` if it is a name or an acronym; its end."""
    left = _TOKEN_LEFT.match(text, max(0, i - 200), i)
    s = left.start() if left is not None else i
    e = _TOKEN_RIGHT.match(text, i).end()
    if not _free_before(text, s, "@/"):
        return e
    name = _NAME.match(text, s, e)
    if name is not None:
        ne = name.end()
        if text[s:ne].rsplit(".", 1)[1] in _NAME_ENDINGS and (
            ne == len(text) or not (text[ne].isalnum() or text[ne] in "_-")
        ):
            add((s, ne, "name"))
            return e
    acr = _ACRONYM.match(text, s, e)
    if acr is not None:
        add((s, acr.end(), "acronym"))
    return e


def _all_dotted_tokens(text: str, add: Callable[[Match], None]) -> None:
    """Every token holding a dot followed by a word character, one after the other."""
    pos = 0
    while True:
        m = _DOT_IN_TOKEN.search(text, pos)
        if m is None:
            return
        pos = _dotted_token(text, m.start(), add)


def _run_start(text: str, floor: int, d: int) -> int:
    """Start of the run of ``[\\w.-]`` characters holding ``d`` (no earlier than ``floor``)."""
    lo, step = d, 64
    while lo > floor:
        lo = max(floor, lo - step)
        m = _LAST_BREAK.match(text, lo, d)
        if m is not None:
            return m.end()
        step *= 8
    return floor


def _dotted_tokens(text: str, add: Callable[[Match], None]) -> None:
    """What :func:`_all_dotted_tokens` finds, looking only at tokens that hold a hint.

    The full scan visits the first dot-before-a-word of every run of ``[\\w.-]``
    (stdlib classes) and judges the token around it. Here only the runs holding a
    hint are judged, from the same dot, so the result is the same; except that the
    look back over a token may cross into an earlier run through a character only
    the ``regex`` module counts as a word character, so a hint could belong to a
    later token too: then the full scan runs instead.
    """
    found: list[Match] = []
    keep = found.append
    n = len(text)
    floor = pos = 0
    while True:
        h = _DOTTED_HINT.search(text, pos)
        if h is None:
            break
        ending = h.group(1)
        if ending is not None and ending not in _NAME_ENDINGS:
            pos = h.start() + 1
            continue
        d = h.start()
        # the token's first dot before a word character: often the hint's own dot
        i = _DOT_IN_TOKEN.search(text, floor).start()  # type: ignore[union-attr]
        if i < d:
            i = _DOT_IN_TOKEN.search(text, _run_start(text, floor, d)).start()  # type: ignore[union-attr]
        e = _dotted_token(text, i, keep)
        if e < n and text[e] > "\x7f" and _REGEX_TOKEN_CHAR.match(text, e) is not None:
            _all_dotted_tokens(text, add)
            return
        floor = pos = e
    for t in found:
        add(t)


# Numbers: the scan starts at a separator between two digits and takes the chain of
# digit groups after it; look-behinds measure the run of digits before it (up to four,
# else the regex module scans back). Python's and the regex module's Unicode tables
# agree on what a digit is except for digits newer than Python's (all outside the BMP):
# text holding such characters gets the plain scan.
_NUM_CHAIN = re.compile(
    r"[.,:/](?<=\d.)(?=\d)(?:"
    + "".join(rf"(?<=(?<!\d)\d{{{k}}}.)(?P<r{k}>)|" for k in range(1, 5))
    + r"(?P<rn>))\d++(?:[.,:/]\d++)*+"
)
# Where a chain may start: a separator with a digit on either side. One search per
# separator, each skipping to its literal, is several times faster than one search
# for the class of four (which the engine tests character by character).
# Each search takes a run of such separators with digits between (1,000,000) as one:
# a chain that starts at or before the run's first separator takes in all of it, and
# the scan searches on from a chain's end, so the others are never where it starts.
_SEPARATOR = tuple(
    (c, re.compile(rf"{re.escape(c)}(?<=\d.)(?=\d)(?:\d++{re.escape(c)}(?=\d))*+")) for c in ".,:/"
)
_DIGITS_BACK = regex.compile(r"\d++", regex.REVERSE)


_ANY_SEPARATOR = re.compile(r"[.,:/](?<=\d.)(?=\d)(?:\d++[.,:/](?=\d))*+")


def _separators(text: str, dots: list[int] | None = None) -> list[int]:
    """Where :data:`_NUM_CHAIN` may start a number in ``text``, in order: where it
    matches, but for separators after the first in a run (``dots``: those at a full
    stop, if known)."""
    if len(text) < 512:  # (a short text: one search costs less than four)
        m = _ANY_SEPARATOR.search(text)
        if m is None:
            return []
        return [m.start()] + [m.start() for m in _ANY_SEPARATOR.finditer(text, m.end())]
    out: list[int] = []
    for c, p in _SEPARATOR:
        if c == "." and dots is not None:
            out += dots
        elif c in text:
            out += [m.start() for m in p.finditer(text)]
    out.sort()
    return out


_HAS_DIGIT = re.compile(r"\d")


def _all_numbers(text: str, add: Callable[[Match], None]) -> None:
    if _HAS_DIGIT.search(text):  # (a stdlib digit: newer digits alone are not looked for)
        for m in _NUMBER.finditer(text):
            _number(text, m.start(), m.end(), add)


def _number(text: str, s: int, e: int, add: Callable[[Match], None]) -> None:
    if s >= 1 and text[s - 1] == "v":
        s -= 1
    if _free_before(text, s, "."):
        add((s, e, "number"))


def _numbers(
    text: str,
    add: Callable[[Match], None],
    dots: list[int] | None = None,
    starts: list[int] | None = None,
) -> None:
    """What :func:`_all_numbers` finds (every number holds a separator between digits).

    The regex module decides only where its idea of a word character matters: a
    letter or a non-ASCII character right after the digits (``3.5km``, ``1.2µm``).
    ``dots``: the full stops :func:`_separators` would list, when the caller has
    looked; ``starts``: where to try a chain, instead of what it lists (a test hook).
    """
    if not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text):
        # characters outside the BMP (a pair of UTF-16 units each); a C-level copy is
        # several times faster than a regex search for them
        _all_numbers(text, add)
        return
    found: list[Match] = []
    keep = found.append
    n = len(text)
    pos = 0
    for sep in _separators(text, dots) if starts is None else starts:
        if sep < pos:
            continue  # inside the chain of the number before
        m = _NUM_CHAIN.match(text, sep)
        g = m.lastgroup  # type: ignore[union-attr]
        if g == "rn":
            r = _DIGITS_BACK.match(text, 0, sep).start()  # type: ignore[union-attr]
        else:
            r = sep - int(g[1:])  # type: ignore[index]
        if r < pos:
            # the previous number's suffix ran into these digits (1.5e7.2): rare
            _all_numbers(text, add)
            return
        x = m.end()  # type: ignore[union-attr]
        c = text[x] if x < n else " "
        if c < "\x80" and not ("a" <= c <= "z"):
            if c.isalnum() or c == "_":
                pos = x  # 3.5X, 1.2_a: no number (nor one starting later in the chain)
                continue
            e = x
        else:  # a suffix (3.5km) or a character the two engines may see differently
            num = _NUMBER.match(text, r)
            if num is None:
                pos = x
                continue
            e = num.end()
        _number(text, r, e, keep)
        pos = e
    for t in found:
        add(t)


def _free_before(text: str, i: int, chars: str = "") -> bool:
    """True when the character before ``i`` does not continue a token."""
    if i == 0:
        return True
    c = text[i - 1]
    return not (c.isalnum() or c == "_" or c in chars)


# Markdown fence lines (``` or ~~~, with an optional info string); paired in Python,
# which stays linear where a regex scanning for the closing fence would not.
_FENCE_LINE = regex.compile(r"^[ ]{0,3}(`{3,}+|~{3,}+)([^\n]*+)$", regex.MULTILINE)


def _fence_lines(text: str) -> list[regex.Match[str]]:
    """What ``_FENCE_LINE.finditer`` finds, trying only lines that hold ``` or ~~~.

    (A search for the pattern tries its line-start anchor at every position.)
    """
    starts = set()
    for mark in ("```", "~~~"):
        i = text.find(mark)
        while i >= 0:
            starts.add(text.rfind("\n", 0, i) + 1)
            i = text.find("\n", i)  # the next line, if any
            if i < 0:
                break
            i = text.find(mark, i)
    out = []
    for ls in sorted(starts):
        m = _FENCE_LINE.match(text, ls)
        if m is not None:
            out.append(m)
    return out


def _fences(text: str) -> list[tuple[int, int, str]]:
    """Fenced code blocks: from an opening fence to the first closing fence like it."""
    out = []
    opening: regex.Match[str] | None = None
    for m in _fence_lines(text):
        if opening is None:
            opening = m
        else:
            mark, info = m.group(1), m.group(2)
            if (
                mark[0] == opening.group(1)[0]
                and len(mark) >= len(opening.group(1))
                and (not info.strip())
            ):
                out.append((opening.start(), m.end(), "fence"))
                opening = None
    return out


# A cheap test: text with none of these characters can hold no protected span
# but abbreviations, acronyms and initials, which all need a dot.
_TRIGGERS = re.compile(r"[.@/:#`~\t\\]|^ {4}|\d,\d", re.MULTILINE)


def _handle(text: str, i: int, add: Callable[[Match], None]) -> None:
    """A handle (@name, #tag) at ``i``."""
    if _free_before(text, i, "@#&"):
        h = _HANDLE.match(text, i + 1)
        if h is not None:
            add((i, h.end(), "handle"))


# Where a scan may find something: every kind of span holds one of these (a number,
# name or acronym a full stop or comma before a non-blank, whatever its digits; an
# abbreviation or initial a full stop _DOT takes for one). The stretches an update
# scans again mostly hold only full stops that end sentences: one search lets them
# go. (A long text nearly always holds something, far in at times: not worth it.)
_MAYBE = re.compile(r"[@/:#`~\t\\]|^ {4}|,\S|\.(?:\S|" + _AFTER_ABBR_DOT + ")", re.MULTILINE)


def _matches(text: str) -> list[tuple[int, int, str]]:
    if "." not in text and not _TRIGGERS.search(text):
        return []
    if len(text) < 512 and _MAYBE.search(text) is None:
        return []
    return _scan(text)


def _scan(text: str) -> list[tuple[int, int, str]]:
    """Every protected match in ``text``."""
    # (a lone character is found several times faster than a longer string: look for
    # it first)
    found = (
        _fences(text) if ("`" in text and "```" in text) or ("~" in text and "~~~" in text) else []
    )
    add = found.append
    if "\t" in text or "    " in text:
        for m in _INDENT.finditer(text):
            add((m.start(), m.end(), "indent"))
    if "`" in text:
        for m in _CODE.finditer(text):
            s, e = m.span()
            if text[s - 1 : s] != "`" and text[e : e + 1] != "`":
                add((s, e, "code"))
    # "://" and "www." (which cannot overlap) found with str.find: faster than a regex
    # alternation of the two, which has no literal prefix to skip to
    i = text.find("://") if "/" in text else -1
    while i >= 0:
        sm = _SCHEME.match(text, max(0, i - 16), i)
        if sm is not None and _free_before(text, sm.start(), "@"):
            _url(text, sm.start(), i + 3, add)
        i = text.find("://", i + 3)
    i = text.find("www.")
    while i >= 0:
        if _free_before(text, i, "@"):
            _url(text, i, i + 4, add)
        i = text.find("www.", i + 4)
    # each "@" and "#" that an address or a handle may follow, found by a pattern with a
    # literal first character (a search for the class of the two tests every character
    # in turn); the engine passes over the others in C (1 MB of "@")
    if "@" in text:
        for m in _AT.finditer(text):
            i = m.start()
            left = _EMAIL_LEFT.match(text, max(0, i - 64), i)
            right = _EMAIL_RIGHT.match(text, i + 1)
            if left is not None and right is not None and _free_before(text, left.start()):
                add((left.start(), right.end(), "email"))
            else:
                _handle(text, i, add)
    if "#" in text:
        for m in _HASH.finditer(text):
            _handle(text, m.start(), add)
    if ":" in text:
        for m in _IDENTIFIER.finditer(text):
            s = m.start() - int(m.lastgroup[1:])  # type: ignore[index]
            add((s, _before_closing(text, s, m.end()), "identifier"))
    if "/" in text:
        for m in _PATH.finditer(text):
            s = m.start()
            if s >= 2 and text[s - 2 : s] == "..":
                s -= 2
            elif s >= 1 and text[s - 1] in "~.":
                s -= 1
            if _free_before(text, s, "/~."):
                add((s, m.end(), "path"))
    if "\\" in text and ":\\" in text:
        for m in _WINPATH.finditer(text):
            s = m.start() - 1
            if s >= 0 and text[s].isalpha() and _free_before(text, s):
                add((s, m.end(), "path"))
    # dotted tokens: acronyms (U.S., e.g., J.R.R.) and names (example.com, setup.py)
    if "." in text:
        _dotted_tokens(text, add)
    # abbreviations (Dr., etc.) and initials (J. Smith) end in a dot
    dots = []
    for m in _DOT.finditer(text):
        g = m.lastgroup
        if g == "n":
            dots.append(m.start())
        elif g == "i":
            add((m.start() - 1, m.end(), "initial"))
        else:
            add((m.start() - int(g[1:]), m.end(), "abbr"))  # type: ignore[index]
    _numbers(text, add, dots)
    found.sort()
    return found


def find_protected(text: str) -> list[Span]:
    """Sorted, disjoint ``(start, end)`` spans of ``text`` that fixers must not cut."""
    return _merge([(s, e) for s, e, _ in _matches(text)])


def _merge(spans: list[Span]) -> list[Span]:
    """Sorted spans with the ones that overlap or touch joined."""
    out: list[Span] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def protected_kinds(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` for each protected match: a debugging aid and a test hook."""
    return [(kind, text[s:e]) for s, e, kind in _matches(text)]


# Blanks: no protected span holds one, except indented lines and code spans (and
# fences); the look-arounds of the others see at most one blank and one character
# past their token (an initial: "J." before " Smith").
_BLANK = re.compile(r"[ \t\n]")
_TOKEN_BACK = regex.compile(r"[^ \t\n]*+", regex.REVERSE)
_BLANKS_BACK = regex.compile(r"[ \t\n]*+", regex.REVERSE)


def update_protected(
    old_text: str, old_spans: list[Span], edits: list[tuple[int, int, str]], new_text: str
) -> list[Span] | None:
    """The protected spans of ``new_text``, which is ``old_text`` with ``edits`` applied.

    ``edits`` are sorted, disjoint ``(start, end, replacement)`` in ``old_text``.
    Only the text around the edits is scanned again; the other spans are
    shifted. Returns ``None`` (scan everything) when an edit could open or close
    a fence.
    """
    by_lines = False
    for t in (old_text, new_text):  # (a lone character is found fastest: look for it first)
        if "`" in t:
            if "```" in t:
                return None  # fenced code spans lines: scan everything
            by_lines = True
        if "~" in t and "~~~" in t:
            return None
        if "\t" in t or "    " in t:
            by_lines = True
    if by_lines:
        return _update_by_lines(old_text, old_spans, edits, new_text)
    return _update_by_tokens(old_spans, edits, new_text)


# In texts without tabs (where updates go by tokens) a blank is a space or a line
# break: two str searches find the last one faster than the regex module looking
# back (each bounded by the end of the window before, so linear over an update).
def _token_start(text: str, floor: int, i: int) -> int:
    """Start of the run of non-blanks that ends at ``i`` (no earlier than ``floor``)."""
    sp = text.rfind(" ", floor, i)
    nl = text.rfind("\n", floor if sp < 0 else sp + 1, i)
    return max(sp, nl, floor - 1) + 1


def _blank_after(text: str, i: int, n: int) -> int:
    """Where the first blank at or after ``i`` is, else ``n`` (the text's length)."""
    # (one search that stops at the first blank: a search for a space alone would run
    # to the end of a text without spaces once per edit)
    m = _BLANK.search(text, i)
    return n if m is None else m.start()


def _update_by_tokens(
    old_spans: list[Span], edits: list[tuple[int, int, str]], new_text: str
) -> list[Span]:
    """:func:`update_protected` for texts without code spans or indented lines.

    Then no span holds a blank, and a span's fate depends on its own token and
    the blank and the character after it. Each edit's window runs from the start
    of the token before the ones it touches (an initial there may now be followed
    by a capital, or no longer) to the blank after them; it is scanned with that
    blank and the character after it as context.
    """
    windows, deltas = _token_windows(edits, new_text)
    return _rescan(new_text, windows, _untouched(old_spans, windows, deltas), context=2)


def _token_windows(
    edits: list[tuple[int, int, str]], new_text: str
) -> tuple[list[Span], list[int]]:
    """The windows :func:`_update_by_tokens` scans again, and how far the edits up to
    the end of each move the text."""
    windows: list[Span] = []  # judged stretches of new_text, each from a token start to a blank
    deltas: list[int] = []  # per window: how far the edits up to its end move the text
    n_new = len(new_text)
    delta = 0
    for s, e, rep in edits:
        ns = s + delta
        ne = ns + len(rep)
        delta += len(rep) - (e - s)
        if windows and ns <= windows[-1][1]:
            if ne > windows[-1][1]:
                windows[-1] = (windows[-1][0], _blank_after(new_text, ne, n_new))
            deltas[-1] = delta
            continue
        floor = windows[-1][1] if windows else 0
        a = _token_start(new_text, floor, ns)
        if a > floor:  # and the token before, through the blanks between
            a -= 1
            if a > floor and new_text[a - 1] in " \n":  # (more than one blank: rare)
                a = _BLANKS_BACK.match(new_text, floor, a).start()  # type: ignore[union-attr]
            a = _token_start(new_text, floor, a)
        b = _blank_after(new_text, ne, n_new)
        if windows and a <= windows[-1][1]:
            windows[-1] = (windows[-1][0], b)
            deltas[-1] = delta
        else:
            windows.append((a, b))
            deltas.append(delta)
    return windows, deltas


def _update_by_lines(
    old_text: str, old_spans: list[Span], edits: list[tuple[int, int, str]], new_text: str
) -> list[Span]:
    """:func:`update_protected` where a span may hold a blank (indented lines, code).

    Every kind of span but fenced code lies within one line, so the lines the
    edits touch are scanned again.
    """
    windows, deltas = _line_windows(edits, new_text)
    # no span crosses a line break (fences aside): each is found as in its own line
    return _rescan(new_text, windows, _untouched(old_spans, windows, deltas), context=0)


def _line_windows(edits: list[tuple[int, int, str]], new_text: str) -> tuple[list[Span], list[int]]:
    """The lines :func:`_update_by_lines` scans again, and how far the edits up to the
    end of each move the text."""
    windows: list[Span] = []  # the lines the edits touch, in new_text
    deltas: list[int] = []  # per window: how far the edits up to its end move the text
    delta = 0
    for s, e, rep in edits:
        ns = s + delta
        ne = ns + len(rep)
        delta += len(rep) - (e - s)
        if windows and ns <= windows[-1][1]:
            if ne > windows[-1][1]:  # the edit runs past the window's line
                we = new_text.find("\n", ne)
                windows[-1] = (windows[-1][0], len(new_text) if we < 0 else we)
            deltas[-1] = delta
            continue
        # search back no further than the previous window: linear on long lines
        ws = new_text.rfind("\n", windows[-1][1] if windows else 0, ns) + 1
        we = new_text.find("\n", ne)
        windows.append((ws, len(new_text) if we < 0 else we))
        deltas.append(delta)
    return windows, deltas


def _rescan(new_text: str, windows: list[Span], kept: list[Span], context: int) -> list[Span]:
    """``kept`` (spans outside ``windows``) with the spans found in them, sorted.

    One scan of the windows, each with the ``context`` characters after it,
    joined by line breaks (which every pattern takes as the blank or line break
    before each window): cheaper than a scan per window. Only spans inside a
    window count (the context is judged by its own window, or kept).
    """
    if windows:
        pieces = []
        firsts = []  # where each window's first character sits in the joined text
        o = 0
        for a, b in windows:
            piece = new_text[a : b + context]
            pieces.append(piece)
            firsts.append(o)
            o += len(piece) + 1
        k = 0
        for s, e in find_protected("\n".join(pieces)):
            while k + 1 < len(firsts) and firsts[k + 1] <= s:
                k += 1
            a, b = windows[k]
            s += a - firsts[k]
            e += a - firsts[k]
            if a <= s and e <= b:
                kept.append((s, e))
        # (none touches another: windows lie apart, and kept spans outside them)
        kept.sort()
    return kept


_START = itemgetter(0)
_END = itemgetter(1)


def _untouched(old_spans: list[Span], windows: list[Span], deltas: list[int]) -> list[Span]:
    """What :func:`_shift_untouched` keeps, found by bisection between the windows.

    Every edit lies in a window (sorted, apart), so the old text between two
    windows is unchanged and moved by the same ``deltas[k]`` (the edits up to
    window ``k``); an old span there touches no edit. The spans in each gap are
    one slice of ``old_spans``.
    """
    n = len(old_spans)
    if not n or not windows:
        return list(old_spans)
    i = bisect_left(old_spans, windows[0][0], key=_END)  # (before the first edit)
    kept = old_spans[:i]
    last = len(windows) - 1
    for k, (_, b) in enumerate(windows):
        if i == n:
            break
        d = deltas[k]
        i = bisect_right(old_spans, b - d, i, key=_START)
        j = bisect_left(old_spans, windows[k + 1][0] - d, i, key=_END) if k < last else n
        if i < j:
            kept += [(s + d, e + d) for s, e in old_spans[i:j]] if d else old_spans[i:j]
            i = j
    return kept


def _shift_untouched(
    old_spans: list[Span], edits: list[tuple[int, int, str]], windows: list[Span]
) -> list[Span]:
    """The old spans that no edit touches, shifted into the new text, but for those
    inside a window (which is scanned again)."""
    out: list[Span] = []
    k = 0
    delta = 0
    n = len(edits)
    for s, e in old_spans:
        while k < n and edits[k][1] < s:
            delta += len(edits[k][2]) - (edits[k][1] - edits[k][0])
            k += 1
        if k < n and edits[k][0] <= e:
            continue  # an edit touches it: its window is scanned again
        out.append((s + delta, e + delta))
    kept = []
    w = 0
    for s, e in out:
        while w < len(windows) and windows[w][1] < s:
            w += 1
        if w < len(windows) and windows[w][0] <= e:
            continue
        kept.append((s, e))
    return kept
