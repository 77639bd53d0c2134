"""textfix inside a datatrove pipeline: JsonlReader -> TextfixFormatter -> JsonlWriter."""

from __future__ import annotations

import json
import pickle

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

import textfix  # noqa: E402
from textfix.integrations.datatrove import TextfixFormatter  # noqa: E402

# passages written for this test: encoding damage, scraper leftovers, spacing slips, clean text
PASSAGES = [
    "The cafÃ© on the corner reopened on Monday.\nRegulars said it didnâ€™t change.",
    "[ad_1]\nThe council met in the town hall.The vote was close..\nSource link",
    "A well-edited sentence with “curly quotes”, an em dash — and 3.5 percent growth.",
    "Tom &amp; Jerry&#39;s new show airs at 9 p.m. on Friday.",
    "Plain text that needs nothing at all.",
    "Le th\u00c3\u00a9\u00c3\u00a2tre and the mus\u00c3\u00a9e were both closed.  Visitors waited.",
    "Prices rose by 2.1% in May, the U.S. agency said.",
    "It\x92s the \x93best\x94 bakery in town, she said.",
]


def write_corpus(folder, files=4):
    folder.mkdir()
    docs = {}
    for f in range(files):
        with open(folder / f"part-{f}.jsonl", "w", encoding="utf-8") as out:
            for i, text in enumerate(PASSAGES):
                doc_id = f"{f}-{i}"
                docs[doc_id] = text
                out.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    return docs


def read_output(folder):
    out = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            out[row["id"]] = row
    return out


def test_local_executor_two_tasks(tmp_path):
    docs = write_corpus(tmp_path / "in")
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(tmp_path / "in")),
            TextfixFormatter(),
            JsonlWriter(str(tmp_path / "out"), output_filename="${rank}.jsonl", compression=None),
        ],
        tasks=2,
        workers=2,
        logging_dir=str(tmp_path / "logs"),
    ).run()

    out = read_output(tmp_path / "out")
    assert sorted(out) == sorted(docs)
    assert len(list((tmp_path / "out").glob("*.jsonl"))) == 2  # both tasks wrote
    for doc_id, original in docs.items():
        expected = textfix.clean(original)
        row = out[doc_id]
        assert row["text"] == expected.text
        report = row["metadata"]["textfix"]
        assert report["changed"] == expected.changed
        counts = expected.rule_counts()
        assert report["edits"] == {r: c["edits"] for r, c in counts.items() if c["edits"]}
        assert report["flags"] == {r: c["flags"] for r, c in counts.items() if c["flags"]}

    # the encoding repairs are really there
    assert out["0-0"]["text"].startswith("The café on the corner")
    assert "didn’t" in out["0-0"]["text"]
    assert out["2-0"]["metadata"]["textfix"]["edits"]["encoding/mojibake"] == 2
    assert out["1-3"]["text"].startswith("Tom & Jerry's new show")
    assert out["3-4"]["metadata"]["textfix"] == {"changed": False, "edits": {}, "flags": {}}


def test_options_flags_and_metadata_key():
    fmt = TextfixFormatter(select=["encoding"], record_flags=True, metadata_key="tf")
    doc = Document(text="The cafÃ© [ad_1] opened.Then", id="x")
    (out,) = list(fmt.run(iter([doc])))
    assert out.text == "The café [ad_1] opened.Then"  # only encoding rules selected
    assert out.metadata["tf"]["edits"] == {"encoding/mojibake": 1}
    assert out.metadata["tf"]["flag_details"] == []
    assert fmt.format("donâ€™t") == "don’t"


def test_flags_are_recorded_when_asked():
    class FlagEverything(TextfixFormatter):
        def clean(self, text):
            r = super().clean(text)
            r.flags.append(textfix.Flag(0, 3, "test/flag", "look here", "The"))
            return r

    (out,) = list(FlagEverything(record_flags=True).run(iter([Document(text="the end", id="y")])))
    assert out.metadata["textfix"]["flags"] == {"test/flag": 1}
    assert out.metadata["textfix"]["flag_details"] == [
        {
            "start": 0,
            "end": 3,
            "rule": "test/flag",
            "message": "look here",
            "suggestion": "The",
            "text": "the",
        }
    ]


def test_bad_options_fail_early_and_formatter_pickles():
    with pytest.raises(TypeError):
        TextfixFormatter(no_such_option=True)
    fmt = pickle.loads(pickle.dumps(TextfixFormatter(source_lang="fr")))
    assert fmt.options == {"source_lang": "fr"}


def test_documents_are_cleaned_in_batches_with_clean_s_results_in_order():
    docs = [Document(text=PASSAGES[i % len(PASSAGES)] * (1 + i % 2), id=str(i)) for i in range(70)]
    texts = [d.text for d in docs]
    out = list(TextfixFormatter().run(iter(docs)))  # 70 documents: two batches
    assert [d.id for d in out] == [str(i) for i in range(70)]
    assert [d.text for d in out] == [textfix.clean(t).text for t in texts]


def test_a_failing_reader_loses_none_of_the_documents_read_before_it():
    def reader():
        yield Document(text="It ended.Then..", id="a")
        yield Document(text="Fine.", id="b")
        raise OSError("the reader failed")

    got = []
    with pytest.raises(OSError, match="the reader failed"):
        for doc in TextfixFormatter().run(reader()):
            got.append((doc.id, doc.text))
    assert got == [("a", "It ended. Then."), ("b", "Fine.")]


def test_a_clean_replaced_on_the_instance_is_still_called():
    fmt = TextfixFormatter()
    seen = []

    def clean(text):
        seen.append(text)
        return textfix.clean(text.upper())

    fmt.clean = clean
    (out,) = list(fmt.run(iter([Document(text="quiet words", id="z")])))
    assert seen == ["quiet words"] and out.text == "QUIET WORDS"
