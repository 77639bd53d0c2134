"""Names benchmark: inject one misspelling of a recurring name, see what comes back.

    .venv/bin/python bench/names.py            # default options and unsafe_fixes=True
    .venv/bin/python bench/names.py --seed 7 --per-kind 2

For every passage of the do-no-harm corpus (``tests/corpus/clean``) the
recurring names are found independently of textfix: capitalised words of at
least five letters, written at least twice in the middle of a sentence and
never in lower case. For each name and each kind of slip (deletion,
substitution, transposition of adjacent letters; never the first letter) one
occurrence is misspelt, the passage is cleaned, and the result is compared
with the untouched passage:

- exact: the output is the original passage, byte for byte;
- flagged: not rewritten, but a flag on the slip suggests the right name;
- missed: neither;
- other words changed: words of the output that differ from the original
  anywhere but at the slip (collateral damage; should be 0).

A seeded generator picks the occurrence, the position and the letter, so a
run is repeatable. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import difflib
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import textfix  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "clean"
KINDS = ("deletion", "substitution", "transposition")
_WORD = regex.compile(r"(?<![\p{L}\p{M}'’-])\p{Lu}\p{Ll}{4,}+(?![\p{L}\p{M}]|['’]\p{L}{2})")
_SENTENCE_END = regex.compile(r"(?:^|[.!?:;\n])[\s\"'“”‘’(\[*#-]*+$")
_TOKENS = regex.compile(r"\S+")


def recurring_names(text: str) -> dict[str, list[int]]:
    """Capitalised words written twice or more mid-sentence, never in lower case."""
    where: dict[str, list[int]] = defaultdict(list)
    mid: Counter[str] = Counter()
    for m in _WORD.finditer(text):
        where[m.group()].append(m.start())
        if not _SENTENCE_END.search(text, max(0, m.start() - 8), m.start()):
            mid[m.group()] += 1
    lower = set(regex.findall(r"\p{Ll}+", text))
    return {w: pos for w, pos in where.items() if mid[w] >= 2 and w.lower() not in lower}


def misspell(word: str, kind: str, rnd: random.Random) -> str | None:
    """One slip in ``word`` that keeps its first letter, or None if impossible."""
    n = len(word)
    for _ in range(20):
        if kind == "deletion":
            i = rnd.randrange(1, n)
            out = word[:i] + word[i + 1 :]
        elif kind == "substitution":
            i = rnd.randrange(1, n)
            c = rnd.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[i].lower()])
            out = word[:i] + c + word[i + 1 :]
        else:
            i = rnd.randrange(1, n - 1)
            if word[i] == word[i + 1]:
                continue
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if out != word:
            return out
    return None


@dataclass
class Trial:
    file: str
    name: str
    count: int
    kind: str
    slip: str
    outcome: str
    other_words: int


def other_words_changed(original: str, output: str, slip_index: int) -> int:
    """Words of ``output`` that differ from ``original`` anywhere but at the slip."""
    a = _TOKENS.findall(original)
    b = _TOKENS.findall(output)
    changed = 0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        span = range(i1, i2)
        changed += max(i2 - i1, j2 - j1) - (1 if slip_index in span else 0)
    return changed


def run_trials(seed: int, per_kind: int, options: dict[str, object]) -> list[Trial]:
    rnd = random.Random(seed)
    trials: list[Trial] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for name, positions in sorted(recurring_names(text).items()):
            for kind in KINDS:
                for _ in range(per_kind):
                    slip = misspell(name, kind, rnd)
                    if slip is None:
                        continue
                    at = rnd.choice(positions)
                    damaged = text[:at] + slip + text[at + len(name) :]
                    result = textfix.clean(damaged, **options)
                    slip_index = len(_TOKENS.findall(text[:at]))
                    if not text[:at].endswith((" ", "\n", "\t")) and at:
                        slip_index -= 1  # the name shares a token with what precedes it
                    if result.text == text:
                        outcome = "exact"
                    elif any(
                        f.start <= at < f.end and f.suggestion is not None and name in f.suggestion
                        for f in result.flags
                    ):
                        outcome = "flagged"
                    else:
                        outcome = "missed"
                    trials.append(
                        Trial(
                            path.name,
                            name,
                            len(positions),
                            kind,
                            slip,
                            outcome,
                            other_words_changed(text, result.text, slip_index),
                        )
                    )
    return trials


def table(trials: list[Trial], title: str) -> str:
    rows = [("kind", "trials", "exact", "flagged", "missed", "other words changed")]

    def row(label: str, ts: list[Trial]) -> tuple[str, ...]:
        c = Counter(t.outcome for t in ts)
        return (
            label,
            str(len(ts)),
            f"{c['exact']} ({100 * c['exact'] / max(1, len(ts)):.0f}%)",
            str(c["flagged"]),
            str(c["missed"]),
            str(sum(t.other_words for t in ts)),
        )

    for kind in KINDS:
        rows.append(row(kind, [t for t in trials if t.kind == kind]))
    for label, lo, hi in (("name seen 2x", 2, 2), ("name seen 3x", 3, 3), ("name seen 4x+", 4, 99)):
        rows.append(row(label, [t for t in trials if lo <= t.count <= hi]))
    rows.append(row("all", trials))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [title, ""]
    for k, r in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--per-kind", type=int, default=4, help="slips per name and kind")
    ap.add_argument("--show", action="store_true", help="list every trial that was not exact")
    args = ap.parse_args(argv)
    files = sorted(CORPUS.glob("*.txt"))
    names = sum(len(recurring_names(p.read_text(encoding="utf-8"))) for p in files)
    print(f"{len(files)} clean passages, {names} recurring names\n")
    # the untouched corpus first: anything changed there is harm, not a fix
    harm = sum(
        other_words_changed(t, textfix.clean(t).text, -1)
        for t in (p.read_text(encoding="utf-8") for p in files)
    )
    print(f"words changed in the untouched corpus: {harm}\n")
    for label, options in (
        ("default options (unsafe fixes at confidence >= 0.8)", {}),
        ("unsafe_fixes=True (every proposal applied)", {"unsafe_fixes": True}),
    ):
        start = time.perf_counter()
        trials = run_trials(args.seed, args.per_kind, options)
        print(table(trials, f"{label}: {time.perf_counter() - start:.1f}s"))
        if args.show:
            for t in trials:
                if t.outcome != "exact" or t.other_words:
                    print(
                        f"    {t.file}: {t.name} -> {t.slip} ({t.kind}, seen {t.count}x): "
                        f"{t.outcome}, {t.other_words} other"
                    )
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
