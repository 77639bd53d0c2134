"""Configuration files: discovery, validation with file/line/key, and flags overriding them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import CLEAN, DIRTY, run

from textfix.config import ConfigError, discover, find_config, load_config


def test_discovery_walks_up_and_skips_foreign_pyproject(tmp_path: Path) -> None:
    (tmp_path / "textfix.toml").write_text('select = ["spacing"]\n')
    project = tmp_path / "project"
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.textfix]
    assert find_config(deep) == tmp_path / "textfix.toml"
    (project / "pyproject.toml").write_text('[tool.textfix]\nignore = ["encoding"]\n')
    assert find_config(deep) == project / "pyproject.toml"
    (project / "a" / ".textfix.toml").write_text("grammar = false\n")
    assert find_config(deep) == project / "a" / ".textfix.toml"


def test_dot_file_wins_over_plain_and_pyproject_in_one_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.textfix]\n")
    (tmp_path / "textfix.toml").write_text("")
    assert find_config(tmp_path) == tmp_path / "textfix.toml"
    (tmp_path / ".textfix.toml").write_text("")
    assert find_config(tmp_path) == tmp_path / ".textfix.toml"


def test_values_are_validated_and_normalised(tmp_path: Path) -> None:
    cfg_file = tmp_path / "pyproject.toml"
    cfg_file.write_text(
        "[tool.textfix]\n"
        'select = "spacing, encoding"\n'
        "unsafe_fixes = false\n"
        "min-confidence = 1\n"
        'rule-packs = ["packs/mine.toml"]\n'
        "[tool.textfix.per-file-ignores]\n"
        '"drafts/*.txt" = ["spacing/glued-sentence"]\n'
    )
    cfg = load_config(cfg_file)
    assert cfg.values["select"] == ("spacing", "encoding")
    assert cfg.values["unsafe-fixes"] is False
    assert cfg.values["min-confidence"] == 1.0
    assert cfg.values["rule-packs"] == (str((tmp_path / "packs" / "mine.toml").resolve()),)
    assert cfg.values["per-file-ignores"] == {"drafts/*.txt": ("spacing/glued-sentence",)}
    assert cfg.root == tmp_path


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('select = ["x"]\n\nselct = ["spacing"]\n', 3, "selct"),
        ("grammar = 1\n", 1, "grammar"),
        ("min-confidence = 2.0\n", 1, "min-confidence"),
        ('source-lang = "xx"\n', 1, "source-lang"),
        ('[per-file-ignores]\n"*.md" = 3\n', 2, "per-file-ignores.*.md"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, line: int, key: str) -> None:
    f = tmp_path / "textfix.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(f)
    err = info.value
    assert (err.path, err.line, err.key) == (str(f), line, key)
    assert f"{f}:{line}" in str(err) and repr(key) in str(err)


def test_unknown_key_in_pyproject_table(tmp_path: Path) -> None:
    f = tmp_path / "pyproject.toml"
    f.write_text('[project]\nname = "x"\n\n[tool.textfix]\nselect = []\nbogus = true\n')
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert (info.value.line, info.value.key) == (6, "bogus")


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    f = tmp_path / "textfix.toml"
    f.write_text('select = ["a"]\nignore = [\n')
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert info.value.line is not None


def test_explicit_and_isolated(tmp_path: Path) -> None:
    f = tmp_path / "other.toml"
    f.write_text('ignore = ["spacing"]\n')
    assert discover(f).values["ignore"] == ("spacing",)
    assert discover(f, isolated=True).values == {}
    with pytest.raises(ConfigError, match="not found"):
        discover(tmp_path / "missing.toml")


# --- end to end ----------------------------------------------------------------------


def test_config_is_used_and_flags_override_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.textfix]\nignore = ["spacing/glued-sentence"]\nexclude = ["skipped/"]\n'
    )
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "s.txt").write_text(DIRTY)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.txt").write_text(DIRTY)
    # found from a sub-folder; glued sentences ignored by the file
    proc = run("check", ".", "--format", "json", cwd=sub)
    rules = {e["rule"] for entry in json.loads(proc.stdout)["entries"] for e in entry["edits"]}
    assert rules == {"spacing/doubled-punctuation"}
    # the flag replaces the file's ignore list
    proc = run("check", ".", "--format", "json", "--ignore", "encoding", cwd=sub)
    rules = {e["rule"] for entry in json.loads(proc.stdout)["entries"] for e in entry["edits"]}
    assert "spacing/glued-sentence" in rules
    # exclude globs are relative to the configuration's folder
    proc = run("check", str(tmp_path), "--format", "json", cwd=sub)
    paths = [e["path"] for e in json.loads(proc.stdout)["entries"]]
    assert not any("skipped" in p for p in paths)
    # --isolated ignores the file
    proc = run("fix", "a.txt", "--isolated", cwd=sub)
    assert (sub / "a.txt").read_text() == CLEAN


def test_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / ".textfix.toml").write_text(
        '[per-file-ignores]\n"drafts/**" = ["spacing/doubled-punctuation"]\n'
    )
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "d.txt").write_text(DIRTY)
    (tmp_path / "final.txt").write_text(DIRTY)
    assert run("fix", ".", cwd=tmp_path).returncode == 0
    assert (tmp_path / "final.txt").read_text() == CLEAN
    assert (
        tmp_path / "drafts" / "d.txt"
    ).read_text() == "The summit ended. Both leaders left early..\n"


def test_unknown_config_key_exits_2_naming_file_line_key(tmp_path: Path) -> None:
    (tmp_path / "textfix.toml").write_text('select = ["spacing"]\nunsafe = true\n')
    (tmp_path / "a.txt").write_text(DIRTY)
    proc = run("fix", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "textfix.toml:2" in proc.stderr and "'unsafe'" in proc.stderr
    assert (tmp_path / "a.txt").read_text() == DIRTY  # nothing touched


def test_malformed_rule_pack_exits_2_naming_file_line(tmp_path: Path) -> None:
    import textfix

    families = sorted({r.family for r in textfix.rules()} & {"artifacts", "calques"})
    if not families:
        pytest.skip("no fixer that reads rule packs is registered")
    pack = tmp_path / "mine.toml"
    pack.write_text(
        f'[pack]\nfixer = "{families[0]}"\n\n[[rule]]\nid = "x"\nsummary = "s"\npattern = "("\n'
    )
    (tmp_path / "textfix.toml").write_text('rule-packs = ["mine.toml"]\n')
    (tmp_path / "a.txt").write_text(DIRTY)
    proc = run("check", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "mine.toml:" in proc.stderr and "pattern" in proc.stderr
    pack.write_text("[pack\n")
    proc = run("check", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "mine.toml:1" in proc.stderr
    pack.write_text('[[rule]]\nid = "x"\n')
    proc = run("check", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "'fixer'" in proc.stderr
    missing = run("check", ".", "--isolated", "--rule-pack", "nope.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr
