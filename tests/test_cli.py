"""End-to-end tests of the installed ``textfix`` command over temporary trees.

The dirt used here is what the spacing fixer repairs (a sentence glued to the
next, a doubled full stop), so the tests do not depend on the exact rule set
of other fixers.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DIRTY = "The summit ended.Both leaders left early..\n"
CLEAN = "The summit ended. Both leaders left early.\n"
FINE = "Nothing here needs fixing. The text is fine.\n"


def textfix_cmd() -> list[str]:
    script = Path(sys.executable).with_name("textfix")
    return [str(script)] if script.exists() else [sys.executable, "-m", "textfix"]


def run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run(
        [*textfix_cmd(), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        env=env,
        timeout=300,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def run_bytes(*args: str, cwd: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*textfix_cmd(), *args], cwd=cwd, input=stdin, capture_output=True, timeout=300
    )


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A small corpus: dirty and clean text, Markdown, code that must be left out."""
    root = tmp_path / "corpus"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text(DIRTY, encoding="utf-8")
    (root / "b.txt").write_text(FINE, encoding="utf-8")
    (root / "sub" / "c.md").write_text("# Title\n\n" + DIRTY, encoding="utf-8")
    (root / "sub" / "deeper" / "d.txt").write_text(FINE, encoding="utf-8")
    (root / "code.py").write_text("value = obj.Attr..x\n", encoding="utf-8")
    return root


