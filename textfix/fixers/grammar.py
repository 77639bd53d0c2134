"""Grammar checking through LanguageTool (optional: ``pip install "textfix[grammar]"``).

Machine translation leaves agreement and word-choice errors (``She go home``,
``its a deal``) that no pattern of ours can catch; LanguageTool catches many of
them. It is a large Java server, so this fixer is off by default, talks to a
server the user runs (``languagetool_url``) or to a local installation that
language-tool-python finds (``LTP_PATH``), and never downloads anything.

What is applied and what is only flagged
    A LanguageTool match becomes an :class:`Edit` only when it has exactly one
    replacement, its rule or category is allow-listed (:data:`APPLY_CATEGORIES`,
    :data:`APPLY_RULES`, plus the user's ``grammar_allow``; spelling, TYPOS, is
    not: it would "correct" names), it is neither a whitespace or quote rule
    that textfix's own fixers own nor a style suggestion, it does not
    overlap a protected span or another grammar edit, the text it covers is
    what LanguageTool says it covers, and LanguageTool would not change the
    spot again once it is applied (a look-ahead check that the pipeline's
    next pass reuses from the cache). Everything else becomes a
    :class:`Flag` carrying LanguageTool's suggestions. ``grammar_deny`` drops
    rules or categories altogether. Edits carry confidence
    :data:`CONFIDENCE`, above the default threshold, under the ``unsafe``
    family rule ``grammar``: they apply by default once grammar is on and
    become flags with ``unsafe_fixes=False``.

Offsets
    LanguageTool counts UTF-16 code units; :class:`Utf16Index` maps them to
    Python string offsets without a per-character loop.

Corpora
    Every paragraph (a line, or lines hard-wrapped inside a sentence) is
    checked on its own, so its result does not depend on its neighbours and can be cached by its content (bounded LRU).
    A paragraph longer than ``max_chars`` is cut at sentence ends into pieces
    that are sent and cached separately. Uncached pieces are checked by at
    most ``workers`` concurrent requests, each with a timeout.

Failure
    A server that cannot be reached or answers with an error makes ``run``
    raise :class:`GrammarError` naming the URL; with ``grammar_errors="flag"``
    the document gets no grammar edits and one ``grammar/skipped`` flag
    instead, so a corpus run goes on.

Why not ``LanguageTool.check``
    The client object is used to find or start the server and to validate the
    language against ``/v2/languages``. The ``/v2/check`` requests are sent
    here: the client's ``Match`` converts UTF-16 offsets through class-level
    state that concurrent checks overwrite (and never converts lengths), and
    its requests have a fixed five-minute timeout.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from textfix.model import Document, Edit, Example, Fixer, Flag, Rule
from textfix.options import Options

INSTALL_HINT = 'pip install "textfix[grammar]"'

#: categories whose single-replacement matches are applied
APPLY_CATEGORIES = frozenset({"GRAMMAR", "CONFUSED_WORDS", "CASING", "PUNCTUATION"})
#: rules outside those categories whose single-replacement matches are applied
APPLY_RULES = frozenset({"EN_A_VS_AN"})
#: rules only flagged: those another textfix fixer owns (spacing, quotes,
#: dashes, doubled punctuation), where applying LanguageTool's version too could
#: make the two fight, and sentence-start casing, which misfires on captions,
#: list items and lines cut out of a sentence
NOT_APPLIED = frozenset(
    {
        "UPPERCASE_SENTENCE_START",
        "WHITESPACE_RULE",
        "COMMA_PARENTHESIS_WHITESPACE",
        "DOUBLE_PUNCTUATION",
        "EN_QUOTES",
        "DASH_RULE",
        "EN_UNPAIRED_BRACKETS",
        "EN_UNPAIRED_QUOTES",
        "UNLIKELY_OPENING_PUNCTUATION",
        "SENTENCE_WHITESPACE",
    }
)
#: issue types not applied even in an allow-listed category (spelling is
#: excluded by its category, TYPOS: it would "correct" names)
NEVER_APPLY_ISSUES = frozenset({"whitespace", "style"})

CONFIDENCE = 0.9
#: characters per request; astral characters count twice for the server, so
#: this stays below the 20 000 of LanguageTool's public API even then
MAX_CHARS = 10_000
WORKERS = 4
TIMEOUT = 30.0
CACHE_SIZE = 4096
#: after a failed connection, documents fail at once for this many seconds
#: instead of each waiting for the timeout again
RETRY_AFTER = 30.0

FAMILY = Rule(
    "grammar",
    "LanguageTool match (rule id grammar/<LanguageTool rule id>); allow-listed single "
    "replacements are applied, the rest flagged",
    safety="unsafe",
    confidence=CONFIDENCE,
    # run by tests/test_grammar.py against the stand-in server (they need LanguageTool)
    examples=(
        Example("She go to work early.", "She goes to work early."),
        Example("Its a long road, with a uphill end.", "It's a long road, with an uphill end."),
    ),
    counter_examples=("She goes to work early; it's a long road with an uphill end.",),
)
SKIPPED = Rule(
    "grammar/skipped",
    "LanguageTool could not be reached; grammar was not checked (grammar_errors='flag')",
    respects_protection=False,
)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled on first use: grammar is off by default, and a process
    that never checks grammar never compiles this module's patterns."""
    return re.compile(pattern)


