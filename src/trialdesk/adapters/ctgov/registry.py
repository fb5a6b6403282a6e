"""Registry facts of a ClinicalTrials.gov API v2 study, each with the field it came from.

Field names follow the API v2 data model (https://clinicaltrials.gov/data-api/about-api/
study-data-structure): ``protocolSection.<module>.<field>``. Partial dates ("2025-04") are
not invented into days: they are left empty and the source says why.
"""

from __future__ import annotations

import re
from typing import Any

from trialdesk.errors import InputError

__all__ = ["registry_facts"]

_P = "protocolSection"
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _get(study: dict[str, Any], path: str) -> Any:
    node: Any = study
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


class _Facts:
    def __init__(self, study: dict[str, Any]) -> None:
        self.study = study
        self.sources: dict[str, str] = {}

    def take(self, field: str, path: str, default: Any = None) -> Any:
        value = _get(self.study, f"{_P}.{path}")
        if value in (None, "", []):
            self.sources[field] = f"not in the record ({_P}.{path})"
            return default
        self.sources[field] = f"{_P}.{path}"
        return value

    def day(self, field: str, path: str) -> tuple[str | None, str | None]:
        value = _get(self.study, f"{_P}.{path}")
        if isinstance(value, dict):
            kind = value.get("type")
            value = value.get("date")
        else:
            kind = None
        if not isinstance(value, str) or not value:
            self.sources[field] = f"not in the record ({_P}.{path})"
            return None, None
        if not _FULL_DATE.match(value):
            self.sources[field] = f"{_P}.{path} gives only {value!r}; a day is not invented"
            return None, None
        self.sources[field] = f"{_P}.{path}"
        return value, kind if kind in ("ACTUAL", "ESTIMATED") else None


def registry_facts(study: dict[str, Any], file: str) -> dict[str, Any]:
    """The ``registry`` section of a protocol document (without eligibility)."""
    facts = _Facts(study)
    nct = facts.take("nct_id", "identificationModule.nctId")
    if not isinstance(nct, str) or not re.fullmatch(r"NCT\d{8}", nct):
        raise InputError(
            "the study has no valid NCT id",
            file=file,
            where=f"{_P}.identificationModule.nctId",
            expected="NCT followed by 8 digits",
            got=str(nct),
        )
    title = facts.take("brief_title", "identificationModule.briefTitle")
    if not title:
        raise InputError(
            "the study has no title", file=file, where=f"{_P}.identificationModule.briefTitle"
        )
    count = facts.take("enrollment", "designModule.enrollmentInfo.count")
    if not isinstance(count, int) or count <= 0:
        raise InputError(
            "the study has no positive enrollment count (withdrawn, or not yet set)",
            file=file,
            where=f"{_P}.designModule.enrollmentInfo.count",
            expected="a number of participants above zero",
            got=str(count),
            hint="A protocol needs an enrollment target; add one by hand if the study is real.",
        )
    dates = _dates(facts)
    return {
        "nct_id": nct,
        "brief_title": title,
        "official_title": facts.take("official_title", "identificationModule.officialTitle"),
        "acronym": facts.take("acronym", "identificationModule.acronym"),
        "sponsor": {
            "name": facts.take(
                "sponsor", "sponsorCollaboratorsModule.leadSponsor.name", "Unknown sponsor"
            ),
            "class": _get(study, f"{_P}.sponsorCollaboratorsModule.leadSponsor.class"),
        },
        "collaborators": [
            c["name"]
            for c in facts.take("collaborators", "sponsorCollaboratorsModule.collaborators", [])
            if isinstance(c, dict) and c.get("name")
        ],
        "phases": list(facts.take("phases", "designModule.phases", [])),
        "overall_status": facts.take("overall_status", "statusModule.overallStatus", "UNKNOWN"),
        "study_type": facts.take("study_type", "designModule.studyType"),
        "dates": dates,
        "enrollment": {
            "target": count,
            "type": _enum(_get(study, f"{_P}.designModule.enrollmentInfo.type")),
        },
        "conditions": list(facts.take("conditions", "conditionsModule.conditions", [])),
        "keywords": list(facts.take("keywords", "conditionsModule.keywords", [])),
        "contacts": _contacts(facts),
        "locations": _locations(facts),
        "outcomes": {
            "primary": _outcomes(
                facts.take("outcomes.primary", "outcomesModule.primaryOutcomes", [])
            ),
            "secondary": _outcomes(
                facts.take("outcomes.secondary", "outcomesModule.secondaryOutcomes", [])
            ),
        },
        "arms": _arms(facts.take("arms", "armsInterventionsModule.armGroups", [])),
        "interventions": _interventions(
            facts.take("interventions", "armsInterventionsModule.interventions", [])
        ),
        "summary": {
            "brief": facts.take("summary.brief", "descriptionModule.briefSummary"),
            "detailed": facts.take("summary.detailed", "descriptionModule.detailedDescription"),
        },
        "field_sources": facts.sources,
    }


