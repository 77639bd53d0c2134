"""Every rule's examples and counter-examples are its tests (and its documentation).

An example ``before -> after`` must come out exactly as ``after`` when only that
rule is selected and unsafe fixes are on; a flag example must raise a flag of
that rule covering the given text; a counter-example must come out unchanged
with no flag of that rule.
"""

from __future__ import annotations

import pytest

import textfix
from textfix.options import Options
from textfix.pipeline import build_pipeline

RULES = textfix.rules()


def _pipeline(rule):
    opts = Options.from_kwargs(select=[rule.id], unsafe_fixes=True, **dict(rule.example_options))
    return build_pipeline(opts)


def _cases():
    for rule in RULES:
        for i, ex in enumerate(rule.examples):
            yield pytest.param(rule, ex, id=f"{rule.id}#ex{i}")


def _counter_cases():
    for rule in RULES:
        for i, text in enumerate(rule.counter_examples):
            yield pytest.param(rule, text, id=f"{rule.id}#counter{i}")


def test_every_rule_is_documented():
    assert RULES, "the default pipeline has no rules"
    for rule in RULES:
        assert rule.summary, rule.id
        assert "/" in rule.id, rule.id
        assert rule.examples, f"{rule.id} has no example"
        assert rule.counter_examples, f"{rule.id} has no counter-example"


def test_rule_ids_are_unique_and_read_as_words():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rid in ids:
        assert rid == rid.strip() and " " not in rid, rid


@pytest.mark.parametrize(("rule", "example"), list(_cases()))
def test_example(rule, example):
    result = _pipeline(rule).clean(example.before)
    if example.after is not None:
        assert result.text == example.after, result.explain()
    if example.flag is not None:
        start = example.before.find(example.flag)
        assert start >= 0, f"{example.flag!r} is not in the example text"
        end = start + len(example.flag)
        covering = [
            f for f in result.flags if f.rule == rule.id and f.start <= start and end <= f.end
        ]
        assert covering, f"no {rule.id} flag covers {example.flag!r}:\n{result.explain()}"
    if example.after is None and example.flag is None:
        pytest.fail("an example needs an expected text or a flag")


@pytest.mark.parametrize(("rule", "text"), list(_counter_cases()))
def test_counter_example(rule, text):
    result = _pipeline(rule).clean(text)
    assert result.text == text, result.explain()
    assert not [f for f in result.flags if f.rule == rule.id], result.explain()
