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
pipeline's statistics count changed documents and edits per rule.

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
from textfix.pipeline import build_pipeline


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
        for doc in data:
            self.stat_update(StatHints.total)
            with self.track_time():
                result = self.clean(doc.text)
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


__all__ = ["TextfixFormatter"]
