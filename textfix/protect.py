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

import regex

Span = tuple[int, int]

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
_URL_TRIGGER = re.compile(r"://|www\.")
_SCHEME = regex.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,15}", regex.REVERSE)
_URL_TAIL = re.compile(r"[^\s<>\"\])]+")
_AT_OR_HASH = re.compile(r"[@#]")
_EMAIL_LEFT = regex.compile(r"[\w.+-]++", regex.REVERSE)
_EMAIL_RIGHT = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"[A-Za-z_]\w*")
_PATH = regex.compile(r"/[\w.-]++(?:/[\w.-]*+)++")
_WINPATH = re.compile(r":\\\S+")
_DOT_IN_TOKEN = re.compile(r"\.(?=\w)")
_TOKEN_LEFT = regex.compile(r"[\w.-]*+", regex.REVERSE)
_TOKEN_RIGHT = re.compile(r"[\w.-]*")
# identifiers written as scheme:value in citations (doi:10.1000/xyz, arXiv:2101.00001)
_IDENTIFIER = re.compile(
    r"(?<![\w.])(?:doi|arxiv|isbn|issn|pmid|pmcid|hdl|urn|orcid):[^\s<>\"\])]+", re.IGNORECASE
)
_ACRONYM = re.compile(r"(?:[A-Za-z]{1,2}\.){2,}")
_NAME = re.compile(r"\w[\w-]*(?:\.\w[\w-]*)+")
_NUMBER = regex.compile(r"\d++(?:[.,:/]\d++)++(?:[a-z]\w*+)?(?!\w)")
# (the stdlib engine runs this alternation faster than a Python loop over every full stop)
_ABBR_OR_INITIAL = re.compile(
    r"(?<![\w.])(?:" + ABBREVIATIONS + r")\.(?![\w.])|(?<![\w.])([A-Z])\.(?= ?[A-Z])"
)


def _before_closing(text: str, start: int, end: int) -> int:
    """``end`` moved back over the sentence's closing punctuation (not part of a URL)."""
    while end > start and text[end - 1] in ".,;:!?'":
        end -= 1
    return end


def _free_before(text: str, i: int, chars: str = "") -> bool:
    """True when the character before ``i`` does not continue a token."""
    if i == 0:
        return True
    c = text[i - 1]
    return not (c.isalnum() or c == "_" or c in chars)


# Markdown fence lines (``` or ~~~, with an optional info string); paired in Python,
# which stays linear where a regex scanning for the closing fence would not.
_FENCE_LINE = regex.compile(r"^[ ]{0,3}(`{3,}+|~{3,}+)([^\n]*+)$", regex.MULTILINE)


def _fences(text: str) -> list[tuple[int, int, str]]:
    """Fenced code blocks: from an opening fence to the first closing fence like it."""
    out = []
    opening: regex.Match[str] | None = None
    for m in _FENCE_LINE.finditer(text):
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
_HAS_DIGIT = re.compile(r"\d")


