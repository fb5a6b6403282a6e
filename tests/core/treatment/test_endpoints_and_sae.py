"""Response summaries through the rules libraries, derived endpoints, and the SAE clock.

Hand derivations (days counted from treatment start as day 1, ADaM ADT - STARTDT + 1):
start 3 Mar 2025; RECIST PR on day 56 (28 Apr), confirmed PR on day 84 (26 May), PD on day 140
(21 Jul): PFS event on 21 Jul = 141 days; best response PR (disease control: yes); duration of
response 28 Apr → 21 Jul = 85 days (event).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from treatment_builders import START, single_target

from trialdesk.core.treatment.endpoints import derive_endpoints
from trialdesk.core.treatment.response import summarise_inrc, summarise_recist
from trialdesk.core.treatment.sae import SaeClockStatus, sae_clock
from trialdesk.errors import InputError

CONTROL = ["CR", "PR", "MR", "SD", "NON_CR_NON_PD"]


def recist_pr_then_pd() -> dict[str, object]:
    # Baseline 50 mm; 30 mm (-40 %, PR) at day 56 and 84; 40 mm at day 140 (+33 % from nadir, PD).
    return single_target("50", (56, "30"), (84, "30"), (140, "40"))


def test_recist_summary_keeps_inputs_and_finds_progression() -> None:
    summary = summarise_recist(recist_pr_then_pd())
    assert [p.overall for p in summary.timepoints] == ["PR", "PR", "PD"]
    assert summary.best_response == "PR"
    assert summary.progression_date == START + timedelta(days=140)
    assert summary.detail["criteria"] == "RECIST 1.1"


def test_pfs_dcr_and_duration_of_response() -> None:
    endpoints = derive_endpoints(
        summarise_recist(recist_pr_then_pd()), START, disease_control=CONTROL
    )
    assert endpoints.pfs.event
    assert endpoints.pfs.date == date(2025, 7, 21)
    assert endpoints.pfs.days == 141
    assert endpoints.disease_control is True
    dor = endpoints.duration_of_response
    assert dor is not None
    assert (dor.event, dor.days) == (True, 85)


def test_censoring_at_last_adequate_assessment_and_death_as_event() -> None:
    summary = summarise_recist(single_target("50", (56, "45"), (112, "44")))
    censored = derive_endpoints(summary, START, disease_control=CONTROL)
    assert not censored.pfs.event
    assert censored.pfs.date == START + timedelta(days=112)
    assert censored.pfs.reason.startswith("censored at the last adequate")
    assert censored.best_response == "SD"
    assert censored.duration_of_response is None
    died = derive_endpoints(summary, START, disease_control=CONTROL, death=date(2025, 8, 1))
    assert died.pfs.event
    assert died.pfs.reason == "death"
    # A cut-off before the death leaves it out.
    cut = derive_endpoints(
        summary, START, disease_control=CONTROL, death=date(2025, 8, 1), cutoff=date(2025, 7, 1)
    )
    assert not cut.pfs.event


def test_not_evaluable_best_response_leaves_disease_control_unknown() -> None:
    summary = summarise_recist(single_target("50", (20, None)))
    endpoints = derive_endpoints(summary, START, disease_control=CONTROL)
    assert endpoints.best_response == "NE"
    assert endpoints.disease_control is None
    assert endpoints.pfs.reason == "censored: no adequate assessment after the start"
    assert endpoints.pfs.days == 1


def test_disease_control_follows_the_protocol_set() -> None:
    summary = summarise_recist(single_target("50", (56, "45"), (112, "44")))
    assert derive_endpoints(summary, START, disease_control=["CR", "PR"]).disease_control is False


def test_death_before_start_is_refused() -> None:
    summary = summarise_recist(recist_pr_then_pd())
    with pytest.raises(InputError, match="before the start"):
        derive_endpoints(summary, START, disease_control=CONTROL, death=START - timedelta(days=1))


def inrc_point(day: int, primary_mm: str) -> dict[str, object]:
    return {
        "subject": "SYN-INRC",
        "baseline_date": "2025-03-01",
        "date": (START + timedelta(days=day)).isoformat(),
        "primary": {"baseline_longest_diameter_mm": "50", "longest_diameter_mm": primary_mm},
        "metastases": {"bone": {"method": "mibg_curie", "baseline_score": "10", "score": "2"}},
        "marrow": {"baseline_percent": "20", "percent": "0"},
    }


def test_inrc_summary_best_response_until_first_pd() -> None:
    # Given out of order: PR at day 42 (50 -> 20 mm), PD at day 84 (back to 70 mm).
    summary = summarise_inrc([inrc_point(84, "70"), inrc_point(42, "20")])
    assert summary.criteria == "INRC 2017"
    assert [p.overall for p in summary.timepoints] == ["PR", "PD"]
    assert summary.best_response == "PR"
    assert summary.progression_date == START + timedelta(days=84)
    assert summary.detail["not_confirmed"]  # the INRC tables are still marked unconfirmed
    endpoints = derive_endpoints(summary, START, disease_control=CONTROL)
    assert (endpoints.pfs.event, endpoints.pfs.days) == (True, 85)


def test_sae_clock() -> None:
    aware = datetime(2026, 3, 10, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    running = sae_clock(aware, aware + timedelta(hours=20))
    assert running.status is SaeClockStatus.RUNNING
    assert running.deadline == aware + timedelta(hours=24)
    assert running.to_dict()["remaining_hours"] == 4.0
    assert sae_clock(aware, aware + timedelta(hours=25)).status is SaeClockStatus.OVERDUE
    on_time = sae_clock(aware, aware + timedelta(days=3), reported_at=aware + timedelta(hours=23))
    assert on_time.status is SaeClockStatus.REPORTED_ON_TIME
    late = sae_clock(
        aware, aware, reported_at=aware.astimezone(UTC) + timedelta(hours=24, minutes=1)
    )
    assert late.status is SaeClockStatus.REPORTED_LATE
    with pytest.raises(InputError, match="time zone"):
        sae_clock(datetime(2026, 3, 10, 8, 0), aware)
