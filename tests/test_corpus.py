"""Unit tests of textfix.corpus: decoding, layouts, JSONL splicing, atomic writes, walking."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textfix.corpus import (
    AtomicWriter,
    DecodeError,
    Runner,
    Selector,
    Settings,
    Target,
    _Local,
    atomic_write,
    collect,
    decode,
    encode,
    keep_final_newline,
    locate_value,
    looks_binary,
    ordered_map,
    process_jsonl_batch,
)
from textfix.options import Options

# --- decoding and layout -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"plain\nlines\n",
        b"no final newline",
        b"crlf\r\nfile\r\n",
        b"mixed\r\nends\n",
        b"\xef\xbb\xbfwith a bom\n",
        b"",
        "caf\u00e9\n".encode(),
    ],
)
def test_decode_encode_round_trips(raw: bytes) -> None:
    text, layout = decode(raw)
    assert "\r\n" not in text or not layout.crlf
    assert encode(text, layout) == raw


def test_crlf_is_cleaned_as_lf_and_mixed_endings_are_left_alone() -> None:
    text, layout = decode(b"a\r\nb\r\n")
    assert text == "a\nb\n" and layout.crlf
    text, layout = decode(b"a\r\nb\n")
    assert text == "a\r\nb\n" and not layout.crlf


def test_bom_is_set_aside() -> None:
    text, layout = decode(b"\xef\xbb\xbfhello")
    assert text == "hello" and layout.bom == b"\xef\xbb\xbf"


def test_invalid_utf8_names_the_offset_and_suggests_encoding() -> None:
    with pytest.raises(DecodeError, match=r"byte 0xe9 at offset 3.*--encoding"):
        decode(b"caf\xe9\n")


def test_auto_detects_legacy_encodings() -> None:
    text = "Les élèves ont étudié très sérieusement pendant toute l'année scolaire.\n" * 3
    decoded, layout = decode(text.encode("cp1252"), "auto")
    assert decoded == text
    assert encode(decoded, layout) == text.encode("cp1252")


def test_binary_sniffing() -> None:
    assert looks_binary(b"abc\x00def")
    assert not looks_binary(b"plain text")
    assert looks_binary(b"Hello  world .\n" * 1000 + b"\x00\x01")  # NUL past the first 8 KB
    assert not looks_binary("utf16 text".encode("utf-16"))


@pytest.mark.parametrize(
    ("original", "cleaned", "expected"),
    [
        ("a\n", "b", "b\n"),
        ("a", "b\n", "b"),
        ("a\n\n  ", "a\n\n", "a\n"),
        ("a\r\n\r\n  ", "a\r\n\r\n", "a\r\n"),
        ("a\nSource link", "a\n", "a"),
        ("a\n", "", ""),
        ("a\n", "b\n", "b\n"),
    ],
)
def test_keep_final_newline(original: str, cleaned: str, expected: str) -> None:
    assert keep_final_newline(original, cleaned) == expected


# --- JSONL ------------------------------------------------------------------------------


def test_locate_value_nested_and_duplicates() -> None:
    s = '{"a": 1, "text" : "x" , "m": {"b": "y", "b": "z"}, "text": "last"}'
    a, b = locate_value(s, ["text"])
    assert s[a:b] == '"last"'  # the last duplicate wins, as in json.loads
    a, b = locate_value(s, ["m", "b"])
    assert s[a:b] == '"z"'
    assert locate_value(s, ["nope"]) is None
    assert locate_value("[1, 2]", ["a"]) is None
    with pytest.raises(ValueError):
        locate_value('{"a" 1}', ["a"])


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
dirty_text = st.lists(
    st.sampled_from(["It ended.", "Then", " it", " began..", " \u00e9t\u00e9", "\n", "ok"]),
    max_size=8,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    before=st.dictionaries(
        st.text(max_size=6).filter(lambda k: k != "text"), json_values, max_size=3
    ),
    after=st.dictionaries(
        st.text(max_size=6).filter(lambda k: k != "text"), json_values, max_size=3
    ),
    text=dirty_text,
    ascii_only=st.booleans(),
    indent=st.sampled_from([None, 0]),
    sep=st.sampled_from([(", ", ": "), (",", ":"), (" , ", " : ")]),
)
def test_jsonl_splice_changes_only_the_field(before, after, text, ascii_only, indent, sep):
    record = {**before, "text": text, **{k: v for k, v in after.items() if k not in before}}
    line = json.dumps(record, ensure_ascii=ascii_only, separators=sep)
    raw = line.encode("utf-8") + b"\n"
    res = process_jsonl_batch([raw], 1, "x.jsonl", Options(), Settings(field=("text",)))
    (out,) = res.lines
    new = json.loads(out)
    import textfix

    assert new["text"] == textfix.clean(text).text
    assert {k: v for k, v in new.items() if k != "text"} == {
        k: v for k, v in record.items() if k != "text"
    }
    assert list(new) == list(record)  # key order kept
    if new["text"] == text:
        assert out == raw
    else:
        # every byte outside the value is the original's
        a, b = locate_value(line, ["text"])
        out_s = out.decode("utf-8")
        assert out_s.startswith(line[:a])
        assert out_s.endswith(line[b:] + "\n")


def test_jsonl_batch_passes_through_malformed_lines_and_counts() -> None:
    lines = [b'{"text": "a.Bcd ended.Then.."}\n', b"{broken\n", b"\n", b'{"other": 1}\r\n']
    res = process_jsonl_batch(lines, 10, "x.jsonl", Options(), Settings())
    assert res.lines[1:] == lines[1:]
    errors = [e for e in res.entries if e.error]
    assert [e.line for e in errors] == [11]
    assert res.records == 3 and res.with_field == 1


def test_jsonl_invalid_utf8_line_is_reported_not_fatal() -> None:
    res = process_jsonl_batch([b'{"text": "caf\xe9"}\n'], 1, "x.jsonl", Options(), Settings())
    assert res.lines == [b'{"text": "caf\xe9"}\n']
    assert res.entries[0].error and "not UTF-8" in res.entries[0].error


# --- writing ------------------------------------------------------------------------------


def test_atomic_write_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("old")
    f.chmod(0o604)
    atomic_write(f, b"new", mode_from=f)
    assert f.read_bytes() == b"new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_atomic_writer_abort_leaves_the_old_file(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("old")
    with pytest.raises(RuntimeError), AtomicWriter(f, f) as w:
        w.write(b"half")
        raise RuntimeError("boom")
    assert f.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_new_files_get_umask_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "n.txt", b"x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "n.txt").stat().st_mode) == 0o644


# --- walking -------------------------------------------------------------------------------


def _names(found: list[tuple[Path, Path | None]], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p, _ in found]


def test_collect_include_exclude_gitignore_and_default_excludes(tmp_path: Path) -> None:
    for rel in [
        "a.txt",
        "b.md",
        "c.py",
        "d/e.txt",
        "d/skip/f.txt",
        ".git/x.txt",
        ".venv/y.txt",
        "node_modules/z.md",
        "g.jsonl",
        "keep/h.txt",
    ]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    (tmp_path / "d" / ".gitignore").write_text("skip/\n")
    found, problems = collect([str(tmp_path)], Selector(base=tmp_path))
    assert _names(found, tmp_path) == ["a.txt", "b.md", "d/e.txt", "g.jsonl", "keep/h.txt"]
    assert problems == []
    found, _ = collect(
        [str(tmp_path)], Selector(exclude=["keep/", "*.md"], base=tmp_path, respect_gitignore=False)
    )
    assert _names(found, tmp_path) == ["a.txt", "d/e.txt", "d/skip/f.txt", "g.jsonl"]


def test_collect_explicit_files_and_force_exclude(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    sel = Selector(base=tmp_path)
    found, _ = collect([str(tmp_path / "c.py"), str(tmp_path / "a.txt")], sel)
    assert [p.name for p, _ in found] == ["c.py", "a.txt"]
    found, _ = collect([str(tmp_path / "c.py"), str(tmp_path / "a.txt")], sel, force_exclude=True)
    assert [p.name for p, _ in found] == ["a.txt"]


def test_collect_takes_each_file_once_however_it_is_reached(tmp_path: Path, monkeypatch) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text("x")
    (docs / "sub" / "b.txt").write_text("x")
    (tmp_path / "via").symlink_to(docs, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    found, _ = collect(
        ["docs/sub/b.txt", "docs", str(docs), "via", "docs/sub", "./docs/a.txt"],
        Selector(base=tmp_path),
    )
    assert [str(p) for p, _ in found] == ["docs/sub/b.txt", "docs/a.txt"]


def test_collect_reports_missing_and_does_not_follow_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("x")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "in.txt").write_text("x")
    (tree / "ln").symlink_to(outside, target_is_directory=True)
    (tree / "ln.txt").symlink_to(outside / "o.txt")
    found, problems = collect([str(tree), str(tmp_path / "missing")], Selector(base=tmp_path))
    assert _names(found, tree) == ["in.txt"]
    errors = [p for p in problems if p.level == "error"]
    assert [p.path for p in errors] == [str(tmp_path / "missing")]
    assert {Path(p.path).name for p in problems if p.level == "note"} == {"ln", "ln.txt"}


def _square(x: int) -> int:
    return x * x


def test_ordered_map_keeps_order_in_parallel() -> None:
    tasks = ((_square, (i,)) for i in range(200))
    assert list(ordered_map(tasks, jobs=2, window=5)) == [i * i for i in range(200)]


_WARMED: list[int] = []


def _warm_and_report(i: int) -> tuple[int, int, list[int]]:
    if not _WARMED:
        _WARMED.append(os.getpid())  # stands for a table loaded on first use
    return i, os.getpid(), list(_WARMED)


def test_ordered_map_runs_the_first_task_here_and_workers_start_warm() -> None:
    tasks = [_Local("start"), *((_warm_and_report, (i,)) for i in range(40)), _Local("end")]
    _WARMED.clear()
    try:
        out = list(ordered_map(iter(tasks), jobs=2, window=3))
    finally:
        _WARMED.clear()
    assert out[0] == "start" and out[-1] == "end"
    results = out[1:-1]
    assert [i for i, _, _ in results] == list(range(40))
    me = os.getpid()
    assert results[0][1] == me  # the first task ran in this process
    workers = {pid for _, pid, _ in results[1:]}
    assert me not in workers and workers
    if sys.platform.startswith("linux"):
        # forked after the first task: every worker saw what it loaded, none loaded again
        assert all(warmed == [me] for _, _, warmed in results)


def test_gitignore_above_the_folder_applies_inside_a_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for rel in ["docs/a.txt", "docs/drafts/b.txt", "docs/sub/c.txt"]:
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    (repo / ".gitignore").write_text("drafts/\ndocs/sub/\n")
    docs = repo / "docs"
    # not a repository yet: a .gitignore above the folder given is not ours to read
    found, _ = collect([str(docs)], Selector(base=docs))
    assert _names(found, docs) == ["a.txt", "drafts/b.txt", "sub/c.txt"]
    (repo / ".git").mkdir()
    found, _ = collect([str(docs)], Selector(base=docs))
    assert _names(found, docs) == ["a.txt"]
    found, _ = collect([str(docs)], Selector(base=docs, respect_gitignore=False))
    assert len(found) == 3


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_atomic_write_keeps_the_owner(tmp_path: Path) -> None:
    from textfix.corpus import AtomicWriter

    f = tmp_path / "owned.txt"
    f.write_text("old\n")
    os.chown(f, 65534, 65534)
    with AtomicWriter(f, f) as w:
        w.write(b"new\n")
        w.commit()
    st = f.stat()
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert f.read_text() == "new\n"


def test_runner_batches_files_for_workers_and_keeps_every_entry_in_order(tmp_path: Path) -> None:
    """With jobs > 1 text files travel to workers in batches; the entries must not change."""
    targets = []
    for i in range(41):
        p = tmp_path / f"f{i:02d}.txt"
        if i == 7:
            p.write_bytes(b"bin\x00ary")
        elif i != 13:  # f13 does not exist: an error entry in its place
            p.write_text("It ended.Then it began.." if i % 2 else "Fine.", encoding="utf-8")
        targets.append(Target(str(p), p.name, "text"))
        if i == 20:  # a JSONL file in the middle ends the current batch
            j = tmp_path / "mid.jsonl"
            j.write_text('{"text": "Glued.Here"}\n', encoding="utf-8")
            targets.append(Target(str(j), j.name, "jsonl"))

    def entries(jobs: int) -> list[dict[str, object]]:
        runner = Runner(Settings(), jobs)
        return [e.to_dict() for e in runner.run(targets)]

    serial, parallel = entries(1), entries(2)
    assert parallel == serial
    files = [e for e in serial if "line" not in e]  # one entry per file, records aside
    assert [e["path"] for e in files] == [t.display for t in targets]
    assert "error" in files[13] and files[7]["note"] == "binary file skipped"
    assert files[1]["changed"] and not files[2]["changed"]
    assert files[21]["changed_records"] == 1


def test_a_batch_of_files_syncs_each_folder_once_after_every_file_is_synced(
    tmp_path: Path, monkeypatch
) -> None:
    """Each written file is fsync'd before its rename; its folder once per batch."""
    import textfix.corpus as corpus

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    targets = []
    for i, folder in enumerate((a, a, b, a)):
        p = folder / f"f{i}.txt"
        p.write_text("It ended.Then it began." if i != 1 else "Fine.\n", encoding="utf-8")
        targets.append(Target(str(p), p.name, "text", dest=str(p)))
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        path = os.readlink(f"/proc/self/fd/{fd}")
        synced.append("dir " + path if os.path.isdir(path) else "file " + path)

    monkeypatch.setattr(corpus.os, "fsync", fsync)
    entries = corpus.process_text_files(targets, Settings(mode="fix"))
    assert [e.written for e in entries] == [True, False, True, True]  # f1 had nothing to fix
    files = [s for s in synced if s.startswith("file ")]
    folders = [s for s in synced if s.startswith("dir ")]
    assert len(files) == 3  # the temporary files, before their renames
    assert synced[-2:] == folders == [f"dir {a}", f"dir {b}"]
    assert (a / "f0.txt").read_text(encoding="utf-8") == "It ended. Then it began."


def test_with_workers_the_first_batch_is_one_file(tmp_path: Path) -> None:
    """The first task runs before the workers exist, so it holds one file, not sixteen."""
    targets = []
    for i in range(40):
        p = tmp_path / f"f{i:02d}.txt"
        p.write_text("Fine.", encoding="utf-8")
        targets.append(Target(str(p), p.name, "text"))

    def sizes(jobs: int) -> list[int]:
        return [len(args[0]) for _fn, args in Runner(Settings(), jobs)._tasks(targets)]

    assert sizes(2) == [1, 16, 16, 7]
    assert sizes(1) == [16, 16, 8]
