"""Run fixers in order, decide which edits apply, and keep one offset map.

Each fixer sees the text as the previous fixers left it. Its edits are
filtered (rule selection, protected spans, safety and confidence) and applied,
and the pipeline composes them with everything applied before into a single
list of edits in the ORIGINAL text's coordinates: when a later edit touches
text an earlier edit produced, the two become one edit that names both rules.
Replaying :attr:`Result.edits` on the input therefore gives the output, and no
two of them overlap.

The fixers run again on their own output until nothing changes (at most
``max_passes`` times), so ``clean(clean(x).text).text == clean(x).text``; a
fixer whose last run saw the current text and applied nothing is not run
again. Flags come from each fixer's latest run, which saw the final text, and
are mapped back to the original.

:meth:`Pipeline.clean_many` takes a batch of documents through these same
steps, one fixer at a time over the whole batch.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from textfix.model import Document, Edit, Fixer, Flag, Result, Rule, apply_sorted
from textfix.options import Options

T = TypeVar("T")

#: :meth:`Pipeline.clean_many` cleans up to this many texts together, of at most
#: about this many characters in all (a long text gains nothing from company)
BATCH = 64
BATCH_CHARS = 1 << 20


def selector_matches(selector: str, rule_id: str) -> bool:
    """``spacing`` matches ``spacing/glued-sentence``; ``ALL`` matches everything."""
    if selector == "ALL":
        return True
    selector = selector.rstrip("/")
    return rule_id == selector or rule_id.startswith(selector + "/")


@dataclass(slots=True)
class _Change:
    """An applied change in original coordinates (mutable while composing)."""

    start: int
    end: int
    replacement: str
    rules: list[str]
    messages: list[str]
    confidence: float

    def to_edit(self, original: str) -> Edit:
        return Edit(
            start=self.start,
            end=self.end,
            replacement=self.replacement,
            rule=self.rules[0],
            message=self.messages[0]
            if len(self.messages) == 1
            else "; ".join(dict.fromkeys(m for m in self.messages if m)),
            confidence=self.confidence,
            original=original[self.start : self.end],
            rules=tuple(self.rules),
        )


@dataclass(slots=True)
class _OffsetMap:
    """The applied changes, sorted and disjoint, in original coordinates."""

    original: str
    changes: list[_Change] = field(default_factory=list)

    _starts: list[int] | None = None

    def _current_starts(self) -> list[int]:
        """Where each change starts in the current text (cached until the next compose)."""
        if self._starts is None:
            out = []
            delta = 0
            for c in self.changes:
                out.append(c.start + delta)
                delta += len(c.replacement) - (c.end - c.start)
            self._starts = out
        return self._starts

    def compose(self, text: str, edits: Sequence[Edit]) -> None:
        """Fold ``edits`` (sorted, disjoint, offsets into ``text``) into the map.

        ``text`` is the current text, i.e. the original with every change so
        far applied. Edits and earlier changes that overlap or touch are merged
        into one change spanning both. One linear merge of the two sorted lists.
        """
        old = self.changes
        self._starts = None
        if not old:
            self.changes = [
                _Change(e.start, e.end, e.replacement, [e.rule], [e.message], e.confidence)
                for e in edits
            ]
            return
        merged: list[_Change] = []
        n_old, n_new = len(old), len(edits)
        i = j = 0
        delta = 0  # size change of the old changes consumed so far
        while i < n_old or j < n_new:
            # the cluster starts with whichever interval starts first (old on ties)
            old_first = j >= n_new or (i < n_old and old[i].start + delta <= edits[j].start)
            if old_first:
                c = old[i]
                a = c.start + delta
                if j >= n_new or edits[j].start > a + len(c.replacement):
                    merged.append(c)  # untouched by this stage
                    delta += len(c.replacement) - (c.end - c.start)
                    i += 1
                    continue
            else:
                a = edits[j].start
            # grow the cluster while the next interval overlaps or touches it
            b = a
            olds: list[_Change] = []
            news: list[Edit] = []
            cluster_delta = 0
            o_a = -1
            b_old_end: int | None = None  # original end when b is the end of an old change
            while True:
                if i < n_old and old[i].start + delta + cluster_delta <= b:
                    c = old[i]
                    ce = c.start + delta + cluster_delta + len(c.replacement)
                    if not olds and not news:
                        o_a = c.start
                    if ce >= b:
                        b, b_old_end = ce, c.end
                    olds.append(c)
                    cluster_delta += len(c.replacement) - (c.end - c.start)
                    i += 1
                elif j < n_new and (edits[j].start <= b or (not olds and not news)):
                    e = edits[j]
                    if not olds and not news:
                        o_a = e.start - delta
                        b = e.end
                    elif e.end > b:
                        b, b_old_end = e.end, None
                    news.append(e)
                    j += 1
                else:
                    break
            o_b = b_old_end if b_old_end is not None else b - delta - cluster_delta
            replacement = apply_sorted(text, news, a, b)
            delta += cluster_delta
            if replacement == self.original[o_a:o_b]:
                continue  # the edits undid each other
            rules: list[str] = []
            messages: list[str] = []
            for c in olds:
                rules += c.rules
                messages += c.messages
            for e in news:
                rules.append(e.rule)
                messages.append(e.message)
            merged.append(
                _Change(
                    start=o_a,
                    end=o_b,
                    replacement=replacement,
                    rules=list(dict.fromkeys(rules)),
                    messages=messages,
                    confidence=min([c.confidence for c in olds] + [e.confidence for e in news]),
                )
            )
        self.changes = merged

    def current_spans(self) -> list[tuple[int, int]]:
        """Where the changes sit in the current text."""
        return [
            (cs, cs + len(c.replacement))
            for cs, c in zip(self._current_starts(), self.changes, strict=True)
        ]

    def spans_later(self) -> Callable[[], list[tuple[int, int]]]:
        """:meth:`current_spans` as of now, computed when called (``compose`` replaces
        the list of changes rather than changing it)."""
        changes = self.changes

        def spans() -> list[tuple[int, int]]:
            out = []
            delta = 0
            for c in changes:
                cs = c.start + delta
                out.append((cs, cs + len(c.replacement)))
                delta += len(c.replacement) - (c.end - c.start)
            return out

        return spans

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the current text to the original.

        A position inside text an earlier change produced maps to that change's
        edge, so a flag on rewritten text covers the whole original it replaced.
        """
        starts = self._current_starts()
        if start == end:  # a point (an insertion turned into a flag): one place
            point = self._map(start, starts, is_end=False)
            return point, point
        return self._map(start, starts, is_end=False), self._map(end, starts, is_end=True)

    def _map(self, pos: int, starts: list[int], *, is_end: bool) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return pos
        ch = self.changes[i]
        c = starts[i]
        cend = c + len(ch.replacement)
        if pos > cend:
            return pos - (c - ch.start) - (len(ch.replacement) - (ch.end - ch.start))
        if is_end:
            return ch.start if pos == c else ch.end
        return ch.end if pos == cend else ch.start

    def edits(self) -> list[Edit]:
        return [c.to_edit(self.original) for c in self.changes]


