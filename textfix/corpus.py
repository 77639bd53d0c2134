"""Files, folders and JSONL corpora: finding them, reading them, cleaning them, writing them.

What this module promises, because people run it over thousands of files:

* **Finding files.** Folders recurse; a file is taken when its path matches an
  ``include`` glob (default ``*.txt``, ``*.md``, ``*.jsonl``) and no
  ``exclude`` glob. Globs use ``.gitignore`` syntax, and ``.gitignore`` files
  are honoured: those found while walking and those above the folder given,
  up to the top of its git repository. Symbolic links met while walking are not
  followed, so nothing outside the tree given is ever read or written.
  Version-control and virtualenv folders are always skipped.
* **Reading.** Binary files (a NUL byte; for JSONL, in its first 8 KB) are skipped with a
  note. A file that does not decode is an error naming it and it is left
  untouched. ``encoding="auto"`` tries UTF-8 and then asks charset-normalizer.
* **What is cleaned.** A UTF-8 BOM is set aside and put back. A file whose
  every line ends in CRLF is cleaned with LF line ends and written back with
  CRLF: offsets in the report then index the LF text, line and column numbers
  are the file's own. A file with mixed line ends is cleaned as it is. The
  presence or absence of a final newline is kept.
* **Writing.** A file is written only when its bytes change (an unchanged
  file keeps its mtime). Every write goes to a temporary file in the same
  folder, is flushed and fsync'd, takes the old file's permissions and then
  replaces it with one ``rename``: a killed run leaves each file either old or
  new, never half-written. The folder is fsync'd once per batch of files
  written there, so that the renames last. A read-only file (no write bit) is
  an error, left as it was.
* **JSONL.** Streamed line by line (memory does not grow with the file). Only
  the cleaned field's JSON value is replaced inside the line; every other
  byte of the line, key order and spacing included, stays as it was.
  Malformed lines are reported with their line number and passed through.
* **Parallel runs.** Files are cleaned in batches (up to 16 files or 64 KB:
  small files travel together, larger ones alone). ``jobs > 1`` cleans the
  batches, or batches of JSONL records, in worker processes forked after the
  first task ran here (with workers, the first batch is one file); results
  come back in input order and at most a few batches per worker are in flight.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import stat
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.decoder import scanstring
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pathspec

from textfix.model import Result, unified_diff
from textfix.options import Options
from textfix.pipeline import batches, build_pipeline

if TYPE_CHECKING:
    from concurrent.futures import Future

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.jsonl")
#: folders never walked into
DEFAULT_EXCLUDE = (
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    "node_modules/",
    "__pycache__/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".eggs/",
    "site-packages/",
    "*.textfix-tmp",
)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
BINARY_SNIFF = 8192
BATCH_LINES = 256
BATCH_BYTES = 1 << 20
#: text files sent to a worker in one task (``jobs > 1``): small files would
#: otherwise cost more in inter-process traffic than in cleaning, while larger
#: ones must stay apart to keep every worker busy
FILE_BATCH = 16
FILE_BATCH_BYTES = 1 << 16
TMP_SUFFIX = ".textfix-tmp"

Mode = Literal["check", "fix", "clean"]


# --- finding files ------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One file to process: where to read it, how to show it, where to write it."""

    src: str
    display: str
    kind: Literal["text", "jsonl"]
    dest: str | None = None
    options: Options = field(default_factory=Options)


@dataclass(frozen=True)
class Problem:
    """A path that could not be taken (``error``) or was left out on purpose (``note``)."""

    path: str
    message: str
    level: Literal["error", "note"] = "error"


def kind_of(path: str | Path) -> Literal["text", "jsonl"]:
    return "jsonl" if str(path).lower().endswith(JSONL_SUFFIXES) else "text"


class Selector:
    """Include/exclude globs (``.gitignore`` syntax) relative to a base folder."""

    def __init__(
        self,
        include: Sequence[str] = DEFAULT_INCLUDE,
        exclude: Sequence[str] = (),
        *,
        base: Path | None = None,
        respect_gitignore: bool = True,
    ) -> None:
        self.include = pathspec.GitIgnoreSpec.from_lines(list(include))
        self.exclude = pathspec.GitIgnoreSpec.from_lines(list(DEFAULT_EXCLUDE) + list(exclude))
        self.base = (base or Path.cwd()).resolve()
        self.respect_gitignore = respect_gitignore

    def rel(self, path: Path, root: Path) -> str:
        """``path`` relative to the base when inside it, else relative to ``root``."""
        for anchor in (self.base, root):
            try:
                return path.relative_to(anchor).as_posix()
            except ValueError:
                continue
        return path.name

    def excluded(self, rel: str, is_dir: bool = False) -> bool:
        return self.exclude.match_file(rel + "/" if is_dir else rel)

    def included(self, rel: str) -> bool:
        return self.include.match_file(rel)


def _gitignore(folder: Path) -> pathspec.GitIgnoreSpec | None:
    gi = folder / ".gitignore"
    try:
        lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _parent_gitignores(root: Path) -> list[tuple[Path, Any]]:
    """``.gitignore`` files above ``root`` up to its repository's top (none outside a repo)."""
    found: list[tuple[Path, Any]] = []
    for folder in root.parents:
        spec = _gitignore(folder)
        if spec is not None:
            found.append((folder, spec))
        if (folder / ".git").exists():
            return found[::-1]
    return []


def _ignored_by_git(path: Path, is_dir: bool, specs: list[tuple[Path, Any]]) -> bool:
    path = path.absolute()
    for folder, spec in specs:
        rel = path.relative_to(folder).as_posix()
        if spec.match_file(rel + "/" if is_dir else rel):
            return True
    return False


def collect(
    paths: Iterable[str],
    selector: Selector,
    *,
    force_exclude: bool = False,
    skip: Iterable[Path] = (),
) -> tuple[list[tuple[Path, Path | None]], list[Problem]]:
    """Expand ``paths`` into ``(file, root)`` pairs, in a stable order.

    ``root`` is the folder given on the command line that the file was found
    in, or ``None`` for a file named directly.

    A file named directly is always taken, unless ``force_exclude`` asks for
    the include and exclude globs to apply to it too (what a pre-commit hook
    wants, since pre-commit passes every staged text file). ``skip`` holds
    folders never to enter (the output folder of ``clean``).
    """
    out: list[tuple[Path, Path | None]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    skip_dirs = {str(p.resolve()) for p in skip}

    def add(file: Path, root: Path | None, real: str | None = None) -> None:
        """``real``: the file's resolved path, when the caller knows it."""
        key = str(file.resolve()) if real is None else real
        if key not in seen:
            seen.add(key)
            out.append((file, root))

    for raw in paths:
        p = Path(raw)
        if p.is_symlink() and not p.exists():
            problems.append(Problem(raw, "broken symbolic link"))
            continue
        if not p.exists():
            problems.append(Problem(raw, "no such file or folder"))
            continue
        if p.is_file():
            if force_exclude:
                rel = selector.rel(p.absolute(), p.absolute().parent)
                if selector.excluded(rel) or not selector.included(rel):
                    continue
            add(p, None)
            continue
        if not p.is_dir():
            problems.append(Problem(raw, "not a regular file or folder"))
            continue
        root = p
        specs: list[tuple[Path, Any]] = []
        if selector.respect_gitignore:
            root_abs = root.absolute()
            if not (root_abs / ".git").exists():
                specs += _parent_gitignores(root_abs)
            spec = _gitignore(root_abs)
            if spec is not None:
                specs.append((root_abs, spec))
        _walk(root, root, selector, specs, add, problems, skip_dirs, str(root.resolve()))
    return out, problems


def _walk(
    folder: Path,
    root: Path,
    selector: Selector,
    specs: list[tuple[Path, Any]],
    add: Callable[[Path, Path | None, str | None], None],
    problems: list[Problem],
    skip_dirs: set[str],
    real: str,
) -> None:
    """``real`` is ``folder`` resolved: an entry that is no symbolic link resolves to
    it joined with the entry's name (one resolve per folder, not one per file)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(str(folder), f"cannot list folder: {exc.strerror or exc}"))
        return
    folder_abs = folder.absolute()
    root_abs = root.absolute()
    for entry in entries:
        path = folder / entry.name
        if entry.is_symlink():
            problems.append(Problem(str(path), "symbolic link not followed", "note"))
            continue
        is_dir = entry.is_dir(follow_symlinks=False)
        rel = selector.rel(folder_abs / entry.name, root_abs)
        if selector.excluded(rel, is_dir):
            continue
        if specs and _ignored_by_git(path, is_dir, specs):
            continue
        entry_real = os.path.join(real, entry.name)
        if is_dir:
            if entry_real in skip_dirs:
                continue
            sub = specs
            if selector.respect_gitignore:
                spec = _gitignore(path)
                if spec is not None:
                    sub = [*specs, (path.absolute(), spec)]
            _walk(path, root, selector, sub, add, problems, skip_dirs, entry_real)
        elif entry.is_file(follow_symlinks=False) and selector.included(rel):
            add(path, root, entry_real)


# --- reading and writing -----------------------------------------------------------


class DecodeError(ValueError):
    """A file that cannot be decoded with the encoding asked for."""


@dataclass(frozen=True)
class Layout:
    """How a file's bytes were laid out, so the cleaned text can be written back alike."""

    encoding: str = "utf-8"
    bom: bytes = b""
    crlf: bool = False
    final_newline: bool = True


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


_PREFERRED_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp1251", "shift_jis", "gb18030")


def looks_binary(data: bytes, encoding: str = "utf-8") -> bool:
    """A NUL byte anywhere, in a file not declared or marked as UTF-16/32.

    The whole file is searched (a C-speed scan of bytes already read): a file
    whose first kilobytes look like text can still be binary further on.
    """
    if "16" in encoding or "32" in encoding:
        return False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\0" in data


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise DecodeError(f"unknown encoding {encoding!r}") from None


def decode(data: bytes, encoding: str = "utf-8") -> tuple[str, Layout]:
    """Decode a file's bytes; raise :class:`DecodeError` with a helpful message."""
    bom = b""
    enc = encoding
    norm = "auto" if encoding == "auto" else _codec_name(encoding)
    if norm in ("auto", "utf-8", "utf-8-sig"):
        for mark, name in _BOMS:
            if data.startswith(mark) and (norm == "auto" or name == "utf-8"):
                bom, enc, data = mark, name, data[len(mark) :]
                break
        if enc == "utf-8-sig":
            enc = "utf-8"
    if enc == "auto":
        try:
            text = data.decode("utf-8")
            enc = "utf-8"
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            matches = from_bytes(data)
            best = matches.best()
            if best is None:
                raise DecodeError("cannot detect the encoding") from None
            enc = best.encoding
            # ties are common on short Western text (cp1250 vs cp1252): prefer
            # the encodings most often met in practice
            tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
            for preferred in _PREFERRED_ENCODINGS:
                if any(preferred in m.could_be_from_charset for m in tied):
                    enc = preferred
                    break
            try:
                text = data.decode(enc)
            except (UnicodeDecodeError, LookupError):
                raise DecodeError(f"detected {enc} but the file does not decode") from None
    else:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"not valid {enc} (byte 0x{data[exc.start]:02x} at offset {exc.start + len(bom)});"
                " choose one with --encoding, or --encoding auto"
            ) from None
        except LookupError:
            raise DecodeError(f"unknown encoding {enc!r}") from None
    crlf = False
    n_lf = text.count("\n")
    if n_lf and text.count("\r\n") == n_lf:
        crlf = True
        text = text.replace("\r\n", "\n")
    return text, Layout(enc, bom, crlf, text.endswith("\n"))


