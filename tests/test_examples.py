"""The examples in examples/ and the README run and do what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import textfix
from textfix.options import Options
from textfix.pipeline import build_pipeline

ROOT = Path(__file__).parent.parent
USER_PACK = str(ROOT / "examples" / "my-calques.toml")


def test_quickstart_script_runs_and_explains():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "[ad_1]" not in out.split("\n\n")[0]
    assert "artifacts/wp-shortcode" in out
    assert "--- scraped.txt" in out


def test_user_pack_from_the_readme_is_loaded_and_its_examples_hold():
    rules = {r.id: r for r in textfix.rules(rule_packs=[USER_PACK])}
    rule = rules["calques/fr/a-la-une"]
    pipe = build_pipeline(Options.from_kwargs(select=[rule.id], rule_packs=[USER_PACK]))
    for ex in rule.examples:
        assert pipe.clean(ex.before).text == ex.after
    for text in rule.counter_examples:
        assert pipe.clean(text).edits == []
    # without the pack the phrase is left alone
    assert textfix.clean(rule.examples[0].before).edits == []


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```bash") + 3]
    assert "textfix clean seeds" in block[0]
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert block[1] in ci
