"""What the public trial page shows, built from the protocol model: facts, sources, summary.

Every fact carries the registry's source note (``registry.field_sources``) so a family or a
monitor can see where it came from. The plain-language summary is generated sentence by
sentence from the model (conditions, interventions, target, ages, arms, phase, status), each
sentence a catalogue template, so a new protocol gets a summary in every language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trialdesk.core.prescreen import PlainNode, plain_criterion
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.web.i18n import lookup, translate
from trialdesk.web.wording import format_date, term

__all__ = ["CriterionView", "Fact", "TrialView", "registry_criteria_text", "trial_view"]


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    source: str | None


@dataclass(frozen=True, slots=True)
class CriterionView:
    id: str
    kind: str
    registry_text: str
    plain: PlainNode


@dataclass(frozen=True)
class TrialView:
    nct_id: str
    title: str
    facts: list[Fact]
    summary: list[str]
    registry_summary: str | None
    keywords: list[str]
    criteria: list[CriterionView]
    registry_inclusion: list[str]
    registry_exclusion: list[str]
    sponsor_about: str | None
    contacts: list[dict[str, Any]]
    locations: list[str]
    timeline: list[Fact]
    sources: dict[str, str] = field(default_factory=dict)


def _years(text: str | None) -> str:
    match = re.match(r"\s*(\d+)", text or "")
    return match.group(1) if match else "?"


def registry_criteria_text(text: str | None) -> tuple[list[str], list[str]]:
    """The registry's criteria text split into inclusion and exclusion lines, as written."""
    inclusion: list[str] = []
    exclusion: list[str] = []
    current = inclusion
    for line in (text or "").splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.lower().startswith("inclusion criteria"):
            current = inclusion
        elif stripped.lower().startswith("exclusion criteria"):
            current = exclusion
        else:
            current.append(stripped)
    return inclusion, exclusion


def _summary(protocol: Protocol, lang: str) -> list[str]:
    reg = protocol.model.registry
    and_ = translate("common.list_and", lang)
    interventions = and_.join(term(i.name, lang) for i in reg.interventions)
    conditions = and_.join(term(c, lang) for c in reg.conditions)
    sentences = [
        translate("summary.what", lang, interventions=interventions, conditions=conditions),
        translate(
            "summary.who",
            lang,
            target=reg.enrollment.target,
            low=_years(reg.eligibility.min_age),
            high=_years(reg.eligibility.max_age),
        ),
    ]
    if len(reg.arms) == 1:
        sentences.append(translate("summary.single_arm", lang))
    if "PHASE1" in reg.phases:
        sentences.append(translate("summary.early_phase", lang))
    measures = and_.join(
        term(o.measure, lang) for o in reg.outcomes.primary + reg.outcomes.secondary
    )
    if measures:
        sentences.append(translate("summary.measures", lang, measures=measures))
    status_key = f"summary.status.{reg.overall_status}"
    if lookup(status_key, lang):
        sentences.append(translate(status_key, lang))
    sentences.append(translate("summary.decide", lang))
    return sentences


def trial_view(protocol: Protocol, lang: str, applied: int, enrolled: int) -> TrialView:
    reg = protocol.model.registry
    src = reg.field_sources
    dates = reg.dates

    def t(key: str, **params: Any) -> str:
        return translate(key, lang, **params)

    sex = t(f"sex.{reg.eligibility.sex}")
    ages = t(
        "trial.ages", low=_years(reg.eligibility.min_age), high=_years(reg.eligibility.max_age)
    )
    facts = [
        Fact(t("trial.registry_id"), reg.nct_id, None),
        Fact(t("trial.sponsor"), reg.sponsor.name, src.get("sponsor")),
        Fact(
            t("trial.launched"),
            format_date(dates.first_posted, lang),
            src.get("dates.first_posted"),
        ),
        Fact(
            t("trial.current_as_of"),
            format_date(dates.current_as_of, lang),
            src.get("dates.current_as_of"),
        ),
        Fact(t("trial.status"), t(f"status.{reg.overall_status}"), src.get("overall_status")),
        Fact(
            t("trial.phase"),
            ", ".join(t(f"phase.{p}") for p in reg.phases) or t("common.not_reported"),
            src.get("phases"),
        ),
        Fact(t("trial.sex"), sex, src.get("eligibility")),
        Fact(t("trial.age_range"), ages, src.get("eligibility")),
        Fact(
            t("trial.target"),
            t("trial.target_value", target=reg.enrollment.target),
            src.get("enrollment"),
        ),
        Fact(
            t("trial.applied"),
            t(
                "trial.applied_value",
                applied=applied,
                enrolled=enrolled,
                target=reg.enrollment.target,
            ),
            t("trial.applied_source"),
        ),
    ]
    inclusion, exclusion = registry_criteria_text(reg.eligibility.criteria_text)
    timeline = [
        Fact(
            t("trial.first_submitted"),
            format_date(dates.first_submitted, lang),
            src.get("dates.first_submitted"),
        ),
        Fact(
            t("trial.launched"),
            format_date(dates.first_posted, lang),
            src.get("dates.first_posted"),
        ),
        Fact(
            t("trial.updated"), format_date(dates.last_update, lang), src.get("dates.last_update")
        ),
        Fact(
            t("trial.estimated_completion"),
            _completion(dates.completion, lang),
            src.get("dates.completion"),
        ),
    ]
    return TrialView(
        nct_id=reg.nct_id,
        title=reg.brief_title,
        facts=facts,
        summary=_summary(protocol, lang),
        registry_summary=reg.summary.brief,
        keywords=list(reg.keywords),
        criteria=[
            CriterionView(c.id, c.kind, c.text, plain_criterion(c)) for c in protocol.criteria
        ],
        registry_inclusion=inclusion,
        registry_exclusion=exclusion,
        sponsor_about=reg.sponsor.about,
        contacts=[c.model_dump() for c in reg.contacts],
        locations=[
            ", ".join(p for p in (loc.facility, loc.city, loc.state, loc.country) if p)
            for loc in reg.locations
        ],
        timeline=timeline,
        sources=dict(src),
    )


def _completion(day: date | None, lang: str) -> str:
    return format_date(day, lang)
