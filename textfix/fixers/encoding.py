"""Encoding damage: mojibake, C1 controls, HTML entities, surrogates, control characters.

ftfy knows how to repair text that went through the wrong codec; this fixer
decides *where* to ask it and turns each repair into its own tight edit.

Most text needs no work at all, so the fixer looks first for the few
characters that damage is made of: ASCII text without ``&`` or a control
character is skipped outright (so is every such chunk of a longer text), and
otherwise one scan finds the lines that hold a pair of characters ftfy's
mojibake heuristic (``ftfy.badness``) is built from, a C1 control, a surrogate
or an entity. Of those lines, the ones that heuristic calls bad go to ftfy, one
line at a time (as ``ftfy.fix_text`` does), with every opinionated
step turned off: no quote uncurling, no width, ligature, NFC or line-break
changes (the choices of datatrove's ``FTFYFormatter``). The repaired line is
compared with the original run by run of non-ASCII characters, so each
repaired spot becomes one edit.

Opt-in normalisations (``Options.normalize``) change correct text and have
their own rules: ``quotes`` (curly to straight), ``dashes`` (en dash to
``-``, em dash to ``--``), ``nfc``, ``width`` (fullwidth
and halfwidth forms) and ``ligatures`` (``ﬁ`` to ``fi``).

Protection: mojibake, C1 controls, surrogates and control characters are
damage below the level of words and are repaired everywhere, URLs and code
included. An HTML entity is left alone inside protected spans (``&amp;`` in a
URL query or in code is meant) and on lines that hold markup.
"""

from __future__ import annotations

import functools
import importlib.util
import marshal
import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from textfix import cache
from textfix.model import Document, Edit, Example, Fixer, Flag, Rule
from textfix.options import Options

# --- the rules ---------------------------------------------------------------

MOJIBAKE = Rule(
    "encoding/mojibake",
    "text decoded with the wrong codec (UTF-8 read as Windows-1252, Latin-1, ...)",
    examples=(
        Example("I donâ€™t know.", "I don’t know."),
        Example("The cafÃ© opens at nine.", "The café opens at nine."),
        Example("â€œYesâ€\x9d, she said.", "“Yes”, she said."),
        Example("He wrote РџСЂРёРІРµС‚ twice.", "He wrote Привет twice."),
        Example(
            "See https://example.com/cafÃ©-menu now.", "See https://example.com/café-menu now."
        ),
    ),
    counter_examples=(
        "The café’s owner said “no” — twice.",
        "A naïve résumé from São Paulo, Zürich and Kraków.",
        "日本語のテキストと한국어 텍스트.",
        "Emoji stay: 😀👍🏽 and ©®™ too.",
        "Ångström, Œuvre, façade, 25 °C, ±3 µm, ½ cup.",
        "Привет, мир! Γειά σου κόσμε.",
    ),
    respects_protection=False,
)

HTML_ENTITY = Rule(
    "encoding/html-entity",
    "HTML entity or character reference left in plain text",
    examples=(
        Example("Tom &amp; Jerry", "Tom & Jerry"),
        Example("A caf&eacute; on the corner.", "A café on the corner."),
        Example("It&#39;s fine&#x2026;", "It's fine…"),
        Example("Double-escaped &amp;eacute;t&amp;eacute;", "Double-escaped été"),
    ),
    counter_examples=(
        "AT&T and R&D, fish & chips.",
        "Q&A; then &unknownentity; stays.",
        "<p>Tom &amp; Jerry</p>",
        "Use `&amp;` to write an ampersand in HTML.",
        "Open https://example.com/search?q=a&amp;page=2 today.",
        "The tag is written &lt;div&gt; in the source.",
    ),
)

C1_CONTROL = Rule(
    "encoding/c1-control",
    "C1 control character that is a Windows-1252 character read as Latin-1",
    examples=(
        Example("It\x92s here.", "It’s here."),
        Example("\x93Quoted\x94 text", "“Quoted” text"),
    ),
    counter_examples=("It’s here.", "“Quoted” text"),
    respects_protection=False,
)

SURROGATE = Rule(
    "encoding/surrogate",
    "UTF-16 surrogate code points instead of the character they encode",
    examples=(
        Example("Smile \ud83d\ude00 please", "Smile 😀 please"),
        Example("lone \ud800 half", "lone \ufffd half"),
    ),
    counter_examples=("Smile 😀 please",),
    respects_protection=False,
)

CONTROL_CHAR = Rule(
    "encoding/control-char",
    "invisible control character (NUL, DEL, byte order mark, ...) inside text",
    examples=(
        Example("null\x00byte", "nullbyte"),
        Example("\ufeffStarts with a BOM.", "Starts with a BOM."),
    ),
    counter_examples=("Tabs\tand\r\nline breaks\x0cstay.", "Joiners stay: 👩\u200d💻, RTL \u200f."),
    respects_protection=False,
)

TERMINAL_ESCAPE = Rule(
    "encoding/terminal-escape",
    "ANSI terminal colour escape left in text",
    examples=(Example("\x1b[31mred\x1b[0m alert", "red alert"),),
    counter_examples=("A literal [31m stays.",),
    respects_protection=False,
)

UNCURL_QUOTES = Rule(
    "encoding/uncurl-quotes",
    "curly quotes to straight ones (opt-in: normalize=quotes)",
    examples=(Example("“Here’s one,” she said.", '"Here\'s one," she said.'),),
    counter_examples=('"Here\'s one," she said.',),
    example_options=(("normalize", ("quotes",)),),
)

ASCII_DASHES = Rule(
    "encoding/ascii-dashes",
    "typographic dashes to ASCII: en dash to -, em dash to -- (opt-in: normalize=dashes)",
    examples=(Example("A pause — then 1990–95.", "A pause -- then 1990-95."),),
    counter_examples=("A pause -- then 1990-95, and −3 °C.",),
    example_options=(("normalize", ("dashes",)),),
)

NFC = Rule(
    "encoding/nfc",
    "decomposed characters to their composed (NFC) form (opt-in: normalize=nfc)",
    examples=(Example("cafe\u0301 and Ω", "café and Ω"),),
    counter_examples=("café and Ω",),
    example_options=(("normalize", ("nfc",)),),
)

WIDTH = Rule(
    "encoding/width",
    "fullwidth Latin and halfwidth katakana to standard width (opt-in: normalize=width)",
    examples=(Example("ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES"),),
    counter_examples=("LOUD NOISES, 日本語。",),
    example_options=(("normalize", ("width",)),),
)

LIGATURE = Rule(
    "encoding/ligatures",
    "Latin ligature characters to their letters (opt-in: normalize=ligatures)",
    examples=(Example("The ﬁrst ﬂoor", "The first floor"),),
    counter_examples=("The first floor", "Æsir and œuvre"),
    example_options=(("normalize", ("ligatures",)),),
)

RULES = (
    MOJIBAKE,
    HTML_ENTITY,
    C1_CONTROL,
    SURROGATE,
    CONTROL_CHAR,
    TERMINAL_ESCAPE,
    UNCURL_QUOTES,
    ASCII_DASHES,
    NFC,
    WIDTH,
    LIGATURE,
)

#: the values of ``Options.normalize`` this fixer understands
NORMALIZATIONS = ("quotes", "dashes", "nfc", "width", "ligatures")

# --- ftfy, imported on first need ----------------------------------------------

# Importing ftfy costs some 60 ms (its modules and their patterns), more than the
# rest of a start-up; most documents hold no damage it repairs. So ftfy is imported
# the first time a document holds mojibake, an entity or a surrogate (or an opt-in
# normalisation needs its tables), and the characters its heuristic is made of,
# which the triggers below need on every document, come from the on-disk cache.


@functools.cache
def _ftfy() -> SimpleNamespace:
    """The parts of ftfy this fixer uses (ftfy is imported on the first call)."""
    import ftfy
    from ftfy.chardata import LIGATURES, WIDTH_MAP
    from ftfy.fixes import fix_c1_controls, fix_surrogates, unescape_html

    return SimpleNamespace(
        # ftfy's encoding repair with every normalising step off (datatrove's choice)
        config=ftfy.TextFixerConfig(
            unescape_html=False,
            remove_terminal_escapes=False,
            fix_latin_ligatures=False,
            fix_character_width=False,
            uncurl_quotes=False,
            fix_line_breaks=False,
            fix_surrogates=False,
            remove_control_chars=False,
            normalization=None,
            explain=True,
        ),
        fix_encoding_and_explain=ftfy.fix_encoding_and_explain,
        # one step of ftfy.fix_encoding_and_explain (private in ftfy 6; None if it moved)
        step=getattr(ftfy, "_fix_encoding_one_step_and_explain", None),
        fix_c1_controls=fix_c1_controls,
        fix_surrogates=fix_surrogates,
        unescape_html=unescape_html,
        ligatures=LIGATURES,
        width_map=WIDTH_MAP,
    )


#: the version of the stored character sets: bump it when what is stored changes
#: shape (an edit of this module changes the key anyway: see _badness_key)
CHAR_SETS_FORMAT = 1


def _derive_char_sets() -> tuple[str, str]:
    """The characters ftfy's badness heuristic is made of: (mojibake, Greek and Cyrillic).

    Every match of BADNESS_RE holds two adjacent such characters (at least one of
    them not a plain Greek or Cyrillic letter), except for a few patterns listed
    apart: a C1 control, Ã or Â before a space, Œ/œ before a non-letter and two
    Cyrillic pairs. Lines without any of these can hold no mojibake ftfy would fix.
    """
    from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES

    greek_cyrillic = MOJIBAKE_CATEGORIES["upper_common"] + MOJIBAKE_CATEGORIES["lower_common"]
    literals = "".join(
        sorted(
            {
                ch
                for ch in BADNESS_RE.pattern
                if ord(ch) > 0x7F and ch not in greek_cyrillic and ch != "-"
            }
        )
    )
    moji = "".join(
        v for k, v in MOJIBAKE_CATEGORIES.items() if k not in ("upper_common", "lower_common")
    ) + literals.replace("\\", "").replace("]", "").replace("^", "")
    return moji, greek_cyrillic


def _badness_key() -> str | None:
    """The cache key of the character sets: what they derive from, that is the
    ftfy/badness.py they are read from (path, size, modification time, found
    without importing ftfy) and the code that reads them (this module's source)."""
    try:
        spec = importlib.util.find_spec("ftfy")
        origin = spec.origin if spec is not None else None
        if origin is None:  # pragma: no cover - a namespace package or a frozen ftfy
            return None
        st = Path(origin).with_name("badness.py").stat()
    except (OSError, ImportError, ValueError):  # pragma: no cover - ftfy in a zip file
        return None
    code = cache.source_digest(__file__)
    if code is None:  # pragma: no cover
        return None
    return repr((CHAR_SETS_FORMAT, code, origin, st.st_size, st.st_mtime_ns))


@functools.cache
def _char_sets() -> tuple[str, str]:
    """:func:`_derive_char_sets`, read from the on-disk cache when it holds them."""
    key = _badness_key()
    if key is None:  # pragma: no cover
        return _derive_char_sets()
    data = cache.cached("encoding-charsets", key, lambda: marshal.dumps(_derive_char_sets()))
    try:
        moji, greek_cyrillic = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return _derive_char_sets()  # not ours (another build of textfix, same key)
    if not isinstance(moji, str) or not isinstance(greek_cyrillic, str):
        return _derive_char_sets()
    return moji, greek_cyrillic


# --- triggers ----------------------------------------------------------------

# One scan for everything; the group that matched says what was found. Every
# alternative starts with a character of the first class, which the scan consumes
# first and the alternatives then look back at: a pattern that opens with a plain
# character class lets the engine skip ordinary text in C, with neither a branch nor
# a look-ahead tried at each position (4x faster than a look-ahead on the class).
# They are compiled on first use (a few ms each): pure ASCII text needs none of them.
_CONTROLS = "\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc"
_OTHER_AFTER = (
    "(?P<surr>(?<=[\ud800-\udfff])[\ud800-\udfff]*)"
    "|(?P<ent>(?<=&)(?:amp;)*(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)"
    f"|(?P<ctl>(?<=\x1b)\\[[0-9;]*[A-Za-z]|(?<=[{_CONTROLS}])[{_CONTROLS}]*)"
)


def _first_and_moji_after() -> tuple[str, str]:
    moji, greek_cyrillic = _char_sets()
    any_ = moji + greek_cyrillic
    first = (
        "\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f-\\x9f\\u206a-\\u206f\\ufeff\\ufff9-\\ufffc"
        f"&\\ud800-\\udfff{any_}ВЂ"
    )
    moji_after = (
        f"(?<=[\x80-\x9f])|(?<=[{moji}])[{any_}]|(?<=[{greek_cyrillic}])[{moji}]"
        "|(?<=в)Ђ|(?<=В)Ђ|(?<=[ÃÂ]) |(?<=[Œœ])(?![A-Za-z])"
    )
    return first, moji_after


@functools.cache
def _trigger() -> re.Pattern[str]:
    """Every kind of damage; the group that matched (``moji``, ``surr``, ``ent``,
    ``ctl``) says which."""
    first, moji_after = _first_and_moji_after()
    return re.compile(f"[{first}](?:(?P<moji>{moji_after})|{_OTHER_AFTER})")


@functools.cache
def _other_trigger() -> re.Pattern[str]:
    """:func:`_trigger` without mojibake, for the rest of a line that goes to ftfy anyway."""
    return re.compile(f"[&{_CONTROLS}\ud800-\udfff](?:{_OTHER_AFTER})")


