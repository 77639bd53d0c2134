"""textfix as a datatrove formatter.

:class:`TextfixFormatter` slots into a datatrove pipeline wherever a
formatter fits (after a reader, before filters or a writer), so textfix runs
on datatrove's local, Slurm and Ray executors without any glue::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from textfix.integrations.datatrove import TextfixFormatter

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader("raw/"),
            TextfixFormatter(source_lang="fr"),
            JsonlWriter("clean/"),
        ],
        tasks=4,
    ).run()

Each document's text is replaced by ``textfix.clean(text, **options).text``
and ``doc.metadata["textfix"]`` records what changed: ``{"changed": bool,
"edits": {rule: count}, "flags": {rule: count}}``, plus the flags themselves
(offsets into the text as it was read) when ``record_flags=True``. The
pipeline's statistics count changed documents and edits per rule. Documents
are cleaned a batch at a time (up to 64, see :meth:`textfix.Pipeline.clean_many`),
so the step's time statistics are per batch.

The formatter keeps only its options, not a built pipeline: it is pickled to
every worker, and each worker builds (and caches) its own pipeline on first use.
"""

from __future__ import annotations

from typing import Any

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.formatters.base import BaseFormatter
from datatrove.utils.typeshelper import StatHints

from textfix.model import Result
from textfix.options import Options
from textfix.pipeline import batches, build_pipeline


class TextfixFormatter(BaseFormatter):
    """Clean ``Document.text`` with textfix and record per-rule edit counts in its metadata.

    Args:
        metadata_key: the ``doc.metadata`` key that receives the report
            (``None``: record nothing).
        record_flags: also store every flag (rule, message, offsets into the
            text as read, the flagged text and any suggestion).
        **options: any :func:`textfix.clean` option (``select``, ``ignore``,
            ``source_lang``, ``unsafe_fixes``, ``normalize``, ...).
    """

    name = "🩹 textfix"

    def __init__(
        self,
        *,
        metadata_key: str | None = "textfix",
        record_flags: bool = False,
        **options: Any,
    ) -> None:
        super().__init__()
        # fail now, in the driver, rather than in every worker; validated once
        self.opts = Options.from_kwargs(**options)
        self.options = dict(options)
        self.metadata_key = metadata_key
        self.record_flags = record_flags

    def clean(self, text: str) -> Result:
        return build_pipeline(self.opts).clean(text)

    def clean_batch(self, texts: list[str]) -> list[Result | Exception]:
        """Each text's result, or the exception cleaning it raised; what :meth:`run`
        calls, a batch of documents at a time. The pipeline cleans them together
        (:meth:`textfix.Pipeline.clean_batch`); when a subclass or the instance
        replaces :meth:`clean`, that ``clean`` is called on each text instead."""
        if type(self).clean is TextfixFormatter.clean and "clean" not in vars(self):
            return build_pipeline(self.opts).clean_batch(texts)
        out: list[Result | Exception] = []
        for text in texts:
            try:
                out.append(self.clean(text))
            except Exception as exc:  # noqa: BLE001 - raised by run, in its document's place
                out.append(exc)
        return out

    def format(self, text: str) -> str:
        return self.clean(text).text

    def report(self, result: Result) -> dict[str, Any]:
        """What goes into ``doc.metadata[metadata_key]`` for one document."""
        counts = result.rule_counts()
        out: dict[str, Any] = {
            "changed": result.changed,
            "edits": {r: c["edits"] for r, c in counts.items() if c["edits"]},
            "flags": {r: c["flags"] for r, c in counts.items() if c["flags"]},
        }
        if self.record_flags:
            out["flag_details"] = [
                {**f.to_dict(), "text": result.original[f.start : f.end]} for f in result.flags
            ]
        return out

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # cleaned a batch at a time (Pipeline.clean_batch): the same texts, sooner
        for chunk in batches(data, _text_of):
            with self.track_time(unit="batch"):
                outcomes = self.clean_batch([doc.text for doc in chunk])
            for doc, result in zip(chunk, outcomes, strict=True):
                self.stat_update(StatHints.total)
                if isinstance(result, Exception):
                    raise result
                if result.changed:
                    self.stat_update("changed")
                for rule, c in result.rule_counts().items():
                    if c["edits"]:
                        self.stat_update(f"edits/{rule}", value=c["edits"])
                    if c["flags"]:
                        self.stat_update(f"flags/{rule}", value=c["flags"])
                doc.text = result.text
                if self.metadata_key is not None:
                    doc.metadata[self.metadata_key] = self.report(result)
                yield doc


def _text_of(doc: Any) -> Any:
    return doc.text


__all__ = ["TextfixFormatter"]
