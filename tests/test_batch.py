"""Cleaning several texts together gives each text what ``clean`` gives it alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textfix
from textfix import Document, Edit, Fixer, Flag, Pipeline, Rule
from textfix.corpus import Settings, Target, process_jsonl_batch, process_text_files
from textfix.options import Options
from textfix.pipeline import BATCH, BATCH_CHARS, batches, build_pipeline, default_fixers

# pieces that keep every default fixer busy, and several passes of the pipeline
PIECES = [
    "[ad_1]\n",
    "Source link\n",
    "The talks ended.Both sides left..\n",
    "Kim Jong-un met Putin. Kim Jon-un said nothing. Kim Jong-un left.\n",
    "He said the nuclear issue is in neutrality.\n",
    '“He came,” she said "and left.\n',
    "CafÃ© au lait &amp; croissants.\n",
    "the the cat sat   on the mat ,then left .\n",
    "See https://example.com/a..b and Dr. U.S. Smith.\n",
    "\n",
    "Isloation of the Landesstraße.\n",
]
texts = st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=12)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_clean_many_gives_each_text_its_clean_result(batch: list[str]) -> None:
    pipeline = build_pipeline(Options())
    assert list(pipeline.clean_many(batch)) == [pipeline.clean(t) for t in batch]
    assert list(textfix.clean_many(batch, source_lang="fr")) == [
        textfix.clean(t, source_lang="fr") for t in batch
    ]


class _Boom(Fixer):
    """A fixer that fails on any text holding BOOM, after the default fixers' edits."""

    name = "boom"
    rules = (Rule("boom/x", "fails on BOOM"),)

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        if "BOOM" in doc.text:
            raise RuntimeError("BOOM in the text")
        return iter(())


def test_a_text_that_fails_does_not_stop_the_others() -> None:
    pipeline = Pipeline([*default_fixers(Options()), _Boom()])
    batch = ["It ended.Then..", "a BOOM here.Yes", "[ad_1]\nFine."]
    outcomes = pipeline.clean_batch(batch)
    assert isinstance(outcomes[1], RuntimeError)
    assert outcomes[0] == pipeline.clean(batch[0])
    assert outcomes[2] == pipeline.clean(batch[2])
    assert outcomes[0].text == "It ended. Then."  # type: ignore[union-attr]
    # clean_many raises in the failing text's place, after the results before it
    got = []
    with pytest.raises(RuntimeError, match="BOOM"):
        for r in pipeline.clean_many(batch):
            got.append(r)
    assert got == [outcomes[0]]
    with pytest.raises(TypeError, match="cleans str, not int"):
        list(pipeline.clean_many(["fine", 3]))  # type: ignore[list-item]


