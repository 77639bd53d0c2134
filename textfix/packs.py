"""Rule packs: the data behind the pattern fixers, as TOML files.

A pack is a TOML file with an optional ``[pack]`` table and a list of
``[[rule]]`` tables::

    [pack]
    description = "Scraper and auto-blog leftovers"

    [[rule]]
    id = "artifacts/wp-shortcode"
    summary = "WordPress shortcode left in the text"
    safety = "safe"                  # or "unsafe"
    confidence = 1.0
    pattern = '''\\[ad_\\d+\\]'''
    replacement = ""
    examples = [{ before = "[ad_1]\\nText.", after = "Text." }]
    counter_examples = ["A citation [1] stays."]

Every fixer that reads packs names the extra keys it accepts; anything else
is an error that names the file, the line and the key. Patterns use the
``regex`` module's syntax and are matched with a timeout, so a user's pattern
that backtracks badly fails loudly instead of hanging a corpus run.

A user's pack is checked in full when it is read, so a broken pattern is an
error at start. The packs shipped with textfix (:func:`builtin_pack`, and
``parse_pack(..., lazy=True)``) are checked by the test suite instead: their
patterns are :class:`LazyPattern` objects, compiled on first use, and their
parsed TOML is kept in the on-disk cache (:mod:`textfix.cache`), so that a
process that never meets a rule's trigger never pays for its pattern.
"""

from __future__ import annotations

import hashlib
import marshal
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import regex

from textfix.cache import cached
from textfix.model import Example, Rule

#: seconds one pattern may spend on one document before the run fails
PATTERN_TIMEOUT = 5.0

COMMON_KEYS = frozenset(
    {
        "id",
        "summary",
        "safety",
        "confidence",
        "pattern",
        "flags",
        "replacement",
        "message",
        "examples",
        "counter_examples",
    }
)


class LazyPattern:
    """A pack pattern that is compiled the first time it is used.

    ``pattern`` is its text and ``declared_flags`` the flags the pack gave it
    (with ``VERSION0``), both known without compiling; every other attribute
    (``finditer``, ``groupindex``, ``flags``...) is the compiled pattern's.
    Hot paths take :meth:`compile` once rather than paying ``__getattr__``
    per call. Two threads may both compile it at first: they get equal
    patterns, and the second simply replaces the first.
    """

    __slots__ = ("_compiled", "declared_flags", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.declared_flags = flags
        self._compiled: regex.Pattern[str] | None = None

    def compile(self) -> regex.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = regex.compile(self.pattern, self.declared_flags)
        return compiled

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not a pattern's (copy and pickle probe for these)
            raise AttributeError(name)
        return getattr(self.compile(), name)

    def __reduce__(self) -> tuple[Any, ...]:
        return LazyPattern, (self.pattern, self.declared_flags)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {int(self.declared_flags)})"


def compiled(pattern: regex.Pattern[str] | LazyPattern) -> regex.Pattern[str]:
    """``pattern`` compiled (a :class:`LazyPattern` is compiled now, once)."""
    return pattern.compile() if isinstance(pattern, LazyPattern) else pattern


class SourceError(ValueError):
    """A user's file textfix cannot use, with where the problem is (file, line, key)."""

    def __init__(self, path: str, message: str, line: int | None = None, key: str | None = None):
        self.path = path
        self.line = line
        self.key = key
        where = path if line is None else f"{path}:{line}"
        what = f" (key {key!r})" if key else ""
        super().__init__(f"{where}: {message}{what}")


class RulePackError(SourceError):
    """A rule pack or gazetteer that cannot be used."""


@dataclass(frozen=True)
class PackRule:
    """A rule as a pack describes it: the documented :class:`Rule` plus its data."""

    rule: Rule
    #: compiled, or (built-in packs) a :class:`LazyPattern`
    pattern: regex.Pattern[str] | LazyPattern | None
    replacement: str | None
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class Pack:
    path: str
    meta: Mapping[str, Any]
    rules: tuple[PackRule, ...]


_FLAG_BITS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "x": regex.VERBOSE, "s": regex.DOTALL}


def line_of(source: str, index: int, key: str | None, table: str = "rule") -> int | None:
    """Best-effort line number of ``key`` in the ``index``-th ``[[table]]`` of a TOML text."""
    lines = source.splitlines()
    header = f"[[{table}]]"
    seen = -1
    for n, line in enumerate(lines, 1):
        if line.strip().replace(" ", "").startswith(header):
            seen += 1
            if seen == index:
                if key is None:
                    return n
                for m, later in enumerate(lines[n:], n + 1):
                    stripped = later.strip()
                    if stripped.startswith("[["):
                        break
                    if stripped.split("=", 1)[0].strip().strip("\"'") == key:
                        return m
                return n
    return None