def encode(text: str, layout: Layout) -> bytes:
    if layout.crlf:
        text = text.replace("\n", "\r\n")
    return layout.bom + text.encode(layout.encoding)


def keep_final_newline(original: str, cleaned: str) -> str:
    """Give ``cleaned`` the final newline ``original`` had, or had not."""
    if original.endswith("\n"):
        if cleaned and not cleaned.endswith("\n"):
            return cleaned + "\n"
    elif cleaned.endswith("\n"):
        # drop the one line break the cleaning exposed, not the blank lines before it
        return cleaned[:-2] if cleaned.endswith("\r\n") else cleaned[:-1]
    return cleaned


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class AtomicWriter:
    """Write a file through a temporary file in the same folder, then rename it over.

    A ``mode_from`` file without any write permission bit is refused
    (``PermissionError``): a rename could replace it, but its owner said no.
    ``commit`` flushes, fsyncs, copies the permissions of ``mode_from`` (or
    uses the umask default), renames, and fsyncs the folder so that the rename
    lasts too; ``abort`` removes the temporary file. Used as a context manager,
    an exception aborts.

    ``sync_folder=False`` leaves the folder's fsync to the caller, who writes
    several files there and syncs it once (:func:`sync_folders`): until then a
    power cut may undo the rename, which leaves the old file, whole. The file's
    own fsync before the rename is never skipped: without it a power cut could
    leave the new name on an empty file.
    """

    def __init__(
        self, dest: str | Path, mode_from: str | Path | None = None, *, sync_folder: bool = True
    ) -> None:
        self.dest = Path(dest)
        self.sync_folder = sync_folder
        self.mode_from = Path(mode_from) if mode_from is not None else None
        if self.mode_from is not None and self.mode_from.exists():
            # a rename would replace a file nobody may write (root included): refuse
            if not stat.S_IMODE(self.mode_from.stat().st_mode) & 0o222:
                raise PermissionError(errno.EACCES, "the file is read-only; left as it was")
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.dest.name}.", suffix=TMP_SUFFIX, dir=self.dest.parent
        )
        self.tmp = tmp
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def commit(self) -> None:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            old = None
            if self.mode_from is not None:
                try:
                    old = os.stat(self.mode_from)
                except OSError:
                    old = None
            os.chmod(self.tmp, stat.S_IMODE(old.st_mode) if old is not None else _default_mode())
            if old is not None and hasattr(os, "chown"):
                try:  # keep the owner too (possible for root, or for the owner's own group)
                    os.chown(self.tmp, old.st_uid, old.st_gid)
                except OSError:
                    pass
            os.replace(self.tmp, self.dest)
        except BaseException:
            self.abort()
            raise
        if self.sync_folder:
            sync_folders((self.dest.parent,))

    def abort(self) -> None:
        try:
            self.file.close()
        finally:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is not None:
            self.abort()
        elif not self.file.closed:
            self.commit()