def test_batches_hold_at_most_batch_texts_and_about_batch_chars() -> None:
    items = ["x" * 10] * (BATCH * 2 + 3)
    sizes = [len(b) for b in batches(items)]
    assert sizes == [BATCH, BATCH, 3]
    big = "y" * (BATCH_CHARS // 2 + 1)
    out = list(batches(["a", big, big, "b", "c"]))
    assert out == [["a", big], [big, "b", "c"]]  # a third big text would pass the bound
    huge = "z" * (BATCH_CHARS + 1)
    assert list(batches(["a", huge, "b"])) == [["a"], [huge], ["b"]]
    assert list(batches([])) == []
    docs = [{"t": "q" * 5}] * 3
    assert list(batches(docs, lambda d: d["t"])) == [docs]


def test_files_are_cleaned_together_and_each_failure_is_reported_in_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boom = Pipeline([*default_fixers(Options()), _Boom()])
    monkeypatch.setattr("textfix.corpus.build_pipeline", lambda options: boom)
    texts = ["It ended.Then it began.", "A BOOM.Here", "Fine.\n", "[ad_1]\nDone..\n"]
    targets = []
    for i, t in enumerate(texts):
        p = tmp_path / f"f{i}.txt"
        p.write_text(t, encoding="utf-8")
        targets.append(Target(str(p), p.name, "text", dest=str(p)))
    targets.insert(2, Target(str(tmp_path / "missing.txt"), "missing.txt", "text"))
    entries = process_text_files(targets, Settings(mode="fix"))
    assert [e.path for e in entries] == ["f0.txt", "f1.txt", "missing.txt", "f2.txt", "f3.txt"]
    assert entries[1].error == "cleaning failed: RuntimeError: BOOM in the text"
    assert entries[2].error is not None and entries[2].error.startswith("cannot read")
    assert [e.written for e in entries] == [True, False, False, False, True]
    assert (tmp_path / "f0.txt").read_text(encoding="utf-8") == "It ended. Then it began."
    assert (tmp_path / "f1.txt").read_text(encoding="utf-8") == texts[1]  # left as it was
    assert (tmp_path / "f3.txt").read_text(encoding="utf-8") == "Done.\n"


def test_jsonl_records_are_cleaned_together_and_reported_in_line_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boom = Pipeline([*default_fixers(Options()), _Boom()])
    monkeypatch.setattr("textfix.corpus.build_pipeline", lambda options: boom)
    records = ["It ended.Then..", "{broken", "A BOOM.Here", "Fine.", "The war ended.. Peace came."]
    lines = [
        (r if r.startswith("{") else json.dumps({"id": i, "text": r})).encode() + b"\n"
        for i, r in enumerate(records)
    ]
    res = process_jsonl_batch(lines, 1, "x.jsonl", Options(), Settings(id_field=("id",)))
    assert [(e.line, e.error is not None) for e in res.entries] == [
        (1, False),
        (2, True),
        (3, True),
        (5, False),
    ]
    assert res.entries[2].error == "cleaning failed: RuntimeError: BOOM in the text"
    assert [json.loads(x)["text"] if x.startswith(b'{"') else None for x in res.lines] == [
        "It ended. Then.",
        None,
        "A BOOM.Here",
        "Fine.",
        "The war ended. Peace came.",
    ]
    assert res.lines[1:4] == lines[1:4] and res.changed == 2


def test_many_batches_with_failures_mixed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Across several batches (7 texts each here), each text gets its own outcome."""
    monkeypatch.setattr("textfix.pipeline.BATCH", 7)
    pipeline = Pipeline([*default_fixers(Options()), _Boom()])
    batch = [PIECES[i % len(PIECES)] * (1 + i % 3) for i in range(40)]
    batch[9] = batch[30] = "A BOOM.Here"
    outcomes = [o for chunk in batches(batch) for o in pipeline.clean_batch(chunk)]
    assert [type(o).__name__ for o in outcomes].count("RuntimeError") == 2
    for text, outcome in zip(batch, outcomes, strict=True):
        if "BOOM" in text:
            assert isinstance(outcome, RuntimeError)
        else:
            assert outcome == pipeline.clean(text)
    clean_texts = [t for t in batch if "BOOM" not in t]
    assert list(pipeline.clean_many(clean_texts)) == outcomes[:9] + outcomes[10:30] + outcomes[31:]


def test_results_read_before_a_failing_source_are_not_lost() -> None:
    def source():  # type: ignore[no-untyped-def]
        yield "It ended.Then.."
        yield "Fine."
        raise OSError("the reader failed")

    got = []
    with pytest.raises(OSError, match="the reader failed"):
        for r in textfix.clean_many(source()):
            got.append(r.text)
    assert got == ["It ended. Then.", "Fine."]


def test_one_text_is_not_a_collection_of_texts() -> None:
    pipeline = build_pipeline(Options())
    with pytest.raises(TypeError, match="for one text use clean"):
        pipeline.clean_many("one text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="for one text use clean"):
        textfix.clean_many("one text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="for one text use clean"):
        pipeline.clean_batch("one text")  # type: ignore[arg-type]


def test_a_group_of_files_without_a_pipeline_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are grouped by their options; options that cannot make a pipeline (a
    pack gone, options that cannot be hashed) fail their own files only."""
    real = build_pipeline

    def build(options: Options) -> Pipeline:
        if options.source_lang == "fr":
            raise ValueError("pack vanished")
        return real(options)

    monkeypatch.setattr("textfix.corpus.build_pipeline", build)
    french = Options(source_lang="fr")
    unhashable = Options(select=["spacing"])  # type: ignore[arg-type]
    targets = []
    for i, options in enumerate((Options(), french, unhashable, Options(), french)):
        p = tmp_path / f"f{i}.txt"
        p.write_text("It ended.Then it began.", encoding="utf-8")
        targets.append(Target(str(p), p.name, "text", dest=str(p), options=options))
    entries = process_text_files(targets, Settings(mode="fix"))
    assert [e.error for e in entries] == [
        None,
        "cleaning failed: ValueError: pack vanished",
        "cleaning failed: TypeError: unhashable type: 'list'",
        None,
        "cleaning failed: ValueError: pack vanished",
    ]
    assert [e.written for e in entries] == [True, False, False, True, False]
    fixed = [(tmp_path / f"f{i}.txt").read_text(encoding="utf-8") for i in range(5)]
    assert fixed[0] == fixed[3] == "It ended. Then it began."
    assert fixed[1] == fixed[2] == fixed[4] == "It ended.Then it began."