def _examples(raw: Any, path: str, source: str, index: int) -> tuple[Example, ...]:
    out = []
    if not isinstance(raw, list):
        raise RulePackError(
            path, "examples must be a list", line_of(source, index, "examples"), "examples"
        )
    for ex in raw:
        if isinstance(ex, list) and len(ex) == 2 and all(isinstance(x, str) for x in ex):
            out.append(Example(ex[0], ex[1]))
        elif (
            isinstance(ex, dict)
            and isinstance(ex.get("before"), str)
            and set(ex) <= {"before", "after", "flag"}
        ):
            out.append(Example(ex["before"], ex.get("after"), ex.get("flag")))
        else:
            raise RulePackError(
                path,
                "each example is {before = ..., after = ...} or {before = ..., flag = ...}",
                line_of(source, index, "examples"),
                "examples",
            )
    return tuple(out)


def parse_pack(
    source: str,
    path: str,
    *,
    extra_keys: Iterable[str] = (),
    id_prefix: str = "",
    require_pattern: bool = True,
    respects_protection: bool = True,
    lazy: bool = False,
    data: Mapping[str, Any] | None = None,
) -> Pack:
    """Parse and validate one pack's TOML text (``path`` is for messages).

    With ``lazy`` (the built-in packs, which the test suite validates) the
    patterns are :class:`LazyPattern` objects, compiled on first use, so a
    pattern that does not compile is not noticed here. ``data`` is the parsed
    TOML when the caller has it already.
    """
    if data is None:
        data = parse_toml(source, path)
    unknown_top = set(data) - {"pack", "rule"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        line = next(
            (
                n
                for n, ln in enumerate(source.splitlines(), 1)
                if ln.strip().lstrip("[").startswith(key)
            ),
            None,
        )
        raise RulePackError(path, "unknown top-level key", line, key)
    allowed = COMMON_KEYS | set(extra_keys)
    rules: list[PackRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data.get("rule", [])):

        def fail(message: str, key: str | None = None, _i: int = index) -> RulePackError:
            return RulePackError(path, message, line_of(source, _i, key), key)

        for key in raw:
            if key not in allowed:
                raise fail("unknown key in [[rule]]", key)
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid:
            raise fail("every rule needs an id", "id")
        if id_prefix and not rid.startswith(id_prefix):
            rid = id_prefix + rid
        if rid in seen:
            raise fail(f"duplicate rule id {rid}", "id")
        seen.add(rid)
        safety = raw.get("safety", "safe")
        if safety not in ("safe", "unsafe"):
            raise fail("safety is 'safe' or 'unsafe'", "safety")
        confidence = raw.get("confidence", 1.0)
        if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
            raise fail("confidence is a number between 0 and 1", "confidence")
        pattern: regex.Pattern[str] | LazyPattern | None = None
        if "pattern" in raw:
            bits = 0
            for ch in raw.get("flags", ""):
                if ch not in _FLAG_BITS:
                    raise fail(f"unknown regex flag {ch!r}", "flags")
                bits |= _FLAG_BITS[ch]
            bits |= regex.VERSION0
            if lazy and isinstance(raw["pattern"], str):
                pattern = LazyPattern(raw["pattern"], bits)
            else:
                try:
                    pattern = regex.compile(raw["pattern"], bits)
                except regex.error as exc:
                    raise fail(f"pattern does not compile: {exc}", "pattern") from None
        elif require_pattern:
            raise fail("rule has no pattern", "pattern")
        counter = raw.get("counter_examples", [])
        if not isinstance(counter, list) or not all(isinstance(c, str) for c in counter):
            raise fail("counter_examples must be a list of strings", "counter_examples")
        summary = raw.get("summary", "")
        if not isinstance(summary, str) or not summary:
            raise fail("every rule needs a one-line summary", "summary")
        rule = Rule(
            id=rid,
            summary=summary,
            safety=safety,
            examples=_examples(raw.get("examples", []), path, source, index),
            counter_examples=tuple(counter),
            confidence=float(confidence),
            respects_protection=respects_protection,
        )
        replacement = raw.get("replacement")
        if replacement is not None and not isinstance(replacement, str):
            raise fail("replacement must be a string", "replacement")
        extra = {k: v for k, v in raw.items() if k not in COMMON_KEYS}
        rules.append(PackRule(rule, pattern, replacement, raw.get("message", summary), extra))
    return Pack(path, data.get("pack", {}), tuple(rules))


def toml_error_line(exc: Exception, source: str = "") -> int | None:
    """The line a TOML syntax error points at (tomllib puts it in the message)."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    m = re.search(r"at line (\d+)", str(exc))
    if m:
        return int(m.group(1))
    if "end of document" in str(exc):
        return max(1, len(source.splitlines()))
    return None


def read_source(path: str | Path, error: type[SourceError] = RulePackError, what: str = "") -> str:
    """The text of a user's file (a ``what``); a failure is an ``error`` naming the file."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        message = f"cannot read {what}: {exc.strerror}" if what else "file not found"
        raise error(str(p), message) from None
    except OSError as exc:
        raise error(
            str(p), f"cannot read{' ' + what if what else ''}: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise error(str(p), f"{what or 'file'} is not UTF-8") from None


def parse_toml(source: str, path: str, error: type[SourceError] = RulePackError) -> dict[str, Any]:
    """Parsed TOML; a syntax error is an ``error`` naming the file and the line."""
    # imported here: a run whose packs all come from the cache never needs it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise error(path, f"not valid TOML: {exc}", toml_error_line(exc, source)) from None


def read_toml(
    path: str | Path, error: type[SourceError] = RulePackError
) -> tuple[str, dict[str, Any]]:
    """The text and the parsed data of a user's TOML file (pack, gazetteer, config)."""
    source = read_source(path, error)
    return source, parse_toml(source, str(path), error)


def pack_fixer(data: Mapping[str, Any]) -> str | None:
    """The fixer a parsed pack is for (its ``[pack] fixer`` key)."""
    meta = data.get("pack", {})
    return meta.get("fixer") if isinstance(meta, dict) else None


def read_pack(path: str | Path, **kwargs: Any) -> Pack:
    """Load a user's pack from a file."""
    source, _ = read_toml(path)
    return parse_pack(source, str(path), **kwargs)


#: bump when what :func:`builtin_toml` stores changes shape
_TOML_CACHE_VERSION = 1


def read_builtin(name: str) -> str:
    """The text of a file shipped in ``textfix/rules`` (``"calques/fr-en.toml"``)."""
    try:  # a plain folder next to this module: no need for importlib.resources
        return (Path(__file__).parent / "rules" / name).read_text(encoding="utf-8")
    except OSError:  # pragma: no cover - installed in a zip, say
        from importlib import resources

        return (resources.files("textfix") / "rules" / name).read_text(encoding="utf-8")


def builtin_toml(name: str) -> tuple[str, dict[str, Any]]:
    """The text and the parsed TOML of a file shipped in ``textfix/rules``.

    The parsed data comes from the on-disk cache when it holds this very text
    (the key is a digest of it, and of the Python that wrote it); a miss parses
    it with :mod:`tomllib`, as an uncached read would.
    """
    path = f"textfix/rules/{name}"
    source = read_builtin(name)
    digest = hashlib.blake2b(source.encode("utf-8"), digest_size=16).hexdigest()
    key = (
        f"toml {_TOML_CACHE_VERSION} marshal {marshal.version} "
        f"python {'.'.join(map(str, sys.version_info[:3]))} {path} {digest}"
    )
    parsed: dict[str, Any] | None = None

    def build() -> bytes:
        nonlocal parsed
        parsed = parse_toml(source, path)
        try:
            return marshal.dumps(parsed)
        except ValueError:  # a value marshal cannot store (a TOML date): not cached
            return b""

    # an entry name of its own per file: storing one file's new entry prunes the
    # week-old entries of that name, which must not be the other files' current ones
    raw = cached("toml-" + name.replace("/", "-"), key, build)
    if parsed is not None:  # a miss: the data just parsed
        return source, parsed
    try:
        data = marshal.loads(raw) if raw else None
    except (EOFError, ValueError, TypeError):
        data = None
    return source, data if isinstance(data, dict) else parse_toml(source, path)


@cache
def builtin_pack(name: str, **kwargs: Any) -> Pack:
    """Load a pack shipped in ``textfix/rules`` (``"artifacts.toml"``, ``"calques/fr-en.toml"``).

    Its patterns are compiled lazily (see :class:`LazyPattern`) unless
    ``lazy=False`` is passed: the test suite checks them all.
    """
    kwargs.setdefault("lazy", True)
    source, data = builtin_toml(name)
    return parse_pack(source, f"textfix/rules/{name}", data=data, **kwargs)


def finditer(pattern: regex.Pattern[str], text: str, pos: int = 0, endpos: int | None = None):
    """``pattern.finditer`` with the pack timeout: a runaway pattern raises ``TimeoutError``."""
    if endpos is None:
        endpos = len(text)
    return pattern.finditer(text, pos, endpos, timeout=PATTERN_TIMEOUT)
