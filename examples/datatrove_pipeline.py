"""Clean a JSONL corpus with textfix inside a datatrove pipeline.

    python examples/datatrove_pipeline.py                 # a small demo corpus in a temp folder
    python examples/datatrove_pipeline.py IN_DIR OUT_DIR  # your own *.jsonl(.gz) files

JsonlReader -> TextfixFormatter -> JsonlWriter, run by datatrove's
LocalPipelineExecutor on 2 tasks; the same pipeline runs on SlurmPipelineExecutor
or RayPipelineExecutor unchanged. Each output document carries
``metadata["textfix"]``: ``{"changed", "edits": {rule: n}, "flags": {rule: n}}``.
Needs ``pip install 'textfix[datatrove]'``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from textfix.integrations.datatrove import TextfixFormatter

DEMO = [
    "[ad_1]\nThe museum reopened on Monday.The new wing was packed..\nSource link",
    "The cafÃ© owner said it didnâ€™t matter.",
    "Tom &amp; Jerry&#39;s studio opened a new office.",
    "A clean sentence stays exactly as it is.",
]


def demo_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(2):
        with open(folder / f"part-{part}.jsonl", "w", encoding="utf-8") as out:
            for i, text in enumerate(DEMO):
                out.write(json.dumps({"id": f"{part}-{i}", "text": text}) + "\n")


def main(argv: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="textfix-datatrove-"))
    if len(argv) == 2:
        in_dir, out_dir = Path(argv[0]), Path(argv[1])
    elif not argv:
        in_dir, out_dir = work / "raw", work / "clean"
        demo_corpus(in_dir)
    else:
        print(__doc__)
        return 2
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(in_dir)),
            TextfixFormatter(),  # any textfix.clean option: source_lang="fr", select=[...]
            JsonlWriter(str(out_dir), output_filename="${rank}.jsonl", compression=None),
        ],
        tasks=2,
        logging_dir=str(work / "logs"),
    ).run()
    for path in sorted(out_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            print(f"{row['id']}: {row['text']!r}\n    {row['metadata']['textfix']}")
    print(f"\ncleaned corpus in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