def atomic_write(
    dest: str | Path, data: bytes, mode_from: str | Path | None = None, *, sync_folder: bool = True
) -> None:
    with AtomicWriter(dest, mode_from, sync_folder=sync_folder) as w:
        w.write(data)


def sync_folders(folders: Iterable[str | Path]) -> None:
    """fsync each folder once, so that the renames made in it last."""
    for folder in dict.fromkeys(map(str, folders)):
        try:
            dfd = os.open(folder, os.O_RDONLY)
        except OSError:  # pragma: no cover - platforms without directory fds
            continue
        try:
            os.fsync(dfd)
        except OSError:  # pragma: no cover
            pass
        finally:
            os.close(dfd)


# --- cleaning ------------------------------------------------------------------------


@dataclass
class Entry:
    """What happened to one file or one JSONL record, ready for any report format."""

    path: str
    kind: Literal["file", "record"] = "file"
    line: int | None = None
    id: str | None = None
    changed: bool = False
    written: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    note: str | None = None
    diff: str = ""
    before: str | None = None
    after: str | None = None
    #: for JSONL files: records read, records changed, records with the field
    records: int = 0
    changed_records: int = 0
    size: int = 0

    @property
    def label(self) -> str:
        if self.kind == "record":
            who = f" ({self.id})" if self.id is not None else ""
            return f"{self.path}:{self.line}{who}"
        return self.path

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path}
        if self.kind == "record":
            d["line"] = self.line
            if self.id is not None:
                d["id"] = self.id
        d["changed"] = self.changed
        if self.kind == "file":
            d["written"] = self.written
        if self.records:
            d["records"] = self.records
            d["changed_records"] = self.changed_records
        d["edits"] = self.edits
        d["flags"] = self.flags
        if self.error:
            d["error"] = self.error
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class Settings:
    """Everything about a run that is the same for every file."""

    mode: Mode = "check"
    encoding: str = "utf-8"
    field: tuple[str, ...] = ("text",)
    id_field: tuple[str, ...] | None = None
    diff: bool = False
    keep_texts: bool = False