def _enum(value: Any) -> str | None:
    return value if value in ("ACTUAL", "ESTIMATED") else None


def _dates(facts: _Facts) -> dict[str, Any]:
    first_submitted, _ = facts.day("dates.first_submitted", "statusModule.studyFirstSubmitDate")
    first_posted, _ = facts.day("dates.first_posted", "statusModule.studyFirstPostDateStruct")
    start, start_type = facts.day("dates.start", "statusModule.startDateStruct")
    primary, primary_type = facts.day(
        "dates.primary_completion", "statusModule.primaryCompletionDateStruct"
    )
    completion, completion_type = facts.day("dates.completion", "statusModule.completionDateStruct")
    last_update, _ = facts.day("dates.last_update", "statusModule.lastUpdatePostDateStruct")
    return {
        "first_submitted": first_submitted,
        "first_posted": first_posted,
        "start": start,
        "start_type": start_type if start else None,
        "primary_completion": primary,
        "primary_completion_type": primary_type if primary else None,
        "completion": completion,
        "completion_type": completion_type if completion else None,
        "last_update": last_update,
    }


def _contacts(facts: _Facts) -> list[dict[str, Any]]:
    contacts = [
        {
            "name": c["name"],
            "role": c.get("role"),
            "phone": c.get("phone"),
            "email": c.get("email"),
            "affiliation": None,
        }
        for c in facts.take("contacts", "contactsLocationsModule.centralContacts", [])
        if isinstance(c, dict) and c.get("name")
    ]
    officials = [
        {"name": o["name"], "role": o.get("role"), "affiliation": o.get("affiliation")}
        for o in _get(facts.study, f"{_P}.contactsLocationsModule.overallOfficials") or []
        if isinstance(o, dict) and o.get("name")
    ]
    if officials:
        facts.sources["contacts"] = (
            f"{_P}.contactsLocationsModule.centralContacts and .overallOfficials"
        )
    return contacts + officials


def _locations(facts: _Facts) -> list[dict[str, Any]]:
    return [
        {
            "facility": loc.get("facility") or loc.get("city") or "Unnamed site",
            "city": loc.get("city"),
            "state": loc.get("state"),
            "country": loc.get("country"),
            "status": loc.get("status"),
        }
        for loc in facts.take("locations", "contactsLocationsModule.locations", [])
        if isinstance(loc, dict)
    ]


def _outcomes(items: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "measure": o["measure"],
            "time_frame": o.get("timeFrame"),
            "description": o.get("description"),
        }
        for o in items
        if isinstance(o, dict) and o.get("measure")
    ]


def _arms(items: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": a["label"],
            "type": a.get("type"),
            "description": a.get("description"),
            "interventions": list(a.get("interventionNames") or []),
        }
        for a in items
        if isinstance(a, dict) and a.get("label")
    ]


def _interventions(items: list[Any]) -> list[dict[str, Any]]:
    return [
        {"type": i.get("type"), "name": i["name"], "description": i.get("description")}
        for i in items
        if isinstance(i, dict) and i.get("name")
    ]
