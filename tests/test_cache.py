"""The on-disk cache of derived data: round trips, damage, and failures that must not break."""

import os
import stat
import sys

import pytest

from textfix import cache


@pytest.fixture()
def where(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path / "c"))
    return tmp_path / "c"


def test_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(tmp_path))
    assert cache.cache_dir() == tmp_path
    for off in ("", "off", "0", " OFF "):
        monkeypatch.setenv("TEXTFIX_CACHE_DIR", off)
        assert cache.cache_dir() is None
    monkeypatch.delenv("TEXTFIX_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "textfix"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "textfix"


def test_round_trip_and_keys_kept_apart(where):
    assert cache.load("t", "k1") is None
    assert cache.store("t", "k1", b"one")
    assert cache.store("t", "k2", b"two")
    assert cache.load("t", "k1") == b"one"
    assert cache.load("t", "k2") == b"two"
    assert cache.load("u", "k1") is None
    # nothing but the two entries is left behind (no temporary files)
    assert len(os.listdir(where)) == 2


def test_cached_builds_once(where):
    calls = []

    def build():
        calls.append(1)
        return b"\x00payload\xff" * 1000

    first = cache.cached("t", "k", build)
    second = cache.cached("t", "k", build)
    assert first == second == b"\x00payload\xff" * 1000
    assert len(calls) == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign", "empty"])
def test_a_damaged_entry_is_ignored_and_rebuilt(where, damage):
    cache.store("t", "k", b"abcdef" * 100)
    (path,) = where.iterdir()
    raw = path.read_bytes()
    if damage == "truncate":
        raw = raw[:-7]
    elif damage == "flip":
        raw = raw[:-1] + bytes([raw[-1] ^ 1])
    elif damage == "foreign":
        raw = b"not a cache file" + raw
    else:
        raw = b""
    path.write_bytes(raw)
    assert cache.load("t", "k") is None
    assert cache.cached("t", "k", lambda: b"rebuilt") == b"rebuilt"
    assert cache.load("t", "k") == b"rebuilt"


def test_the_key_is_checked_not_only_its_digest(where, monkeypatch):
    cache.store("t", "k", b"data")
    (path,) = where.iterdir()
    # another key whose file name collides must not read this entry
    monkeypatch.setattr(cache, "_path", lambda name, key: path)
    assert cache.load("t", "other key") is None
    assert cache.load("t", "k") == b"data"


def test_disabled_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", "off")
    monkeypatch.chdir(tmp_path)
    assert not cache.store("t", "k", b"x")
    assert cache.cached("t", "k", lambda: b"built") == b"built"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores modes")
def test_unwritable_folder_falls_back_to_building(where):
    where.mkdir()
    where.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert not cache.store("t", "k", b"x")
        assert cache.cached("t", "k", lambda: b"built") == b"built"
        assert list(where.iterdir()) == []
    finally:
        where.chmod(stat.S_IRWXU)


def test_a_file_in_the_way_falls_back_to_building(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("I am not a folder")
    monkeypatch.setenv("TEXTFIX_CACHE_DIR", str(blocker / "sub"))
    assert not cache.store("t", "k", b"x")
    assert cache.cached("t", "k", lambda: b"built") == b"built"
    assert blocker.read_text() == "I am not a folder"


def test_stale_entries_of_the_same_name_are_pruned_on_store(where):
    cache.store("t", "old key", b"old")
    cache.store("t", "recent key", b"recent")
    cache.store("u", "other name", b"other")
    cache.store("t-longer", "a name that starts alike", b"alike")
    leftover = where / f".{cache._path('t', 'gone').name}.x1y2z3"
    leftover.write_bytes(b"from a killed process")
    week_ago = os.stat(where).st_mtime - cache.STALE_AFTER - 60
    for p in where.iterdir():
        if p.name != cache._path("t", "recent key").name:
            os.utime(p, (week_ago, week_ago))
    cache.store("t", "new key", b"new")
    # the stale entry of this name and the leftover go; a recent one and other names stay
    assert cache.load("t", "old key") is None
    assert cache.load("t", "recent key") == b"recent"
    assert cache.load("t", "new key") == b"new"
    assert cache.load("u", "other name") == b"other"
    assert cache.load("t-longer", "a name that starts alike") == b"alike"
    assert not leftover.exists()


def test_source_digest_names_the_code(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("X = 1\n")
    first = cache.source_digest(module)
    assert first is not None and first == cache.source_digest(str(module))
    module.write_text("X = 2\n")
    assert cache.source_digest(module) != first
    assert cache.source_digest(tmp_path / "missing.py") is None
