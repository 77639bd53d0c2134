"""Run code against a copy of textfix with one line of one module changed.

Cache keys must name the code that builds a table: a textfix whose code builds
it differently, sharing the cache folder, must never read this one's tables.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import textfix

#: the folder whose ``textfix`` package is this checkout's
HERE = Path(textfix.__file__).parent.parent


def changed_copy(tmp_path: Path, module: str, old: str, new: str) -> Path:
    """A folder holding a copy of textfix with ``old`` (found once) in ``module``
    (``"fixers/lexicon.py"``) replaced by ``new``; put it on ``PYTHONPATH``."""
    changed = tmp_path / "changed"
    shutil.copytree(
        HERE / "textfix", changed / "textfix", ignore=shutil.ignore_patterns("__pycache__")
    )
    path = changed / "textfix" / module
    source = path.read_text(encoding="utf-8")
    assert source.count(old) == 1
    path.write_text(source.replace(old, new), encoding="utf-8")
    return changed


def run_with(where: Path, code: str, cache: Path) -> str:
    """The output of ``code`` run with ``where``'s textfix and the cache folder ``cache``."""
    env = {**os.environ, "PYTHONPATH": str(where), "TEXTFIX_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cache.parent,  # not this checkout: the package comes from PYTHONPATH
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=True,
    )
    return done.stdout
