"""The ``textfix`` command line.

::

    textfix check PATH...            report what would change; exit 1 if anything would
    textfix fix PATH...              rewrite files in place (atomically)
    textfix clean PATH... -o OUTDIR  write cleaned copies and OUTDIR/report.json
    textfix clean -                  stdin -> stdout
    textfix rules                    every rule: id, safety, summary, an example
    textfix explain RULE             one rule (or every rule under a prefix) in full

Exit codes: 0 clean (or fixed), 1 changes needed (``check``, ``--diff``) or made
(with ``--exit-non-zero-on-fix``), 2 usage, configuration or input errors.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import pathspec

from textfix import __version__
from textfix.config import Config, ConfigError, discover
from textfix.corpus import (
    DEFAULT_INCLUDE,
    BatchResult,
    DecodeError,
    Entry,
    Runner,
    Selector,
    Settings,
    Target,
    _jsonl_batches,
    clean_text,
    collect,
    decode,
    encode,
    kind_of,
    looks_binary,
    process_jsonl_batch,
)
from textfix.options import SOURCE_LANGS, Options
from textfix.packs import RulePackError, pack_fixer, read_toml
from textfix.pipeline import build_pipeline, selector_matches
from textfix.report import HtmlReport, JsonReport, Summary, text_lines

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2
#: fixers that read user rule packs (``[pack] fixer = ...``)
PACK_FIXERS = frozenset({"artifacts", "calques"})


class UsageError(Exception):
    """A problem with the command line or configuration: message, exit 2."""


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class _Csv(argparse.Action):
    """``--select a,b --select c`` -> ``["a", "b", "c"]``."""

    def __call__(self, parser: Any, ns: Any, values: Any, option_string: Any = None) -> None:
        cur = getattr(ns, self.dest, None) or []
        setattr(ns, self.dest, [*cur, *_csv(values)])


def _confidence(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= f <= 1:
        raise argparse.ArgumentTypeError("must lie between 0 and 1")
    return f


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 (all cores) or more")
    return n


def _rule_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("rules")
    g.add_argument(
        "--select",
        action=_Csv,
        metavar="RULES",
        help="only these rule ids or prefixes (comma list; ALL for every rule)",
    )
    g.add_argument(
        "--ignore",
        action=_Csv,
        metavar="RULES",
        help="never these rule ids or prefixes (comma list)",
    )
    g.add_argument(
        "--unsafe-fixes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply every unsafe fix (--no-unsafe-fixes: safe fixes only; default: "
        "unsafe fixes at or above --min-confidence, the rest flagged)",
    )
    g.add_argument(
        "--min-confidence",
        type=_confidence,
        metavar="X",
        help="confidence an unsafe fix needs to be applied (default 0.8)",
    )
    g.add_argument(
        "--source-lang", choices=SOURCE_LANGS, help="language the text was machine-translated from"
    )
    g.add_argument(
        "--rule-pack",
        dest="rule_packs",
        action="append",
        metavar="TOML",
        help="extra rule pack (repeatable)",
    )
    g.add_argument(
        "--gazetteer",
        dest="gazetteers",
        action="append",
        metavar="TOML",
        help="extra gazetteer of names (repeatable)",
    )
    g.add_argument(
        "--normalize",
        action=_Csv,
        metavar="WHAT",
        help="opt-in normalisations: quotes, dashes, nfc, width, ligatures",
    )
    g.add_argument(
        "--grammar",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the LanguageTool grammar checker",
    )
    g.add_argument("--languagetool-url", metavar="URL", help="a LanguageTool server to use")
    g.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: nearest .textfix.toml, textfix.toml or "
        "pyproject.toml with [tool.textfix], from the current folder upwards)",
    )
    g.add_argument("--isolated", action="store_true", help="ignore every configuration file")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textfix",
        description="Repair text damaged by web scraping and machine translation, "
        "and explain every change.",
        epilog="Exit codes: 0 clean or fixed; 1 changes needed (check, --diff) or made "
        "(--exit-non-zero-on-fix); 2 usage, configuration or input errors.",
    )
    parser.add_argument("--version", action="version", version=f"textfix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = argparse.ArgumentParser(add_help=False)
    run.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders ('-' reads stdin); default: the current folder",
    )
    _rule_options(run)
    f = run.add_argument_group("files")
    f.add_argument(
        "--include",
        action=_Csv,
        metavar="GLOBS",
        help=f"files to take in folders (default: {','.join(DEFAULT_INCLUDE)})",
    )
    f.add_argument(
        "--exclude",
        action=_Csv,
        metavar="GLOBS",
        help="files and folders to leave out (.gitignore syntax)",
    )
    f.add_argument(
        "--extend-exclude",
        action=_Csv,
        metavar="GLOBS",
        help="more exclusions on top of the configured ones",
    )
    f.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="honour .gitignore files in the folders walked (default: yes)",
    )
    f.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply --include/--exclude to files named on the command line too",
    )
    f.add_argument(
        "--encoding",
        metavar="NAME",
        help="encoding of text files (default utf-8; 'auto' detects it)",
    )
    f.add_argument(
        "--field", metavar="KEY", help="JSONL field to clean, nested with dots: a.b (default: text)"
    )
    f.add_argument("--id-field", metavar="KEY", help="JSONL field that names a record")
    f.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="name for stdin input (decides JSONL and per-file-ignores; "
        "--field or --id-field alone also mean JSONL)",
    )
    f.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="worker processes (0: one per core; default 1)",
    )
    o = run.add_argument_group("output")
    o.add_argument(
        "--diff",
        action="store_true",
        help="print unified diffs instead of writing; exit 1 if anything would change",
    )
    o.add_argument("--format", choices=("text", "json"), help="report format on stdout")
    o.add_argument("--report", metavar="HTML", help="also write a self-contained HTML review page")
    o.add_argument(
        "--exit-non-zero-on-fix",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="exit 1 when files were changed (for pre-commit)",
    )
    o.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    o.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print notes, unchanged files and throughput",
    )

    sub.add_parser(
        "check",
        parents=[run],
        help="report what would change; exit 1 if anything",
        description="Report what would change; exit 1 if anything would.",
    )
    sub.add_parser(
        "fix",
        parents=[run],
        help="rewrite files in place",
        description="Rewrite files in place (atomically; unchanged files are not touched).",
    )
    c = sub.add_parser(
        "clean",
        parents=[run],
        help="write cleaned copies and a report",
        description="Write cleaned copies of every file into OUTDIR (mirroring "
        "the tree) and OUTDIR/report.json; '-' cleans stdin to stdout.",
    )
    c.add_argument("-o", "--output-dir", metavar="OUTDIR", help="folder for the cleaned copies")

    r = sub.add_parser("rules", help="list every rule", description="List every rule.")
    _rule_options(r)
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.add_argument(
        "--all-examples", action="store_true", help="print every example and counter-example"
    )

    e = sub.add_parser(
        "explain",
        help="show one rule (or a family) in full",
        description="Show a rule, or every rule under a prefix, in full.",
    )
    e.add_argument("rule", metavar="RULE", help="rule id or prefix (spacing, spacing/...)")
    _rule_options(e)
    e.add_argument("--format", choices=("text", "json"), default="text")
    return parser


# --- configuration + flags ---------------------------------------------------------


def _pick(flag: Any, cfg: Config, key: str, default: Any = None) -> Any:
    if flag is not None:
        return flag
    return cfg.get(key, default)


def _options(args: argparse.Namespace, cfg: Config) -> Options:
    """Options from the flags, falling back to the configuration file."""
    select = _pick(args.select, cfg, "select")
    if select is not None:
        select = [*select, *cfg.get("extend-select", ())]
    elif cfg.get("extend-select"):
        select = None  # extend-select only widens an explicit select
    ignore = [*(_pick(args.ignore, cfg, "ignore", ()) or ()), *cfg.get("extend-ignore", ())]
    kw: dict[str, Any] = {
        "select": tuple(select) if select is not None else None,
        "ignore": tuple(ignore),
        "unsafe_fixes": _pick(args.unsafe_fixes, cfg, "unsafe-fixes"),
        "min_confidence": _pick(args.min_confidence, cfg, "min-confidence", 0.8),
        "source_lang": _pick(args.source_lang, cfg, "source-lang"),
        "rule_packs": tuple(cfg.get("rule-packs", ()))
        + tuple(str(Path(p).resolve()) for p in args.rule_packs or ()),
        "gazetteers": tuple(cfg.get("gazetteers", ()))
        + tuple(str(Path(p).resolve()) for p in args.gazetteers or ()),
        "normalize": tuple(_pick(args.normalize, cfg, "normalize", ()) or ()),
        "grammar": bool(_pick(args.grammar, cfg, "grammar", False)),
        "languagetool_url": _pick(args.languagetool_url, cfg, "languagetool-url"),
    }
    for key, opt in (
        ("grammar-language", "grammar_language"),
        ("grammar-allow", "grammar_allow"),
        ("grammar-deny", "grammar_deny"),
        ("lexicon-unknown", "lexicon_unknown"),
        ("wordlist", "wordlist"),
    ):
        if key in cfg.values:
            kw[opt] = cfg.values[key]
    try:
        return Options.from_kwargs(**kw)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _precheck_packs(options: Options) -> None:
    """Missing or unparsable packs fail before any file is touched."""
    for path in (*options.rule_packs, *options.gazetteers):
        if "\n" in path:  # an inline gazetteer: its fixer validates it
            continue
        p = Path(path)
        source, data = read_toml(p)
        if path in options.gazetteers:
            continue
        fixer = pack_fixer(data)
        families = {r.family for r in build_pipeline(options.but(rule_packs=())).rules}
        if not isinstance(fixer, str) or fixer not in families:
            line = next(
                (
                    n
                    for n, ln in enumerate(source.splitlines(), 1)
                    if ln.strip().split("=")[0].strip() == "fixer"
                ),
                next(
                    (n for n, ln in enumerate(source.splitlines(), 1) if ln.strip() == "[pack]"),
                    None,
                ),
            )
            raise RulePackError(
                str(p),
                "a rule pack names the fixer it extends in its [pack] table "
                f"(fixer = {' or '.join(repr(f) for f in sorted(families & PACK_FIXERS))})",
                line,
                "fixer",
            )


def _pipeline_or_die(options: Options) -> Any:
    _precheck_packs(options)
    return build_pipeline(options)


def _warn_unknown_selectors(options: Options, err: IO[str]) -> None:
    ids = [r.id for r in build_pipeline(options).rules]
    for sel in (*(options.select or ()), *options.ignore):
        if sel != "ALL" and not any(selector_matches(sel, i) for i in ids):
            err.write(f"textfix: warning: no rule matches {sel!r}\n")


# --- progress -------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr, only for a terminal and sizeable work."""

    MIN_FILES = 200
    MIN_BYTES = 20 << 20

    def __init__(self, total_files: int, total_bytes: int, stream: IO[str]) -> None:
        self.stream = stream
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.enabled = (
            hasattr(stream, "isatty")
            and stream.isatty()
            and (total_files >= self.MIN_FILES or total_bytes >= self.MIN_BYTES)
        )
        self.t0 = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, files: int, records: int, nbytes: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = nbytes / 1e6 / max(now - self.t0, 1e-6)
        recs = f"  {records} records" if records else ""
        self.stream.write(
            f"\r{files}/{self.total_files} files{recs}  {nbytes / 1e6:.1f}/"
            f"{self.total_bytes / 1e6:.1f} MB  {rate:.1f} MB/s\x1b[K"
        )
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


# --- running over files ---------------------------------------------------------------


class _Output:
    """Where each kind of output goes and how loud it is."""

    def __init__(self, args: argparse.Namespace, fmt: str, stdin_mode: bool) -> None:
        self.quiet = args.quiet
        self.verbose = args.verbose and not args.quiet
        self.fmt = fmt
        # with stdin -> stdout, stdout carries the text: reports go to stderr
        self.report = (
            sys.stderr if stdin_mode and args.command != "check" and not args.diff else sys.stdout
        )
        self.progress: Progress | None = None

    def line(self, text: str, stream: IO[str] | None = None) -> None:
        if self.progress is not None:
            self.progress.clear()
        (stream or self.report).write(text + "\n")

    def error(self, where: str, message: str) -> None:
        self.line(f"{where}: error: {message}", sys.stderr)

    def note(self, where: str, message: str, *, always: bool = False) -> None:
        if (always and not self.quiet) or self.verbose:
            self.line(f"{where}: note: {message}", sys.stderr)


def _per_file_options(
    options: Options,
    rel: str,
    table: dict[str, tuple[str, ...]],
    specs: dict[str, Any],
) -> Options:
    extra: list[str] = []
    for glob, rules in table.items():
        spec = specs.get(glob)
        if spec is None:
            spec = specs[glob] = pathspec.GitIgnoreSpec.from_lines([glob])
        if spec.match_file(rel):
            extra += rules
    return options.but(ignore=options.ignore + tuple(extra)) if extra else options


