"""The data textfix passes around: edits, flags, rules, documents and results.

Everything here is plain data. Fixers produce :class:`Edit` and :class:`Flag`
objects against the text they were given; the pipeline maps them back onto the
original input and hands a :class:`Result` to the caller.
"""

from __future__ import annotations

import bisect
import difflib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import regex

if TYPE_CHECKING:
    from textfix.protect import Span

Safety = Literal["safe", "unsafe"]

_LINES = regex.compile(r"[^\n]*+\n|[^\n]++")
# a line holding something other than white space (possessive: linear on long blank lines)
_NON_BLANK_LINE = regex.compile(r"^(?=[^\S\n]*+\S)[^\n]++", regex.MULTILINE)


@dataclass(slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement``.

    Inside a fixer the offsets index the text the fixer received. In
    :attr:`Result.edits` they index the original input, ``original`` holds the
    replaced text and ``rules`` names every rule that contributed (a later
    fixer may have rewritten what an earlier one produced).
    """

    start: int
    end: int
    replacement: str
    rule: str
    message: str = ""
    confidence: float = 1.0
    original: str = ""
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "original": self.original,
            "replacement": self.replacement,
            "rule": self.rule,
            "rules": list(self.rules or (self.rule,)),
            "message": self.message,
            "confidence": round(self.confidence, 3),
        }


@dataclass(slots=True)
class Flag:
    """Something a human should look at; textfix will not change it."""

    start: int
    end: int
    rule: str
    message: str
    suggestion: str | None = None
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "message": self.message,
        }
        if self.suggestion is not None:
            d["suggestion"] = self.suggestion
        return d


@dataclass(frozen=True, slots=True)
class Example:
    """A rule's documented behaviour, run as a test.

    ``before`` becomes ``after`` when only this rule is selected (with unsafe
    fixes on). For a rule that only flags, ``after`` is ``None`` and ``flag`` is
    the text the flag must cover.
    """

    before: str
    after: str | None = None
    flag: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One thing textfix knows how to find, with its documentation."""

    id: str
    summary: str
    safety: Safety = "safe"
    examples: tuple[Example, ...] = ()
    counter_examples: tuple[str, ...] = ()
    confidence: float = 1.0
    #: False for rules that repair damage below the level of words (encoding),
    #: which is wrong wherever it occurs, protected spans included.
    respects_protection: bool = True
    #: Extra options the rule's examples need (e.g. ``{"source_lang": "fr"}``).
    example_options: tuple[tuple[str, Any], ...] = ()

    @property
    def family(self) -> str:
        return self.id.split("/", 1)[0]


class Document:
    """The text a fixer works on, with the spans no fixer may touch.

    Protected spans and paragraph boundaries are computed on first use, so a
    fixer that needs neither pays nothing for them.
    """

    __slots__ = ("text", "options", "_changed", "__dict__")

    def __init__(
        self,
        text: str,
        options: dict[str, Any] | None = None,
        changed: list[tuple[int, int]] | Callable[[], list[tuple[int, int]]] | None = None,
    ) -> None:
        self.text = text
        self.options: dict[str, Any] = options or {}
        self._changed = changed

    @property
    def changed(self) -> list[tuple[int, int]]:
        """``(start, end)`` in ``text`` of what earlier fixers wrote, sorted.

        A fixer that judges context (grammar) can leave those places alone.
        Computed on first use when the document was given a function for it.
        """
        c = self._changed
        if c is None:
            c = self._changed = []
        elif callable(c):
            c = self._changed = c()
        return c

    @cached_property
    def protected(self) -> list[Span]:
        from textfix.protect import find_protected

        return find_protected(self.text)

    def after(
        self,
        edits: list[Edit],
        text: str,
        changed: list[tuple[int, int]] | Callable[[], list[tuple[int, int]]] | None = None,
    ) -> Document:
        """The document once ``edits`` (sorted, disjoint) are applied, giving ``text``.

        Protected spans already computed here are carried over: only the lines
        the edits touch are scanned again.
        """
        doc = Document(text, self.options, changed)
        if "protected" in self.__dict__:
            from textfix.protect import update_protected

            spans = update_protected(
                self.text, self.protected, [(e.start, e.end, e.replacement) for e in edits], text
            )
            if spans is not None:
                doc.__dict__["protected"] = spans
        return doc

    @cached_property
    def _protected_starts(self) -> list[int]:
        return [s for s, _ in self.protected]

    def is_protected(self, start: int, end: int) -> bool:
        """True when an edit of ``[start, end)`` would cut into a protected span.

        Replacing or deleting a protected span whole (removing an artifact line
        that holds a URL) is allowed; changing part of one is not. An insertion
        (``start == end``) is refused strictly inside a span.
        """
        spans = self.protected
        if not spans:
            return False
        starts = self._protected_starts
        # spans are sorted and disjoint: look at the span starting at or before
        # each end point.
        for pos in (start, end):
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0:
                s, e = spans[i]
                if s < pos < e:
                    return True
        # a span lying wholly inside the edit is replaced whole: allowed.
        return False

    def within_protected(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` lies wholly inside one protected span."""
        spans = self.protected
        if not spans:
            return False
        i = bisect.bisect_right(self._protected_starts, start) - 1
        return i >= 0 and spans[i][0] <= start and end <= spans[i][1]

    def overlaps_protected(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` shares any character with a protected span."""
        spans = self.protected
        if not spans:
            return False
        i = bisect.bisect_right(self._protected_starts, end - 1 if end > start else start) - 1
        while i >= 0:
            s, e = spans[i]
            if e <= start:
                return False
            if s < max(end, start + 1):
                return True
            i -= 1
        return False

    @cached_property
    def paragraphs(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each paragraph: every line that is not blank.

        Scraped and machine-translated text puts one paragraph on each line,
        so a line break ends a paragraph; blank lines are not paragraphs.
        """
        return [m.span() for m in _NON_BLANK_LINE.finditer(self.text)]


class Fixer(ABC):
    """A family of rules that look at a :class:`Document` and propose changes.

    A fixer is stateless: it is configured when it is built and ``run`` only
    reads the document. It yields :class:`Edit` objects (offsets into
    ``doc.text``) and :class:`Flag` objects; the pipeline decides which edits
    are applied, maps everything back to the original text and merges edits
    of several fixers that touch the same place.
    """

    #: short family name, also the prefix of every rule id (``spacing``)
    name: str = ""
    #: every rule this fixer may report
    rules: tuple[Rule, ...] = ()
    #: A promise that lets the pipeline skip a confirming run: when every item of
    #: a run is an edit and the pipeline applies every one of them, a run on the
    #: resulting text yields nothing at all. A fixer that makes it pins it with a
    #: property test (see ``tests/test_pipeline.py``).
    settles_itself: bool = False

    @abstractmethod
    def run(self, doc: Document) -> Iterable[Edit | Flag]:
        """Yield the edits and flags for ``doc``."""


# --- results ---------------------------------------------------------------


@dataclass(slots=True)
class _LineIndex:
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> _LineIndex:
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return cls(starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def unified_diff(before: str, after: str, fromfile: str, tofile: str, n: int = 3) -> str:
    """A unified diff whose lines end at "\\n" only, as in explain() and to_dict()."""
    lines = []
    for line in difflib.unified_diff(
        split_lines(before), split_lines(after), fromfile, tofile, n=n
    ):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their ends; a line ends at "\\n" only (as in explain())."""
    return _LINES.findall(text)


def apply_edits(text: str, edits: Iterable[Edit], start: int = 0, end: int | None = None) -> str:
    """Apply non-overlapping edits (offsets into ``text``) and return the new text.

    With ``start``/``end``, only ``text[start:end]`` is rebuilt and returned; the
    edits must lie within it.
    """
    return apply_sorted(text, sorted(edits, key=_edit_order), start, end)


def _edit_order(e: Edit) -> tuple[int, int]:
    return e.start, e.end


def apply_sorted(text: str, edits: Sequence[Edit], start: int = 0, end: int | None = None) -> str:
    """:func:`apply_edits` for edits already sorted by ``(start, end)``."""
    out: list[str] = []
    pos = start
    for e in edits:
        if e.start < pos:
            raise ValueError(f"overlapping edits at {e.start}")
        out.append(text[pos : e.start])
        out.append(e.replacement)
        pos = e.end
    out.append(text[pos:end])
    return "".join(out)


def _short(s: str, limit: int = 60) -> str:
    r = repr(s)
    return r if len(r) <= limit else r[: limit - 4] + "…" + r[-3:]


@dataclass(slots=True)
class Result:
    """What :func:`textfix.clean` returns."""

    original: str
    text: str
    edits: list[Edit] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def __bool__(self) -> bool:  # pragma: no cover - guard against `if result:`
        raise TypeError("use Result.changed, Result.edits or Result.flags")

    def diff(self, fromfile: str = "original", tofile: str = "cleaned", n: int = 3) -> str:
        """A unified diff from the original to the cleaned text ('' when unchanged)."""
        return unified_diff(self.original, self.text, fromfile, tofile, n) if self.changed else ""

    def _index(self) -> _LineIndex:
        return _LineIndex.of(self.original)

    def rule_counts(self) -> dict[str, dict[str, int]]:
        """Per rule id: how many edits and flags it produced."""
        counts: dict[str, dict[str, int]] = {}
        for e in self.edits:
            for r in e.rules or (e.rule,):
                counts.setdefault(r, {"edits": 0, "flags": 0})["edits"] += 1
        for f in self.flags:
            counts.setdefault(f.rule, {"edits": 0, "flags": 0})["flags"] += 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready report; positions carry 1-based line and column too."""
        idx = self._index()

        def where(start: int) -> dict[str, int]:
            line, col = idx.position(start)
            return {"line": line, "column": col}

        return {
            "changed": self.changed,
            "edits": [{**e.to_dict(), **where(e.start)} for e in self.edits],
            "flags": [
                {**f.to_dict(), "text": self.original[f.start : f.end], **where(f.start)}
                for f in self.flags
            ],
            "summary": self.rule_counts(),
        }

    def explain(self) -> str:
        """One line per edit and flag: ``line:col  rule  message  'before' -> 'after'``."""
        idx = self._index()
        rows: list[tuple[int, int, str]] = []
        for e in self.edits:
            line, col = idx.position(e.start)
            rules = "+".join(e.rules or (e.rule,))
            rows.append(
                (
                    e.start,
                    0,
                    f"{line}:{col}  {rules}  {e.message}  "
                    f"{_short(e.original)} -> {_short(e.replacement)}",
                )
            )
        for f in self.flags:
            line, col = idx.position(f.start)
            hint = f"  (suggest {_short(f.suggestion)})" if f.suggestion is not None else ""
            rows.append(
                (
                    f.start,
                    1,
                    f"{line}:{col}  {f.rule}  [flag] {f.message}  "
                    f"{_short(self.original[f.start : f.end])}{hint}",
                )
            )
        rows.sort(key=lambda r: (r[0], r[1]))
        return "\n".join(r[2] for r in rows)


Item = Edit | Flag

__all__ = [
    "Document",
    "Item",
    "Edit",
    "Example",
    "Fixer",
    "Flag",
    "Result",
    "Rule",
    "Safety",
    "apply_edits",
    "split_lines",
    "unified_diff",
]
