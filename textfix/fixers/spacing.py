"""Mechanical spacing damage: glued sentences, doubled punctuation, stray spaces.

Scrapers and MT post-editing lose or double characters around punctuation:
``United States.Putin told`` (the space after a full stop is gone),
``Cold War..`` (a doubled full stop), ``the talks , he said`` (a space before a
comma), ``two  spaces`` and trailing blanks. Each is repaired only where it
cannot be anything else: dotted names, numbers, abbreviations and code are
protected spans (see :mod:`textfix.protect`) and a few extra checks keep
identifiers like ``System.Console.WriteLine`` and plain-text tables intact.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache

import regex

from textfix.model import Document, Edit, Example, Fixer, Flag, Rule
from textfix.options import Options

GLUED = Rule(
    "spacing/glued-sentence",
    "A sentence glued to the next one: no space after its full stop",
    examples=(
        Example(
            "The summit ended in Hanoi.Both leaders left early.",
            "The summit ended in Hanoi. Both leaders left early.",
        ),
        Example("Is it over?Nobody knows.", "Is it over? Nobody knows."),
    ),
    counter_examples=(
        "The U.S. Army and e.g. Python 3.11 stay as they are.",
        "Call System.Console.WriteLine to print, or see example.com and setup.py.",
        "J.R.R. Tolkien wrote it; Dr.Who is a title we leave alone.",
    ),
)
DOUBLED = Rule(
    "spacing/doubled-punctuation",
    "A full stop or comma typed twice (an ellipsis stays)",
    examples=(
        Example("It was the end of the Cold War..", "It was the end of the Cold War."),
        Example("Prices rose,, then fell.", "Prices rose, then fell."),
    ),
    counter_examples=(
        "He paused... and then went on.",
        "Ranges like 1..10 and paths like ../src are not sentences.",
    ),
)
SPACE_BEFORE = Rule(
    "spacing/space-before-punctuation",
    "A space before a comma, full stop, semicolon, colon, question or exclamation mark",
    examples=(
        Example("The talks failed , he said .", "The talks failed, he said."),
        Example("Why did it fail ?", "Why did it fail?"),
    ),
    counter_examples=(
        "Save it as a .txt file; the smiley :) stays.",
        "He wrote ... and stopped.",
        "Install it with pip install . and wait.",
    ),
)
MULTI_SPACE = Rule(
    "spacing/multiple-spaces",
    "A run of spaces between two words inside a line",
    examples=(Example("The leaders   met in   Vladivostok.", "The leaders met in Vladivostok."),),
    counter_examples=(
        "Two spaces after a full stop.  That is a convention, not damage.",
        "Name      Age   City\nAnna      34    Oslo\n",
        "Item      Price   Stock\nTotal     99\n",
        "    indented code keeps its    spacing",
    ),
)
TRAILING = Rule(
    "spacing/trailing-whitespace",
    "Spaces or tabs at the end of a line",
    examples=(Example("First line.   \nSecond line.\t\n", "First line.\nSecond line.\n"),),
    counter_examples=("A Markdown hard break  \nkeeps its two spaces.",),
)

# a full stop (or ? !) right between two lower-case letters and a capitalised word
_GLUED = regex.compile(r"(?<=\p{Ll}\p{Ll})[.!?](?=\p{Lu}\p{Ll}++(?![\p{L}\d_(]|\.\w))")
# characters that make the token before the full stop an identifier or a name,
# searched backwards from the full stop: the last break before it
_TOKEN_BREAK_BACK = regex.compile(r"[\s\"'“”‘’(\[{<«»—–]", regex.REVERSE)
_IDENTIFIERISH = regex.compile(r"[.@/\\_\d=#:]")
# exactly two full stops or two commas after a word, not part of a longer run
_DOUBLED = regex.compile(r"(?<=[\p{L}\p{N})\]\"'”’])([.,])\1(?![.,])(?=\s|$|[\"'”’)\]])")

# The patterns of the rules whose triggers most text never holds (a blank before
# punctuation, a run of spaces, trailing blanks) are compiled the first time a text
# holds one: a process that never meets them does not pay for them.


@cache
def _space_before_patterns() -> tuple[regex.Pattern[str], regex.Pattern[str], re.Pattern[str]]:
    """space-before-punctuation: the pattern, a lone-dot argument, and the trigger."""
    return (
        regex.compile(r"(?<=[\p{L}\p{N})\]\"'”’])[ \t]++(?=[,.;:!?](?:\s|$))"),
        # a lone dot followed by a lower-case word: a command's "." argument
        regex.compile(r"\.[ \t]++\p{Ll}"),
        # the first blank of a run that follows a character other than white space
        # or punctuation and precedes punctuation
        re.compile(r"[ \t](?<=[^\s,.;:!?][ \t])[ \t]*+[,.;:!?]"),
    )


@cache
def _multi_patterns() -> tuple[regex.Pattern[str], re.Pattern[str]]:
    """multiple-spaces: the pattern, and the trigger (a run of two or more spaces,
    found by its literal "  ", written out so that the engine searches for both
    spaces at once)."""
    return regex.compile(r"(?<=\S)[ ]{2,}+(?=\S)"), re.compile(r"  [ ]*+")


@cache
def _trailing_patterns() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """trailing-whitespace: a line break after a blank, and the blanks that end at it."""
    return regex.compile(r"(?<=[ \t])\n"), regex.compile(r"[ \t]++", regex.REVERSE)


# Triggers: cheap scans, each a superset of what its rule's pattern above matches,
# that the C engine runs over the whole text; the exact pattern is then matched
# only where a trigger fired. They start with a rare character (or a literal)
# and fail at once on dense runs (1 MB of ".", of ". "). The standard library's
# engine skips to a literal or a character set faster than ``regex`` does, so the
# triggers that need no Unicode property use it.
#: [.!?] before a capital letter (glued-sentence)
_GLUED_AT = regex.compile(r"[.!?]\p{Lu}")
#: a whole run of full stops and commas (doubled-punctuation): one match per run
_DOT_RUN = re.compile(r"[.,][.,]++")
_SPACE_PUNCT = tuple(b + p for b in " \t" for p in ",.;:!?")


class SpacingFixer(Fixer):
    name = "spacing"
    rules = (GLUED, DOUBLED, SPACE_BEFORE, MULTI_SPACE, TRAILING)
    # its repairs make none of its triggers (a space after a full stop, one full stop
    # or comma, no blank before punctuation, one space, no blank at a line's end), and
    # each spot is judged as the run's other repairs leave the text around it (glued
    # sentences on both sides, table rows without the runs that go before punctuation)
    settles_itself = True

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        yield from self._glued(text)
        if ".." in text or ",," in text:
            yield from self._doubled(text)
        blanks_before: list[Edit] = []
        if any(p in text for p in (_SPACE_PUNCT if "\t" in text else _SPACE_PUNCT[:6])):
            blanks_before = list(self._space_before(text))
            yield from blanks_before
        if "  " in text:
            yield from self._multi(text, {e.start for e in blanks_before})
        if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
            yield from self._trailing(text)

    def _glued(self, text: str) -> Iterator[Edit]:
        # A full stop is judged with the spaces this run puts after the ones before it
        # (see _glued_stops), but what follows it may be a glued sentence repaired only
        # later in the scan ('Hanoi!States.Putin': 'States' is followed by '.P' until
        # that full stop gets its space). So the stops turned down are judged again in
        # the text with the spaces in, until no more are found: a second run of the
        # fixer finds nothing new. (Spaces make no new candidates; in practice one
        # extra round, over the few stops turned down.)
        stops, rejected = _glued_stops(text, [t.start() for t in _GLUED_AT.finditer(text)])
        while stops and rejected:
            spaced = (
                "".join(text[a:b] + " " for a, b in zip([0, *stops[:-1]], stops, strict=True))
                + text[stops[-1] :]
            )
            # each stop turned down, in the spaced text: after the spaces inserted before it
            more, rejected = _glued_stops(
                spaced, [r + bisect.bisect_right(stops, r) for r in rejected]
            )
            if not more:
                break
            # and back: a stop of the spaced text, less the spaces before it
            spaces = [p + j for j, p in enumerate(stops)]
            back = [m - bisect.bisect_left(spaces, m) for m in more]
            rejected = [r - bisect.bisect_left(spaces, r) for r in rejected]
            stops = sorted([*stops, *back])
        for s in stops:
            yield Edit(s, s, " ", GLUED.id, "space after the full stop of a glued sentence")

    def _doubled(self, text: str) -> Iterator[Edit]:
        match = _DOUBLED.match
        for r in _DOT_RUN.finditer(text):
            s, e = r.span()
            if e - s == 2 and match(text, s) is not None:
                yield Edit(s + 1, s + 2, "", DOUBLED.id, f"doubled {text[s]!r}")

    def _space_before(self, text: str) -> Iterator[Edit]:
        space_before, lone_dot_argument, blanks_before_punct = _space_before_patterns()
        match = space_before.match
        for t in blanks_before_punct.finditer(text):
            m = match(text, t.start())
            if m is None:
                continue
            punct = text[m.end()]
            if punct == "." and text.startswith("..", m.end()):
                continue  # an ellipsis after a space is a style, not damage
            if punct == "." and lone_dot_argument.match(text, m.end()):
                continue  # "pip install . and wait": a path, not a full stop
            if punct == ":" and text[m.start() - 1 : m.start()] == ")":
                continue
            yield Edit(m.start(), m.end(), "", SPACE_BEFORE.id, f"space before {punct!r}")

    def _trailing(self, text: str) -> Iterator[Edit]:
        blank_newline, blanks_back = _trailing_patterns()
        ends = [m.start() for m in blank_newline.finditer(text)]
        if text.endswith((" ", "\t")):
            ends.append(len(text))
        for e in ends:
            s = blanks_back.match(text, 0, e).start()
            if e - s == 2 and text[s:e] == "  " and s > 0 and not text[s - 1].isspace():
                continue  # a Markdown hard line break
            yield Edit(s, e, "", TRAILING.id, "trailing whitespace")

    def _multi(self, text: str, going: set[int]) -> Iterator[Edit]:
        """Runs of spaces between words, but in rows of a table; ``going`` holds where
        the runs that space-before-punctuation removes start."""
        line_end = -1
        skip_line = False
        multi, spaces = _multi_patterns()
        match = multi.match
        for r in spaces.finditer(text):
            m = match(text, r.start())
            if m is None:
                continue
            s, e = m.span()
            if s > line_end:  # first run on a new line: judge the line once
                line_start = text.rfind("\n", 0, s) + 1
                line_end = text.find("\n", e)
                if line_end < 0:
                    line_end = len(text)
                skip_line = text.startswith(("    ", "\t"), line_start) or _aligned(
                    text, line_start, line_end, going
                )
            if skip_line:
                continue  # column alignment or indented code
            if e - s == 2 and text[s - 1] in ".!?:":
                continue  # two spaces after a sentence: a convention
            yield Edit(s, e, " ", MULTI_SPACE.id, f"{e - s} spaces between words")


def _glued_stops(text: str, candidates: list[int]) -> tuple[list[int], list[int]]:
    """Where a space goes after the full stop (or ? !) of a glued sentence, among the
    ``candidates`` (offsets of a mark before a capital, in order), and the candidates
    turned down."""
    match = _GLUED.match
    out: list[int] = []
    rejected: list[int] = []
    after_last = 0  # just after the full stop of the last glued sentence found
    for s in candidates:
        if match(text, s) is None:
            rejected.append(s)
            continue
        # the token before the full stop, back to white space or an opening mark, or
        # to the space that goes after the last glued full stop: the token as it reads
        # once that space is in
        lo = max(0, s - 80, after_last)
        b = _TOKEN_BREAK_BACK.search(text, lo, s)
        token = text[b.end() if b is not None else lo : s]
        if _IDENTIFIERISH.search(token):
            rejected.append(s)
            continue
        after_last = s + 1
        out.append(s + 1)
    return out, rejected


def _aligned(text: str, line_start: int, line_end: int, going: set[int]) -> bool:
    """Is this line, which holds a run of spaces, a row of a plain-text table?

    It is when it and a neighbouring line both hold runs of spaces and one of
    the two holds at least two. Runs are counted as this run of the fixer
    leaves them (a run before punctuation goes), and the test is symmetric, so
    collapsing the runs of a line that is not a row never turns a row into
    prose or back: the fixer finds nothing in its own output.
    """
    here = _runs(text, line_start, line_end, going)
    if line_start > 0:
        prev = _runs(text, text.rfind("\n", 0, line_start - 1) + 1, line_start - 1, going)
        if prev and max(here, prev) >= 2:
            return True
    if line_end < len(text):
        next_end = text.find("\n", line_end + 1)
        nxt = _runs(text, line_end + 1, len(text) if next_end < 0 else next_end, going)
        if nxt and max(here, nxt) >= 2:
            return True
    return False


def _runs(text: str, start: int, end: int, going: set[int]) -> int:
    """How many runs of two or more spaces between words ``[start, end)`` holds, but
    for those starting at a position in ``going``: 0, 1 or 2 (meaning two or more)."""
    count = 0
    for m in _multi_patterns()[0].finditer(text, start, end):
        if m.start() not in going:
            count += 1
            if count == 2:
                break
    return count


def build(options: Options) -> Fixer | None:
    return SpacingFixer()
