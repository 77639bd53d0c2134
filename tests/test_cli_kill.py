"""A ``textfix fix`` killed mid-run leaves every file either old or new, never half-written."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_cli import run, textfix_cmd

DIRT = "The committee met on Tuesday.Its members agreed on a budget for the coming year..\n"
PARAGRAPH = "Several speakers asked for more time to read the proposal before the vote.\n"


def make_tree(root: Path, files: int, size: int) -> dict[Path, bytes]:
    contents = {}
    for i in range(files):
        sub = root / f"part{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        body = (f"Document {i}.\n" + (DIRT + PARAGRAPH * 9) * (size // 800)).encode()
        path = sub / f"doc{i:04d}.txt"
        path.write_bytes(body)
        contents[path] = body
    return contents


def _processes_naming(path: Path) -> list[int]:
    """Live processes whose command line names ``path`` (Linux /proc; else none known)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(path).encode() in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_kill_during_fix_leaves_old_or_new_content(tmp_path: Path, jobs: str) -> None:
    tree = tmp_path / "tree"
    old = make_tree(tree, files=150, size=24_000)
    expected_dir = tmp_path / "expected"
    # one fast family keeps the run short; what is tested is how files are written
    sel = ("--select", "spacing")
    proc = run("clean", str(tree), "-o", str(expected_dir), "-q", *sel, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    new = {p: (expected_dir / p.relative_to(tree)).read_bytes() for p in old}
    assert all(new[p] != old[p] for p in old)

    child = subprocess.Popen(
        [*textfix_cmd(), "fix", str(tree), "-q", "--jobs", jobs, *sel],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        first = min(old)
        # wait until the run is under way: the first file has been replaced
        while time.monotonic() < deadline and child.poll() is None:
            if first.read_bytes() != old[first]:
                break
            time.sleep(0.005)
        time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    # no worker outlives the main process (a forked worker would wait for tasks forever)
    deadline = time.monotonic() + 10
    while _processes_naming(tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_naming(tree) == []

    changed = 0
    for path, before in old.items():
        now = path.read_bytes()
        assert now in (before, new[path]), f"{path} is neither old nor new"
        changed += now == new[path]
    assert 0 < changed < len(old), "the kill did not land mid-run"
    # only our own temporary files may be left over, and the next run ignores them
    strays = [p for p in tree.rglob("*") if p.is_file() and p not in old]
    assert all(p.name.endswith(".textfix-tmp") for p in strays)
    finish = run("fix", str(tree), "-q", *sel, cwd=tmp_path)
    assert finish.returncode == 0, finish.stderr
    assert all(p.read_bytes() == new[p] for p in old)
