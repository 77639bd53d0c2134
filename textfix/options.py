"""The options that shape a cleaning run, shared by the API, the CLI and config files."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

#: languages textfix knows as the source of a machine translation: calque packs exist
#: for fr, es, de, it and pt; the lexicon also recognises nl, ru, cs and pl words
SOURCE_LANGS = ("fr", "es", "de", "it", "pt", "nl", "ru", "cs", "pl")


@dataclass(frozen=True)
class Options:
    """Everything :func:`textfix.clean` accepts as keyword arguments.

    The dataclass is frozen and hashable so that a pipeline built for one set
    of options can be reused for every document cleaned with them.
    """

    #: rule ids or id prefixes to run (``None``: all default rules)
    select: tuple[str, ...] | None = None
    #: rule ids or id prefixes never to run
    ignore: tuple[str, ...] = ()
    #: ``None``: apply unsafe fixes at or above ``min_confidence`` and flag the
    #: rest; ``False``: apply only safe fixes; ``True``: apply every fix
    unsafe_fixes: bool | None = None
    min_confidence: float = 0.8
    #: language the text was machine-translated from (``fr``, ``es``, ...)
    source_lang: str | None = None
    #: extra rule packs (TOML files) to load on top of the built-in ones
    rule_packs: tuple[str, ...] = ()
    #: user gazetteers (TOML files: canonical names and their variants)
    gazetteers: tuple[str, ...] = ()
    #: opt-in normalisations that change correct text (``quotes``, ``dashes``,
    #: ``nfc``, ``width``, ``ligatures``); none by default
    normalize: tuple[str, ...] = ()
    #: grammar backend (LanguageTool), off by default
    grammar: bool = False
    languagetool_url: str | None = None
    grammar_language: str = "en-US"
    grammar_errors: Literal["raise", "flag"] = "raise"
    grammar_allow: tuple[str, ...] = ()
    grammar_deny: tuple[str, ...] = ()
    #: lexicon flags for unknown words (noisy; off by default)
    lexicon_unknown: bool = False
    #: a user word list (one word per line) the lexicon accepts
    wordlist: str | None = None
    #: how many times the pipeline may re-run its fixers to reach a fixed point
    max_passes: int = 4

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> Options:
        """Build options from keyword arguments, rejecting unknown names."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown textfix option(s): {', '.join(unknown)}")
        norm: dict[str, Any] = {}
        for key, value in kwargs.items():
            if (
                key
                in (
                    "select",
                    "ignore",
                    "rule_packs",
                    "gazetteers",
                    "normalize",
                    "grammar_allow",
                    "grammar_deny",
                )
                and value is not None
            ):
                value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
            norm[key] = value
        opts = cls(**norm)
        if opts.source_lang is not None and opts.source_lang not in SOURCE_LANGS:
            raise ValueError(
                f"source_lang must be one of {', '.join(SOURCE_LANGS)}, not {opts.source_lang!r}"
            )
        if not 0.0 <= opts.min_confidence <= 1.0:
            raise ValueError("min_confidence must lie between 0 and 1")
        return opts

    def but(self, **changes: Any) -> Options:
        return replace(self, **changes)
