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

_FLAGS = regex.VERBOSE | regex.MULTILINE
_KINDS: tuple[tuple[str, str], ...] = (
    # indented code: a line that starts with a tab or four spaces
    ("indent", r"^(?:\t|[ ]{4})[^\n]*+"),
    # inline code
    ("code", r"(?<!`)`[^`\n]++`(?!`)"),
    # URLs (scheme or www.), up to white space or a closing bracket/quote
    ("url", r"(?<![\w@])(?:[a-zA-Z][a-zA-Z0-9+.-]{1,15}+://|www\.)[^\s<>\"\]\)]++"),
    # e-mail addresses
    ("email", r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++"),
    # handles and hashtags
    ("handle", r"(?<![\w@#&])[@#][A-Za-z_]\w*+"),
    # file system paths
    ("path", r"(?<![\w/~.])(?:~|\.{1,2})?/[\w.-]++(?:/[\w.-]*+)++|(?<!\w)[A-Za-z]:\\\S++"),
    # domain and file names: dotted tokens ending in a known TLD or extension
    # (the last part is checked against _NAME_ENDINGS in Python: an alternation
    # of 200 endings tried after every dot is slow on long dotted runs)
    ("name", r"(?<![\w.@/-])\w[\w-]*+(?:\.\w[\w-]*+)++"),
    # numbers with separators, decimals, times, versions, IP addresses
    ("number", r"(?<![\w.])v?\d++(?:[.,:/]\d++)++(?:[a-z]\w*+)?(?!\w)"),
    # dotted acronyms and initials: U.S., e.g., i.e., J.R.R., Ph.D.
    ("acronym", r"(?<![\w.])(?:[A-Za-z]{1,2}\.){2,}+"),
    # a single initial before a name: J. Smith
    ("initial", r"(?<![\w.])[A-Z]\.(?=[ ]?[A-Z])"),
    # abbreviations with a final dot
    ("abbr", r"(?<![\w.])(?:" + ABBREVIATIONS + r")\.(?!\w)"),
)
# One pattern per kind: the regex engine's first-character scan makes a
# separate pass per simple pattern much faster than one big alternation,
# which has to try every branch at every position.
_PATTERNS = tuple((kind, regex.compile(p, _FLAGS)) for kind, p in _KINDS)

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
_TRIGGERS = regex.compile(r"[.@/:#`~\t\\]|^[ ]{4}|\d,\d", regex.MULTILINE)


def _matches(text: str) -> list[tuple[int, int, str]]:
    if not _TRIGGERS.search(text):
        return []
    found = _fences(text) if ("```" in text or "~~~" in text) else []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if kind == "name" and text[s:e].rsplit(".", 1)[1] not in _NAME_ENDINGS:
                continue
            if kind == "url":
                # a sentence's closing punctuation is not part of the URL
                while e > s and text[e - 1] in ".,;:!?'":
                    e -= 1
            if e > s:
                found.append((s, e, kind))
    found.sort()
    return found


def find_protected(text: str) -> list[Span]:
    """Sorted, disjoint ``(start, end)`` spans of ``text`` that fixers must not cut."""
    spans: list[Span] = []
    for s, e, _ in _matches(text):
        if spans and s <= spans[-1][1]:
            ps, pe = spans[-1]
            spans[-1] = (ps, max(pe, e))
        else:
            spans.append((s, e))
    return spans


def protected_kinds(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` for each protected match: a debugging aid and a test hook."""
    return [(kind, text[s:e]) for s, e, kind in _matches(text)]
