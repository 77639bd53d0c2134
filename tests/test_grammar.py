"""The grammar backend, driven through the real language-tool-python client.

LanguageTool itself cannot be installed here, so :mod:`ltstub` plays the
server on 127.0.0.1; every request in this file goes there.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import textfix
from textfix.fixers import grammar
from textfix.fixers.grammar import GrammarError, GrammarFixer, Utf16Index, parse_matches
from textfix.options import Options
from textfix.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).parent))
from ltstub import LanguageToolStub, utf16  # noqa: E402

pytest.importorskip("language_tool_python")


@pytest.fixture
def lt():
    with LanguageToolStub() as stub:
        yield stub


def pipeline(url: str, **kwargs) -> Pipeline:
    unsafe = kwargs.pop("unsafe_fixes", None)
    return Pipeline([GrammarFixer(url=url, **kwargs)], unsafe_fixes=unsafe)


def dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def flags_of(result, rule: str):
    return [f for f in result.flags if f.rule == rule]


# --- edits and flags -------------------------------------------------------------


def test_allow_listed_single_replacements_are_applied(lt):
    text = "She go to work early. Its a long road, with a uphill end.\n"
    r = pipeline(lt.url).clean(text)
    assert r.text == "She goes to work early. It's a long road, with an uphill end.\n"
    assert [(e.rule, e.original, e.replacement) for e in r.edits] == [
        ("grammar/HE_VERB_AGR", "go", "goes"),
        ("grammar/IT_IS", "Its", "It's"),
        ("grammar/EN_A_VS_AN", "a", "an"),
    ]
    assert all(e.message for e in r.edits)
    assert r.flags == []


def test_everything_else_is_flagged_with_suggestions(lt):
    text = "The Kremlim gave an amazing answer  today.\nBecause of the rain. We stayed.\n"
    r = pipeline(lt.url).clean(text)
    assert r.text == text
    assert r.edits == []
    by_rule = {f.rule: f for f in r.flags}
    typo = by_rule["grammar/MORFOLOGIK_RULE_EN_US"]  # one replacement, but spelling
    assert text[typo.start : typo.end] == "Kremlim" and typo.suggestion == "Kremlin"
    style = by_rule["grammar/EN_OVERUSED_AMAZING"]  # several replacements
    assert text[style.start : style.end] == "amazing"
    assert style.suggestion == "remarkable"
    assert "impressive" in style.message and "astonishing" in style.message
    space = by_rule["grammar/WHITESPACE_RULE"]  # owned by the spacing fixer
    assert text[space.start : space.end] == "  "
    fragment = by_rule["grammar/SENTENCE_FRAGMENT"]  # no replacement at all
    assert text[fragment.start : fragment.end] == "Because of the rain."
    assert fragment.suggestion is None


def test_safe_only_turns_grammar_edits_into_flags(lt):
    r = pipeline(lt.url, unsafe_fixes=False).clean("He go home.")
    assert r.text == "He go home."
    (flag,) = r.flags
    assert (flag.rule, flag.suggestion) == ("grammar/HE_VERB_AGR", "goes")


def test_user_allow_and_deny(lt):
    def clean(text: str, **options):
        fixer = grammar.build(Options.from_kwargs(grammar=True, languagetool_url=lt.url, **options))
        return Pipeline([fixer]).clean(text)

    text = "The Kremlim said he want peace.\n"
    denied = clean(text, grammar_deny=["HE_VERB_AGR"])
    assert denied.text == text
    assert [f.rule for f in denied.flags] == ["grammar/MORFOLOGIK_RULE_EN_US"]
    by_category = clean(text, grammar_deny=["GRAMMAR", "TYPOS"])
    assert by_category.text == text and by_category.flags == []
    allowed = clean(text, grammar_allow=["TYPOS"])
    assert allowed.text == "The Kremlin said he wants peace.\n"
    # allowing a rule with several suggestions still only flags it
    style = clean("An amazing view.", grammar_allow=["STYLE"])
    assert style.text == "An amazing view." and len(style.flags) == 1


def test_grammar_through_textfix_clean(lt):
    r = textfix.clean("She go home.\n", grammar=True, languagetool_url=lt.url)
    assert r.text == "She goes home.\n"
    assert [e.rule for e in r.edits] == ["grammar/HE_VERB_AGR"]


def test_protected_spans_are_not_edited_and_code_is_not_sent(lt):
    text = "Run `it go` first.\n    she go home\nHe go out.\n"
    r = pipeline(lt.url).clean(text)
    assert r.text == "Run `it go` first.\n    she go home\nHe goes out.\n"
    assert not any("she go home" in t for t in lt.texts)


def test_hard_wrapped_lines_are_checked_together(lt):
    text = "The minister said that\nthe talks would go on, and that\nshe go back.\nnext line.\n"
    r = pipeline(lt.url).clean(text)
    assert sorted(lt.texts[:2]) == [
        "The minister said that\nthe talks would go on, and that\nshe go back.",
        "next line.",
    ]
    assert r.text == text.replace("she go", "she goes")
    # a line after a full stop is a paragraph of its own; its lower-case start
    # is flagged, never applied
    assert [(f.rule, text[f.start : f.end], f.suggestion) for f in r.flags] == [
        ("grammar/UPPERCASE_SENTENCE_START", "next", "Next")
    ]


def test_idempotent(lt):
    text = "🙂 It go fast. Its a race.\n\nShe have a idea.\n"
    p = pipeline(lt.url)
    once = p.clean(text)
    assert once.text == "🙂 It goes fast. It's a race.\n\nShe has an idea.\n"
    assert p.clean(once.text).text == once.text
    assert p.clean(once.text).edits == []


def test_an_edit_the_server_would_undo_is_only_flagged(lt):
    p = pipeline(lt.url)
    text = "They flip the coin. She go home.\n"
    r = p.clean(text)
    assert r.text == "They flip the coin. She goes home.\n"
    (flag,) = r.flags
    assert (flag.rule, text[flag.start : flag.end], flag.suggestion) == (
        "grammar/STUB_FLIP",
        "flip",
        "flop",
    )
    assert p.clean(r.text).text == r.text


def test_the_look_ahead_request_is_the_next_pass_request(lt):
    pipeline(lt.url).clean("She go home.")
    # the text, then the text as edited; the pipeline's second pass is cached
    assert lt.texts == ["She go home.", "She goes home."]


# --- offsets ------------------------------------------------------------------------


def test_astral_characters_before_a_match_keep_offsets(lt):
    text = "🎉🎉 Party time 😀! She go home 👍🏽 and he want 𝔪𝔬𝔯𝔢 a apple.\n"
    r = pipeline(lt.url).clean(text)
    assert r.text == "🎉🎉 Party time 😀! She goes home 👍🏽 and he wants 𝔪𝔬𝔯𝔢 an apple.\n"
    for e in r.edits:
        assert text[e.start : e.end] == e.original


def test_offsets_are_converted_from_utf16():
    text = "x🎉y"
    assert [Utf16Index(text).to_python(u) for u in (0, 1, 3, 4)] == [0, 1, 2, 3]
    assert Utf16Index("plain").to_python(3) == 3


@given(st.text(alphabet=st.sampled_from("ab é\n🎉𝔪中\U0010fffd"), max_size=40))
def test_utf16_index_inverts_utf16_offsets(text):
    index = Utf16Index(text)
    for i in range(len(text) + 1):
        assert index.to_python(utf16(text, i)) == i


def test_a_match_that_disagrees_with_its_context_is_dropped():
    def response(offset: int) -> dict:
        return {
            "matches": [
                {
                    "message": "m",
                    "offset": offset,
                    "length": 2,
                    "replacements": [{"value": "goes"}],
                    "context": {"text": "She go home.", "offset": 4, "length": 2},
                    "rule": {"id": "R", "issueType": "grammar", "category": {"id": "GRAMMAR"}},
                }
            ]
        }

    assert [(m.start, m.end) for m in parse_matches("She go home.", response(4))] == [(4, 6)]
    assert parse_matches("She go home.", response(5)) == []
    with pytest.raises(ValueError):
        parse_matches("x", {"error": "no"})


# --- chunks, cache, concurrency ---------------------------------------------------------


def test_cache_avoids_a_second_request_for_the_same_paragraph(lt):
    p = pipeline(lt.url)
    p.clean("The view was amazing.\n")
    assert lt.checks == 1
    p.clean("The view was amazing.\n")
    assert lt.checks == 1
    # the same paragraph twice in one text, next to a new one: one new request
    p.clean("The view was amazing.\nA calm sea.\nThe view was amazing.\n")
    assert lt.checks == 2
    assert lt.texts == ["The view was amazing.", "A calm sea."]


def test_cache_is_bounded(lt):
    fixer = GrammarFixer(url=lt.url, cache_size=2)
    text = "One line.\nTwo lines.\nThree lines.\n"
    Pipeline([fixer]).clean(text)
    assert len(fixer.cache) == 2 and lt.checks == 3
    Pipeline([fixer]).clean(text)  # the one evicted is asked again
    assert len(fixer.cache) == 2 and lt.checks == 4


def test_long_paragraphs_are_split_below_the_limit(lt):
    talks = "".join(f"Round {i} of the talks went on for hours. " for i in range(12))
    text = talks + "In the end she go home."
    r = pipeline(lt.url, max_chars=100).clean(text)
    assert r.text == talks + "In the end she goes home."
    assert lt.checks > 1
    first_pass = lt.texts[: len(lt.texts) - 1]
    assert all(len(t) <= 100 for t in lt.texts)
    assert "".join(sorted(first_pass, key=text.index)) == text
    # after the edit only the piece that changed is sent again
    assert lt.texts[-1].endswith("In the end she goes home.")


def test_split_long():
    text = "One. Two three. " * 20 + "x" * 250
    pieces = grammar.split_long(text, 50)
    assert "".join(text[s:e] for s, e in pieces) == text
    assert all(e - s <= 50 for s, e in pieces)
    # cuts fall after sentence ends while there are any, then at the limit
    prose = [(s, e) for s, e in pieces if e <= 320]
    assert prose and all(text[e - 2 : e] == ". " for s, e in prose)
    assert [e - s for s, e in pieces if s >= 320] == [50] * 5
    assert grammar.split_long("short", 50) == [(0, 5)]


def test_concurrent_requests_are_bounded(lt):
    lt.delay = 0.02
    text = "".join(f"Line {i}: she go home.\n" for i in range(12))
    r = pipeline(lt.url, workers=3).clean(text)
    assert r.text == text.replace("she go", "she goes")
    # twelve lines, then the twelve edited lines once more
    assert sorted(lt.texts[:12]) == sorted(text.splitlines())
    assert lt.checks == 24
    assert 1 <= lt.max_inflight <= 3


def test_request_parameters(lt):
    fixer = grammar.build(Options(grammar=True, languagetool_url=lt.url, source_lang="fr"))
    Pipeline([fixer]).clean("He go.")
    assert lt.params[0]["language"] == "en-US"
    assert lt.params[0]["motherTongue"] == "fr"
    assert lt.requests["/v2/languages"] == 1


# --- failures ------------------------------------------------------------------------------


def test_dead_server_raises_naming_the_url():
    url = dead_url()
    with pytest.raises(GrammarError, match=url.replace(".", r"\.")) as info:
        textfix.clean("She go home.", grammar=True, languagetool_url=url)
    assert info.value.url == url


def test_dead_server_degrades_to_one_flag():
    url = dead_url()
    text = "She go home.Then  she left..\n"
    plain = textfix.clean(text)
    r = textfix.clean(text, grammar=True, languagetool_url=url, grammar_errors="flag")
    assert r.text == plain.text and r.edits == plain.edits
    skipped = flags_of(r, "grammar/skipped")
    assert len(skipped) == 1 and url in skipped[0].message
    assert [f for f in r.flags if f.rule != "grammar/skipped"] == plain.flags


def test_server_error_raises_or_degrades(lt):
    lt.fail_status = 500
    with pytest.raises(GrammarError, match="HTTP 500") as info:
        pipeline(lt.url).clean("She go home.")
    assert lt.url in str(info.value)
    r = pipeline(lt.url, on_error="flag").clean("She go home.\nHe go too.\n")
    assert r.text == "She go home.\nHe go too.\n"
    assert [f.rule for f in r.flags] == ["grammar/skipped"]


def test_server_recovers_after_an_error(lt):
    p = pipeline(lt.url, on_error="flag")
    lt.fail_status = 500
    assert flags_of(p.clean("She go home."), "grammar/skipped")
    lt.fail_status = None
    assert p.clean("She go home.").text == "She goes home."


def test_after_a_failed_connection_documents_fail_at_once(lt, monkeypatch):
    p = pipeline(lt.url, language="xx-YY", on_error="flag")  # the server refuses it
    for _ in range(3):
        assert flags_of(p.clean("She go home."), "grammar/skipped")
    assert lt.requests["/v2/languages"] == 1
    monkeypatch.setattr(grammar, "RETRY_AFTER", 0.0)
    p.clean("She go home.")
    assert lt.requests["/v2/languages"] == 2


def test_slow_server_times_out(lt):
    lt.delay = 1.0
    with pytest.raises(GrammarError, match="cannot reach"):
        pipeline(lt.url, timeout=0.2).clean("She go home.")


def test_unknown_language_is_an_error(lt):
    with pytest.raises(GrammarError, match="xx-YY"):
        pipeline(lt.url, language="xx-YY").clean("Text.")


# --- configuration ----------------------------------------------------------------------------


def test_off_by_default():
    assert grammar.build(Options()) is None
    assert not any(r.id.startswith("grammar") for r in textfix.rules())


def test_no_server_and_no_installation_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("LTP_PATH", str(tmp_path))
    with pytest.raises(GrammarError, match="languagetool_url") as info:
        grammar.build(Options(grammar=True))
    assert "LTP_PATH" in str(info.value) and "never downloads" in str(info.value)


def test_local_installation_is_used_and_nothing_is_downloaded(monkeypatch, tmp_path):
    ltp = pytest.importorskip("language_tool_python")
    for version in ("6.4", "6.10", "7.0-custom"):  # the last: a name the client rejects
        (tmp_path / f"LanguageTool-{version}").mkdir()
        (tmp_path / f"LanguageTool-{version}" / "languagetool-server.jar").write_bytes(b"")
    monkeypatch.setenv("LTP_PATH", str(tmp_path))
    assert grammar.local_installation() == (tmp_path / "LanguageTool-6.10", "6.10")
    fixer = grammar.build(Options(grammar=True))
    assert fixer is not None and fixer.local_version == "6.10" and fixer.url is None

    downloads = []
    monkeypatch.setattr(
        ltp.download_lt.LocalLanguageTool, "_get_remote_zip", lambda *a: downloads.append(a)
    )
    monkeypatch.setattr(ltp.download_lt, "which", lambda name: None)  # no Java here
    with pytest.raises(GrammarError, match="java"):
        Pipeline([fixer]).clean("She go home.")
    assert downloads == []


def test_a_local_server_that_does_not_start_is_tried_on_three_ports():
    from language_tool_python.exceptions import ServerError

    class Client:
        _available_ports = [9001, 9002, 9003, 9004]
        _port = 9000
        tried: list[int] = []
        terminated = 0

        def _start_local_server(self):
            self.tried.append(self._port)
            raise ServerError("did not become ready")

        def _terminate_server(self):
            self.terminated += 1

    client = Client()
    with pytest.raises(ServerError):
        grammar._start_on_few_ports(client)
    assert client.tried == [9000, 9004, 9003] and client.terminated == 3


def test_missing_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "language_tool_python", None)  # import fails
    with pytest.raises(GrammarError, match=r'pip install "textfix\[grammar\]"'):
        grammar.build(Options(grammar=True, languagetool_url="http://127.0.0.1:9"))
    with pytest.raises(GrammarError, match="textfix"):
        textfix.clean("Text.", grammar=True, languagetool_url="http://127.0.0.1:9")


def test_textfix_runs_without_the_extra():
    code = (
        "import sys\n"
        "sys.modules['language_tool_python'] = None\n"
        "import textfix\n"
        "r = textfix.clean('A plain sentence.\\n')\n"
        "assert r.text == 'A plain sentence.\\n', r.text\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_plain_runs_do_not_import_the_client():
    code = (
        "import sys, textfix\n"
        "textfix.clean('A plain sentence.')\n"
        "print('language_tool_python' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_family_rule_examples_hold_against_the_stand_in_server(lt):
    from textfix.fixers.grammar import FAMILY

    for ex in FAMILY.examples:
        assert pipeline(lt.url, unsafe_fixes=True).clean(ex.before).text == ex.after
    for text in FAMILY.counter_examples:
        r = pipeline(lt.url, unsafe_fixes=True).clean(text)
        assert r.text == text and r.flags == []
