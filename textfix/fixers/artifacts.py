"""Scraper and auto-blog leftovers: shortcodes, share lines, stray HTML tags.

Auto-blogs copy articles with the debris of their source around them:
WordPress shortcodes (``[ad_1]``), a ``Source link`` anchor at the end, feed
footers ("The post … appeared first on …"), share and follow buttons,
"Read more" links, cookie banners, and HTML tags that survived the conversion
to plain text. The patterns live in ``textfix/rules/artifacts.toml`` (users add
their own packs); this module only decides *where* a match may be removed and
what happens to the line around it:

- a ``line`` rule matches a whole line, which goes with its line break;
- an ``end`` rule does the same, but only for lines that nothing but blank
  lines and other removable lines follow (``Source link``);
- an ``inline`` rule removes its match anywhere, and the whole line when
  nothing else is left on it. A match glued between two words leaves a space
  (or a line break after a sentence's end, for ``<br>`` and ``</p>``).

Keys a pack may use besides the common ones (documented in the header of
``artifacts.toml``): ``scope``, ``triggers``, ``glue``, ``skip_in_markup``,
``tags`` and ``starts`` (a stdlib pattern matching wherever an inline rule's
match can start: the pattern is tried only there).

Removing lines never leaves the document starting with a blank line and never
creates a run of blank lines longer than one the text already had, so the
result is a fixed point. Prose is never touched: line rules are anchored to
whole lines, so "read more about it in our report" inside a sentence and a
``Source: Reuters`` credit line stay, and inline rules know only real
shortcode and HTML tag names, so ``[1]``, ``a < b`` and ``<anna@example.com>``
stay too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import regex

from textfix.model import Document, Edit, Fixer, Flag, apply_edits
from textfix.options import Options
from textfix.packs import (
    PATTERN_TIMEOUT,
    LazyPattern,
    Pack,
    RulePackError,
    builtin_pack,
    compiled,
    finditer,
    line_of,
    pack_fixer,
    parse_pack,
    read_builtin,
    read_toml,
)

FAMILY = "artifacts"
EXTRA_KEYS = ("scope", "triggers", "glue", "skip_in_markup", "tags", "starts")
SCOPES = ("line", "end", "inline")
GLUES = ("none", "space", "break")

# How a document that is markup as a whole begins: a declaration, a doctype, a
# comment or a document element; any other tag is checked against the rules
# (see ArtifactsFixer._is_markup).
_MARKUP_DECL = regex.compile(r"\s*+(?:<\?xml|<!(?i:doctype)|<!--|<(?i:html|svg|rss|feed|math)\b)")
_FIRST_TAG = regex.compile(r"\s*+(?=<[A-Za-z][\w:.-]*+[\s/>])")
# Markdown structure (an ATX heading or a code fence at a line start): inline
# HTML in Markdown is the author's (<p align="center">, <br> in a table cell).
# Stdlib re: a fixed internal pattern, about twice as fast here as regex.
_MARKDOWN = re.compile(r"(?:^|\n)(?:#{1,6}[ \t]+\S|[ ]{0,3}(?:```|~~~))")
# Roughly how often each byte occurs in lower-cased English text, per thousand (others: 1)
_FREQUENCY = dict(
    zip(
        b"etaoinshrdlcumwfgypbvkjxqz .,-'",
        (100, 72, 65, 60, 57, 55, 50, 48, 48, 34, 32, 22, 22, 19, 19, 18, 16, 16, 15, 12, 8, 6)
        + (1, 1, 1, 1, 150, 10, 10, 3, 3),
        strict=True,
    )
)
# the cost of one anchor scan: a pass over the text, plus trying each trigger of the
# scan at each occurrence of the anchor (per thousand bytes, in arbitrary units)
_PASS_COST, _TRY_COST = 1200, 15
# anchors rarer than this are looked for by memchr before a scan starts
_PRECHECK_BELOW = 13


def _anchor_plan(triggers: dict[str, bytes]) -> dict[int, list[tuple[str, bytes, int]]]:
    """Triggers grouped by the byte a scan looks for, each with the anchor's index.

    Each trigger starts at its rarest byte; then a scan whose triggers all fit in
    other scans more cheaply (an extra try at a frequent byte against a whole pass)
    is dissolved into them, smallest first, until none is.
    """
    plan: dict[int, list[tuple[str, bytes, int]]] = {}
    for t, b in triggers.items():
        a = min(range(len(b)), key=lambda i, b=b: (_FREQUENCY.get(b[i], 1), i))
        plan.setdefault(b[a], []).append((t, b, a))
    changed = True
    while changed:
        changed = False
        for c in sorted(plan, key=lambda c: (len(plan[c]), c)):
            members = plan[c]
            saved = _PASS_COST + _FREQUENCY.get(c, 1) * _TRY_COST * len(members)
            moves = []
            for t, b, _ in members:
                options = [(_FREQUENCY.get(x, 1), x) for x in set(b) if x != c and x in plan]
                if not options:
                    break
                f, x = min(options)
                saved -= f * _TRY_COST
                moves.append((x, (t, b, b.index(x))))
            else:
                if saved > 0:
                    del plan[c]
                    for x, member in moves:
                        plan[x].append(member)
                    changed = True
                    break
    # a trigger that ends at its anchor is tried by a look-behind at every anchor; in
    # another scan whose anchor it holds before its end, a literal turns most places down
    moves = []
    for c, members in plan.items():
        for t, b, a in members:
            if a + 1 == len(b):
                options = [(_FREQUENCY.get(x, 1), x) for x in set(b[:-1]) if x != c and x in plan]
                if options:
                    moves.append((c, t, min(options)[1]))
    for c, t, x in moves:
        (member,) = [m for m in plan[c] if m[0] == t]
        plan[c].remove(member)
        plan[x].append((t, member[1], member[1].index(x)))
    return {c: members for c, members in plan.items() if members}


def _aligned(b1: bytes, a1: int, b2: bytes, a2: int) -> bool:
    """True when ``b1`` and ``b2`` can both occur with their anchors (``a1``, ``a2``) at one place."""
    d = a1 - a2  # b2[i] lies under b1[i + d]
    return all(b1[i + d] == c for i, c in enumerate(b2) if 0 <= i + d < len(b1))


#: the triggers found in a document with their first positions; the lower-cased text
#: (bytes, or str where lower() needs Unicode); the start of each line holding an
#: anchored trigger, by trigger; the end of each of those lines, by its start
_Lowered = tuple[dict[str, int], bytes | None, str | None, dict[str, list[int]], dict[int, int]]
#: the inline, line and end rules a set of triggers turns on; the same without the
#: markup-shy ones, or None when none of them is on
_Activation = tuple[
    tuple[tuple["_Rule", ...], tuple["_Rule", ...], tuple["_Rule", ...]],
    tuple[tuple["_Rule", ...], tuple["_Rule", ...], tuple["_Rule", ...]] | None,
]
# how many trigger sets ArtifactsFixer._activation keeps before it starts again
_ACTIVATION_LIMIT = 4096
_ASCII = frozenset(map(chr, range(128)))
# assertions a partial match of one character cannot judge (see _Rule.line_starts)
_UNJUDGED = ("(?<", "(?!", "\\B", "\\Z", "$")
# whitespace (str.isspace), matched up to the end of a stretch that may be blank
_BLANK = re.compile(r"\s*+")
# what may separate two inline artifacts of one run (matched up to the next one)
_SPACES = re.compile(r"[ \t]*+")
# characters after which a removed line-breaking tag becomes a line break
_SENTENCE_END = frozenset('.!?…:;"”’»)')
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: ids are unique
class _Rule:
    """A pack rule with what the fixer needs to run it."""

    id: str
    scope: str
    #: the pattern as the pack wrote it: compiled, or (built-in packs) compiled on first use
    source: regex.Pattern[str] | LazyPattern
    message: str
    confidence: float
    triggers: tuple[str, ...]
    glue: str
    skip_in_markup: bool
    #: built-in rules run without the match timeout user patterns get (it
    #: doubles the cost of a match)
    trusted: bool = False
    #: names the pattern's ``tag`` group must have (empty: any match counts)
    tags: frozenset[str] = frozenset()
    #: prefixes it may have instead (``ad_`` from ``"ad_*"``)
    tag_prefixes: tuple[str, ...] = ()
    #: (inline rules) where a match can start, as a stdlib pattern: tried only there
    starts: re.Pattern[str] | None = None

    @cached_property
    def timeout(self) -> float | None:
        return None if self.trusted else PATTERN_TIMEOUT

    @cached_property
    def match(self) -> Callable[..., regex.Match[str] | None]:
        """``pattern.match`` with the rule's timeout: passing none at all for a
        built-in rule (an explicit ``timeout=None`` costs the regex module more
        than a short match does)."""
        if self.trusted:
            return self.pattern.match
        return partial(self.pattern.match, timeout=PATTERN_TIMEOUT)

    @cached_property
    def raw(self) -> regex.Pattern[str]:
        """The pattern as the pack wrote it, compiled."""
        return compiled(self.source)

    @cached_property
    def pattern(self) -> regex.Pattern[str]:
        """The pattern as it is run (anchored to whole lines for line and end rules).

        Built on first use, then an attribute like any other (a race builds it
        twice, to equal patterns).
        """
        return _anchored(self.source) if self.scope in ("line", "end") else self.raw

    @cached_property
    def line_starts(self) -> frozenset[str]:
        """(line and end rules) The ASCII characters a line the rule matches may start
        with: those that the whole-line pattern takes as the start of a match (a
        partial match of the one character, at the start of a text or of a line). A
        line starting with another ASCII character is not tried; one starting with a
        non-ASCII character is. Every character for a user's rule, and for a pattern
        with an assertion one character cannot judge: a look-behind (which may look
        past the line start), a negative look-ahead, ``\\B``, ``\\Z`` or ``$`` (which
        the regex module fails at the end of a partial string, though a longer line
        would pass)."""
        pattern = self.pattern
        if not self.trusted or any(a in self.source.pattern for a in _UNJUDGED):
            return _ASCII
        timeout = self.timeout
        return frozenset(
            c
            for c in _ASCII
            if pattern.match(c, partial=True, timeout=timeout)
            or pattern.match("\n" + c, 1, partial=True, timeout=timeout)
        )

    def accepts(self, m: regex.Match[str]) -> bool:
        if not (self.tags or self.tag_prefixes):
            return True
        name = m.group("tag")
        key = name if len(name) == 1 else name.lower()
        return key in self.tags or key.startswith(self.tag_prefixes)

    def triggered(self, lower: str) -> bool:
        if not self.triggers:
            return True
        for t in self.triggers:
            if t in lower:
                return True
        return False


def _flags(pattern: regex.Pattern[str] | LazyPattern) -> int:
    """A compiled pattern's flags; a lazy one's declared flags, and the default
    ``UNICODE`` that compiling a text pattern adds (not its inline global flags)."""
    if isinstance(pattern, LazyPattern):
        return pattern.declared_flags | regex.UNICODE
    return pattern.flags


def _anchored(pattern: regex.Pattern[str] | LazyPattern) -> regex.Pattern[str]:
    """The whole-line form of a line rule's pattern.

    A lazy pattern gives its declared flags, without compiling it: the flags a
    compiled one adds (the default ``UNICODE``, inline global flags) are the
    ones the whole-line pattern gets from its text anyway.
    """
    flags = _flags(pattern)
    return regex.compile(
        r"^[ \t]*+(?:" + pattern.pattern + r")[ \t]*+\r?$",
        (flags & ~regex.VERSION0) | regex.MULTILINE | regex.VERSION0,
    )


def _validate(pack: Pack, source: str, disabled: set[str], trusted: bool) -> list[_Rule]:
    """The pack's rules, checked; the checks that need a compiled pattern are left
    to the test suite for the built-in pack, whose patterns compile on first use."""
    out: list[_Rule] = []
    for index, pr in enumerate(pack.rules):

        def fail(message: str, key: str, _i: int = index) -> RulePackError:
            return RulePackError(pack.path, message, line_of(source, _i, key), key)

        data: Mapping[str, Any] = pr.data
        scope = data.get("scope", "line")
        if scope not in SCOPES:
            raise fail(f"scope is one of {', '.join(SCOPES)}", "scope")
        triggers = data.get("triggers", [])
        if not isinstance(triggers, list) or not all(isinstance(t, str) and t for t in triggers):
            raise fail("triggers must be a list of non-empty strings", "triggers")
        glue = data.get("glue", "none")
        if glue not in GLUES:
            raise fail(f"glue is one of {', '.join(GLUES)}", "glue")
        if "glue" in data and scope != "inline":
            raise fail("glue applies to inline rules only", "glue")
        skip = data.get("skip_in_markup", False)
        if not isinstance(skip, bool):
            raise fail("skip_in_markup is true or false", "skip_in_markup")
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(
            isinstance(x, str) and x.rstrip("*") and "*" not in x[:-1] for x in tags
        ):
            raise fail("tags must be a list of non-empty strings", "tags")
        assert pr.pattern is not None  # parse_pack requires a pattern
        lazy = isinstance(pr.pattern, LazyPattern)
        if tags and (scope != "inline" or (not lazy and "tag" not in pr.pattern.groupindex)):
            raise fail("tags needs an inline rule whose pattern has a group named 'tag'", "tags")
        starts = data.get("starts")
        if starts is not None:
            if scope != "inline" or not isinstance(starts, str) or not starts:
                raise fail("starts is a pattern, for inline rules only", "starts")
            try:
                starts = re.compile(starts)
            except re.error as exc:
                raise fail(f"starts is not a valid pattern: {exc}", "starts") from exc
        if pr.replacement:
            raise fail("artifacts rules remove what they match: no replacement", "replacement")
        if not lazy and pr.pattern.search("", timeout=PATTERN_TIMEOUT) is not None:
            raise fail("pattern matches the empty string", "pattern")
        if pr.id in disabled:
            continue
        rule = _Rule(
            id=pr.id,
            scope=scope,
            source=pr.pattern,
            message=pr.message,
            confidence=pr.rule.confidence,
            triggers=tuple(t.lower() for t in triggers),
            glue=glue,
            skip_in_markup=skip,
            tags=frozenset(x if len(x) == 1 else x.lower() for x in tags if x[-1] != "*"),
            tag_prefixes=tuple(x[:-1].lower() for x in tags if x[-1] == "*"),
            trusted=trusted,
            starts=starts,
        )
        if not lazy:
            rule.pattern  # noqa: B018 - a user's pattern is built in full now, as it runs
        out.append(rule)
    return out


def _load_user_pack(path: str) -> tuple[Pack, str] | None:
    """The pack at ``path`` when its ``[pack]`` table says ``fixer = "artifacts"``."""
    source, data = read_toml(path)
    if pack_fixer(data) != FAMILY:
        return None
    pack = parse_pack(source, path, extra_keys=EXTRA_KEYS, id_prefix=FAMILY + "/")
    return pack, source


def _disabled(pack: Pack, source: str, known: set[str]) -> set[str]:
    raw = pack.meta.get("disable", [])
    line = next(
        (n for n, ln in enumerate(source.splitlines(), 1) if ln.strip().startswith("disable")), None
    )
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise RulePackError(pack.path, "disable must be a list of rule ids", line, "disable")
    for rid in raw:
        if rid not in known:
            raise RulePackError(pack.path, f"cannot disable unknown rule {rid!r}", line, "disable")
    return set(raw)


class ArtifactsFixer(Fixer):
    """Removes the leftovers of scraping and auto-blogging described by rule packs."""

    name = FAMILY

    def __init__(self, packs: Sequence[tuple[Pack, str]]) -> None:
        known: set[str] = set()
        disabled: set[str] = set()
        for pack, source in packs:
            disabled |= _disabled(pack, source, known | {r.id for r in pack.rules})
            known |= {r.id for r in pack.rules}
        rules: list[_Rule] = []
        documented = []
        seen: set[str] = set()
        for k, (pack, source) in enumerate(packs):
            for index, pr in enumerate(pack.rules):
                if pr.id in seen:
                    raise RulePackError(
                        pack.path,
                        f"rule {pr.id} is already defined",
                        line_of(source, index, "id"),
                        "id",
                    )
                seen.add(pr.id)
            rules += _validate(pack, source, disabled, trusted=k == 0)
            documented += [pr.rule for pr in pack.rules if pr.id not in disabled]
        self.rules = tuple(documented)
        self._rules = tuple(rules)
        self._by_id = {r.id: r for r in rules}
        self._line_rules = tuple(r for r in rules if r.scope == "line")
        self._end_rules = tuple(r for r in rules if r.scope == "end")
        self._inline_rules = tuple(r for r in rules if r.scope == "inline")
        # Every distinct trigger is looked for once per document. One that contains a
        # shorter trigger ("[embed" holds "[") is looked for only when that one occurs.
        triggers = sorted({t for r in rules for t in r.triggers}, key=lambda t: (len(t), t))
        self._trigger_checks = tuple(
            (t, next((u for u in triggers if len(u) < len(t) and u in t), None)) for t in triggers
        )
        self._byte_triggers = {t: t.encode() for t in triggers if t.isascii() and "?" not in t}
        # ASCII triggers of two characters or more are found by anchor: those anchored
        # at "k" by one scan for "k" that checks the letters around it.
        anchored = _anchor_plan(
            {t: b for t, b in self._byte_triggers.items() if len(b) > 1 and b"\n" not in b}
        )
        scans = []
        for c, members in sorted(anchored.items()):
            # after the anchor: the rest of the trigger as a literal (which the engine
            # turns down at its first byte), then the whole trigger looked back at;
            # triggers that end at their anchor last (a look-behind costs a call)
            members.sort(key=lambda m: m[2] + 1 == len(m[1]))
            alternatives = b"|".join(
                re.escape(b[a + 1 :])
                + (b"(?<=" + re.escape(b) + b")" if a else b"")
                + b"(?P<m%d>)" % k
                for k, (_, b, a) in enumerate(members)
            )
            # the members that can occur at the same anchor as an earlier one, which the
            # scan (reporting the first alternative that matches) does not name
            companions = tuple(
                tuple(
                    j
                    for j in range(k + 1, len(members))
                    if _aligned(members[k][1], members[k][2], members[j][1], members[j][2])
                )
                for k in range(len(members))
            )
            # what a match names, by group number: the trigger it found (primary), then
            # its companions, which hold where they fit before the anchor
            tries: list[tuple[tuple[str, bytes, int, bool], ...]] = [()]
            for k, (t, b, a) in enumerate(members):
                tries.append(
                    ((t, b, a, True), *((*members[j], False) for j in companions[k]))  # type: ignore[arg-type]
                )
            scans.append(
                (
                    re.compile(re.escape(bytes((c,))) + b"(?:" + alternatives + b")").search,
                    # a rare anchor is first looked for by memchr: most texts lack it
                    bytes((c,)) if _FREQUENCY.get(c, 1) < _PRECHECK_BELOW else None,
                    tuple((t, b, a) for t, b, a in members),
                    tuple(tries),
                )
            )
        self._anchor_scans = tuple(scans)
        scanned = {t for _, _, members, _ in self._anchor_scans for t, _, _ in members}
        self._trigger_checks_rest = tuple(
            (t, gate) for t, gate in self._trigger_checks if t not in scanned
        )
        # the line rules each trigger may start, in rule order
        line_by_trigger: dict[str, list[_Rule]] = {}
        for rule in self._line_rules:
            for trig in dict.fromkeys(rule.triggers):
                line_by_trigger.setdefault(trig, []).append(rule)
        self._line_by_trigger = {t: tuple(rs) for t, rs in line_by_trigger.items()}
        self._line_order = {r: k for k, r in enumerate(self._line_rules)}
        self._shy_line_rules = any(r.skip_in_markup for r in self._line_rules)
        self._untriggered_line_rules = tuple(r for r in self._line_rules if not r.triggers)
        # inline rules that share a pattern (HTML tags told apart by name) share a pass
        groups: dict[tuple[str, int, str | None], list[_Rule]] = {}
        for rule in self._inline_rules:
            key = (rule.source.pattern, _flags(rule.source), rule.starts and rule.starts.pattern)
            groups.setdefault(key, []).append(rule)
        self._inline_groups = tuple(tuple(g) for g in groups.values())
        # the inline groups of each set of inline rules that is on
        self._groups_on: dict[tuple[_Rule, ...], tuple[tuple[_Rule, ...], ...]] = {}
        # the rules each set of triggers found in a document turns on (see _active)
        self._activation: dict[frozenset[str], _Activation] = {}

    # --- finding --------------------------------------------------------------

    def _is_markup(self, text: str) -> bool:
        """True for an HTML or XML document, whose tags are its structure, not debris.

        It ends with ``>`` and starts with a declaration, a doctype, a comment,
        a document element, or a tag none of the HTML rules knows (an XML
        vocabulary). Plain text wrapped in ``<p>…</p>`` is not markup.
        """
        tail = text[-256:].rstrip() or text.rstrip()  # no copy of a long text
        if not tail.endswith(">"):
            return False
        if _MARKUP_DECL.match(text):
            return True
        m = _FIRST_TAG.match(text)
        if m is None:
            return False
        pos = m.end()
        for r in self._inline_rules:
            if r.skip_in_markup:
                m = r.match(text, pos)
                if m is not None and r.accepts(m):
                    return False
        return True

    def _present(self, text: str) -> _Lowered:
        """Each trigger that occurs in ``text.lower()``, with its first position.

        Also the lower-cased text the positions index: ASCII triggers are looked
        for in the text encoded to ASCII with one ``?`` per other character, so
        positions hold and ``bytes.lower`` (ASCII letters only) does what
        ``str.lower`` would, several times faster; except where a non-ASCII
        letter lower-cases to ASCII (``İ``, the Kelvin sign): then ``str.lower``.
        """
        found: dict[str, int] = {}
        if not text.isascii() and ("\u0130" in text or "\u212a" in text):
            lower = text.lower()
            for t, gate in self._trigger_checks:
                if gate is None or gate in found:
                    i = lower.find(t)
                    if i >= 0:
                        found[t] = i
            return found, None, lower, {}, {}
        low = text.encode("ascii", "replace").lower()
        lower_text: str | None = None
        occurrences: dict[str, list[int]] = {}
        ends: dict[int, int] = {}
        n = len(low)
        find, rfind, startswith = low.find, low.rfind, low.startswith
        for search, anchor, members, tries in self._anchor_scans:
            # (a rare anchor's first occurrence, by memchr: the scan starts there, if at all)
            pos = 0 if anchor is None else find(anchor)
            if pos < 0:
                continue
            m = search(low, pos)
            le = -1  # the end of the line of the last match (and seen, the triggers
            # recorded in that line, set at the first match)
            while m is not None:
                p = m.start()
                if p > le:
                    ls = rfind(b"\n", 0, p) + 1
                    le = find(b"\n", p)
                    if le < 0:
                        le = n
                    ends[ls] = le
                    seen: set[str] = set()
                fresh = False
                for t, b, a, primary in tries[m.lastindex]:  # type: ignore[index]
                    if t not in seen and (primary or (p >= a and startswith(b, p - a))):
                        seen.add(t)
                        fresh = True
                        if t in occurrences:
                            occurrences[t].append(ls)
                        else:
                            occurrences[t] = [ls]
                            found[t] = p - a
                if fresh:
                    m = search(low, p + 1)
                    continue
                # a trigger met again in this line: the others' first places in it, then
                # the next line (a line of a thousand "read" costs two matches)
                for t, b, _ in members:
                    if t not in seen:
                        i = find(b, ls, le)
                        if i >= 0:
                            if t in occurrences:
                                occurrences[t].append(ls)
                            else:
                                occurrences[t] = [ls]
                                found[t] = i
                m = search(low, le + 1)
        as_bytes = self._byte_triggers
        for t, gate in self._trigger_checks_rest:
            if gate is None or gate in found:
                b = as_bytes.get(t)
                if b is not None:
                    i = low.find(b)
                else:  # a trigger with "?" or non-ASCII letters (user packs)
                    if lower_text is None:
                        lower_text = text.lower()
                    i = lower_text.find(t)
                if i >= 0:
                    found[t] = i
        return found, low, lower_text, occurrences, ends

    def _active(
        self, text: str, present: Mapping[str, int]
    ) -> tuple[tuple[_Rule, ...], tuple[_Rule, ...], tuple[_Rule, ...]]:
        """The inline, line and end rules whose triggers occur, minus the markup-shy
        ones on a markup document (asked only when such a rule is on)."""
        key = frozenset(present)
        entry = self._activation.get(key)
        if entry is None:
            entry = self._activate(key)
        plain, shy = entry
        if shy is not None and (self._is_markup(text) or _is_markdown(text)):
            return shy
        return plain

    def _activate(self, found: frozenset[str]) -> _Activation:
        """The rules a set of triggers turns on, by scope, with and without the
        markup-shy ones (``None`` when none is on); kept for the next document with
        the same triggers (a table derived from the rules, like the scans)."""
        plain = tuple(
            tuple(r for r in rules if not r.triggers or not found.isdisjoint(r.triggers))
            for rules in (self._inline_rules, self._line_rules, self._end_rules)
        )
        shy = None
        if any(r.skip_in_markup for rules in plain for r in rules):
            shy = tuple(tuple(r for r in rules if not r.skip_in_markup) for rules in plain)
        entry: _Activation = (plain, shy)  # type: ignore[assignment]
        if len(self._activation) >= _ACTIVATION_LIMIT:
            self._activation.clear()  # (trigger sets seen in a long run: a bounded table)
        self._activation[found] = entry
        return entry

    def _inline_matches(self, rules: tuple[_Rule, ...], text: str) -> list[tuple[int, int, _Rule]]:
        """``(start, end, rule)`` of each inline match, by start (the longest first)."""
        # one pass per distinct pattern: each starts with a literal ("[", "<")
        # that the regex engine skips to, which an alternation would lose.
        # Rules that share a pattern (HTML tags, told apart by their names)
        # share the pass.
        groups = self._groups_on.get(rules)
        if groups is None:
            on = set(rules)
            groups = tuple(
                g
                for g in (tuple(r for r in whole if r in on) for whole in self._inline_groups)
                if g
            )
            if len(self._groups_on) >= _ACTIVATION_LIMIT:
                self._groups_on.clear()
            self._groups_on[rules] = groups
        found: list[tuple[int, int, _Rule]] = []
        for group in groups:
            for m in _finditer(group[0], text):
                s, e = m.span()
                if e > s:
                    for rule in group:
                        if rule.accepts(m):
                            found.append((s, e, rule))
                            break
        if len(groups) > 1:  # (one pattern's matches come in order and do not overlap)
            found.sort(key=_by_start_longest_first)
        return found

    def _line_matches(
        self,
        rules: Sequence[_Rule],
        text: str,
        lowered: _Lowered,
    ) -> Iterator[tuple[int, int, _Rule]]:
        """``(line start, line end, rule)`` for each line a line rule matches whole.

        Only lines holding one of a rule's triggers are tried, each with the
        pattern bounded to the line: an unbounded search from every line start
        can rescan the rest of the text (the regex module looks ahead for
        literals across line ends), which is quadratic on many short lines.
        """
        n = len(text)
        present, low, lower, occurrences, ends = lowered
        if low is None:
            assert lower is not None
            if len(lower) != n:  # lower() changed the length (rare letters): ASCII only
                lower = text.translate(_ASCII_LOWER)
                present = {t: lower.find(t) for r in rules for t in r.triggers}
        # a present trigger's rules are on, unless the document is markup and they are
        # markup-shy, or the triggers were just looked for again
        on = set(rules) if low is None or self._shy_line_rules else None
        # line start -> [line end, the rules of each trigger in the line (in rule order)]
        candidates: dict[int, list[Any]] = {}
        rfind = text.rfind
        as_bytes = self._byte_triggers
        line_by_trigger = self._line_by_trigger
        for trig, pos in present.items():
            trig_rules = line_by_trigger.get(trig)
            if trig_rules is None:
                continue
            if on is not None:
                trig_rules = tuple(r for r in trig_rules if r in on)
                if not trig_rules:
                    continue
            if trig in occurrences:  # the start of each line holding it
                for ls in occurrences[trig]:
                    entry = candidates.get(ls)
                    if entry is None:
                        candidates[ls] = [ends[ls], trig_rules]
                    else:
                        entry.append(trig_rules)
                continue
            needle: str | bytes = trig
            if low is not None and trig in as_bytes:
                find, needle = low.find, as_bytes[trig]
            else:
                assert lower is not None
                find = lower.find
            while pos >= 0:
                ls = rfind("\n", 0, pos) + 1
                le = text.find("\n", pos)
                if le < 0:
                    le = n
                entry = candidates.get(ls)
                if entry is None:
                    candidates[ls] = [le, trig_rules]
                else:
                    entry.append(trig_rules)
                pos = find(needle, le + 1) if le < n else -1  # type: ignore[arg-type]
        order = self._line_order
        for ls, entry in candidates.items():
            le = entry[0]
            if len(entry) == 2:  # one trigger in the line (most lines)
                cand = entry[1]
            else:
                cand = sorted({r for rs in entry[1:] for r in rs}, key=order.__getitem__)
            first = text[ls] if ls < le else "\x80"  # (an empty line is tried)
            for rule in cand:
                if first not in rule.line_starts and first < "\x80":
                    continue  # (a line rule's match starts the line)
                if rule.match(text, ls, le):
                    yield ls, le, rule
                    break
        for rule in self._untriggered_line_rules:
            if rule not in rules:
                continue
            for m in _finditer(rule, text):
                if "\n" not in m.group():  # a whole line, not a stretch of several
                    ls = rfind("\n", 0, m.start()) + 1
                    yield ls, _line_end(text, ls), rule

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        if not text:
            return
        lowered = self._present(text)
        present = lowered[0]
        inline_rules, line_rules, end_rules = self._active(text, present)
        if not (inline_rules or line_rules or end_rules):
            return

        # whole lines to remove: line start -> (line end, rule of its first artifact)
        removable: dict[int, tuple[int, _Rule]] = {}
        # lines that keep some text once their inline artifacts are cut:
        # line start -> (line end, the edits, the line as they leave it)
        partial: dict[int, tuple[int, list[Edit], str]] = {}
        if inline_rules:
            inline: list[tuple[int, int, _Rule]] = []
            found = self._inline_matches(inline_rules, text)
            pos = 0
            for s, e, rule in found:
                if s >= pos and not _quoted(text, s, e) and not doc.is_protected(s, e):
                    inline.append((s, e, rule))
                    pos = e
            for ls, le, line_runs in _runs_by_line(text, _runs(text, inline)):
                if _only_artifacts(text, ls, le, line_runs):
                    removable[ls] = (le, line_runs[0][0][2])
                else:
                    edits = [e for run in line_runs for e in self._remove_run(text, run, ls, le)]
                    partial[ls] = (le, edits, apply_edits(text, edits, ls, le))
        if line_rules:
            for ls, le, rule in self._line_matches(line_rules, text, lowered):
                if ls not in removable and ls not in partial and not _line_protected(doc, ls, le):
                    removable[ls] = (le, rule)
            # a line that only its inline artifacts kept from matching goes whole,
            # or the next run would remove it
            for ls, (le, _, cleaned) in list(partial.items()):
                rule = _first_match(line_rules, cleaned)
                if rule is not None and not _line_protected(doc, ls, le):
                    removable[ls] = (le, rule)
                    del partial[ls]
        if end_rules:
            self._trailing(doc, end_rules, removable, partial)

        if removable:
            yield from self._remove_lines(text, removable, doc)
        for _, edits, _ in partial.values():
            yield from edits

    def _trailing(
        self,
        doc: Document,
        end_rules: Sequence[_Rule],
        removable: dict[int, tuple[int, _Rule]],
        partial: dict[int, tuple[int, list[Edit], str]],
    ) -> None:
        """Mark ``end`` lines that only blank or removable lines follow."""
        text = doc.text
        le = len(text)
        blank = _BLANK.match
        while True:
            ls = text.rfind("\n", 0, le) + 1
            if ls not in removable and blank(text, ls, le).end() != le:  # type: ignore[union-attr]
                if ls in partial:
                    rule = _first_match(end_rules, partial[ls][2])
                else:
                    rule = _first_match(end_rules, text, ls, le)
                if rule is None or _line_protected(doc, ls, le):
                    return
                removable[ls] = (le, rule)
                partial.pop(ls, None)
            if ls == 0:
                return
            le = ls - 1

    # --- removing ---------------------------------------------------------------

    def _remove_lines(
        self, text: str, removable: dict[int, tuple[int, _Rule]], doc: Document
    ) -> Iterator[Edit]:
        """Delete the removable lines, group by group, keeping the blank-line structure."""
        starts = sorted(removable)
        blank = _BLANK.match
        i = 0
        while i < len(starts):
            # a group: removable lines separated only by blank lines
            group = [starts[i]]
            i += 1
            while i < len(starts):
                prev_end = removable[group[-1]][0]
                if blank(text, prev_end, starts[i]).end() != starts[i]:  # type: ignore[union-attr]
                    break
                group.append(starts[i])
                i += 1
            if len(group) == 1:  # (most groups)
                ls = group[0]
                le, rule = removable[ls]
                s, e = _one_line_span(text, ls, le)
                if not doc.is_protected(s, e):
                    yield _edit(rule, s, e, "")
                continue
            pieces = _group_pieces(text, removable, group)
            whole = (pieces[0][0], pieces[-1][1])
            if doc.is_protected(*whole):
                continue
            split = len(pieces) > 1 and any(doc.is_protected(s, e) for s, e in pieces)
            if split:
                pieces = [whole]
            # one edit per run of lines removed by the same rule
            rules = [removable[ls][1] for ls in group[: len(pieces)]]
            k = 0
            while k < len(pieces):
                j = k
                while (
                    j + 1 < len(pieces)
                    and rules[j + 1] is rules[k]
                    and pieces[j + 1][0] == pieces[j][1]
                ):
                    j += 1
                yield _edit(rules[k], pieces[k][0], pieces[j][1], "")
                k = j + 1

    def _remove_run(
        self, text: str, run: list[tuple[int, int, _Rule]], ls: int, le: int
    ) -> Iterator[Edit]:
        """Remove a run of inline artifacts that shares its line (``ls`` to ``le``) with
        other text (the line is the caller's: a line of many runs is not looked for
        once per run)."""
        s, e = run[0][0], run[-1][1]
        left_open = s == ls or text[s - 1] in " \t"
        right_open = e == le or text[e] in " \t\r"
        start, end, replacement = s, e, ""
        if e == le or _BLANK.match(text, e, le).end() == le:  # type: ignore[union-attr]
            # at the end of the line: take the spaces before it too
            while start > ls and text[start - 1] in " \t":
                start -= 1
        elif left_open:
            # at the start of a word (or of the line): take the spaces after it
            while end < le and text[end] in " \t":
                end += 1
        elif not right_open:
            # glued between two words: keep them apart
            glue = max((r.glue for _, _, r in run), key=GLUES.index)
            if glue == "break":
                replacement = "\n" if text[s - 1] in _SENTENCE_END else " "
            elif glue == "space" or any(run[k][1] < run[k + 1][0] for k in range(len(run) - 1)):
                # (spaces between the artifacts kept the words around them apart)
                replacement = " "
        # one edit per artifact (so each names its rule); the pipeline merges them
        for k, (ms, _, rule) in enumerate(run):
            ps = start if k == 0 else ms
            pe = end if k == len(run) - 1 else run[k + 1][0]
            yield _edit(rule, ps, pe, replacement if k == len(run) - 1 else "")


# quotes around an artifact that is being talked about: the "<br>" tag
_QUOTE_PAIRS = frozenset({'""', "''", "“”", "‘’", "«»", "»«", "„“", "``"})


def _by_start_longest_first(match: tuple[int, int, _Rule]) -> tuple[int, int]:
    return match[0], -match[1]


def _quoted(text: str, start: int, end: int) -> bool:
    return 0 < start and end < len(text) and text[start - 1] + text[end] in _QUOTE_PAIRS


def _line_protected(doc: Document, ls: int, le: int) -> bool:
    """A line that is (part of) code, or cut into by a protected span.

    A URL inside a "Click here" line does not protect it: the line goes whole.
    A line that starts inside a protected span (a fenced or indented code
    block) does.
    """
    return doc.is_protected(ls, le) or (le > ls and doc.overlaps_protected(ls, ls + 1))


def _is_markdown(text: str) -> bool:
    if not ("\n#" in text or "```" in text or "~~~" in text or text.startswith("#")):
        return False
    return _MARKDOWN.search(text) is not None


def _first_match(
    rules: Sequence[_Rule], text: str, start: int = 0, end: int | None = None
) -> _Rule | None:
    """The first rule whose (whole-line) pattern matches ``text[start:end]``."""
    if end is None:
        end = len(text)
    if text.find("\n", start, end) >= 0:
        return None  # an inline edit split the line: no longer one line
    lower = None
    for rule in rules:
        if rule.triggers:
            if lower is None:
                lower = text[start:end].lower()
            if not rule.triggered(lower):
                continue
        if rule.match(text, start, end):
            return rule
    return None


def _finditer(rule: _Rule, text: str) -> Iterator[regex.Match[str]]:
    if rule.starts is not None:
        return _finditer_from_starts(rule, text)
    if rule.trusted:
        return rule.pattern.finditer(text)
    return finditer(rule.pattern, text)


def _finditer_from_starts(rule: _Rule, text: str) -> Iterator[regex.Match[str]]:
    """What ``rule.pattern.finditer`` finds, trying the pattern only where ``starts`` matches.

    The stdlib engine skips to those places in C and rejects most of them at once
    (``[`` not followed by a letter); the regex module would start a match attempt
    at each ``[`` or ``<``, which is slow on text full of them.
    """
    assert rule.starts is not None
    search, match = rule.starts.search, rule.match
    pos = 0
    while True:
        c = search(text, pos)
        if c is None:
            return
        p = c.start()
        m = match(text, p)
        if m is not None and m.end() > p:
            yield m
            pos = m.end()
        else:
            pos = p + 1


def _edit(rule: _Rule, start: int, end: int, replacement: str) -> Edit:
    return Edit(start, end, replacement, rule.id, rule.message, rule.confidence)


def _line_end(text: str, ls: int) -> int:
    le = text.find("\n", ls)
    return len(text) if le < 0 else le


def _blank_back(text: str, ls: int) -> int:
    """Start of the blank lines right before the line starting at ``ls``."""
    a = ls
    if a > 1 and not text[a - 2].isspace():
        return a  # (the line before ends with a visible character)
    while a > 0:
        prev = text.rfind("\n", 0, a - 1) + 1
        if text[prev : a - 1].strip():
            break
        a = prev
    return a


def _blank_forward(text: str, le: int) -> int:
    """Start of the first non-blank line after the line ending at ``le``."""
    n = len(text)
    b = le + 1 if le < n else n
    if b < n and not text[b].isspace():
        return b  # (the line after starts with a visible character)
    while b < n:
        end = _line_end(text, b)
        if text[b:end].strip():
            break
        b = end + 1 if end < n else n
    return min(b, n)


def _group_pieces(
    text: str, removable: Mapping[int, tuple[int, object]], group: list[int]
) -> list[tuple[int, int]]:
    """What removing a group of lines deletes, line by line: each line with the blank
    lines that go with it, so that the longest run of blank lines around and between
    them stays (and none at the start or end of the document)."""
    n = len(text)
    first, last = group[0], group[-1]
    last_end = removable[last][0]
    # blank lines before the group and after it
    a = _blank_back(text, first)
    b = _blank_forward(text, last_end)
    has_prev = a > 0
    has_next = b < n
    # segments: run0, L1, run1, ..., Lk, runk (lines include their newline)
    lines = [(ls, min(removable[ls][0] + 1, n)) for ls in group]
    runs = [(a, lines[0][0])]
    runs += [(lines[j][1], lines[j + 1][0]) for j in range(len(lines) - 1)]
    runs.append((lines[-1][1], b))
    keep: int | None = None
    if has_prev and has_next:
        keep = max(range(len(runs)), key=lambda j: (runs[j][1] - runs[j][0], -j))
    pieces: list[tuple[int, int]] = []
    for j, (ls, lend) in enumerate(lines):
        s, e = ls, lend
        # a run before the kept one goes with the line after it,
        # a run after it (or every run, when none is kept) with the line before it
        if keep is None:
            if j == 0:
                s = runs[0][0]
            e = runs[j + 1][1]
        else:
            if j < keep:
                s = runs[j][0]
            if j >= keep:
                e = runs[j + 1][1]
        pieces.append((s, e))
    if not has_next and has_prev and not text.endswith("\n", 0, b) and b == n:
        # the document ends without a line break: so does the result
        s0, e0 = pieces[0]
        pieces[0] = (s0 - 1, e0)
    if not has_prev and not has_next:
        pieces[0] = (0, pieces[0][1])
        pieces[-1] = (pieces[-1][0], n)
    return pieces


def _one_line_span(text: str, ls: int, le: int) -> tuple[int, int]:
    """``_group_pieces`` for a group of one line (``ls`` to ``le``), without the lists."""
    n = len(text)
    a = _blank_back(text, ls)
    b = _blank_forward(text, le)
    lend = min(le + 1, n)
    if a > 0 and b < n:  # keep the longer run of blank lines, the one before on a tie
        return (ls, b) if ls - a >= b - lend else (a, lend)
    if a > 0 and b == n and not text.endswith("\n", 0, b):
        return a - 1, b  # the document ends without a line break: so does the result
    return a, b


def _runs(text: str, inline: list[tuple[int, int, _Rule]]) -> list[list[tuple[int, int, _Rule]]]:
    """Group inline matches that only spaces or tabs separate."""
    runs: list[list[tuple[int, int, _Rule]]] = []
    spaces = _SPACES.match
    for m in inline:
        if runs and spaces(text, runs[-1][-1][1], m[0]).end() == m[0]:  # type: ignore[union-attr]
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _only_artifacts(text: str, ls: int, le: int, runs: list[list[tuple[int, int, _Rule]]]) -> bool:
    pos = ls
    for run in runs:
        for s, e, _ in run:
            if text[pos:s].strip():
                return False
            pos = e
    return not text[pos:le].strip()


def _runs_by_line(
    text: str, runs: list[list[tuple[int, int, _Rule]]]
) -> Iterator[tuple[int, int, list[list[tuple[int, int, _Rule]]]]]:
    """``(line start, line end, runs)`` for each line holding inline artifacts."""
    k = 0
    while k < len(runs):
        ls = text.rfind("\n", 0, runs[k][0][0]) + 1
        le = _line_end(text, ls)
        j = k + 1
        while j < len(runs) and runs[j][0][0] < le:
            j += 1
        yield ls, le, runs[k:j]
        k = j


def _builtin() -> tuple[Pack, str]:
    """The built-in pack (its patterns compiled on first use) and its text."""
    return builtin_pack("artifacts.toml", extra_keys=EXTRA_KEYS), read_builtin("artifacts.toml")


def build(options: Options) -> ArtifactsFixer:
    packs = [_builtin()]
    for path in options.rule_packs:
        user = _load_user_pack(path)
        if user is not None:
            packs.append(user)
    return ArtifactsFixer(packs)