class GrammarError(RuntimeError):
    """Grammar checking was asked for but cannot run (no extra, no server, server error)."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


# --- offsets -------------------------------------------------------------------

_ASTRAL = "[\U00010000-\U0010ffff]"


class Utf16Index:
    """Maps UTF-16 code unit offsets of ``text`` to Python string offsets.

    Only astral characters (two code units, one Python character) shift
    offsets, and they are rare, so the index is the list of their UTF-16
    positions, found by one regex scan.
    """

    __slots__ = ("_units",)

    def __init__(self, text: str) -> None:
        self._units = [m.start() + i for i, m in enumerate(_compiled(_ASTRAL).finditer(text))]

    def to_python(self, unit: int) -> int:
        """The Python offset of UTF-16 offset ``unit``.

        An offset inside a surrogate pair maps to the start of its character
        (a span ending there then fails the context check and is dropped).
        """
        return unit - bisect.bisect_left(self._units, unit)


# --- matches ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """A LanguageTool match, offsets in Python characters relative to its paragraph."""

    start: int
    end: int
    rule_id: str
    category: str
    issue_type: str
    message: str
    replacements: tuple[str, ...]


def parse_matches(text: str, response: Any) -> list[Match]:
    """Turn a ``/v2/check`` response for ``text`` into matches, checking every span.

    A match whose span (mapped from UTF-16) does not hold the text its
    ``context`` shows is dropped: the server and we disagree about the text.
    """
    if not isinstance(response, dict) or not isinstance(response.get("matches"), list):
        raise ValueError("not a LanguageTool /v2/check response (no 'matches' list)")
    index = Utf16Index(text)
    out = []
    for m in response["matches"]:
        rule = m.get("rule") or {}
        try:
            start = index.to_python(int(m["offset"]))
            end = index.to_python(int(m["offset"]) + int(m["length"]))
        except (KeyError, TypeError, ValueError):
            continue
        if not 0 <= start <= end <= len(text) or not _context_agrees(text[start:end], m):
            continue
        out.append(
            Match(
                start=start,
                end=end,
                rule_id=str(rule.get("id") or "UNKNOWN"),
                category=str((rule.get("category") or {}).get("id") or ""),
                issue_type=str(rule.get("issueType") or ""),
                message=str(m.get("message") or m.get("shortMessage") or ""),
                replacements=tuple(
                    str(r["value"])
                    for r in m.get("replacements") or ()
                    if isinstance(r, dict) and "value" in r
                ),
            )
        )
    return out


_SPACE = r"\s"


def _context_agrees(covered: str, match: dict[str, Any]) -> bool:
    ctx = match.get("context")
    if not isinstance(ctx, dict) or not isinstance(ctx.get("text"), str):
        return True  # nothing to compare with
    ctext = ctx["text"]
    cindex = Utf16Index(ctext)
    try:
        cs = cindex.to_python(int(ctx["offset"]))
        ce = cindex.to_python(int(ctx["offset"]) + int(ctx["length"]))
    except (KeyError, TypeError, ValueError):
        return True
    space = _compiled(_SPACE)
    return space.sub(" ", ctext[cs:ce]) == space.sub(" ", covered)


# --- chunks ---------------------------------------------------------------------------

_SENTENCE_END = r"[.!?][\"'”’)\]]*+\s++"
_SPACE_RUN = r"\s++"


def split_long(text: str, limit: int) -> list[tuple[int, int]]:
    """Cut ``text`` into ``(start, end)`` pieces of at most ``limit`` characters.

    Cuts fall after a sentence end when there is one in the window, else after
    white space, else at the limit.
    """
    n = len(text)
    if n <= limit:
        return [(0, n)]
    out = []
    pos = 0
    while n - pos > limit:
        window_end = pos + limit
        cut = 0
        for pattern in (_compiled(_SENTENCE_END), _compiled(_SPACE_RUN)):
            ends = [m.end() for m in pattern.finditer(text, pos, window_end)]
            ends = [e for e in ends if e > pos]
            if ends:
                cut = ends[-1]
                break
        if cut <= pos:
            cut = window_end
        out.append((pos, cut))
        pos = cut
    out.append((pos, n))
    return out


class _LRU:
    """A small thread-safe LRU cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