@functools.cache
def _moji_trigger() -> re.Pattern[str]:
    """Mojibake alone: text without it is not bad to ftfy (see test_encoding.py)."""
    first, moji_after = _first_and_moji_after()
    return re.compile(f"[{first}](?:{moji_after})")


# Pure ASCII text can only hold entities and control characters.
_ASCII_FIRST = r"[&\x00-\x08\x0b\x0e-\x1f\x7f]"
_ASCII_TRIGGER = re.compile(_ASCII_FIRST + r"(?:(?<=&)[#A-Za-z]|(?<!&))")
#: the ASCII characters no match of _ASCII_TRIGGER starts with: deleting them from a
#: text (bytes.translate, some ten times faster than the scan) leaves nothing when the
#: scan could find nothing
_ASCII_QUIET = bytes(c for c in range(128) if not re.match(_ASCII_FIRST, chr(c)))
#: a text that is not all ASCII is looked at in chunks of this many characters
_CHUNK = 256


def _loud_ranges(text: str, chunk: int = _CHUNK) -> Iterator[tuple[int, int]]:
    """Stretches of ``text`` that hold every character a match of _trigger() starts with.

    The trigger's character-class scan costs some 60 instructions a character; a
    chunk that is all ASCII without '&' or a control character (a slice, isascii
    and bytes.translate: a few instructions a character) holds none of the
    characters a match starts with, and is skipped. Any other chunk is scanned on
    to the end of its line: no match crosses a line end, so a match starting in the
    chunk is found whole, and a stretch never ends inside a match.
    """
    n = len(text)
    pos = 0
    while pos < n:
        end = pos + chunk
        piece = text[pos:end]
        if piece.isascii() and not piece.encode("ascii").translate(None, _ASCII_QUIET):
            pos = end
            continue
        hi = text.find("\n", end - 1)
        hi = n if hi < 0 else hi
        yield pos, hi
        pos = hi + 1


# A line that holds a tag is markup: its entities are meant.
_MARKUP = re.compile(r"<[A-Za-z/!]")
_ESCAPED_TAG = re.compile(r"&(?:amp;)*lt;[A-Za-z/!?]")
# A run is written ``[c][c]*``, not ``[c]+``: a pattern that opens with a plain class
# lets the engine skip to the next candidate in C, one that opens with a repeat is
# tried at every position (half the speed on a line of mojibake).
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f][^\x00-\x7f]*")
_NON_ASCII_SPLIT = re.compile(r"([^\x00-\x7f][^\x00-\x7f]*)")
_C1 = re.compile(r"[\x80-\x9f]")

#: ftfy fixes text in segments of at most this many characters
_SEGMENT = 1_000_000

_CODEC_NAMES = {
    "latin-1": "Latin-1",
    "sloppy-windows-1252": "Windows-1252",
    "windows-1252": "Windows-1252",
    "sloppy-windows-1251": "Windows-1251",
    "sloppy-windows-1250": "Windows-1250",
    "sloppy-windows-1253": "Windows-1253",
    "sloppy-windows-1254": "Windows-1254",
    "sloppy-windows-1257": "Windows-1257",
    "iso-8859-2": "ISO-8859-2",
    "macroman": "MacRoman",
    "cp437": "CP437",
    "utf-8": "UTF-8",
    "utf-8-variants": "UTF-8",
}


@functools.cache
def _normalizers() -> dict[str, tuple[Rule, re.Pattern[str], dict[int, str] | None, str]]:
    """The opt-in normalisations: rule, pattern, translation table, message (built on
    first use: the width and ligature tables are ftfy's)."""
    ftfy = _ftfy()
    return {
        "quotes": (
            UNCURL_QUOTES,
            re.compile("[\u02bc\u2018-\u201f][\u02bc\u2018-\u201f]*"),
            {
                **{c: "'" for c in (0x2BC, 0x2018, 0x2019, 0x201A, 0x201B)},
                **{c: '"' for c in range(0x201C, 0x2020)},
            },
            "curly quote made straight",
        ),
        "dashes": (
            ASCII_DASHES,
            re.compile("[\u2010-\u2015][\u2010-\u2015]*"),
            {0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "--", 0x2015: "--"},
            "typographic dash made ASCII",
        ),
        "width": (
            WIDTH,
            re.compile("[\u3000\uff01-\uffef][\u3000\uff01-\uffef]*"),
            ftfy.width_map,
            "fullwidth/halfwidth form made standard width",
        ),
        "ligatures": (
            LIGATURE,
            re.compile("[{0}][{0}]*".format("".join(chr(c) for c in ftfy.ligatures))),
            ftfy.ligatures,
            "ligature split into letters",
        ),
    }