def _dest_for(file: Path, root: Path | None, outdir: Path, many: bool) -> Path:
    """Where ``clean`` writes the copy: the tree under a folder argument is mirrored."""
    if root is not None:
        rel = file.relative_to(root)
        return outdir / root.resolve().name / rel if many else outdir / rel
    return outdir / file.name


def _emit(
    entry: Entry,
    out: _Output,
    summary: Summary,
    json_rep: JsonReport | None,
    html: HtmlReport | None,
    file_json: JsonReport | None,
    diff: bool,
) -> None:
    summary.add(entry)
    if html is not None:
        html.add(entry)
    if file_json is not None and (
        entry.kind == "file" or entry.edits or entry.flags or entry.error
    ):
        file_json.add(entry)
    if json_rep is not None:
        json_rep.add(entry)
    if entry.error:
        out.error(entry.label, entry.error)
    if entry.note:
        out.note(entry.label, entry.note, always=entry.note.startswith(("binary", "no record")))
    if json_rep is not None or out.quiet:
        return
    if diff:
        if entry.diff:
            out.line(entry.diff.rstrip("\n"))
        return
    for ln in text_lines(entry):
        out.line(ln)
    if (
        out.verbose
        and entry.kind == "file"
        and not entry.changed
        and not entry.error
        and not entry.note
    ):
        out.line(f"{entry.path}: unchanged", sys.stderr)


