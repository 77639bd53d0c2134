"""A stand-in LanguageTool server for the tests: ``/v2/check`` and ``/v2/languages``.

It answers in LanguageTool's response format (offsets and lengths in UTF-16
code units, like the Java server) with a few canned rules, counts requests,
and can be told to fail. It listens on 127.0.0.1 on a free port only.

    with LanguageToolStub() as lt:
        textfix.clean(text, grammar=True, languagetool_url=lt.url)
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

LANGUAGES = [
    {"name": "English", "code": "en", "longCode": "en"},
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
    {"name": "French", "code": "fr", "longCode": "fr"},
]

_THIRD_PERSON = {"go": "goes", "have": "has", "do": "does", "say": "says", "want": "wants"}


@dataclass(frozen=True)
class CannedRule:
    id: str
    description: str
    category: str
    category_name: str
    issue_type: str
    pattern: re.Pattern[str]
    message: str
    replace: Callable[[re.Match[str]], list[str]]
    group: int = 0


def _rules() -> list[CannedRule]:
    def cap(word: str, like: str) -> str:
        return word[0].upper() + word[1:] if like[:1].isupper() else word

    return [
        # confused words, one replacement: "its a" -> "it's a"
        CannedRule(
            "IT_IS",
            "'its' (possessive) vs 'it's' (it is)",
            "CONFUSED_WORDS",
            "Commonly Confused Words",
            "misspelling",
            re.compile(r"\b([Ii]ts)(?= (?:a|an|the|not|very)\b)"),
            "Did you mean \u201cit\u2019s\u201d (= it is)?",
            lambda m: [cap("it's", m.group(1))],
            group=1,
        ),
        # agreement, one replacement: "She go" -> "She goes" (replaces the verb)
        CannedRule(
            "HE_VERB_AGR",
            "Agreement error: third-person verb",
            "GRAMMAR",
            "Grammar",
            "grammar",
            re.compile(r"\b(?:[Hh]e|[Ss]he|[Ii]t) (go|have|do|say|want)\b"),
            "The pronoun requires a third-person verb form.",
            lambda m: [_THIRD_PERSON[m.group(1)]],
            group=1,
        ),
        # article: "a apple" -> "an apple"
        CannedRule(
            "EN_A_VS_AN",
            "Use of 'a' vs. 'an'",
            "MISC",
            "Miscellaneous",
            "misspelling",
            re.compile(r"\b(a)(?= [aeiou]\w)"),
            "Use \u201can\u201d instead of \u201ca\u201d if the following word starts with "
            "a vowel sound.",
            lambda m: ["an"],
            group=1,
        ),
        # style, several replacements: flagged
        CannedRule(
            "EN_OVERUSED_AMAZING",
            "Overused adjective",
            "STYLE",
            "Style",
            "style",
            re.compile(r"\bamazing\b"),
            "This adjective is overused; consider a more precise one.",
            lambda m: ["remarkable", "impressive", "astonishing"],
        ),
        # spelling with a single replacement: flagged (TYPOS is not applied)
        CannedRule(
            "MORFOLOGIK_RULE_EN_US",
            "Possible spelling mistake",
            "TYPOS",
            "Possible Typo",
            "misspelling",
            re.compile(r"\bKremlim\b"),
            "Possible spelling mistake found.",
            lambda m: ["Kremlin"],
        ),
        # whitespace (owned by textfix's spacing fixer): flagged
        CannedRule(
            "WHITESPACE_RULE",
            "Whitespace repetition",
            "TYPOGRAPHY",
            "Typography",
            "whitespace",
            re.compile(r"(?<=\S)  +(?=\S)"),
            "Possible typo: you repeated a whitespace",
            lambda m: [" "],
        ),
        # two rules that undo each other (test-only; a real server might
        # have such a pair): an edit one of them makes, the other reverts
        CannedRule(
            "STUB_FLIP",
            "Test rule: flip becomes flop",
            "GRAMMAR",
            "Grammar",
            "grammar",
            re.compile(r"\bflip\b"),
            "Did you mean \u201cflop\u201d?",
            lambda m: ["flop"],
        ),
        CannedRule(
            "STUB_FLOP",
            "Test rule: flop becomes flip",
            "GRAMMAR",
            "Grammar",
            "grammar",
            re.compile(r"\bflop\b"),
            "Did you mean \u201cflip\u201d?",
            lambda m: ["flip"],
        ),
        # sentence start in lower case (at the start of the text or after ". ")
        CannedRule(
            "UPPERCASE_SENTENCE_START",
            "Checks that a sentence starts with an uppercase letter",
            "CASING",
            "Capitalization",
            "typographical",
            re.compile(r"(?:^|(?<=[.!?] ))[a-z]\w*"),
            "This sentence does not start with an uppercase letter.",
            lambda m: [m.group()[0].upper() + m.group()[1:]],
        ),
        # a match with no replacement at all
        CannedRule(
            "SENTENCE_FRAGMENT",
            "Possible sentence fragment",
            "GRAMMAR",
            "Grammar",
            "grammar",
            re.compile(r"\bBecause of the rain\.(?= |$)"),
            "This sentence may be incomplete.",
            lambda m: [],
        ),
    ]


RULES = _rules()


def utf16(text: str, index: int) -> int:
    """The UTF-16 offset of Python offset ``index`` (what the Java server reports)."""
    return len(text[:index].encode("utf-16-le")) // 2


def check(text: str, language: str) -> dict[str, Any]:
    """A ``/v2/check`` response for ``text``."""
    matches = []
    for rule in RULES:
        for m in rule.pattern.finditer(text):
            s, e = m.span(rule.group)
            cs, ce = max(0, s - 40), min(len(text), e + 40)
            prefix = "..." if cs > 0 else ""
            suffix = "..." if ce < len(text) else ""
            ctext = (prefix + text[cs:ce] + suffix).replace("\n", " ")
            coff = utf16(ctext, len(prefix) + s - cs)
            sent_start = max(text.rfind(". ", 0, s) + 2, 0) if ". " in text[:s] else 0
            matches.append(
                {
                    "message": rule.message,
                    "shortMessage": rule.description,
                    "replacements": [{"value": v} for v in rule.replace(m)],
                    "offset": utf16(text, s),
                    "length": utf16(text, e) - utf16(text, s),
                    "context": {"text": ctext, "offset": coff, "length": utf16(text[s:e], e - s)},
                    "sentence": text[sent_start:].split(". ")[0].strip(),
                    "type": {"typeName": "Other"},
                    "rule": {
                        "id": rule.id,
                        "description": rule.description,
                        "issueType": rule.issue_type,
                        "category": {"id": rule.category, "name": rule.category_name},
                    },
                    "ignoreForIncompleteSentence": False,
                    "contextForSureMatch": 0,
                }
            )
    matches.sort(key=lambda m: m["offset"])
    lang = next((x for x in LANGUAGES if x["longCode"] == language), LANGUAGES[0])
    return {
        "software": {
            "name": "LanguageTool",
            "version": "6.5-stub",
            "buildDate": "2026-01-01 00:00:00 +0000",
            "apiVersion": 1,
            "premium": False,
            "status": "",
        },
        "warnings": {"incompleteResults": False},
        "language": {
            "name": lang["name"],
            "code": lang["longCode"],
            "detectedLanguage": {
                "name": lang["name"],
                "code": lang["longCode"],
                "confidence": 0.98,
                "source": "ngram",
            },
        },
        "matches": matches,
        "sentenceRanges": [[0, utf16(text, len(text))]],
    }


class LanguageToolStub:
    """A threaded HTTP server on 127.0.0.1 that answers like LanguageTool.

    ``requests`` counts requests per path, ``texts`` records every checked
    text, and ``fail_status`` (e.g. 500) makes ``/v2/check`` fail.
    """

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.texts: list[str] = []
        self.params: list[dict[str, str]] = []
        self.fail_status: int | None = None
        #: seconds each check waits before answering
        self.delay = 0.0
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, payload: Any) -> None:
                self._send(200, json.dumps(payload).encode(), "application/json")

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                stub._count(path)
                if path == "/v2/languages":
                    self._json(LANGUAGES)
                elif path == "/v2/check":
                    self._check(parse_qs(urlsplit(self.path).query))
                else:
                    self._send(404, b"Not found", "text/plain")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                stub._count(path)
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
                if path == "/v2/check":
                    self._check(form)
                else:
                    self._send(404, b"Not found", "text/plain")

            def _check(self, form: dict[str, list[str]]) -> None:
                params = {k: v[0] for k, v in form.items()}
                stub._record(params)
                try:
                    stub._enter()
                    if stub.delay:
                        time.sleep(stub.delay)
                finally:
                    stub._leave()
                if stub.fail_status is not None:
                    self._send(stub.fail_status, b"Error: Internal Error: stub", "text/plain")
                    return
                if "text" not in params or "language" not in params:
                    self._send(400, b"Error: Missing 'text' or 'language'", "text/plain")
                    return
                self._json(check(params["text"], params["language"]))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _count(self, path: str) -> None:
        with self._lock:
            self.requests[path] += 1

    def _enter(self) -> None:
        with self._lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)

    def _leave(self) -> None:
        with self._lock:
            self.inflight -= 1

    def _record(self, params: dict[str, str]) -> None:
        with self._lock:
            self.params.append(params)
            self.texts.append(params.get("text", ""))

    @property
    def checks(self) -> int:
        return self.requests["/v2/check"]

    def start(self) -> LanguageToolStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LanguageToolStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