def _codec(name: str) -> str:
    return _CODEC_NAMES.get(name, name)


@functools.lru_cache(maxsize=256)
def _explain(plan: tuple[tuple[str, str], ...]) -> str:
    """Say in words what ftfy's plan did: ``UTF-8 decoded as Windows-1252`` (a handful
    of plans cover nearly every line, so the words are kept per plan)."""
    parts: list[str] = []
    encoded = ""
    extras: list[str] = []
    for action, param in plan:
        if action == "encode":
            encoded = _codec(param)
        elif action == "decode":
            parts.append(f"{_codec(param)} decoded as {encoded}")
        elif param == "restore_byte_a0":
            extras.append("a lost no-break space restored")
        elif param == "replace_lossy_sequences":
            extras.append("unrecoverable bytes marked �")
        elif param == "decode_inconsistent_utf8":
            parts.append("UTF-8 sequences decoded as Windows-1252")
        elif param == "fix_c1_controls":
            parts.append("C1 controls read as Windows-1252")
    what = ", then ".join(parts) or "repaired by ftfy"
    if extras:
        what += " (" + "; ".join(extras) + ")"
    return f"mojibake: {what}"


#: how many mojibake pairs of a line :func:`_is_bad` searches around one at a time
#: before it searches the rest of the line at once
_WINDOWS = 8


@functools.cache
def _badness_reach() -> int | None:
    """:func:`_pattern_reach` of ftfy's BADNESS_RE (derived once per process, when a
    document first needs ftfy: it takes a few ms)."""
    from ftfy.badness import BADNESS_RE

    return _pattern_reach(BADNESS_RE)


def _pattern_reach(pattern: re.Pattern[str]) -> int | None:
    """The longest match of ``pattern``, or None if a match could depend on text
    outside it (a look-around, an end anchor, a back-reference) or be unbounded.

    A search of a window of the text then finds exactly the matches that lie in it,
    which is what :func:`_is_bad` needs.
    """
    try:  # the stdlib's own parser (private): without it, no windows
        from re import _constants as c
        from re import _parser

        begin = (c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_BEGINNING_LINE)
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except (ImportError, AttributeError):  # pragma: no cover - another Python
        return None
    todo = [tree]
    while todo:
        for op, av in todo.pop():
            if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN):
                continue
            if op is c.AT and av in begin:  # ^ looks at the text before the match only
                continue
            if op is c.BRANCH:
                todo.extend(av[1])
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                todo.append(av[2])
            elif op is c.SUBPATTERN:
                todo.append(av[3])
            elif op is c.ATOMIC_GROUP:
                todo.append(av)
            else:
                return None
    reach = tree.getwidth()[1]
    return reach if reach <= 64 else None


@functools.cache
def _badness_search() -> tuple[Any, Any, int | None, re.Pattern[str]]:
    """BADNESS_RE's search and match, :func:`_badness_reach` and _moji_trigger()."""
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE.search, BADNESS_RE.match, _badness_reach(), _moji_trigger()


#: whether the one or two characters of a match of _moji_trigger() are by themselves a
#: match of BADNESS_RE (``Ã©``, ``â€``): then the text holding them is bad, with no
#: window to search. Filled per process as pairs are met, up to _PAIRS_MAX of them.
_BAD_PAIRS: dict[str, bool] = {}
_PAIRS_MAX = 4096


def _bad_pair(pair: str, match: Any) -> bool:
    known = _BAD_PAIRS.get(pair)
    if known is None:
        # from position 1, where '^' cannot match: a match of the pair's own characters
        # is a match wherever they stand (_pattern_reach ruled out look-arounds)
        known = match(" " + pair, 1) is not None
        if len(_BAD_PAIRS) < _PAIRS_MAX:
            _BAD_PAIRS[pair] = known
    return known


def _is_bad(text: str) -> bool:
    """``ftfy.badness.is_bad(text)``, with ftfy's large pattern searched only near
    the places _moji_trigger() finds.

    Every match of BADNESS_RE holds a place where _moji_trigger() matches (the
    trigger is built to; tests/test_encoding.py checks this), and a place the
    trigger's scan steps over lies inside the (at most two characters long) match
    it reports. So every BADNESS_RE match lies within its longest length of a
    reported match, and searching those windows answers for the whole text: a line
    that only looks suspicious (an ellipsis before a closing quote) costs a few
    short searches instead of a search of the whole line with an alternation of
    some forty branches tried at each character.
    """
    first = _badness_search()[3].search(text)
    return first is not None and _bad_from(text, first)