def _run_files(args: argparse.Namespace, cfg: Config, options: Options) -> int:
    mode = args.command
    fmt = args.format or cfg.get("format", "text")
    diff = bool(args.diff)
    out = _Output(args, fmt, stdin_mode=False)
    outdir: Path | None = None
    if mode == "clean" and not diff:
        if not args.output_dir:
            raise UsageError("clean needs -o OUTDIR (or '-' to clean stdin to stdout)")
        outdir = Path(args.output_dir)
    paths = args.paths or ["."]
    include = _pick(args.include, cfg, "include", DEFAULT_INCLUDE)
    exclude = [
        *(_pick(args.exclude, cfg, "exclude", ()) or ()),
        *cfg.get("extend-exclude", ()),
        *(args.extend_exclude or ()),
    ]
    base = cfg.root or Path.cwd()
    try:
        selector = Selector(
            include,
            exclude,
            base=base,
            respect_gitignore=_pick(args.respect_gitignore, cfg, "respect-gitignore", True),
        )
    except Exception as exc:  # pathspec raises on malformed globs
        raise UsageError(f"bad --include/--exclude glob: {exc}") from None
    files, problems = collect(
        paths,
        selector,
        force_exclude=bool(_pick(args.force_exclude, cfg, "force-exclude")),
        skip=[outdir] if outdir is not None else [],
    )
    errors = 0
    path_errors: list[Entry] = []
    for pr in problems:
        if pr.level == "error":
            path_errors.append(Entry(pr.path, error=pr.message))
        else:
            out.note(pr.path, pr.message)

    table: dict[str, tuple[str, ...]] = cfg.get("per-file-ignores", {}) or {}
    specs: dict[str, Any] = {}
    targets: list[Target] = []
    dests: set[Path] = set()
    many = len(paths) > 1
    total_bytes = 0
    for file, root in files:
        display = str(file)
        src = os.path.realpath(file)
        rel = selector.rel(file.absolute(), (root or file.parent).absolute())
        opts = _per_file_options(options, rel, table, specs) if table else options
        dest: str | None = None
        if mode == "fix":
            dest = src
        elif outdir is not None:
            d = _dest_for(file, root, outdir, many)
            if d.resolve() == Path(src).resolve():
                errors += 1
                out.error(display, "the cleaned copy would overwrite the input; use fix")
                continue
            if d.resolve() in dests:
                errors += 1
                out.error(display, f"another input also writes {d}; skipped")
                continue
            dests.add(d.resolve())
            dest = str(d)
        try:
            total_bytes += os.path.getsize(src)
        except OSError:
            pass
        targets.append(Target(src, display, kind_of(file), dest, opts))

    settings = Settings(
        mode=mode,
        encoding=_pick(args.encoding, cfg, "encoding", "utf-8"),
        field=tuple(_pick(args.field, cfg, "field", "text").split(".")),
        id_field=tuple(idf.split(".")) if (idf := _pick(args.id_field, cfg, "id-field")) else None,
        diff=diff,
        keep_texts=bool(args.report),
    )
    if settings.encoding != "auto":
        import codecs

        try:
            codecs.lookup(settings.encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {settings.encoding!r}") from None
    jobs = _pick(args.jobs, cfg, "jobs", 1)
    jobs = jobs or os.cpu_count() or 1
    jobs = min(jobs, max(1, len(targets)) if not any(t.kind == "jsonl" for t in targets) else jobs)

    summary = Summary()
    json_rep = JsonReport(sys.stdout, mode, __version__) if fmt == "json" else None
    html = HtmlReport(f"textfix {mode} report") if args.report else None
    file_json = None
    report_writer = None
    if outdir is not None:
        from textfix.corpus import AtomicWriter

        report_writer = AtomicWriter(outdir / "report.json")
        file_json = JsonReport(_TextSink(report_writer), mode, __version__)
    progress = Progress(len(targets), total_bytes, sys.stderr)
    out.progress = progress if not args.quiet else None
    runner = Runner(settings, jobs, progress if progress.enabled and not args.quiet else None)
    t0 = time.monotonic()
    for entry in path_errors:  # missing paths: reported in every format, exit 2
        _emit(entry, out, summary, json_rep, html, file_json, diff)
    try:
        for entry in runner.run(targets):
            _emit(entry, out, summary, json_rep, html, file_json, diff)
    except KeyboardInterrupt:
        progress.clear()
        if report_writer is not None:
            report_writer.abort()
        sys.stderr.write("textfix: interrupted\n")
        return 130
    progress.clear()
    elapsed = time.monotonic() - t0
    summary.errors += errors
    if json_rep is not None:
        json_rep.close(summary)
    if file_json is not None and report_writer is not None:
        file_json.close(summary)
        report_writer.commit()
    if html is not None:
        from textfix.corpus import atomic_write

        try:
            atomic_write(args.report, html.render(summary).encode("utf-8", "backslashreplace"))
        except OSError as exc:
            out.error(args.report, f"cannot write the HTML report: {exc.strerror or exc}")
            summary.errors += 1
    _print_summary(out, summary, mode, diff, outdir, elapsed, runner.bytes)
    if summary.errors:
        return EXIT_ERROR
    changed = summary.changed_files > 0
    if mode == "check" or diff:
        return EXIT_CHANGES if changed else EXIT_OK
    exit_on_fix = _pick(args.exit_non_zero_on_fix, cfg, "exit-non-zero-on-fix", False)
    return EXIT_CHANGES if changed and exit_on_fix else EXIT_OK


class _TextSink:
    """Lets :class:`JsonReport` stream into an :class:`AtomicWriter`."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def write(self, text: str) -> int:
        self.writer.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        pass


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_summary(
    out: _Output,
    s: Summary,
    mode: str,
    diff: bool,
    outdir: Path | None,
    elapsed: float,
    nbytes: int,
) -> None:
    if out.quiet or out.fmt == "json":
        return
    stream = sys.stderr if diff or out.report is sys.stderr else sys.stdout
    if s.rules and not diff:
        out.line("", stream)
        out.line(s.rule_table(), stream)
    files = _plural(s.files, "file")
    changed = f"{s.changed_files} of {files}"
    recs = f" ({s.changed_records} of {_plural(s.records, 'record')})" if s.records else ""
    flags = f", {_plural(s.flags, 'flag')} to review" if s.flags else ""
    if mode == "check" or diff:
        if s.changed_files:
            msg = (
                f"Would fix {_plural(s.edits, 'edit')} in {changed}{recs}{flags}. "
                f"Run `textfix fix` to apply."
            )
        elif s.errors:
            msg = f"Nothing to fix in {files} that could be read{flags}."
        else:
            msg = f"All {files} clean{flags}." if s.files else "No files to check."
    elif mode == "fix":
        msg = (
            f"Fixed {_plural(s.edits, 'edit')} in {changed}{recs}{flags}."
            if s.changed_files
            else (f"Nothing to fix in {files}{flags}." if s.files else "No files to fix.")
        )
    else:
        msg = (
            f"Cleaned {files} into {outdir} ({_plural(s.edits, 'edit')} in "
            f"{_plural(s.changed_files, 'file')}{recs}{flags}); report: {outdir / 'report.json'}"
        )
    if s.errors:
        msg += f" {_plural(s.errors, 'error')}."
    out.line(msg, stream)
    if out.verbose and elapsed > 0:
        out.line(
            f"{nbytes / 1e6:.2f} MB in {elapsed:.2f} s ({nbytes / 1e6 / elapsed:.2f} MB/s)",
            sys.stderr,
        )


# --- stdin ------------------------------------------------------------------------------


def _run_stdin(args: argparse.Namespace, cfg: Config, options: Options) -> int:
    mode = args.command
    fmt = args.format or cfg.get("format", "text")
    diff = bool(args.diff)
    out = _Output(args, fmt, stdin_mode=True)
    name = args.stdin_filename or "-"
    # --field or --id-field on the command line says what stdin holds: JSONL
    jsonl_flags = [f for f, v in (("--field", args.field), ("--id-field", args.id_field)) if v]
    if jsonl_flags and args.stdin_filename and kind_of(name) != "jsonl":
        raise UsageError(
            f"{jsonl_flags[0]} applies to JSONL, but --stdin-filename {name} names a text file"
        )
    is_jsonl = kind_of(name) == "jsonl" or bool(jsonl_flags)
    table = cfg.get("per-file-ignores", {}) or {}
    if table and args.stdin_filename:
        options = _per_file_options(options, args.stdin_filename, table, {})
    settings = Settings(
        mode=mode,
        encoding=_pick(args.encoding, cfg, "encoding", "utf-8"),
        field=tuple(_pick(args.field, cfg, "field", "text").split(".")),
        id_field=tuple(idf.split(".")) if (idf := _pick(args.id_field, cfg, "id-field")) else None,
        diff=diff,
        keep_texts=bool(args.report),
    )
    summary = Summary()
    json_rep = JsonReport(out.report, mode, __version__) if fmt == "json" else None
    html = HtmlReport(f"textfix {mode} report") if args.report else None
    writes_text = mode != "check" and not diff
    stdout = sys.stdout.buffer
    entries: list[Entry] = []
    if is_jsonl:
        file_entry = Entry(name)
        for first, lines in _jsonl_batches(sys.stdin.buffer):
            res: BatchResult = process_jsonl_batch(lines, first, name, options, settings)
            file_entry.records += res.records
            file_entry.changed_records += res.changed
            file_entry.changed |= res.changed > 0
            if writes_text:
                stdout.write(b"".join(res.lines))
            for e in res.entries:
                _emit(e, out, summary, json_rep, html, None, diff)
        entries.append(file_entry)
    else:
        data = sys.stdin.buffer.read()
        if looks_binary(data, settings.encoding):
            out.error(name, "binary input")
            return EXIT_ERROR
        try:
            text, layout = decode(data, settings.encoding)
        except DecodeError as exc:
            out.error(name, str(exc))
            return EXIT_ERROR
        cleaned, entry = clean_text(text, options, settings, name)
        if writes_text:
            try:
                stdout.write(encode(cleaned, layout))
            except UnicodeEncodeError as exc:
                out.error(name, f"cannot encode the cleaned text: {exc.reason}")
                stdout.write(data)
                return EXIT_ERROR
        entries.append(entry)
    stdout.flush()
    for e in entries:
        _emit(e, out, summary, json_rep, html, None, diff)
    if json_rep is not None:
        json_rep.close(summary)
    if html is not None:
        from textfix.corpus import atomic_write

        atomic_write(args.report, html.render(summary).encode("utf-8", "backslashreplace"))
    if not out.quiet and fmt == "text" and mode == "check" and not diff:
        _print_summary(out, summary, mode, diff, None, 0, 0)
    if summary.errors:
        return EXIT_ERROR
    changed = summary.changed_files > 0
    if mode == "check" or diff:
        return EXIT_CHANGES if changed else EXIT_OK
    exit_on_fix = _pick(args.exit_non_zero_on_fix, cfg, "exit-non-zero-on-fix", False)
    return EXIT_CHANGES if changed and exit_on_fix else EXIT_OK


# --- rules and explain ----------------------------------------------------------------


def _rule_dict(rule: Any, selected: bool) -> dict[str, Any]:
    return {
        "id": rule.id,
        "family": rule.family,
        "safety": rule.safety,
        "confidence": rule.confidence,
        "summary": rule.summary,
        "selected": selected,
        "examples": [
            {
                k: v
                for k, v in (("before", ex.before), ("after", ex.after), ("flag", ex.flag))
                if v is not None
            }
            for ex in rule.examples
        ],
        "counter_examples": list(rule.counter_examples),
    }


def _example_line(ex: Any) -> str:
    if ex.after is not None:
        return f"{ex.before!r} -> {ex.after!r}"
    return f"{ex.before!r} (flags {ex.flag!r})"


def _rules_cmd(args: argparse.Namespace, cfg: Config, options: Options) -> int:
    pipeline = _pipeline_or_die(options)
    rules = pipeline.rules
    want = getattr(args, "rule", None)
    if want is not None:
        rules = [r for r in rules if selector_matches(want, r.id)]
        if not rules:
            raise UsageError(f"no rule matches {want!r}; see `textfix rules`")
    elif options.select is not None or options.ignore:
        rules = [r for r in rules if pipeline.is_selected(r.id)]
    if args.format == "json":
        json.dump(
            [_rule_dict(r, pipeline.is_selected(r.id)) for r in rules],
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return EXIT_OK
    if want is not None:
        for r in rules:
            print(f"{r.id}\n  {r.summary}")
            print(
                f"  safety: {r.safety}"
                + (f" (confidence {r.confidence:g})" if r.safety == "unsafe" else "")
            )
            print(f"  selected: {'yes' if pipeline.is_selected(r.id) else 'no'}")
            if r.examples:
                print("  examples:")
                for ex in r.examples:
                    print(f"    {_example_line(ex)}")
            if r.counter_examples:
                print("  left alone:")
                for c in r.counter_examples:
                    print(f"    {c!r}")
            print()
        return EXIT_OK
    width = max((len(r.id) for r in rules), default=10)
    for r in rules:
        print(f"{r.id:<{width}}  {r.safety:<6}  {r.summary}")
        examples = r.examples if args.all_examples else r.examples[:1]
        for ex in examples:
            print(f"{'':<{width}}  {'':<6}  e.g. {_example_line(ex)}")
        if args.all_examples:
            for c in r.counter_examples:
                print(f"{'':<{width}}  {'':<6}  unchanged: {c!r}")
    return EXIT_OK


# --- main ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    # At exit, the collector's last passes over every object still alive (modules,
    # patterns, word tables) cost ~30 ms, as much as cleaning a small file, to free
    # memory the process is about to give back (textfix has no finalizers to run).
    # Objects frozen at exit are skipped.
    atexit.unregister(gc.freeze)  # once, however often main() is called
    atexit.register(gc.freeze)
    for stream in (sys.stdout, sys.stderr):
        # lone surrogates (from JSON escapes) must never crash a report
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        cfg = discover(args.config, isolated=args.isolated)
        options = _options(args, cfg)
        if args.command in ("rules", "explain"):
            args.all_examples = getattr(args, "all_examples", False)
            return _rules_cmd(args, cfg, options)
        if args.quiet and args.verbose:
            raise UsageError("--quiet and --verbose exclude each other")
        _pipeline_or_die(options)
        if not args.quiet:
            _warn_unknown_selectors(options, sys.stderr)
        if args.paths == ["-"]:
            return _run_stdin(args, cfg, options)
        if "-" in args.paths:
            raise UsageError("'-' (stdin) cannot be mixed with paths")
        return _run_files(args, cfg, options)
    except (ConfigError, RulePackError) as exc:
        sys.stderr.write(f"textfix: error: {exc}\n")
        return EXIT_ERROR
    except UsageError as exc:
        sys.stderr.write(f"textfix: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("textfix: interrupted\n")
        return 130
    except BrokenPipeError:  # `textfix check . | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # a bug or a broken fixer: say so plainly, exit 2
        if getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"textfix: error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
