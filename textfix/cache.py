"""An on-disk cache of derived data (word tables, pattern analyses), shared by processes.

Building some of textfix's tables from their sources takes a second or two,
which every CLI run, pre-commit hook and ``--jobs`` worker would pay again.
Such tables are stored here after the first build and read back on later runs.

Where: ``$TEXTFIX_CACHE_DIR`` if set (set it to ``off`` or to the empty string
to disable the cache), else ``$XDG_CACHE_HOME/textfix``, else
``~/.cache/textfix``. Deleting the folder is always safe.

Each entry is one immutable file named by a digest of its key. The key must name
everything the data is derived from (format version, source files, settings),
so a changed source gets a new entry rather than a stale one. A file is written
to a temporary name and renamed into place, so readers never see half of it,
and it carries its key and a checksum, so a torn, truncated or foreign file is
ignored and rebuilt. Every I/O failure (read-only home, full disk) falls back
to building in memory: the cache can make textfix faster, never wrong or broken.

Entries a source change made stale (a wordfreq upgrade, a new textfix) are
removed when a new entry of the same name is stored, once they are a week old:
two installations that share the folder then keep both their entries.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path

__all__ = ["cache_dir", "cached", "load", "source_digest", "store"]

_MAGIC = b"textfix-cache 2\n"
_CHECK = 12  # the payload's length (8 bytes) and CRC-32 (4 bytes)
_OFF = frozenset({"", "0", "off", "no", "false", "none"})
#: a stale entry (or a temporary file a killed process left) is removed after this long
STALE_AFTER = 7 * 24 * 3600


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is turned off."""
    env = os.environ.get("TEXTFIX_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "textfix"


def _path(name: str, key: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()
    return folder / f"{name}-{digest}.bin"


def _header(key: str) -> bytes:
    k = key.encode("utf-8")
    return _MAGIC + len(k).to_bytes(4, "little") + k


def load(name: str, key: str) -> bytes | None:
    """The data stored under ``(name, key)``, or ``None`` if absent or damaged."""
    path = _path(name, key)
    if path is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = _header(key)
    if not raw.startswith(head) or len(raw) < len(head) + _CHECK:
        return None
    check = raw[len(head) : len(head) + _CHECK]
    data = raw[len(head) + _CHECK :]
    # a CRC catches truncation and damage on disk (~1 ms for the largest entry; a
    # cryptographic digest costs several times more at every start and guards
    # against nothing more here: whoever can write the folder can write any key)
    if check != _check(data):
        return None
    return data


def _check(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little")


def store(name: str, key: str, data: bytes) -> bool:
    """Store ``data`` under ``(name, key)`` atomically; ``False`` if it could not be."""
    path = _path(name, key)
    if path is None:
        return False
    import tempfile  # only a miss writes: not imported by runs that read

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(_header(key))
            f.write(_check(data))
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
    _prune(path, name)
    return True


def _prune(keep: Path, name: str) -> None:
    """Remove other entries of ``name`` and leftover temporary files, once they are stale."""
    cutoff = time.time() - STALE_AFTER
    entry = f"{name}-{'[0-9a-f]' * 20}.bin"  # not the entries of a longer name
    for pattern in (entry, f".{entry}.*"):
        for old in keep.parent.glob(pattern):
            if old == keep:
                continue
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                pass  # gone already, or not ours to remove


def source_digest(path: str | os.PathLike[str]) -> str | None:
    """A digest of a module's source file, for the key of what its code builds.

    Naming the code in a key means a textfix whose code builds a table another
    way (an upgrade, an edit in a checkout) never reads the tables of another.
    ``None`` when there is no source file to read: such data is not stored.
    """
    try:
        return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None


def cached(name: str, key: str, build: Callable[[], bytes]) -> bytes:
    """The stored data for ``(name, key)``, built and stored on a miss."""
    data = load(name, key)
    if data is None:
        data = build()
        store(name, key, data)
    return data
