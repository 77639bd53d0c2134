"""The progress bar: only on a terminal, only for sizeable work, never on stdout."""

from __future__ import annotations

import io
from pathlib import Path

from test_cli import DIRTY, run

from textfix.cli import Progress


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_for_large_work(monkeypatch) -> None:
    stream = FakeTty()
    bar = Progress(total_files=500, total_bytes=10_000_000, stream=stream)
    assert bar.enabled
    clock = iter([100.0, 100.1, 100.6])
    monkeypatch.setattr("textfix.cli.time.monotonic", lambda: next(clock))
    bar.t0 = 99.0
    bar(10, 0, 2_000_000)
    bar(11, 0, 2_100_000)  # 0.1 s later: not redrawn
    bar(20, 300, 4_000_000)
    out = stream.getvalue()
    assert out.count("\r") == 2
    assert "10/500 files" in out and "2.0/10.0 MB" in out
    assert "300 records" in out and "MB/s" in out
    bar.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_is_off_for_small_work_and_pipes() -> None:
    assert not Progress(3, 1000, FakeTty()).enabled
    assert not Progress(5000, 10**9, io.StringIO()).enabled


def test_no_progress_output_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    for i in range(Progress.MIN_FILES + 5):
        (tmp_path / f"f{i:03d}.txt").write_text(DIRTY if i == 0 else "Fine.\n")
    proc = run("check", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert "\r" not in proc.stderr and "MB/s" not in proc.stderr
