"""The built-in fixers, one module per family, in the order the default pipeline runs them.

Each module exposes ``build(options) -> Fixer | None``; ``None`` means the
fixer is off for these options (the grammar backend, for instance).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textfix.model import Fixer
    from textfix.options import Options


def factories() -> list[Callable[[Options], Fixer | None]]:
    """The ``build`` function of every built-in fixer, in pipeline order."""
    from textfix.fixers import (
        artifacts,
        calques,
        encoding,
        entities,
        grammar,
        lexicon,
        quotes,
        sentences,
        spacing,
    )

    return [
        encoding.build,
        artifacts.build,
        spacing.build,
        quotes.build,
        sentences.build,
        entities.build,
        calques.build,
        lexicon.build,
        grammar.build,
    ]
