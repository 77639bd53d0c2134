"""textfix: repair text damaged by web scraping and machine translation.

>>> import textfix
>>> r = textfix.clean("[ad_1]\nThe summit ended.Both leaders left..\n")
>>> r.text
'The summit ended. Both leaders left.\n'
>>> [e.rule for e in r.edits]
['artifacts/wp-shortcode', 'spacing/glued-sentence', 'spacing/doubled-punctuation']
"""

from textfix.fixers.grammar import GrammarError
from textfix.model import Document, Edit, Example, Fixer, Flag, Result, Rule
from textfix.options import Options
from textfix.pipeline import Pipeline, build_pipeline, clean, clean_many, default_fixers

__all__ = [
    "Document",
    "Edit",
    "Example",
    "Fixer",
    "GrammarError",
    "Flag",
    "Options",
    "Pipeline",
    "Result",
    "Rule",
    "build_pipeline",
    "clean",
    "clean_many",
    "default_fixers",
    "rules",
]

__version__ = "0.1.0"


def rules(**options: object) -> list[Rule]:
    """Every rule of the default pipeline for these options."""
    return build_pipeline(Options.from_kwargs(**options)).rules
