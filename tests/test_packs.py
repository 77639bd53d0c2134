"""Rule packs: lazy patterns for the built-in packs, their cached TOML, user packs checked in full."""

from __future__ import annotations

import copy
import os
import pickle
from pathlib import Path

import pytest
import regex

import textfix.cache
from textfix import packs
from textfix.packs import LazyPattern, RulePackError

BUILTIN = [
    "artifacts.toml",
    "quotes.toml",
    "sentences.toml",
    *(f"calques/{lang}-en.toml" for lang in ("fr", "es", "de", "it", "pt")),
]

PACK = """\
[pack]
description = "a test pack"

[[rule]]
id = "test/stars"
summary = "a divider of stars"
pattern = '''\\*{3,}'''
flags = "m"
examples = [{ before = "A\\n***\\nB", after = "A\\nB" }]
"""


def test_a_lazy_pattern_compiles_once_on_first_use() -> None:
    lazy = LazyPattern(r"(?P<w>\w+) (?P=w)", regex.VERSION0 | regex.IGNORECASE)
    assert not lazy.is_compiled
    assert lazy.pattern == r"(?P<w>\w+) (?P=w)"  # known without compiling
    assert not lazy.is_compiled
    assert lazy.search("it is IS so").group() == "is IS"
    assert lazy.is_compiled and lazy.compile() is lazy.compile()
    assert lazy.groupindex == {"w": 1}
    assert lazy.flags == regex.compile(lazy.pattern, lazy.declared_flags).flags
    assert packs.compiled(lazy) is lazy.compile()
    plain = regex.compile("x")
    assert packs.compiled(plain) is plain


def test_a_lazy_pattern_copies_and_pickles_as_itself() -> None:
    lazy = LazyPattern("a+b", regex.VERSION0)
    for other in (copy.copy(lazy), copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert (other.pattern, other.declared_flags) == (lazy.pattern, lazy.declared_flags)
        assert other.search("xaab").span() == (1, 4)
    with pytest.raises(AttributeError):
        lazy._nothing  # noqa: B018


def test_a_broken_lazy_pattern_fails_when_first_used() -> None:
    pack = packs.parse_pack(PACK.replace("\\*{3,}", "(unclosed"), "p.toml", lazy=True)
    (rule,) = pack.rules
    with pytest.raises(regex.error):
        rule.pattern.search("x")
    with pytest.raises(RulePackError, match="pattern does not compile") as info:
        packs.parse_pack(PACK.replace("\\*{3,}", "(unclosed"), "p.toml")
    assert (info.value.line, info.value.key) == (7, "pattern")


def test_lazy_and_eager_packs_read_the_same() -> None:
    lazy = packs.parse_pack(PACK, "p.toml", lazy=True)
    eager = packs.parse_pack(PACK, "p.toml")
    (lr,), (er,) = lazy.rules, eager.rules
    assert isinstance(lr.pattern, LazyPattern) and isinstance(er.pattern, regex.Pattern)
    assert (lr.rule, lr.replacement, lr.message, lr.data) == (
        er.rule,
        er.replacement,
        er.message,
        er.data,
    )
    assert lr.pattern.compile().pattern == er.pattern.pattern
    assert lr.pattern.compile().flags == er.pattern.flags
    # the flags are checked either way
    with pytest.raises(RulePackError, match="unknown regex flag"):
        packs.parse_pack(PACK.replace('flags = "m"', 'flags = "q"'), "p.toml", lazy=True)


@pytest.mark.parametrize("name", BUILTIN)
def test_built_in_packs_parse_eagerly(name: str) -> None:
    # the test suite is where built-in patterns are checked: every one compiles
    kwargs = {} if name.startswith(("calques/", "artifacts")) else {"require_pattern": False}
    pack = packs.builtin_pack(name, extra_keys=_extra_keys(name), lazy=False, **kwargs)
    for rule in pack.rules:
        assert rule.pattern is None or isinstance(rule.pattern, regex.Pattern)


def _extra_keys(name: str) -> tuple[str, ...]:
    from textfix.fixers import artifacts, calques, quotes, sentences

    if name.startswith("calques/"):
        return calques.EXTRA_KEYS
    module = {"artifacts.toml": artifacts, "quotes.toml": quotes, "sentences.toml": sentences}
    mod = module[name]
    return getattr(mod, "EXTRA_KEYS", None) or mod.LIST_KEYS


@pytest.mark.parametrize("name", BUILTIN)
def test_cached_toml_equals_a_fresh_parse(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = packs.read_builtin(name)
    fresh = packs.parse_toml(source, name)
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path))
    assert packs.builtin_toml(name) == (source, fresh)  # a miss: parsed and stored
    (entry,) = tmp_path.iterdir()
    parses = []
    monkeypatch.setattr(packs, "parse_toml", lambda *a: parses.append(a) or fresh)
    assert packs.builtin_toml(name) == (source, fresh)  # a hit: not parsed again
    assert parses == []
    # types survive: floats stay floats, lists stay lists, order is kept
    got = packs.builtin_toml(name)[1]
    assert repr(got) == repr(fresh)
    # a damaged entry is ignored and rebuilt
    entry.write_bytes(entry.read_bytes()[:-2])
    assert packs.builtin_toml(name) == (source, fresh) and len(parses) == 1
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", "off")
    assert packs.builtin_toml(name) == (source, fresh) and len(parses) == 2


def test_toml_that_marshal_cannot_hold_is_parsed_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a TOML date is not something marshal stores: such a file is not cached
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(packs, "read_builtin", lambda name: "[pack]\nday = 2024-05-01\n")
    first = packs.builtin_toml("dated.toml")[1]
    assert str(first["pack"]["day"]) == "2024-05-01"
    assert packs.builtin_toml("dated.toml")[1] == first


def test_a_cache_entry_of_another_toml_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path))
    texts = iter(['[pack]\nname = "one"\n', '[pack]\nname = "two"\n'])
    monkeypatch.setattr(packs, "read_builtin", lambda name: next(texts))
    assert packs.builtin_toml("x.toml")[1] == {"pack": {"name": "one"}}
    assert packs.builtin_toml("x.toml")[1] == {"pack": {"name": "two"}}  # the text changed
    assert len(list(tmp_path.iterdir())) == 2
    assert textfix.cache.cache_dir() == tmp_path


def test_a_new_entry_for_one_file_leaves_the_other_files_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # storing an entry prunes the week-old entries of its name: those are stale
    # entries of the same file, never the current entries of the other files
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path))
    texts = {"one.toml": '[pack]\nname = "one"\n', "calques/two.toml": '[pack]\nname = "two"\n'}
    monkeypatch.setattr(packs, "read_builtin", lambda name: texts[name])
    for name in texts:
        packs.builtin_toml(name)
    week_ago = os.stat(tmp_path).st_mtime - textfix.cache.STALE_AFTER - 60
    for entry in tmp_path.iterdir():
        os.utime(entry, (week_ago, week_ago))
    texts["one.toml"] = '[pack]\nname = "one, changed"\n'
    assert packs.builtin_toml("one.toml")[1] == {"pack": {"name": "one, changed"}}
    parses = []
    parse = packs.parse_toml
    monkeypatch.setattr(packs, "parse_toml", lambda *a: parses.append(a) or parse(*a))
    assert packs.builtin_toml("calques/two.toml")[1] == {"pack": {"name": "two"}}
    assert parses == []  # read back, not parsed again
    assert len(list(tmp_path.iterdir())) == 2  # the stale entry of one.toml is gone