def _bad_from(text: str, first: re.Match[str]) -> bool:
    """:func:`_is_bad` of ``text``, whose first match of _moji_trigger() is ``first``."""
    search, match, reach, trigger = _badness_search()
    if reach is None:  # pragma: no cover - an ftfy whose pattern windows cannot search
        return search(text) is not None
    if _bad_pair(first.group(), match):  # most lines of mojibake
        return True
    for n, m in enumerate(trigger.finditer(text, first.start())):
        start = m.start() - reach
        if n == _WINDOWS:  # many places: the rest of the text at once
            return search(text, start if start > 0 else 0) is not None
        if search(text, start if start > 0 else 0, m.end() + reach) is not None:
            return True
    return False


def _fix_encoding(segment: str) -> tuple[str, list[tuple[str, str]]]:
    """``ftfy.fix_encoding_and_explain(segment)`` with our settings, in fewer scans.

    ftfy repeats one repair step until the text stops changing, and each step
    first asks ``is_bad`` (a search with its large BADNESS_RE) whether there is
    anything left to do; a step on text that is not bad returns it unchanged,
    which ends the loop. :func:`_is_bad` gives the same answer with far less
    searching, so it is asked first and ftfy's step only runs on bad text: a line
    that only looked suspicious, or a repaired line, costs no call into ftfy.
    """
    fixed, steps, _ = _fix_encoding_quiet(segment)
    return fixed, steps


def _fix_encoding_quiet(segment: str) -> tuple[str, list[tuple[str, str]], bool]:
    """:func:`_fix_encoding`, and whether _moji_trigger() finds nothing in the result
    (then it holds no C1 control: the trigger stops at every one)."""
    ftfy = _ftfy()
    if ftfy.step is None:  # pragma: no cover - an ftfy without the private step
        fixed, plan = ftfy.fix_encoding_and_explain(segment, ftfy.config)
        return fixed, list(plan or ()), False
    step, config = ftfy.step, ftfy.config
    search = _badness_search()[3].search
    steps: list[tuple[str, str]] = []
    text = segment
    while True:
        first = search(text)
        if first is None:
            return text, steps, True
        if not _bad_from(text, first):
            return text, steps, False
        previous = text
        text, plan = step(text, config)
        if plan:
            steps.extend(plan)
        if text == previous:
            return text, steps, False


# --- diffing a repaired segment ---------------------------------------------

Span = tuple[int, int, str]  # start, end (in the old string), replacement


def _tighten(old: str, new: str, start: int) -> Span | None:
    """Trim what ``old`` and ``new`` share at both ends, but keep a whole unit.

    ``Ãƒ`` -> ``Ã`` shares its first character; trimming it would leave a
    bare deletion of ``ƒ``, which explains nothing, so one shared character
    is kept whenever trimming would empty either side.
    """
    if old == new:
        return None
    p = 0
    limit = min(len(old), len(new))
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    limit -= p
    while s < limit and old[-1 - s] == new[-1 - s]:
        s += 1
    o, n = old[p : len(old) - s], new[p : len(new) - s]
    if not o or not n:
        if p:
            p -= 1
        elif s:
            s -= 1
        o, n = old[p : len(old) - s], new[p : len(new) - s]
    return (start + p, start + p + len(o), n)


def _diff(old: str, new: str, base: int = 0) -> list[Span]:
    """Tight ``(start, end, replacement)`` edits turning ``old`` into ``new``.

    ftfy's repairs leave ASCII alone, so when both strings split into the
    same ASCII stretches, the non-ASCII runs between them pair up one to one
    and each changed run is an edit: linear, and as tight as it gets.
    Otherwise (a restored no-break space ate an ASCII space) a character diff
    of the part that differs does the job.

    The runs come from one split of each string, their offsets from the lengths of
    the parts; a run whose first and last characters both changed is its own edit
    as it stands (what :func:`_tighten` would make of it). :func:`_diff_simple`
    pairs the runs match by match; the two are tested to agree.
    """
    if old == new:
        return []
    old_parts = _NON_ASCII_SPLIT.split(old)
    new_parts = _NON_ASCII_SPLIT.split(new)
    if old_parts[::2] == new_parts[::2]:
        out: list[Span] = []
        # where each run starts (one offset more than there are runs: the end)
        starts = islice(accumulate(map(len, old_parts), initial=base), 1, None, 2)
        for o, n, at in zip(old_parts[1::2], new_parts[1::2], starts, strict=False):
            if o == n:
                continue
            if o[0] != n[0] and o[-1] != n[-1]:
                out.append((at, at + len(o), n))
            else:
                span = _tighten(o, n, at)
                if span is not None:  # pragma: no branch - o != n
                    out.append(span)
        return out
    return _diff_chars(old, new, base)