# --- the server ------------------------------------------------------------------------


def _import_client() -> Any:
    try:
        import language_tool_python
    except ImportError as exc:
        raise GrammarError(f"grammar checking needs language-tool-python: {INSTALL_HINT}") from exc
    return language_tool_python


def _ltp_path() -> Path:
    return Path(os.environ.get("LTP_PATH") or Path.home() / ".cache" / "language_tool_python")


_VERSION = r"\d+\.\d+|\d{8}"


def local_installation() -> tuple[Path, str] | None:
    """The newest LanguageTool that language-tool-python would find in ``LTP_PATH``.

    Returns ``(directory, version)`` or ``None``. Only looks; never downloads.
    """
    root = _ltp_path()
    if not root.is_dir():
        return None
    found = []
    for d in root.glob("LanguageTool-*"):
        version = d.name.split("-", 1)[1]
        if not _compiled(_VERSION).fullmatch(version):
            continue  # a name language-tool-python would not accept
        if (d / "languagetool-server.jar").is_file() or (d / "languagetool.jar").is_file():
            key = tuple(int(p) for p in version.split("."))
            found.append((key, version, d))
    if not found:
        return None
    _, version, d = max(found)
    return d, version


def _start_on_few_ports(client: Any) -> None:
    """Start language-tool-python's local server, giving up after three ports.

    The client's own loop tries every port up to 8999 whenever the server
    fails to come up in time, starting a new Java process each time.
    """
    from language_tool_python.exceptions import ServerError

    for attempt in range(3):
        try:
            client._start_local_server()
            return
        except ServerError:
            client._terminate_server()
            if attempt == 2 or not client._available_ports:
                raise
            client._port = client._available_ports.pop()


