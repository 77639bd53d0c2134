"""The pre-commit hooks, run by the real pre-commit framework against this checkout.

``pre-commit try-repo`` installs the repository into its own virtualenv (it
needs the package index for the dependencies) and runs a hook on the files
given. It is pinned to the checkout's committed ``HEAD`` (``--ref``): without
it, try-repo would add the working tree's modified tracked files but not the
untracked ones, a mix that need not import. ``PRE_COMMIT_HOME`` points into
the test's temporary folder so nothing outside it is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DIRTY = "The summit ended.Both leaders left early..\n"
CLEAN = "The summit ended. Both leaders left early.\n"
CODE = "value = obj.Attr..x\n"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_hook_definitions() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"textfix", "textfix-check"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["text"]
        assert hook["entry"].startswith("textfix ")
        assert "--force-exclude" in hook["entry"]
    assert hooks["textfix"]["entry"].split()[1] == "fix"
    assert "--exit-non-zero-on-fix" in hooks["textfix"]["entry"]
    assert hooks["textfix-check"]["entry"].split()[1] == "check"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of textfix")
    r = tmp_path / "repo"
    r.mkdir()
    git("init", "-q", cwd=r)
    git("config", "user.email", "test@example.invalid", cwd=r)
    git("config", "user.name", "textfix test", cwd=r)
    (r / "notes.txt").write_text(DIRTY)
    (r / "code.py").write_text(CODE)
    git("add", ".", cwd=r)
    git("commit", "-q", "-m", "init", cwd=r)
    return r


def try_repo(hook: str, repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    ref = git("rev-parse", "HEAD", cwd=ROOT)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            hook,
            "--ref",
            ref,
            "--files",
            "notes.txt",
            "code.py",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_pre_commit_hook_fails_fixes_then_passes(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"
    check = try_repo("textfix-check", repo, home)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "Failed" in check.stdout and "spacing/glued-sentence" in check.stdout
    assert (repo / "notes.txt").read_text() == DIRTY  # the check hook writes nothing

    first = try_repo("textfix", repo, home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Failed" in first.stdout
    assert (repo / "notes.txt").read_text() == CLEAN
    assert (repo / "code.py").read_text() == CODE  # not a text file textfix includes

    second = try_repo("textfix", repo, home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
