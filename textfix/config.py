"""Configuration files: discovery, validation and merging with the command line.

textfix reads the first of these it finds, looking in the current folder and
then in each parent folder:

* ``.textfix.toml`` or ``textfix.toml`` (keys at the top level),
* ``pyproject.toml`` with a ``[tool.textfix]`` table (a ``pyproject.toml``
  without that table is skipped, so a project's own file does not stop the
  search).

The keys are the long command-line flags (``select``, ``ignore``,
``unsafe-fixes``, ``min-confidence``, ``source-lang``, ``include``,
``exclude``, ``per-file-ignores``, ``rule-packs``, ``gazetteers``,
``grammar``, ``languagetool-url``, ...); ``snake_case`` spellings are accepted
too. Paths (rule packs, gazetteers, word lists) are relative to the folder of
the file that names them. A key textfix does not know, or a value of the wrong
type, is a :class:`ConfigError` that names the file, the line and the key.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textfix.packs import SourceError, read_toml

CONFIG_NAMES = (".textfix.toml", "textfix.toml", "pyproject.toml")


class ConfigError(SourceError):
    """A configuration file textfix cannot use, with where the problem is."""


def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


#: key -> (kind, help). Kinds: bool, float, str, int, list (strings), paths,
#: path, table (glob -> list of rule ids).
KEYS: dict[str, str] = {
    "select": "list",
    "ignore": "list",
    "extend-select": "list",
    "extend-ignore": "list",
    "unsafe-fixes": "bool",
    "min-confidence": "float",
    "source-lang": "str",
    "include": "list",
    "exclude": "list",
    "extend-exclude": "list",
    "respect-gitignore": "bool",
    "force-exclude": "bool",
    "per-file-ignores": "table",
    "rule-packs": "paths",
    "gazetteers": "paths",
    "normalize": "list",
    "grammar": "bool",
    "languagetool-url": "str",
    "grammar-language": "str",
    "grammar-allow": "list",
    "grammar-deny": "list",
    "lexicon-unknown": "bool",
    "wordlist": "path",
    "field": "str",
    "id-field": "str",
    "encoding": "str",
    "jobs": "int",
    "exit-non-zero-on-fix": "bool",
    "format": "str",
}


@dataclass
class Config:
    """Validated settings from one file (keys in ``kebab-case``)."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path | None:
        """The folder that relative patterns and paths in the file refer to."""
        return self.path.parent if self.path is not None else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def _key_line(source: str, table: str | None, key: str) -> int | None:
    """Best-effort line of ``key`` inside ``[table]`` (``None``: top level)."""
    current: str | None = None
    bare = key.strip('"')
    for n, raw in enumerate(source.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            header = line.strip("[]").strip()
            current = header
            if header == (f"{table}.{bare}" if table else bare):
                return n
            continue
        if current == table or (table is None and current is None):
            name = line.split("=", 1)[0].strip().strip("\"'")
            if "=" in line and name == bare:
                return n
    return None


def _validate(raw: Mapping[str, Any], path: Path, source: str, table: str | None) -> Config:
    values: dict[str, Any] = {}
    base = path.parent

    def fail(message: str, key: str) -> ConfigError:
        return ConfigError(str(path), message, _key_line(source, table, key), key)

    for orig_key, value in raw.items():
        key = orig_key.replace("_", "-")
        kind = KEYS.get(key)
        if kind is None:
            raise fail("unknown configuration key", orig_key)
        if kind == "bool":
            if not isinstance(value, bool):
                raise fail("expected true or false", orig_key)
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail("expected a number", orig_key)
            value = float(value)
            if key == "min-confidence" and not 0 <= value <= 1:
                raise fail("expected a number between 0 and 1", orig_key)
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail("expected a whole number", orig_key)
        elif kind == "str":
            if not isinstance(value, str):
                raise fail("expected a string", orig_key)
        elif kind in ("list", "paths"):
            items = _str_list(value)
            if items is None:
                raise fail("expected a list of strings", orig_key)
            if kind == "paths":
                items = tuple(str((base / p).resolve()) for p in items)
            value = items
        elif kind == "path":
            if not isinstance(value, str):
                raise fail("expected a path", orig_key)
            value = str((base / value).resolve())
        elif kind == "table":
            if not isinstance(value, dict):
                raise fail("expected a table of glob = [rule ids]", orig_key)
            table_value: dict[str, tuple[str, ...]] = {}
            for glob, rules in value.items():
                items = _str_list(rules)
                if items is None:
                    raise ConfigError(
                        str(path),
                        "expected a list of rule ids",
                        _key_line(source, f"{table}.{key}" if table else key, glob),
                        f"{key}.{glob}",
                    )
                table_value[glob] = items
            value = table_value
        values[key] = value
    if "source-lang" in values:
        from textfix.options import SOURCE_LANGS

        if values["source-lang"] not in SOURCE_LANGS:
            raise fail(f"expected one of {', '.join(SOURCE_LANGS)}", "source-lang")
    return Config(path, values)


def load_config(path: str | Path) -> Config:
    """Read and validate one configuration file."""
    p = Path(path)
    source, data = read_toml(p, ConfigError)
    if p.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("textfix", {}) if isinstance(tool, dict) else {}
        if not isinstance(section, dict):
            raise ConfigError(str(p), "[tool.textfix] must be a table", None, "tool.textfix")
        return _validate(section, p, source, "tool.textfix")
    return _validate(data, p, source, None)


def _has_textfix_table(path: Path) -> bool:
    # imported here: a run that finds no pyproject.toml never needs it (~8 ms)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # a broken pyproject.toml that mentions textfix is still ours to report
        try:
            return "[tool.textfix" in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "textfix" in tool


def find_config(start: str | Path | None = None) -> Path | None:
    """The configuration file that applies in ``start`` (default: the cwd), or None."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and not _has_textfix_table(candidate):
                continue
            return candidate
    return None


def discover(explicit: str | Path | None = None, *, isolated: bool = False) -> Config:
    """The configuration for this run: ``explicit`` if given, else the nearest file."""
    if isolated:
        return Config()
    if explicit is not None:
        return load_config(explicit)
    found = find_config()
    return load_config(found) if found is not None else Config()


__all__ = [
    "CONFIG_NAMES",
    "Config",
    "ConfigError",
    "KEYS",
    "discover",
    "find_config",
    "load_config",
]