def _diff_simple(old: str, new: str, base: int = 0) -> list[Span]:
    """:func:`_diff` the plain way: pair the runs of non-ASCII characters match by match."""
    if old == new:
        return []
    old_gaps = _NON_ASCII_RUN.split(old)
    if old_gaps == _NON_ASCII_RUN.split(new):
        out: list[Span] = []
        new_runs = _NON_ASCII_RUN.finditer(new)
        for m_old, m_new in zip(_NON_ASCII_RUN.finditer(old), new_runs, strict=True):
            span = _tighten(m_old.group(), m_new.group(), base + m_old.start())
            if span is not None:
                out.append(span)
        return out
    return _diff_chars(old, new, base)


def _diff_chars(old: str, new: str, base: int) -> list[Span]:
    """Edits turning ``old`` into ``new`` from a character diff of the part that differs."""
    # trim the common ends, then diff the middle character by character
    p = 0
    limit = min(len(old), len(new))
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    while s < limit - p and old[-1 - s] == new[-1 - s]:
        s += 1
    a, b = old[p : len(old) - s], new[p : len(new) - s]
    if len(a) + len(b) > 20_000:
        return [(base + p, base + p + len(a), b)]
    spans: list[list[int]] = []
    import difflib  # rarely needed: imported here

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # widen a bare insertion or deletion by one neighbouring (equal) character
        if i1 == i2 or j1 == j2:
            if i1 > 0:
                i1 -= 1
                j1 -= 1
            elif i2 < len(a):
                i2 += 1
                j2 += 1
        if spans and i1 <= spans[-1][1]:
            # widening made two edits touch: both ends still correspond, join them
            spans[-1][1] = max(spans[-1][1], i2)
            spans[-1][3] = max(spans[-1][3], j2)
        else:
            spans.append([i1, i2, j1, j2])
    return [(base + p + i1, base + p + i2, b[j1:j2]) for i1, i2, j1, j2 in spans]


# --- the fixer ---------------------------------------------------------------


