"""Reasons in English and Chinese: every message the screener emits exists in both catalogues."""

from __future__ import annotations

import re
from pathlib import Path

from trialdesk.core.i18n import LANGUAGES, catalogue

SOURCES = Path(__file__).resolve().parents[3] / "src" / "trialdesk" / "core" / "screening"
_KEY = re.compile(r'\bM\(\s*"([a-z_]+(?:\.[a-z_]+)+)"')


def _keys_used() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        keys |= set(_KEY.findall(path.read_text("utf-8")))
    for kind in ("pregnant", "breastfeeding"):  # built with an f-string in patient.py
        keys |= {f"pregnancy.{kind}.review", f"pregnancy.{kind}.need"}
    return keys


def test_the_scan_finds_the_screening_messages() -> None:
    assert {"lab.stale", "attestation.missing", "record.unknown_modifier"} <= _keys_used()


def test_every_screening_message_exists_in_every_language() -> None:
    for lang in LANGUAGES:
        missing = sorted(_keys_used() - set(catalogue(lang)))
        assert not missing, f"{lang}: {missing}"


def test_chinese_templates_are_chinese_and_keep_the_placeholders() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    for key in _keys_used():
        assert re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", zh[key]), key
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key