def _report_parts(result: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    d = result.to_dict()
    return d["edits"], d["flags"]


def clean_text(
    text: str, options: Options, settings: Settings, display: str, result: Result | None = None
) -> tuple[str, Entry]:
    """Clean one decoded text (``result``: cleaned already); the entry carries
    edits, flags and, when asked, the diff."""
    if result is None:
        result = build_pipeline(options).clean(text)
    cleaned = keep_final_newline(text, result.text)
    entry = Entry(display, changed=cleaned != text, size=len(text))
    entry.edits, entry.flags = _report_parts(result)
    if settings.diff and entry.changed:
        entry.diff = unified_diff(text, cleaned, f"a/{display}", f"b/{display}")
    if settings.keep_texts and (entry.changed or entry.flags):
        entry.before, entry.after = text, cleaned
    return cleaned, entry


def _read_text_file(target: Target, settings: Settings) -> Entry | tuple[str, Layout, bytes]:
    """The decoded text, its layout and bytes; or the entry that says why there is none."""
    try:
        data = Path(target.src).read_bytes()
    except OSError as exc:
        return Entry(target.display, error=f"cannot read: {exc.strerror or exc}")
    if looks_binary(data, settings.encoding):
        return Entry(target.display, note="binary file skipped", size=len(data))
    try:
        text, layout = decode(data, settings.encoding)
    except DecodeError as exc:
        return Entry(target.display, error=str(exc), size=len(data))
    return text, layout, data


def _finish_text_file(
    target: Target,
    settings: Settings,
    read: tuple[str, Layout, bytes],
    outcome: Result | Exception,
) -> Entry:
    """The entry of a file cleaned into ``outcome``, written when the mode says so
    (its folder is left for the caller to fsync: see :class:`AtomicWriter`)."""
    text, layout, data = read
    if isinstance(outcome, Exception):
        return Entry(target.display, error=f"cleaning failed: {type(outcome).__name__}: {outcome}")
    try:
        cleaned, entry = clean_text(text, target.options, settings, target.display, outcome)
    except Exception as exc:  # the report failed: as if cleaning had
        return Entry(target.display, error=f"cleaning failed: {type(exc).__name__}: {exc}")
    entry.size = len(data)
    if settings.diff or target.dest is None:
        return entry
    if settings.mode == "fix" and not entry.changed:
        return entry
    try:
        new = encode(cleaned, layout)
    except UnicodeEncodeError as exc:
        entry.error = f"the cleaned text cannot be written as {layout.encoding}: {exc.reason}"
        return entry
    if encode(text, layout) != data:
        entry.error = f"{layout.encoding} does not round-trip this file exactly; left untouched"
        return entry
    if settings.mode == "fix" and new == data:
        return entry
    try:
        atomic_write(
            target.dest,
            new,
            target.src if settings.mode == "fix" else None,
            sync_folder=False,
        )
    except OSError as exc:
        entry.error = f"cannot write {target.dest}: {exc.strerror or exc}"
        return entry
    entry.written = True
    return entry


def process_text_files(targets: Sequence[Target], settings: Settings) -> list[Entry]:
    """Read, clean and (depending on the mode) write several text files, in order
    (one task).

    The files that share options are cleaned together
    (:meth:`~textfix.pipeline.Pipeline.clean_batch`), one fixer at a time
    over all of them. Each folder written to is fsync'd once, after the last
    file, instead of once per file: those were half the fsyncs of a run over
    small files, and on a busy disk an fsync costs more than cleaning a small file.
    """
    reads = [_read_text_file(t, settings) for t in targets]
    outcomes: list[Result | Exception | None] = [None] * len(targets)
    #: the files to clean, grouped by their options (in order of first appearance)
    groups: list[tuple[Options, list[int]]] = []
    group_of: dict[Options, int] = {}
    for i, (t, r) in enumerate(zip(targets, reads, strict=True)):
        if isinstance(r, Entry):
            continue
        try:
            g = group_of.setdefault(t.options, len(groups))
        except TypeError:  # options that cannot be hashed: alone (the pipeline says why)
            g = len(groups)
        if g == len(groups):
            groups.append((t.options, []))
        groups[g][1].append(i)
    for options, idx in groups:
        texts = [reads[i][0] for i in idx]  # type: ignore[index]
        try:
            got = build_pipeline(options).clean_batch(texts)
        except Exception as exc:  # no pipeline for these options: each of its files says so
            got = [exc] * len(idx)
        for i, outcome in zip(idx, got, strict=True):
            outcomes[i] = outcome
    entries = [
        r if isinstance(r, Entry) else _finish_text_file(t, settings, r, outcomes[i])  # type: ignore[arg-type]
        for i, (t, r) in enumerate(zip(targets, reads, strict=True))
    ]
    sync_folders(
        os.path.dirname(os.path.abspath(t.dest))
        for t, e in zip(targets, entries, strict=True)
        if e.written and t.dest is not None
    )
    return entries


# --- JSONL -----------------------------------------------------------------------------

_decoder = json.JSONDecoder()
_WS = " \t\n\r"


def _skip_ws(s: str, pos: int) -> int:
    n = len(s)
    while pos < n and s[pos] in _WS:
        pos += 1
    return pos


def locate_value(s: str, keys: Sequence[str], pos: int = 0) -> tuple[int, int] | None:
    """Character span of the JSON value at ``keys`` (nested) in the object text ``s``.

    With duplicate keys the last one wins, as in :func:`json.loads`. Raises
    ``ValueError`` on malformed JSON.
    """
    pos = _skip_ws(s, pos)
    if pos >= len(s) or s[pos] != "{":
        return None
    pos = _skip_ws(s, pos + 1)
    found: tuple[int, int] | None = None
    if pos < len(s) and s[pos] == "}":
        return None
    while True:
        if pos >= len(s) or s[pos] != '"':
            raise ValueError(f"expected a key at {pos}")
        key, pos = scanstring(s, pos + 1)
        pos = _skip_ws(s, pos)
        if pos >= len(s) or s[pos] != ":":
            raise ValueError(f"expected ':' at {pos}")
        vstart = _skip_ws(s, pos + 1)
        _, vend = _decoder.raw_decode(s, vstart)
        if key == keys[0]:
            found = (vstart, vend) if len(keys) == 1 else locate_value(s, keys[1:], vstart)
        pos = _skip_ws(s, vend)
        if pos < len(s) and s[pos] == ",":
            pos = _skip_ws(s, pos + 1)
            continue
        if pos < len(s) and s[pos] == "}":
            return found
        raise ValueError(f"expected ',' or '}}' at {pos}")


def get_path(obj: Any, keys: Sequence[str]) -> Any:
    for k in keys:
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


def dump_like(value: str, raw: str) -> str:
    """JSON for ``value``, escaping non-ASCII only if the original value ``raw`` did."""
    ascii_style = raw.isascii() and "\\u" in raw
    out = json.dumps(value, ensure_ascii=ascii_style)
    if not ascii_style:
        try:
            out.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates only survive as escapes
            out = json.dumps(value)
    return out


@dataclass
class BatchResult:
    lines: list[bytes]
    entries: list[Entry]
    changed: int = 0
    with_field: int = 0
    records: int = 0
    size: int = 0


def process_jsonl_batch(
    lines: list[bytes], first_line: int, display: str, options: Options, settings: Settings
) -> BatchResult:
    """Clean the ``field`` of each record in a batch of raw JSONL lines.

    The batch's values are cleaned together
    (:meth:`~textfix.pipeline.Pipeline.clean_batch`); a value that fails
    leaves its line as it was and says so.
    """
    out: list[bytes] = []
    entries: list[Entry] = []
    res = BatchResult(out, entries)
    #: the records to clean: (index in out, line number, line as str, bom, ending, value, id)
    todo: list[tuple[int, int, str, bytes, bytes, str, str | None]] = []
    for n, raw in enumerate(lines, first_line):
        res.size += len(raw)
        body = raw.rstrip(b"\r\n")
        ending = raw[len(body) :]
        bom = b""
        if n == 1 and body.startswith(codecs.BOM_UTF8):
            bom, body = codecs.BOM_UTF8, body[3:]
        out.append(raw)  # replaced below if the record changes
        if not body.strip():
            continue
        res.records += 1
        try:
            s = body.decode("utf-8")
            record = json.loads(s)
        except (UnicodeDecodeError, ValueError) as exc:
            what = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else f"malformed JSON: {exc}"
            entries.append(Entry(display, "record", n, error=f"{what}; line passed through"))
            continue
        value = get_path(record, settings.field)
        if not isinstance(value, str):
            continue
        res.with_field += 1
        rid = None
        if settings.id_field is not None:
            idv = get_path(record, settings.id_field)
            if idv is not None:
                rid = idv if isinstance(idv, str) else json.dumps(idv)
        todo.append((len(out) - 1, n, s, bom, ending, value, rid))
    pipeline = build_pipeline(options)
    outcomes = [o for chunk in batches([t[5] for t in todo]) for o in pipeline.clean_batch(chunk)]
    for (slot, n, s, bom, ending, value, rid), result in zip(todo, outcomes, strict=True):
        if isinstance(result, Exception):
            entries.append(
                Entry(
                    display,
                    "record",
                    n,
                    rid,
                    error=f"cleaning failed: {type(result).__name__}: {result}",
                )
            )
            continue
        cleaned = result.text
        changed = cleaned != value
        if changed or result.flags:
            entry = Entry(display, "record", n, rid, changed=changed)
            entry.edits, entry.flags = _report_parts(result)
            if settings.diff and changed:
                name = f"{display}:{n}" + (f" ({rid})" if rid is not None else "")
                entry.diff = unified_diff(value, cleaned, f"a/{name}", f"b/{name}")
            if settings.keep_texts:
                entry.before, entry.after = value, cleaned
            entries.append(entry)
        if not changed:
            continue
        span = locate_value(s, settings.field)
        assert span is not None  # json.loads found the value, so the scanner does too
        a, b = span
        new = s[:a] + dump_like(cleaned, s[a:b]) + s[b:]
        res.changed += 1
        out[slot] = bom + new.encode("utf-8") + ending
    entries.sort(key=lambda e: e.line or 0)
    return res


def _jsonl_batches(f: Any) -> Iterator[tuple[int, list[bytes]]]:
    batch: list[bytes] = []
    size = 0
    first = 1
    n = 0
    for raw in f:
        n += 1
        batch.append(raw)
        size += len(raw)
        if len(batch) >= BATCH_LINES or size >= BATCH_BYTES:
            yield first, batch
            batch, size, first = [], 0, n + 1
    if batch:
        yield first, batch


# --- running ---------------------------------------------------------------------------


class _Local:
    """A value that passes through :func:`ordered_map` without being sent to a worker."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _call(task: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    fn, args = task
    return fn(*args)


def _worker_context() -> Any:
    """Fork where the platform has it (the workers start warm), else the platform default."""
    import multiprocessing

    if sys.platform.startswith("linux"):  # macOS: fork is unsafe, spawn is its default
        return multiprocessing.get_context("fork")
    return None


def _die_with_parent(parent: int) -> None:
    """In a worker: exit when the main process dies, however it dies.

    A forked worker holds both ends of its task pipe, so a main process killed
    outright (SIGKILL, the OOM killer) would leave it waiting for tasks forever.
    On Linux the kernel sends it SIGTERM when its parent exits; elsewhere workers
    are spawned and see the pipe close. (Strictly, when the *thread* that forked
    it exits: Python 3.11 forks pool workers from the thread calling ``submit``,
    which outlives the pool here.)
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no usable libc
            pass
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def ordered_map(tasks: Iterable[Any], jobs: int, window: int | None = None) -> Iterator[Any]:
    """Run ``(fn, args)`` tasks, possibly in worker processes; yield results in order.

    :class:`_Local` items are yielded as they are, in their place. At most
    ``window`` tasks are in flight, so a long stream of tasks needs bounded
    memory (``Pool.imap`` would read the whole stream ahead).
    """
    if jobs <= 1:
        for t in tasks:
            yield t.value if isinstance(t, _Local) else _call(t)
        return
    tasks = iter(tasks)
    # The first task runs here, before the workers exist: forked from this process,
    # they inherit what it loaded and compiled on first use (word tables, rule
    # patterns) instead of each paying for it again.
    for t in tasks:
        if isinstance(t, _Local):
            yield t.value
            continue
        yield _call(t)
        break
    # imported here: a run with one job never needs them (~20 ms of imports)
    from concurrent.futures import Future, ProcessPoolExecutor

    window = window or jobs * 4
    pending: deque[Future[Any] | _Local] = deque()
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=_worker_context(),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        try:
            for t in tasks:
                pending.append(t if isinstance(t, _Local) else pool.submit(_call, t))
                while len(pending) > window or (pending and isinstance(pending[0], _Local)):
                    item = pending.popleft()
                    yield item.value if isinstance(item, _Local) else item.result()
            while pending:
                item = pending.popleft()
                yield item.value if isinstance(item, _Local) else item.result()
        except BaseException:
            for item in pending:
                if isinstance(item, Future):
                    item.cancel()
            raise


@dataclass
class _JsonlState:
    target: Target
    writer: AtomicWriter | None = None
    copied: int = 0
    with_field: int = 0
    entry: Entry | None = None
    #: why the output could not be written; the rest of the file is still read
    write_error: str | None = None


class Runner:
    """Process targets in order and yield one :class:`Entry` per file and per noteworthy record.

    ``progress`` is called with ``(files_done, records_done, bytes_done)``.
    """

    def __init__(
        self,
        settings: Settings,
        jobs: int = 1,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.jobs = max(1, jobs)
        self.progress = progress
        self.files = 0
        self.records = 0
        self.bytes = 0

    def _tasks(self, targets: Sequence[Target]) -> Iterator[Any]:
        s = self.settings
        batch: list[Target] = []
        size = 0
        # With workers, the first task runs in this process before they are forked
        # (see ordered_map): a batch of one file there warms up nearly as much as
        # a full batch (word tables, most rule patterns), and the other files of
        # the batch are cleaned in parallel instead of before the workers start.
        limit = 1 if self.jobs > 1 else FILE_BATCH
        for t in targets:
            if t.kind == "text":
                batch.append(t)
                try:
                    size += os.stat(t.src).st_size
                except OSError:
                    pass  # process_text_files reports it
                if len(batch) >= limit or size >= FILE_BATCH_BYTES:
                    yield (process_text_files, (batch, s))
                    batch, size = [], 0
                    limit = FILE_BATCH
                continue
            if batch:
                yield (process_text_files, (batch, s))
                batch, size = [], 0
            try:
                f = open(t.src, "rb")  # noqa: SIM115 - closed below, after the last batch
            except OSError as exc:
                yield _Local(("jsonl-error", t, f"cannot read: {exc.strerror or exc}"))
                continue
            try:
                head = f.read(BINARY_SNIFF)
                f.seek(0)
                if looks_binary(head):
                    yield _Local(("jsonl-binary", t, None))
                    continue
                yield _Local(("jsonl-start", t, None))
                for first, lines in _jsonl_batches(f):
                    yield (process_jsonl_batch, (lines, first, t.display, t.options, s))
                yield _Local(("jsonl-end", t, None))
            finally:
                f.close()
        if batch:
            yield (process_text_files, (batch, s))

    def run(self, targets: Sequence[Target]) -> Iterator[Entry]:
        state: _JsonlState | None = None
        try:
            for item in ordered_map(self._tasks(targets), self.jobs):
                if isinstance(item, (Entry, list)):
                    for entry in item if isinstance(item, list) else (item,):
                        self.files += 1
                        self.bytes += entry.size
                        self._tick()
                        yield entry
                elif isinstance(item, BatchResult):
                    assert state is not None
                    yield from self._jsonl_batch(state, item)
                else:
                    tag, target, message = item
                    if tag == "jsonl-start":
                        state = _JsonlState(target, entry=Entry(target.display))
                    elif tag == "jsonl-end":
                        assert state is not None
                        yield self._jsonl_finish(state)
                        state = None
                    elif tag == "jsonl-binary":
                        self.files += 1
                        yield Entry(target.display, note="binary file skipped")
                    else:
                        self.files += 1
                        yield Entry(target.display, error=message)
        finally:
            if state is not None:
                self._jsonl_abort(state)

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.files, self.records, self.bytes)

    def _jsonl_batch(self, st: _JsonlState, res: BatchResult) -> Iterator[Entry]:
        s = self.settings
        entry = st.entry
        assert entry is not None
        entry.records += res.records
        entry.changed_records += res.changed
        entry.size += res.size
        st.with_field += res.with_field
        if res.changed:
            entry.changed = True
        self.records += res.records
        self.bytes += res.size
        dest = st.target.dest
        if dest is not None and not s.diff and st.write_error is None:
            try:
                self._jsonl_write(st, res, dest)
            except OSError as exc:
                st.write_error = f"cannot write {dest}: {exc.strerror or exc}"
                self._jsonl_abort(st)
                st.writer = None
        st.copied += res.size
        self._tick()
        yield from res.entries

    def _jsonl_write(self, st: _JsonlState, res: BatchResult, dest: str) -> None:
        s = self.settings
        if s.mode == "clean" and st.writer is None:
            st.writer = AtomicWriter(dest)
        elif s.mode == "fix" and st.writer is None and res.changed:
            # first change: copy the untouched bytes before this batch
            st.writer = AtomicWriter(dest, st.target.src)
            with open(st.target.src, "rb") as src:
                remaining = st.copied
                while remaining:
                    chunk = src.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    st.writer.write(chunk)
                    remaining -= len(chunk)
        if st.writer is not None:
            st.writer.write(b"".join(res.lines))

    def _jsonl_finish(self, st: _JsonlState) -> Entry:
        entry = st.entry
        assert entry is not None
        self.files += 1
        s = self.settings
        if st.write_error is not None:
            entry.error = st.write_error
        elif st.writer is None and s.mode == "clean" and not s.diff and st.target.dest:
            try:
                st.writer = AtomicWriter(st.target.dest)  # an empty file still gets its copy
            except OSError as exc:
                entry.error = f"cannot write {st.target.dest}: {exc.strerror or exc}"
        if st.writer is not None:
            try:
                st.writer.commit()
                entry.written = True
            except OSError as exc:
                entry.error = f"cannot write {st.target.dest}: {exc.strerror or exc}"
        if entry.records and not st.with_field:
            entry.note = f"no record has a string field {'.'.join(self.settings.field)!r}"
        self._tick()
        return entry

    def _jsonl_abort(self, st: _JsonlState) -> None:
        if st.writer is not None:
            st.writer.abort()


__all__ = [
    "DEFAULT_EXCLUDE",
    "DEFAULT_INCLUDE",
    "AtomicWriter",
    "DecodeError",
    "Entry",
    "Layout",
    "Problem",
    "Runner",
    "Selector",
    "Settings",
    "Target",
    "atomic_write",
    "clean_text",
    "collect",
    "decode",
    "encode",
    "keep_final_newline",
    "kind_of",
    "locate_value",
    "looks_binary",
    "ordered_map",
    "process_jsonl_batch",
]