class Pipeline:
    """An ordered list of fixers plus the policy that decides which edits apply."""

    def __init__(
        self,
        fixers: Iterable[Fixer],
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] = (),
        unsafe_fixes: bool | None = None,
        min_confidence: float = 0.8,
        max_passes: int = 4,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.select = tuple(select) if select is not None else None
        self.ignore = tuple(ignore)
        self.unsafe_fixes = unsafe_fixes
        self.min_confidence = min_confidence
        self.max_passes = max(1, max_passes)
        self.options = dict(options or {})
        all_fixers = list(fixers)
        self._rules: dict[str, Rule] = {}
        self.fixers: list[Fixer] = []
        for fixer in all_fixers:
            for rule in fixer.rules:
                self._rules[rule.id] = rule
            if any(self.is_selected(r.id) for r in fixer.rules):
                self.fixers.append(fixer)
        self._all_fixers = all_fixers
        self._selected_cache: dict[str, bool] = {}
        #: per rule id: None when unselected, else (rule, respects protection, safe)
        self._policies: dict[str, tuple[Rule | None, bool, bool] | None] = {}

    # --- rules -------------------------------------------------------------

    @property
    def rules(self) -> list[Rule]:
        """Every rule the pipeline's fixers know, selected or not."""
        return list(self._rules.values())

    def is_selected(self, rule_id: str) -> bool:
        if self.select is not None and not any(selector_matches(s, rule_id) for s in self.select):
            return False
        return not any(selector_matches(s, rule_id) for s in self.ignore)

    def _selected(self, rule_id: str) -> bool:
        hit = self._selected_cache.get(rule_id)
        if hit is None:
            hit = self._selected_cache[rule_id] = self.is_selected(rule_id)
        return hit

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or the closest rule whose id is a prefix of it."""
        r = self._rules.get(rule_id)
        while r is None and "/" in rule_id:
            rule_id = rule_id.rsplit("/", 1)[0]
            r = self._rules.get(rule_id)
        return r

    # --- running -----------------------------------------------------------

    def _should_apply(self, rule: Rule | None, edit: Edit) -> bool:
        if rule is not None and rule.safety == "safe":
            return True
        if self.unsafe_fixes is not None:
            return self.unsafe_fixes
        return edit.confidence >= self.min_confidence

    def _policy(self, rid: str) -> tuple[Rule | None, bool, bool] | None:
        if not self._selected(rid):
            policy = None
        else:
            rule = self.rule(rid)
            policy = (
                rule,
                rule is None or rule.respects_protection,
                rule is not None and rule.safety == "safe",
            )
        self._policies[rid] = policy
        return policy

    def _run_fixer(self, fixer: Fixer, doc: Document) -> tuple[list[Edit], list[Flag], bool]:
        """The edits to apply (sorted, disjoint) and the flags of one run of ``fixer``,
        and whether the run's items were all edits and all applied."""
        edits: list[Edit] = []
        flags: list[Flag] = []
        policies = self._policies
        text = doc.text
        items = 0
        for item in fixer.run(doc):
            items += 1
            rid = item.rule
            policy = policies.get(rid, False)
            if policy is False:
                policy = self._policy(rid)
            if policy is None:
                continue
            rule, guarded, safe = policy
            if isinstance(item, Flag):
                if guarded and doc.within_protected(item.start, item.end):
                    continue
                flags.append(item)
                continue
            if item.start == item.end and not item.replacement:
                continue
            if text[item.start : item.end] == item.replacement:
                continue
            if guarded and doc.is_protected(item.start, item.end):
                continue
            if safe or self._should_apply(rule, item):
                edits.append(item)
            else:
                flags.append(
                    Flag(item.start, item.end, rid, item.message, item.replacement, item.confidence)
                )
        edits = _disjoint(edits)
        return edits, flags, not flags and len(edits) == items

    def clean(self, text: str) -> Result:
        """Clean ``text`` and explain every change.

        The fixers run in order, pass after pass, until a whole pass changes
        nothing. A fixer whose last run saw exactly the current text and
        applied nothing would find nothing again (fixers are deterministic
        functions of the text), so it is not run again: its flags from that
        run stand. Nor is a fixer that :attr:`~textfix.model.Fixer.settles_itself`
        after a run whose edits were all applied, until another fixer edits.
        On the usual document, where the first pass repairs everything, the
        second pass re-runs only the fixers that ran before the last edit.
        """
        steps = self._steps(text)
        try:
            while True:
                next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def clean_many(self, texts: Iterable[str]) -> Iterator[Result]:
        """:meth:`clean` each text, in order: the same results, sooner on a corpus.

        The texts are cleaned in batches (see :meth:`clean_batch`), so results
        come a batch at a time. An exception from a text is raised in its place,
        after the results of the texts before it.
        """
        if isinstance(texts, (str, bytes)):  # said now, not at the first result
            raise TypeError("clean_many takes a collection of texts; for one text use clean()")
        return self._clean_many(texts)

    def _clean_many(self, texts: Iterable[str]) -> Iterator[Result]:
        for chunk in batches(texts):
            for outcome in self.clean_batch(chunk):
                if isinstance(outcome, Exception):
                    raise outcome
                yield outcome

    def clean_batch(self, texts: Sequence[str]) -> list[Result | Exception]:
        """:meth:`clean` each text: its result, or the exception cleaning it raised.

        The texts are cleaned together, one fixer at a time over all of them:
        each fixer then runs over many documents in a row, its patterns and
        tables still in the processor's caches. Run one document at a time,
        each fixer between the eight others, the same work took 10-15% longer
        on the benchmark corpus, and a cache simulation (cachegrind, a 512 KB
        second-level cache) counted 1.8× as many misses. Each text goes
        through exactly the steps :meth:`clean` takes, so the results are the
        same (a subclass's own ``clean`` is not called). A text that fails does
        not stop the others.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("clean_batch takes a sequence of texts; for one text use clean()")
        outcomes: list[Result | Exception | None] = [None] * len(texts)
        #: each text still running: its steps and the (pass, fixer) it runs next
        running: dict[int, tuple[Generator[tuple[int, int], None, Result], tuple[int, int]]] = {}

        def advance(i: int, steps: Generator[tuple[int, int], None, Result]) -> None:
            try:
                running[i] = (steps, next(steps))
                return
            except StopIteration as done:
                outcomes[i] = done.value
            except Exception as exc:  # noqa: BLE001 - the caller decides; the others go on
                outcomes[i] = exc
            running.pop(i, None)

        for i, text in enumerate(texts):
            advance(i, self._steps(text))
        while running:
            step = min(at for _, at in running.values())
            for i in [i for i, (_, at) in running.items() if at == step]:
                advance(i, running[i][0])
        return outcomes  # type: ignore[return-value]

    def _steps(self, text: str) -> Generator[tuple[int, int], None, Result]:
        """:meth:`clean` one fixer run at a time: yields ``(pass, fixer index)``
        before each run, and returns the result."""
        if not isinstance(text, str):
            raise TypeError(f"textfix cleans str, not {type(text).__name__}")
        offsets = _OffsetMap(text)
        current = text
        doc = Document(current, self.options)
        fixers = self.fixers
        #: flags of each fixer's latest run, in original coordinates
        latest: list[list[Flag]] = [[] for _ in fixers]
        #: the text version each fixer last ran on without applying anything
        settled = [-1] * len(fixers)
        version = 0
        for n in range(self.max_passes):
            for k, fixer in enumerate(fixers):
                if settled[k] == version:
                    continue
                yield n, k
                edits, stage_flags, complete = self._run_fixer(fixer, doc)
                if stage_flags:
                    to_original = offsets.to_original
                    mapped = []
                    for f in stage_flags:
                        s, e = to_original(f.start, f.end)
                        mapped.append(Flag(s, e, f.rule, f.message, f.suggestion, f.confidence))
                    latest[k] = mapped
                else:
                    latest[k] = []
                if edits:
                    offsets.compose(current, edits)
                    current = apply_sorted(current, edits)
                    doc = doc.after(edits, current, offsets.spans_later())
                    version += 1
                    if complete and fixer.settles_itself:
                        settled[k] = version  # it would find nothing in what it made
                else:
                    settled[k] = version
            if all(v == version for v in settled):
                break
        flags = [f for fl in latest for f in fl]
        flags.sort(key=lambda f: (f.start, f.end, f.rule))
        return Result(original=text, text=current, edits=offsets.edits(), flags=_unique(flags))


def _disjoint(edits: list[Edit]) -> list[Edit]:
    """Sort edits and drop any that overlap one kept before it."""
    if len(edits) < 2:
        return edits
    edits.sort(key=lambda e: (e.start, e.end))
    out = [edits[0]]
    for e in edits[1:]:
        last = out[-1]
        if e.start < last.end or e.start == e.end == last.start == last.end:
            continue  # overlaps, or a second insertion at one point (ambiguous order)
        out.append(e)
    return out


def batches(items: Iterable[T], text_of: Callable[[T], Any] | None = None) -> Iterator[list[T]]:
    """``items`` in lists of at most :data:`BATCH` items whose texts (``text_of(item)``,
    else the item) hold about :data:`BATCH_CHARS` characters at most; a longer
    text makes a batch of its own. If reading ``items`` raises, the items read
    before make a last batch, and then the exception is raised."""
    chunk: list[T] = []
    size = 0
    it = iter(items)
    while True:
        try:
            item = next(it)
        except StopIteration:
            break
        except Exception:
            if chunk:  # the items read before the failure are not lost with it
                yield chunk
            raise
        text = item if text_of is None else text_of(item)
        n = len(text) if isinstance(text, str) else 0
        if chunk and size + n > BATCH_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += n
        if len(chunk) >= BATCH:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _unique(flags: list[Flag]) -> list[Flag]:
    seen = set()
    out = []
    for f in flags:
        key = (f.start, f.end, f.rule, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- the default pipeline ----------------------------------------------------

FixerFactory = Callable[[Options], "Fixer | None"]


def default_fixers(options: Options) -> list[Fixer]:
    """The built-in fixers, in the order they run, configured by ``options``."""
    from textfix.fixers import factories

    out = []
    for factory in factories():
        fixer = factory(options)
        if fixer is not None:
            out.append(fixer)
    return out


@lru_cache(maxsize=32)
def build_pipeline(options: Options) -> Pipeline:
    """The default pipeline for ``options`` (cached: rule packs load once)."""
    return Pipeline(
        default_fixers(options),
        select=options.select,
        ignore=options.ignore,
        unsafe_fixes=options.unsafe_fixes,
        min_confidence=options.min_confidence,
        max_passes=options.max_passes,
        options={"source_lang": options.source_lang},
    )


_DEFAULT_OPTIONS = Options()


def clean(text: str, **options: Any) -> Result:
    """Clean ``text`` with the default pipeline; see :class:`textfix.Options`."""
    opts = Options.from_kwargs(**options) if options else _DEFAULT_OPTIONS
    return build_pipeline(opts).clean(text)


def clean_many(texts: Iterable[str], **options: Any) -> Iterator[Result]:
    """:func:`clean` each text, in order, with the same options: the same results,
    sooner on a corpus (see :meth:`Pipeline.clean_many`)."""
    opts = Options.from_kwargs(**options) if options else _DEFAULT_OPTIONS
    return build_pipeline(opts).clean_many(texts)