def test_python_dash_m_works(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "textfix", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("textfix ")


# --- check / fix / exit codes ---------------------------------------------------------


def test_check_reports_and_exits_1_without_writing(tree: Path) -> None:
    before = (tree / "a.txt").read_bytes()
    proc = run("check", ".", cwd=tree)
    assert proc.returncode == 1, proc.stderr
    assert "a.txt:1:18: spacing/glued-sentence" in proc.stdout
    assert "sub/c.md:3:" in proc.stdout
    assert "code.py" not in proc.stdout  # not in the default include globs
    assert (tree / "a.txt").read_bytes() == before


def test_check_exits_0_on_clean_files(tree: Path) -> None:
    proc = run("check", "b.txt", "sub/deeper", cwd=tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All 2 files clean" in proc.stdout


def test_fix_rewrites_in_place_and_exit_non_zero_on_fix(tree: Path) -> None:
    proc = run("fix", ".", "--exit-non-zero-on-fix", cwd=tree)
    assert proc.returncode == 1, proc.stderr
    assert (tree / "a.txt").read_text(encoding="utf-8") == CLEAN
    assert (tree / "sub" / "c.md").read_text(encoding="utf-8") == "# Title\n\n" + CLEAN
    assert (tree / "code.py").read_text(encoding="utf-8") == "value = obj.Attr..x\n"
    # a second run finds nothing and exits 0 even with the flag
    again = run("fix", ".", "--exit-non-zero-on-fix", cwd=tree)
    assert again.returncode == 0, again.stdout + again.stderr
    # without the flag, fixing is success
    (tree / "a.txt").write_text(DIRTY, encoding="utf-8")
    assert run("fix", "a.txt", cwd=tree).returncode == 0
    assert (tree / "a.txt").read_text(encoding="utf-8") == CLEAN


def test_fix_keeps_unchanged_files_untouched(tree: Path) -> None:
    fine = tree / "b.txt"
    os.utime(fine, (1_000_000_000, 1_000_000_000))
    ino = fine.stat().st_ino
    assert run("fix", ".", cwd=tree).returncode == 0
    assert fine.stat().st_mtime == 1_000_000_000
    assert fine.stat().st_ino == ino


def test_fix_keeps_permissions_crlf_bom_and_final_newline(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"First line.\r\nThe summit ended.Both left..\r\nLast line.\r\n")
    crlf.chmod(0o640)
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfThe summit ended.Both left..\n")
    no_nl = tmp_path / "no-newline.txt"
    no_nl.write_bytes(b"The summit ended.Both left..")
    proc = run("fix", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert crlf.read_bytes() == b"First line.\r\nThe summit ended. Both left.\r\nLast line.\r\n"
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o640
    assert bom.read_bytes() == b"\xef\xbb\xbfThe summit ended. Both left.\n"
    assert no_nl.read_bytes() == b"The summit ended. Both left."
    # CRLF files report their own line numbers
    assert "crlf.txt:2:18:" in proc.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".textfix-tmp")]


def test_diff_prints_unified_diff_and_writes_nothing(tree: Path) -> None:
    before = (tree / "a.txt").read_bytes()
    proc = run("fix", "a.txt", "b.txt", "--diff", cwd=tree)
    assert proc.returncode == 1
    assert "--- a/a.txt" in proc.stdout and "+++ b/a.txt" in proc.stdout
    assert "-" + DIRTY in proc.stdout and "+" + CLEAN in proc.stdout
    assert "b.txt" not in proc.stdout
    assert (tree / "a.txt").read_bytes() == before
    assert run("check", "b.txt", "--diff", cwd=tree).returncode == 0


def test_select_and_ignore_by_prefix(tree: Path) -> None:
    proc = run("fix", "a.txt", "--ignore", "spacing/glued-sentence", cwd=tree)
    assert proc.returncode == 0, proc.stderr
    assert (tree / "a.txt").read_text(encoding="utf-8") == (
        "The summit ended.Both leaders left early.\n"
    )
    (tree / "a.txt").write_text(DIRTY, encoding="utf-8")
    proc = run("check", "a.txt", "--select", "encoding,spacing/glued", cwd=tree)
    # "spacing/glued" is no rule id and no prefix of one: a warning, not a match
    assert "no rule matches 'spacing/glued'" in proc.stderr
    assert proc.returncode == 0
    assert run("check", "a.txt", "--select", "spacing", cwd=tree).returncode == 1


def test_format_json_is_one_record_per_file(tree: Path) -> None:
    proc = run("check", ".", "--format", "json", cwd=tree)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    by_path = {e["path"]: e for e in data["entries"]}
    assert set(by_path) == {"a.txt", "b.txt", "sub/c.md", "sub/deeper/d.txt"}
    a = by_path["a.txt"]
    assert a["changed"] is True
    assert {e["rule"] for e in a["edits"]} == {
        "spacing/glued-sentence",
        "spacing/doubled-punctuation",
    }
    assert all(
        {"line", "column", "message", "original", "replacement"} <= set(e) for e in a["edits"]
    )
    assert by_path["b.txt"]["changed"] is False
    assert data["summary"]["changed_files"] == 2
    assert data["summary"]["rules"]["spacing/glued-sentence"]["edits"] == 2


# --- clean -o --------------------------------------------------------------------------


def test_clean_mirrors_tree_and_writes_report(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("clean", str(tree), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / "a.txt").read_text(encoding="utf-8") == CLEAN
    assert (out / "b.txt").read_text(encoding="utf-8") == FINE
    assert (out / "sub" / "c.md").read_text(encoding="utf-8") == "# Title\n\n" + CLEAN
    assert (out / "sub" / "deeper" / "d.txt").exists()
    assert not (out / "code.py").exists()
    assert (tree / "a.txt").read_text(encoding="utf-8") == DIRTY  # inputs untouched
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["mode"] == "clean"
    assert report["summary"]["edits"] == 4
    assert "spacing/glued-sentence" in proc.stdout  # printed explanation
    assert "Cleaned 4 files" in proc.stdout


def test_clean_output_folder_inside_the_tree_is_not_walked(tree: Path) -> None:
    assert run("clean", ".", "-o", "cleaned", cwd=tree).returncode == 0
    # a second run must not clean the copies into cleaned/cleaned
    assert run("clean", ".", "-o", "cleaned", cwd=tree).returncode == 0
    assert not (tree / "cleaned" / "cleaned").exists()


def test_clean_needs_an_output_folder(tree: Path) -> None:
    proc = run("clean", "a.txt", cwd=tree)
    assert proc.returncode == 2
    assert "-o OUTDIR" in proc.stderr


def test_clean_stdin_to_stdout(tmp_path: Path) -> None:
    proc = run_bytes("clean", "-", cwd=tmp_path, stdin=DIRTY.encode())
    assert proc.returncode == 0
    assert proc.stdout == CLEAN.encode()
    assert b"spacing/glued-sentence" in proc.stderr  # the explanation goes to stderr
    quiet = run_bytes("fix", "-", "-q", cwd=tmp_path, stdin=b"ok.Then..")
    assert quiet.stdout == b"ok. Then."
    assert quiet.stderr == b""


def test_check_stdin(tmp_path: Path) -> None:
    assert run_bytes("check", "-", cwd=tmp_path, stdin=DIRTY.encode()).returncode == 1
    assert run_bytes("check", "-", cwd=tmp_path, stdin=FINE.encode()).returncode == 0


# --- bad input --------------------------------------------------------------------------


def test_undecodable_file_is_an_error_and_untouched_others_still_fixed(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad_bytes = "Un café.Puis il est parti..\n".encode("latin-1")
    bad.write_bytes(bad_bytes)
    good = tmp_path / "good.txt"
    good.write_text(DIRTY, encoding="utf-8")
    proc = run("fix", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "latin1.txt" in proc.stderr and "not valid utf-8" in proc.stderr
    assert "--encoding" in proc.stderr
    assert bad.read_bytes() == bad_bytes
    assert good.read_text(encoding="utf-8") == CLEAN


def test_explicit_encoding_and_auto_detection(tmp_path: Path) -> None:
    text = (
        "Le comité a publié son rapport.Les députés étaient présents..\n"
        "Cette décision a été prise après une longue délibération à l'Assemblée.\n"
    )
    f = tmp_path / "fr.txt"
    f.write_bytes(text.encode("cp1252"))
    proc = run("fix", "fr.txt", "--encoding", "cp1252", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected = text.replace("rapport.Les", "rapport. Les").replace("présents..", "présents.")
    assert f.read_bytes() == expected.encode("cp1252")  # written back in its own encoding
    f.write_bytes(text.encode("cp1252"))
    proc = run("fix", "fr.txt", "--encoding", "auto", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f.read_bytes().decode("cp1252") == expected


def test_unknown_encoding_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(FINE)
    assert run("check", ".", "--encoding", "no-such-codec", cwd=tmp_path).returncode == 2


def test_binary_files_are_skipped_with_a_note(tmp_path: Path) -> None:
    blob = tmp_path / "blob.txt"
    blob.write_bytes(b"\x00\x01\x02PNG binary.Data..\x00" * 10)
    (tmp_path / "a.txt").write_text(DIRTY)
    proc = run("fix", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "blob.txt: note: binary file skipped" in proc.stderr
    assert blob.read_bytes().startswith(b"\x00\x01")


def test_missing_path_is_an_error_but_the_rest_runs(tree: Path) -> None:
    proc = run("fix", "missing.txt", "a.txt", cwd=tree)
    assert proc.returncode == 2
    assert "missing.txt: error: no such file or folder" in proc.stderr
    assert (tree / "a.txt").read_text(encoding="utf-8") == CLEAN


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "secret.txt"
    f.write_text(DIRTY)
    f.chmod(0)
    try:
        proc = run("check", ".", cwd=tmp_path)
        assert proc.returncode == 2
        assert "secret.txt: error: cannot read" in proc.stderr
    finally:
        f.chmod(0o644)


def test_symlinks_are_not_followed_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text(DIRTY)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link-dir").symlink_to(outside, target_is_directory=True)
    (tree / "link.txt").symlink_to(outside / "victim.txt")
    (tree / "own.txt").write_text(DIRTY)
    proc = run("fix", "tree", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (outside / "victim.txt").read_text() == DIRTY
    assert (tree / "link.txt").is_symlink()
    assert (tree / "own.txt").read_text() == CLEAN


def test_include_exclude_and_gitignore(tree: Path) -> None:
    (tree / ".gitignore").write_text("sub/deeper/\n")
    (tree / "sub" / "deeper" / "d.txt").write_text(DIRTY)
    (tree / "notes.rst").write_text(DIRTY)
    proc = run("check", ".", "--format", "json", cwd=tree)
    paths = {e["path"] for e in json.loads(proc.stdout)["entries"]}
    assert paths == {"a.txt", "b.txt", "sub/c.md"}
    proc = run(
        "check",
        ".",
        "--include",
        "*.rst,*.txt",
        "--exclude",
        "a.txt",
        "--format",
        "json",
        "--no-respect-gitignore",
        cwd=tree,
    )
    paths = {e["path"] for e in json.loads(proc.stdout)["entries"]}
    assert paths == {"b.txt", "notes.rst", "sub/deeper/d.txt"}


def test_force_exclude_filters_named_files(tree: Path) -> None:
    # what the pre-commit hook does: named files must match the include globs
    proc = run("fix", "code.py", "a.txt", "--force-exclude", cwd=tree)
    assert proc.returncode == 0
    assert (tree / "code.py").read_text() == "value = obj.Attr..x\n"
    assert (tree / "a.txt").read_text() == CLEAN
    # without it, a named file is always taken
    assert run("check", "code.py", cwd=tree).returncode == 1


def test_usage_errors_exit_2(tree: Path) -> None:
    assert run("check", "--min-confidence", "3", cwd=tree).returncode == 2
    assert run("check", "--source-lang", "xx", cwd=tree).returncode == 2
    assert run("frobnicate", cwd=tree).returncode == 2
    assert run("check", "-", "a.txt", cwd=tree).returncode == 2


# --- JSONL -------------------------------------------------------------------------------


def _jsonl_lines() -> list[str]:
    return [
        '{"id": "r1", "text": "It ended.Then it began..", "meta": {"n": 1.50, "ok": true}}',
        '{"meta":{"src":"x"},  "id":"r2","text":"Nothing to do here."}',
        "this line is not JSON",
        "",
        '{"id": "r4", "text": "Caf\\u00e9 closed.Then opened..", "n": 1e3}',
        '{"id": "r5", "doc": {"body": "Nested.Glued.."}, "text": 7}',
    ]


def test_jsonl_only_the_field_changes_byte_for_byte(tmp_path: Path) -> None:
    f = tmp_path / "data.jsonl"
    lines = _jsonl_lines()
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run("fix", "data.jsonl", "--id-field", "id", cwd=tmp_path)
    assert proc.returncode == 2  # the malformed line is an input error...
    assert "data.jsonl:3: error: malformed JSON" in proc.stderr
    out = f.read_text(encoding="utf-8").split("\n")
    assert out[0] == (
        '{"id": "r1", "text": "It ended. Then it began.", "meta": {"n": 1.50, "ok": true}}'
    )
    assert out[1] == lines[1]
    assert out[2] == lines[2]  # ...passed through unchanged
    assert out[3] == ""
    # an escaped original stays escaped; other values (1e3) keep their spelling
    assert out[4] == '{"id": "r4", "text": "Caf\\u00e9 closed. Then opened.", "n": 1e3}'
    assert out[5] == lines[5]
    assert "data.jsonl:1 (r1) [1:10]: spacing/glued-sentence" in proc.stdout


def test_jsonl_nested_field_and_report_by_line(tmp_path: Path) -> None:
    f = tmp_path / "data.jsonl"
    lines = _jsonl_lines()
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run("check", "data.jsonl", "--field", "doc.body", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    entries = json.loads(proc.stdout)["entries"]
    records = [e for e in entries if "line" in e and e.get("changed")]
    assert [r["line"] for r in records] == [6]
    assert {e["rule"] for e in records[0]["edits"]} == {
        "spacing/glued-sentence",
        "spacing/doubled-punctuation",
    }
    proc = run("fix", "data.jsonl", "--field", "doc.body", cwd=tmp_path)
    assert f.read_text(encoding="utf-8").split("\n")[5] == (
        '{"id": "r5", "doc": {"body": "Nested. Glued."}, "text": 7}'
    )


def test_jsonl_missing_field_is_noted(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"body": "a.Bc"}\n')
    proc = run("check", "d.jsonl", "--field", "content", cwd=tmp_path)
    assert proc.returncode == 0
    assert "no record has a string field 'content'" in proc.stderr


def test_field_on_the_command_line_makes_stdin_jsonl(tmp_path: Path) -> None:
    data = b'{"id": 7, "body": {"t": "It ended.Then it began.."}, "text": "a.Bc"}\n'
    proc = run_bytes("clean", "-", "--field", "body.t", cwd=tmp_path, stdin=data)
    assert proc.returncode == 0
    # only the named field changed, every other byte kept
    assert proc.stdout == b'{"id": 7, "body": {"t": "It ended. Then it began."}, "text": "a.Bc"}\n'
    # --id-field alone means JSONL too, and names the record in the report
    proc = run_bytes("check", "-", "--id-field", "id", "--format", "json", cwd=tmp_path, stdin=data)
    assert proc.returncode == 0  # the default field "text" holds nothing to fix
    # a text file named on --stdin-filename contradicts --field: say so, change nothing
    proc = run_bytes(
        "clean", "-", "--field", "t", "--stdin-filename", "a.txt", cwd=tmp_path, stdin=data
    )
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"--field applies to JSONL" in proc.stderr


def test_jsonl_stdin_with_stdin_filename(tmp_path: Path) -> None:
    data = b'{"text": "It ended.Then it began..", "k": [1, 2]}\n{"text": "Fine."}\n'
    proc = run_bytes("fix", "-", "--stdin-filename", "x.jsonl", "-q", cwd=tmp_path, stdin=data)
    assert proc.returncode == 0
    assert proc.stdout == b'{"text": "It ended. Then it began.", "k": [1, 2]}\n{"text": "Fine."}\n'


def test_parallel_jobs_give_the_same_output_in_the_same_order(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    for i in range(30):
        (tree / f"f{i:02d}.txt").write_text(DIRTY if i % 3 else FINE)
    big = tree / "big.jsonl"
    with big.open("w") as fh:
        for i in range(1500):
            text = f"Record {i} ended.Then more.." if i % 2 else f"Record {i} is fine."
            fh.write(json.dumps({"id": i, "text": text}) + "\n")
    serial = run("check", "t", "--format", "json", "--id-field", "id", cwd=tmp_path)
    parallel = run(
        "check", "t", "--format", "json", "--id-field", "id", "--jobs", "2", cwd=tmp_path
    )
    assert serial.returncode == parallel.returncode == 1
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    a = tmp_path / "a"
    b = tmp_path / "b"
    assert run("clean", "t", "-o", str(a), cwd=tmp_path).returncode == 0
    assert run("clean", "t", "-o", str(b), "-j", "2", cwd=tmp_path).returncode == 0
    assert (a / "big.jsonl").read_bytes() == (b / "big.jsonl").read_bytes()
    out_lines = (b / "big.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in out_lines] == list(range(1500))
    assert json.loads(out_lines[1])["text"] == "Record 1 ended. Then more."


# --- HTML report ---------------------------------------------------------------------


def test_html_report_is_written_and_escaped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("<script>alert(1)</script> ended.Both left..\n")
    proc = run("check", "a.txt", "--report", "report.html", cwd=tmp_path)
    assert proc.returncode == 1
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "spacing/glued-sentence" in page


# --- rules / explain -------------------------------------------------------------------


def test_rules_lists_every_rule_with_safety_and_example(tmp_path: Path) -> None:
    import textfix

    proc = run("rules", cwd=tmp_path)
    assert proc.returncode == 0
    for rule in textfix.rules():
        assert rule.id in proc.stdout
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("spacing/glued-sentence"))
    assert " safe " in line
    as_json = json.loads(run("rules", "--format", "json", cwd=tmp_path).stdout)
    ids = [r["id"] for r in as_json]
    assert ids == [r.id for r in textfix.rules()]
    glued = next(r for r in as_json if r["id"] == "spacing/glued-sentence")
    assert glued["safety"] == "safe" and glued["examples"] and glued["summary"]


def test_rules_select_filters(tmp_path: Path) -> None:
    proc = run("rules", "--select", "spacing", "--format", "json", cwd=tmp_path)
    ids = [r["id"] for r in json.loads(proc.stdout)]
    assert ids and all(i.startswith("spacing/") for i in ids)


def test_explain_rule_and_prefix(tmp_path: Path) -> None:
    proc = run("explain", "spacing/glued-sentence", cwd=tmp_path)
    assert proc.returncode == 0
    assert "safety: safe" in proc.stdout and "examples:" in proc.stdout
    family = run("explain", "spacing", cwd=tmp_path)
    assert family.stdout.count("safety:") >= 2
    missing = run("explain", "no-such/rule", cwd=tmp_path)
    assert missing.returncode == 2 and "no rule matches" in missing.stderr


# --- grammar options are passed through -----------------------------------------------


def test_grammar_flags_reach_the_grammar_fixer(tmp_path: Path) -> None:
    from ltstub import LanguageToolStub

    f = tmp_path / "g.txt"
    f.write_text("She go to the market every day.\n")
    with LanguageToolStub() as lt:
        proc = run("fix", "g.txt", "--grammar", "--languagetool-url", lt.url, cwd=tmp_path)
        assert lt.checks > 0
    assert proc.returncode == 0, proc.stderr
    assert "grammar/" in proc.stdout
    assert f.read_text() == "She goes to the market every day.\n"
    # without --grammar the server is never asked
    f.write_text("She go to the market every day.\n")
    assert run("check", "g.txt", cwd=tmp_path).returncode == 0


def test_unreachable_languagetool_is_an_error_and_the_file_is_untouched(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    f.write_text(DIRTY)
    proc = run(
        "fix", "g.txt", "--grammar", "--languagetool-url", "http://127.0.0.1:9", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "g.txt: error:" in proc.stderr
    assert f.read_text() == DIRTY


def test_jsonl_fix_with_first_change_after_many_batches(tmp_path: Path) -> None:
    f = tmp_path / "late.jsonl"
    lines = [json.dumps({"id": i, "text": f"Record {i} is fine."}) for i in range(700)]
    lines.append('{"id": 700, "text": "It ended.Then it began.."}')
    lines += [json.dumps({"id": i, "text": "Fine."}) for i in range(701, 710)]
    original = ("\r\n".join(lines) + "\r\n").encode()
    f.write_bytes(original)
    for jobs in ("1", "2"):
        f.write_bytes(original)
        proc = run("fix", "late.jsonl", "-j", jobs, "-q", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert f.read_bytes() == original.replace(
            b"It ended.Then it began..", b"It ended. Then it began."
        )
    # nothing left to fix: the file is not rewritten
    os.utime(f, (1_000_000_000, 1_000_000_000))
    assert run("fix", "late.jsonl", cwd=tmp_path).returncode == 0
    assert f.stat().st_mtime == 1_000_000_000


def test_clean_copies_empty_files_too(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "empty.jsonl").write_bytes(b"")
    assert run("clean", "src", "-o", "out", "-q", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "empty.txt").read_bytes() == b""
    assert (tmp_path / "out" / "empty.jsonl").read_bytes() == b""


def test_fix_leaves_read_only_files_alone_and_says_so(tmp_path: Path) -> None:
    txt = tmp_path / "locked.txt"
    txt.write_text(DIRTY, encoding="utf-8")
    jl = tmp_path / "locked.jsonl"
    jl.write_text('{"text": "It ended.Then it began.."}\n', encoding="utf-8")
    free = tmp_path / "free.txt"
    free.write_text(DIRTY, encoding="utf-8")
    for p in (txt, jl):
        p.chmod(0o444)
    before = {p: p.read_bytes() for p in (txt, jl)}
    proc = run("fix", ".", "-q", "--isolated", cwd=tmp_path)
    assert proc.returncode == 2
    for p in (txt, jl):
        assert p.read_bytes() == before[p]
        assert stat.S_IMODE(p.stat().st_mode) == 0o444
        assert f"{p.name}" in proc.stderr
    assert proc.stderr.count("read-only") == 2
    # the writable file next to them is still fixed
    assert free.read_text(encoding="utf-8") != DIRTY
    assert not list(tmp_path.glob("*.textfix-tmp"))


# --- start-up: what a default run does not import -------------------------------------

#: imported only by the runs that need them: the grammar backend (its HTTP client and
#: LanguageTool), worker processes (--jobs > 1), ftfy (text with encoding damage), the
#: HTML report, and the TOML parser (a pyproject.toml to read)
LAZY_MODULES = (
    "language_tool_python",
    "requests",
    "urllib3",
    "http.client",
    "concurrent.futures",
    "multiprocessing",
    "ftfy",
    "html",
    "tomllib",
)

_IMPORTED = """
import json, sys
import textfix
from textfix.cli import main
assert textfix.clean(sys.argv[1]).text == sys.argv[2]
code = main(["check", "-q", "--isolated", sys.argv[3]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_default_run_imports_none_of_the_lazy_modules(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(DIRTY + "A naïve café, “quoted”.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(FINE, encoding="utf-8")
    argv = [DIRTY, CLEAN, str(tmp_path)]
    # the first run may build the cached tables (ftfy and TOML are read for them),
    # the second reads them back, as every later run does
    for warm in (False, True):
        proc = subprocess.run(
            [sys.executable, "-c", _IMPORTED, *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        got = json.loads(proc.stdout.splitlines()[-1])
        assert got["code"] == 1  # a.txt needs fixing: the run did its work
        lazy = [m for m in LAZY_MODULES if m in got["modules"]]
        assert lazy == [] if warm else set(lazy) <= {"ftfy", "html", "tomllib"}