def _matches(text: str) -> list[tuple[int, int, str]]:
    if not _TRIGGERS.search(text):
        return []
    found = _fences(text) if ("```" in text or "~~~" in text) else []
    add = found.append
    if "    " in text or "\t" in text:
        for m in _INDENT.finditer(text):
            add((m.start(), m.end(), "indent"))
    if "`" in text:
        for m in _CODE.finditer(text):
            s, e = m.span()
            if text[s - 1 : s] != "`" and text[e : e + 1] != "`":
                add((s, e, "code"))
    if "://" in text or "www." in text:
        for m in _URL_TRIGGER.finditer(text):
            i = m.start()
            if m.group() == "://":
                sm = _SCHEME.match(text, max(0, i - 16), i)
                if sm is None or not _free_before(text, sm.start(), "@"):
                    continue
                s = sm.start()
            else:
                if not _free_before(text, i, "@"):
                    continue
                s = i
            tail = _URL_TAIL.match(text, m.end())
            if tail is not None:
                add((s, _before_closing(text, s, tail.end()), "url"))
    if "@" in text or "#" in text:
        for m in _AT_OR_HASH.finditer(text):
            i = m.start()
            if m.group() == "@":
                left = _EMAIL_LEFT.match(text, max(0, i - 64), i)
                right = _EMAIL_RIGHT.match(text, i + 1)
                if left is not None and right is not None and _free_before(text, left.start()):
                    add((left.start(), right.end(), "email"))
                    continue
            if _free_before(text, i, "@#&"):
                h = _HANDLE.match(text, i + 1)
                if h is not None:
                    add((i, h.end(), "handle"))
    if ":" in text:
        for m in _IDENTIFIER.finditer(text):
            add((m.start(), _before_closing(text, m.start(), m.end()), "identifier"))
    if "/" in text:
        for m in _PATH.finditer(text):
            s = m.start()
            if s >= 2 and text[s - 2 : s] == "..":
                s -= 2
            elif s >= 1 and text[s - 1] in "~.":
                s -= 1
            if _free_before(text, s, "/~."):
                add((s, m.end(), "path"))
    if ":\\" in text:
        for m in _WINPATH.finditer(text):
            s = m.start() - 1
            if s >= 0 and text[s].isalpha() and _free_before(text, s):
                add((s, m.end(), "path"))
    # dotted tokens: acronyms (U.S., e.g., J.R.R.) and names (example.com, setup.py)
    pos = 0
    while True:
        m = _DOT_IN_TOKEN.search(text, pos)
        if m is None:
            break
        i = m.start()
        left = _TOKEN_LEFT.match(text, max(0, i - 200), i)
        s = left.start() if left is not None else i
        e = _TOKEN_RIGHT.match(text, i).end()
        pos = e
        if not _free_before(text, s, "@/"):
            continue
        name = _NAME.match(text, s, e)
        if name is not None:
            ne = name.end()
            if text[s:ne].rsplit(".", 1)[1] in _NAME_ENDINGS and (
                ne == len(text) or not (text[ne].isalnum() or text[ne] in "_-")
            ):
                add((s, ne, "name"))
                continue
        acr = _ACRONYM.match(text, s, e)
        if acr is not None:
            add((s, acr.end(), "acronym"))
    if _HAS_DIGIT.search(text):
        for m in _NUMBER.finditer(text):
            s = m.start()
            if s >= 1 and text[s - 1] == "v":
                s -= 1
            if _free_before(text, s, "."):
                add((s, m.end(), "number"))
    # abbreviations (Dr., etc.) and initials (J. Smith) end in a dot
    for m in _ABBR_OR_INITIAL.finditer(text):
        add((m.start(), m.end(), "abbr" if m.lastindex is None else "initial"))
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


def update_protected(
    old_text: str, old_spans: list[Span], edits: list[tuple[int, int, str]], new_text: str
) -> list[Span] | None:
    """The protected spans of ``new_text``, which is ``old_text`` with ``edits`` applied.

    ``edits`` are sorted, disjoint ``(start, end, replacement)`` in ``old_text``.
    Every kind of span but fenced code lies within one line, so only the lines
    the edits touch are scanned again and the other spans are shifted. Returns
    ``None`` (scan everything) when an edit could open or close a fence.
    """
    if any(f in text for text in (old_text, new_text) for f in ("```", "~~~")):
        return None  # fenced code spans lines: scan everything
    windows: list[Span] = []  # the lines the edits touch, in new_text
    delta = 0
    for s, e, rep in edits:
        ns = s + delta
        ne = ns + len(rep)
        delta += len(rep) - (e - s)
        if windows and ns <= windows[-1][1]:
            if ne > windows[-1][1]:  # the edit runs past the window's line
                we = new_text.find("\n", ne)
                windows[-1] = (windows[-1][0], len(new_text) if we < 0 else we)
            continue
        # search back no further than the previous window: linear on long lines
        ws = new_text.rfind("\n", windows[-1][1] if windows else 0, ns) + 1
        we = new_text.find("\n", ne)
        windows.append((ws, len(new_text) if we < 0 else we))
    out: list[tuple[int, int]] = []
    # shift the old spans that no edit touches
    k = 0
    delta = 0
    n = len(edits)
    for s, e in old_spans:
        while k < n and edits[k][1] < s:
            delta += len(edits[k][2]) - (edits[k][1] - edits[k][0])
            k += 1
        if k < n and edits[k][0] <= e:
            continue  # an edit touches it: its line is scanned again
        out.append((s + delta, e + delta))
    # drop shifted spans inside the rescanned lines, then add what the lines hold now
    kept = []
    w = 0
    for s, e in out:
        while w < len(windows) and windows[w][1] < s:
            w += 1
        if w < len(windows) and windows[w][0] <= e:
            continue
        kept.append((s, e))
    for ws, we in windows:
        kept.extend((ws + s, ws + e) for s, e in find_protected(new_text[ws:we]))
    kept.sort()
    return _merge(kept)