class EncodingFixer(Fixer):
    """Repair encoding damage with ftfy, one tight edit per repaired spot."""

    name = "encoding"
    rules = RULES

    def __init__(self, normalize: Iterable[str] = ()) -> None:
        self.normalize = tuple(n for n in NORMALIZATIONS if n in set(normalize))

    def run(self, doc: Document) -> Iterator[Edit | Flag]:
        text = doc.text
        if text.isascii():
            if text.encode("ascii").translate(None, _ASCII_QUIET) and _ASCII_TRIGGER.search(text):
                yield from self._scan(text)
        else:
            yield from self._scan(text, _loud_ranges(text))
        for kind in self.normalize:
            yield from self._normalize(text, kind)

    # damage ------------------------------------------------------------------

    def _scan(self, text: str, ranges: Iterable[tuple[int, int]] | None = None) -> Iterator[Edit]:
        """The repairs in ``text``, looking for triggers in ``ranges`` (stretches that
        end at a line end and hold every character a match starts with), or all of it."""
        n = len(text)
        surrogate_lines: set[int] = set()
        # the line of the last entity looked at: [start, end, a line of markup, holds an
        # escaped tag]; entities come in text order, so a line of a million entities
        # costs a few scans of it, not a million
        line: list[Any] = [-1, -1, False, False]
        moji_lines: list[tuple[int, int]] = []
        search = _trigger().search
        for pos, hi in ranges if ranges is not None else ((0, n),):
            while True:
                m = search(text, pos, hi)
                if m is None:
                    break
                if m.lastgroup != "moji":
                    yield from self._other(text, m, surrogate_lines, line)
                    pos = m.end()
                    continue
                # the whole line goes to ftfy: find only the other kinds in the rest of it,
                # so a line of a million mojibake pairs costs one match, not a million
                start = m.start()
                ls = text.rfind("\n", 0, start) + 1
                le = text.find("\n", start)
                le = n if le < 0 else le
                moji_lines.append((ls, le))
                for other in _other_trigger().finditer(text, start, le):
                    yield from self._other(text, other, surrogate_lines, line)
                pos = le
        for ls, le in moji_lines:
            if ls in surrogate_lines:
                continue  # repaired on the next pass, once the surrogates are gone
            for seg in range(ls, le, _SEGMENT):
                yield from self._mojibake(text, seg, min(le, seg + _SEGMENT))

    def _other(
        self,
        text: str,
        m: re.Match[str],
        surrogate_lines: set[int],
        line: list[Any],
    ) -> Iterator[Edit]:
        """An entity, a control character or a run of surrogates."""
        kind = m.lastgroup
        if kind == "ent":
            yield from self._entity(text, m, line)
        elif kind == "ctl":
            yield from self._control(m)
        else:
            start = m.start()
            surrogate_lines.add(text.rfind("\n", 0, start) + 1)
            fixed = _ftfy().fix_surrogates(m.group())
            yield Edit(
                start,
                m.end(),
                fixed,
                SURROGATE.id,
                "surrogates: UTF-16 pair joined into one character"
                if "\ufffd" not in fixed
                else "surrogates: unpaired surrogate replaced by U+FFFD",
            )

    def _mojibake(self, text: str, start: int, end: int) -> Iterator[Edit]:
        segment = text[start:end]
        fixed, plan, quiet = _fix_encoding_quiet(segment)
        fix_c1_controls = _ftfy().fix_c1_controls
        if not quiet and _C1.search(fixed):
            fixed = fix_c1_controls(fixed)
        if fixed == segment:
            return
        message = _explain(tuple(plan))
        for s, e, rep in _diff(segment, fixed, start):
            # a repair of C1 controls alone is named as such (the first one tells cheaply)
            if s < e and "\x80" <= text[s] <= "\x9f":
                old = text[s:e]
                if not _C1.sub("", old) and fix_c1_controls(old) == rep:
                    yield Edit(
                        s,
                        e,
                        rep,
                        C1_CONTROL.id,
                        f"C1 control U+{ord(old[0]):04X} read as Windows-1252 {rep!r}",
                    )
                    continue
            yield Edit(s, e, rep, MOJIBAKE.id, message)

    def _entity(self, text: str, m: re.Match[str], line: list[Any]) -> Iterator[Edit]:
        raw = m.group()
        fixed = raw
        unescape_html = _ftfy().unescape_html
        while True:
            once = unescape_html(fixed)
            if once == fixed:
                break
            fixed = once
        if fixed == raw:
            return
        start, end = m.span()
        if not line[0] <= start < line[1]:
            ls = text.rfind("\n", 0, start) + 1
            le = text.find("\n", end)
            le = len(text) if le < 0 else le
            line[:] = (
                ls,
                le,
                _MARKUP.search(text, ls, le) is not None,
                _ESCAPED_TAG.search(text, ls, le) is not None,
            )
        if line[2]:
            return  # a line of markup means its entities
        if fixed in ("<", ">") and line[3]:
            return  # an escaped tag is text about markup: keep it escaped
        yield Edit(m.start(), end, fixed, HTML_ENTITY.id, f"HTML entity {raw} decoded")

    def _control(self, m: re.Match[str]) -> Iterator[Edit]:
        raw = m.group()
        if raw[0] == "\x1b" and len(raw) > 1:
            yield Edit(m.start(), m.end(), "", TERMINAL_ESCAPE.id, "terminal escape removed")
            return
        codes = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(raw))
        yield Edit(m.start(), m.end(), "", CONTROL_CHAR.id, f"control character {codes} removed")

    # opt-in normalisations -------------------------------------------------------

    def _normalize(self, text: str, kind: str) -> Iterator[Edit]:
        if kind == "nfc":
            if text.isascii() or unicodedata.is_normalized("NFC", text):
                return
            pos = 0
            n = len(text)
            while pos < n:
                le = text.find("\n", pos)
                le = n if le < 0 else le
                line = text[pos:le]
                if not line.isascii() and not unicodedata.is_normalized("NFC", line):
                    for s, e, rep in _diff(line, unicodedata.normalize("NFC", line), pos):
                        yield Edit(s, e, rep, NFC.id, "composed to NFC")
                pos = le + 1
            return
        rule, pattern, table, message = _normalizers()[kind]
        if text.isascii():
            return
        for m in pattern.finditer(text):
            rep = m.group().translate(table) if table is not None else m.group()
            if rep != m.group():
                yield Edit(m.start(), m.end(), rep, rule.id, message)


def build(options: Options) -> Fixer | None:
    """The encoding fixer, with the normalisations ``options.normalize`` asks for."""
    return EncodingFixer(normalize=options.normalize)


__all__ = ["EncodingFixer", "NORMALIZATIONS", "RULES", "build"]