class GrammarFixer(Fixer):
    """Checks each paragraph with LanguageTool and maps its matches onto edits and flags."""

    name = "grammar"
    rules = (FAMILY, SKIPPED)

    def __init__(
        self,
        *,
        url: str | None = None,
        language: str = "en-US",
        mother_tongue: str | None = None,
        on_error: str = "raise",
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        local_version: str | None = None,
        max_chars: int = MAX_CHARS,
        workers: int = WORKERS,
        timeout: float = TIMEOUT,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if on_error not in ("raise", "flag"):
            raise ValueError(f"grammar_errors must be 'raise' or 'flag', not {on_error!r}")
        if url is None and local_version is None:
            raise ValueError("give a LanguageTool url or a local installation's version")
        self.url = url
        self.language = language
        self.mother_tongue = mother_tongue
        self.on_error = on_error
        self.allow = frozenset(allow)
        self.deny = frozenset(deny)
        self.local_version = local_version
        self.max_chars = max(100, max_chars)
        self.workers = max(1, workers)
        self.timeout = timeout
        self.cache = _LRU(cache_size)
        self._client: Any = None
        self._check_url: str | None = None
        self._lock = threading.Lock()
        self._failure: tuple[float, GrammarError] | None = None

    @property
    def where(self) -> str:
        return self.url or f"local LanguageTool {self.local_version} in {_ltp_path()}"

    # --- connection -------------------------------------------------------

    def _connect(self) -> str:
        """The server's check URL, connecting (or starting the local server) once."""
        if self._check_url is not None:
            return self._check_url
        with self._lock:
            if self._check_url is not None:
                return self._check_url
            if self._failure is not None:
                when, err = self._failure
                if time.monotonic() - when < RETRY_AFTER:
                    raise err
            ltp = _import_client()
            client_cls = type(
                "_TextfixLanguageTool",
                (ltp.LanguageTool,),
                # finding the server's languages gets our timeout instead of
                # the client's five minutes, and a local server that does not
                # start is tried on three ports, not on every port up to 8999
                {"_TIMEOUT": self.timeout, "_start_server_on_free_port": _start_on_few_ports},
            )
            try:
                if self.url is not None:
                    client = client_cls(self.language, remote_server=self.url)
                else:
                    # the version of an installation that exists: the client
                    # finds it installed and downloads nothing
                    client = client_cls(
                        self.language, language_tool_download_version=self.local_version
                    )
            except Exception as exc:  # the client raises many kinds
                err = GrammarError(f"cannot use LanguageTool at {self.where}: {exc}", self.url)
                self._failure = (time.monotonic(), err)
                raise err from exc
            base = getattr(client, "url", None) or client._url
            self._client = client
            self._language_tag = str(client.language)
            self._check_url = base.rstrip("/") + "/check"
            self._failure = None
            return self._check_url

    def close(self) -> None:
        """Stop the local LanguageTool server if this fixer started one."""
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None
            self._check_url = None

    def _check(self, text: str) -> list[Match]:
        import requests

        url = self._connect()
        params = {"language": self._language_tag, "text": text}
        if self.mother_tongue:
            params["motherTongue"] = self.mother_tongue
        try:
            response = requests.post(url, data=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise GrammarError(
                f"cannot reach LanguageTool at {self.where}: {exc}", self.url
            ) from exc
        if response.status_code != 200:
            body = " ".join(response.text.split())[:200]
            raise GrammarError(
                f"LanguageTool at {self.where} answered HTTP {response.status_code}: {body}",
                self.url,
            )
        try:
            return parse_matches(text, response.json())
        except ValueError as exc:
            raise GrammarError(f"LanguageTool at {self.where} answered: {exc}", self.url) from exc

    def check_paragraphs(self, paragraphs: Sequence[str]) -> list[list[Match]]:
        """Matches for each paragraph (offsets relative to it), cached by piece.

        A paragraph is sent as is, or in pieces of at most ``max_chars``; each
        piece's result is cached by its text, so after an edit only the piece
        that changed is sent again.
        """
        pieces = [split_long(p, self.max_chars) for p in paragraphs]
        texts = {p[s:e] for p, spans in zip(paragraphs, pieces, strict=True) for s, e in spans}
        known = {t: self.cache.get(t) for t in texts}
        todo = sorted(t for t, r in known.items() if r is None)
        if len(todo) == 1:
            known[todo[0]] = self._check_piece(todo[0])
        elif todo:
            # imported here: grammar is off by default, and the import costs ~12 ms
            from concurrent.futures import ThreadPoolExecutor

            self._connect()  # once, before the threads
            with ThreadPoolExecutor(min(self.workers, len(todo))) as pool:
                known.update(zip(todo, pool.map(self._check_piece, todo), strict=True))
        out = []
        for p, spans in zip(paragraphs, pieces, strict=True):
            out.append(
                [
                    replace(m, start=m.start + s, end=m.end + s) if s else m
                    for s, e in spans
                    for m in known[p[s:e]]
                ]
            )
        return out

    def _check_piece(self, text: str) -> list[Match]:
        matches = self._check(text) if text.strip() else []
        self.cache.put(text, matches)
        return matches

    # --- deciding -------------------------------------------------------------

    def applies(self, m: Match) -> bool | None:
        """``True``: apply; ``False``: flag; ``None``: drop (denied)."""
        if m.rule_id in self.deny or m.category in self.deny:
            return None
        if len(m.replacements) != 1:
            return False
        if m.rule_id in self.allow or m.category in self.allow:
            return True
        if m.rule_id in NOT_APPLIED:
            return False
        if m.rule_id in APPLY_RULES:
            return True
        return m.issue_type not in NEVER_APPLY_ISSUES and m.category in APPLY_CATEGORIES

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        spans = self._paragraphs(doc)
        if not spans:
            return
        paragraphs = [doc.text[s:e] for s, e in spans]
        changed = getattr(doc, "changed", None) or ()
        try:
            results = self.check_paragraphs(paragraphs)
            plans = [
                self._plan(doc, ps, matches, changed)
                for (ps, _), matches in zip(spans, results, strict=True)
            ]
            self._look_ahead(paragraphs, plans)
        except GrammarError as err:
            if self.on_error == "raise":
                raise
            yield Flag(0, 0, SKIPPED.id, f"grammar checking was skipped: {err}")
            return
        for (ps, _), plan in zip(spans, plans, strict=True):
            for m, apply in plan:
                yield self._item(m, ps, apply)

    def _paragraphs(self, doc: Document) -> list[tuple[int, int]]:
        """The spans worth sending: paragraphs that are not wholly protected (code).

        A line that stops mid-sentence (ends in a letter, digit or comma) and
        is followed by a line that starts in lower case is hard-wrapped text:
        the two are checked together, so that LanguageTool sees the sentence.
        """
        protected = doc.protected
        starts = [s for s, _ in protected]
        text = doc.text
        out: list[tuple[int, int]] = []
        for s, e in doc.paragraphs:
            i = bisect.bisect_right(starts, s) - 1
            if i >= 0 and protected[i][1] >= e:
                continue
            if out and _continues(text, out[-1][1], s):
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
        return out

    def _plan(
        self, doc: Document, base: int, matches: list[Match], changed: Sequence[tuple[int, int]]
    ) -> list[tuple[Match, bool]]:
        """Each kept match of one paragraph and whether to apply it."""
        plan = []
        last_end = -1
        for m in sorted(matches, key=lambda m: (m.start, m.end)):
            verdict = self.applies(m)
            if verdict is None:
                continue
            start, end = base + m.start, base + m.end
            if verdict and doc.text[start:end] == m.replacements[0]:
                continue  # nothing to change
            apply = (
                verdict
                and m.start >= last_end
                and not doc.overlaps_protected(start, end)
                and not _touches(changed, start, end)
            )
            if apply:
                last_end = m.end
            plan.append((m, apply))
        return plan

    def _look_ahead(self, paragraphs: list[str], plans: list[list[tuple[Match, bool]]]) -> None:
        """Demote to flags the edits LanguageTool would change again once applied.

        Each paragraph with edits is checked once more as it will read after
        them (the request the pipeline's next pass would make anyway, so it is
        cached for it). An edit that an applicable match of that check
        overlaps or touches would be rewritten or undone on the next pass: it
        is flagged instead, which keeps the fixer at a fixed point.
        """
        todo = [i for i, plan in enumerate(plans) if any(apply for _, apply in plan)]
        if not todo:
            return
        after: list[str] = []
        placed: list[list[tuple[int, int]]] = []  # each edit's span in the new text
        for i in todo:
            text, pos, delta, spans = paragraphs[i], 0, 0, []
            parts = []
            for m, apply in plans[i]:
                if apply:
                    parts += [text[pos : m.start], m.replacements[0]]
                    spans.append((m.start + delta, m.start + delta + len(m.replacements[0])))
                    delta += len(m.replacements[0]) - (m.end - m.start)
                    pos = m.end
            parts.append(text[pos:])
            after.append("".join(parts))
            placed.append(spans)
        for i, matches, spans in zip(todo, self.check_paragraphs(after), placed, strict=True):
            again = [(m.start, m.end) for m in matches if self.applies(m)]
            k = 0
            plan = plans[i]
            for j, (m, apply) in enumerate(plan):
                if apply:
                    s, e = spans[k]
                    if any(a <= e and s <= b for a, b in again):
                        plan[j] = (m, False)
                    k += 1

    def _item(self, m: Match, base: int, apply: bool) -> Edit | Flag:
        start, end = base + m.start, base + m.end
        rule = f"grammar/{m.rule_id}"
        if apply:
            return Edit(start, end, m.replacements[0], rule, m.message, CONFIDENCE)
        message = m.message
        if len(m.replacements) > 1:
            message += f" (suggestions: {', '.join(m.replacements[:5])})"
        suggestion = m.replacements[0] if m.replacements else None
        return Flag(start, end, rule, message, suggestion, CONFIDENCE)


_OPEN_END = r"[\w,;(\-\u2013]\r?$"


def _continues(text: str, end: int, start: int) -> bool:
    """True when the line ending at ``end`` runs on into the next line, at ``start``."""
    return (
        start == end + 1
        and text[start].islower()
        and _compiled(_OPEN_END).search(text, max(0, end - 2), end) is not None
    )


def _touches(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """True when ``[start, end]`` meets one of the sorted, disjoint ``spans``."""
    if not spans:
        return False
    i = bisect.bisect_right(spans, (end, end))
    return i > 0 and spans[i - 1][1] >= start


def build(options: Options) -> GrammarFixer | None:
    """The grammar fixer when ``options.grammar`` is on, else ``None``."""
    if not options.grammar:
        return None
    _import_client()
    local_version = None
    if options.languagetool_url is None:
        found = local_installation()
        if found is None:
            raise GrammarError(
                "grammar checking needs a LanguageTool server: set languagetool_url "
                "(e.g. http://localhost:8081) or put a LanguageTool installation in "
                f"LTP_PATH ({_ltp_path()}/LanguageTool-X.Y/); textfix never downloads it"
            )
        local_version = found[1]
    return GrammarFixer(
        url=options.languagetool_url,
        language=options.grammar_language,
        mother_tongue=options.source_lang,
        on_error=options.grammar_errors,
        allow=options.grammar_allow,
        deny=options.grammar_deny,
        local_version=local_version,
    )
