"""Check machine-translated text with LanguageTool through textfix.

Needs the extra (``pip install "textfix[grammar]"``) and a running LanguageTool
server, for instance the official standalone build::

    java -cp languagetool-server.jar org.languagetool.server.HTTPServer --port 8081

Then::

    python examples/grammar.py http://localhost:8081

Allow-listed single replacements are applied; every other LanguageTool match is
printed as a flag with its suggestions. With ``grammar_errors="flag"`` a server
that is down costs one ``grammar/skipped`` flag instead of an exception.
"""

from __future__ import annotations

import sys

import textfix

TEXT = (
    "North Korea said that its a new stage in relations with Moscow.\n"
    "The delegation want to strengthen a economic ties, the minister said.\n"
)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    result = textfix.clean(TEXT, grammar=True, languagetool_url=argv[1], grammar_errors="flag")
    print(result.text)
    print(result.explain())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
