"""Every UI string exists in English and Chinese; generated wording has a sentence for every key."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

import pytest

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.core.i18n import Message
from trialdesk.core.prescreen import PlainNode, plain_criterion, prescreen, questionnaire
from trialdesk.web.i18n import LANGUAGES, catalogue, lookup, pick_language
from trialdesk.web.wording import word

PROTOCOL = load_protocol("NCT06948994")


def test_both_languages_have_the_same_keys() -> None:
    assert set(catalogue("en")) == set(catalogue("zh"))


def test_chinese_strings_are_chinese() -> None:
    zh = catalogue("zh")
    for key in ("trial.cta", "prescreen.title", "result.overall.may_be_eligible", "apply.consent"):
        assert re.search(r"[\u4e00-\u9fff]", zh[key]), key


def _template_keys() -> set[str]:
    keys: set[str] = set()
    folder = resources.files("trialdesk.web").joinpath("templates")
    for entry in [*folder.iterdir(), *folder.joinpath("staff").iterdir()]:
        if entry.name.endswith(".html"):
            text = entry.read_text("utf-8")
            keys |= set(re.findall(r"""\bt\('([a-z_.]+)'[,)]""", text))
    return keys


def test_every_literal_key_in_the_templates_exists() -> None:
    keys = _template_keys()
    assert len(keys) > 60
    for lang in LANGUAGES:
        missing = sorted(k for k in keys if k not in catalogue(lang))
        assert not missing, (lang, missing)


def _messages(node: PlainNode) -> list[Message]:
    return [node.message, *(m for child in node.children for m in _messages(child))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plain_language_phrase_of_the_protocol_is_worded(lang: str) -> None:
    for criterion in PROTOCOL.criteria:
        for message in _messages(plain_criterion(criterion)):
            assert lookup(message.key, lang), (criterion.id, message.key)
            params = dict(message.params)
            if params.get("topic"):
                assert lookup(f"topic.{params['topic']}", lang), params["topic"]
            if "analyte" in params:
                assert lookup(f"analyte.{params['analyte']}", lang), params["analyte"]
            assert "{" not in word(message, lang), (message, word(message, lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_answer_fact_and_check_is_worded(lang: str) -> None:
    questions = questionnaire(PROTOCOL)
    for question in questions:
        assert lookup(f"prescreen.q.{question.id}.text", lang), question.id
        assert lookup(f"prescreen.q.{question.id}.short", lang), question.id
        for choice in question.choices:
            assert lookup(f"prescreen.a.{question.id}.{choice}", lang), (question.id, choice)
        for unit in question.units:
            assert lookup(f"unit.{unit}", lang), unit
    answers_sets = [{q.id: c for q in questions for c in q.choices[i : i + 1]} for i in range(5)]
    for answers in answers_sets:
        answers["birth_date"] = "2015-01-01"
        result = prescreen(PROTOCOL, answers, date(2026, 3, 10))
        for outcome in result.criteria:
            assert lookup(f"criterion.{outcome.id}", lang), outcome.id
            for message in (*outcome.facts, *outcome.checks):
                assert lookup(message.key, lang), message.key
                assert "{" not in word(message, lang), message


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("zh", "en", "en", "zh"),
        (None, "zh", "en-US", "zh"),
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, None, "fr-FR, en;q=0.5, zh;q=0.4", "en"),
        (None, None, "zh-Hans-CN;q=0.2, en;q=0.9", "en"),
        (None, None, "en;q=0, zh;q=0.1", "zh"),
        ("xx", None, None, "en"),
        (None, None, None, "en"),
    ],
)
def test_language_choice(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert pick_language(query, cookie, header) == expected
