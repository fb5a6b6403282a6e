"""The on-study service on SQLite and PostgreSQL: schedule, doses, labs → suggested AEs, edit
checks → queries, DLTs → the stopping rule → enrollment paused, SAE alert → webhook, response
→ endpoints. Real database, real FHIR adapter, real HTTP server; the bundled plan is an EXAMPLE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from treatment_service_helpers import enrolled_subject, hook_server, lab_record, plan

from service.study_helpers import TODAY, Staff, consented_subject, with_document
from trialdesk.core.study.data_queries import QueryAction
from trialdesk.core.treatment.adverse_events import AdverseEventEntry
from trialdesk.core.treatment.calendar import VisitStatus
from trialdesk.core.treatment.exposure import Exposure
from trialdesk.errors import AccessDeniedError, EnrollmentClosedError, IllegalTransitionError
from trialdesk.service import audit, enrollment
from trialdesk.service.storage.database import Database
from trialdesk.service.treatment import (
    adverse_events,
    exposure,
    labs,
    notify,
    queries,
    response,
    safety,
    schedule,
)
from trialdesk.service.trials import get_trial

NK = "Autologous NK cells"
ATTRIBUTED = {
    NK: "possible",
    "Anti-GD2 monoclonal antibody": "possible",
    "Standard chemotherapy": "unlikely",
}


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def dose(
    db: Database, staff: Staff, sid: str, product: str, day: date, amount: str, unit: str
) -> None:
    with db.transaction() as s:
        exposure.record_exposure(
            s, staff.coordinator, plan(), sid,
            Exposure(product=product, dose=Decimal(amount), unit=unit, start=at(day),
                     height=Decimal(120), weight=Decimal(22), route="IV"),
        )  # fmt: skip


def alt_dlt(onset: date) -> AdverseEventEntry:
    return AdverseEventEntry(
        term="Alanine aminotransferase increased", grade=3, onset=onset,
        resolved=onset + timedelta(days=5), attribution=ATTRIBUTED, outcome="recovered",
        action="delayed",
    )  # fmt: skip


def test_a_subject_on_study_end_to_end(study: Database, staff: Staff) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    c1 = enrolled + timedelta(days=7)
    with study.transaction() as s:
        schedule.record_cycle_start(s, staff.coordinator, plan(), sid, 1, c1)
        schedule.record_visit(s, staff.coordinator, plan(), sid, "chemo-c1-d1", c1)
    dose(study, staff, sid, "anti_gd2", c1 + timedelta(days=1), "17.5", "mg/m2")
    dose(study, staff, sid, "nk_cells", c1 + timedelta(days=5), "150", "10*6/kg")  # above range
    with study.transaction() as s:
        visits = {
            v.key: v
            for v in schedule.calendar(s, staff.monitor, plan(), sid, c1 + timedelta(days=2))
        }
        assert visits["chemo-c1-d1"].status is VisitStatus.DONE
        assert visits["chemo-c1-d2"].status is VisitStatus.MISSED
        given = exposure.exposures(s, staff.monitor, sid)
        assert [e.dose_status for e in given] == ["in_range", "above_range"]
        # Mosteller sqrt(120 × 22 / 3600) = 0.856 -> 0.86 m2; 17.5 mg/m2 × 0.86 m2 = 15.05 mg
        assert given[0].dose_check["total"] == "15.05"

    # Labs arrive: ANC 0.4 → a suggested grade 4 neutropenia; nothing created yet.
    day10 = c1 + timedelta(days=9)
    record = lab_record(
        "p1", day10, ("751-8", "0.4", "10*9/L", "1.5", "8"), ("718-7", "125", "g/L", "110", "145")
    )
    with study.transaction() as s:
        made = labs.ingest_labs(s, staff.coordinator, sid, record)
        assert [(m.term, m.grade, m.status) for m in made] == [
            ("Neutrophil count decreased", 4, "pending")
        ]
        assert adverse_events.adverse_events(s, staff.monitor, sid) == []
        assert labs.ingest_labs(s, staff.coordinator, sid, record) == []  # not suggested twice
        suggestion_id = made[0].id
    with study.transaction() as s:
        saved = labs.confirm_suggestion(
            s, staff.coordinator, plan(), suggestion_id, {"attribution": ATTRIBUTED}, day10
        )
        assert saved.event.source == "lab"
        assert saved.event.dlt["verdict"] == "review"  # grade 4 ANC: a DLT only if it lasts 8 days
        assert saved.queries == []

    # An AE with its resolution before onset and no attribution: queries, answered, closed.
    with study.transaction() as s:
        bad = AdverseEventEntry(
            term="Nausea", grade=2, onset=day10, resolved=day10 - timedelta(days=2)
        )
        saved = adverse_events.record_adverse_event(s, staff.coordinator, plan(), sid, bad, day10)
        checks = sorted(q.check for q in saved.queries)
        assert checks == ["missing_attribution"] * 3 + ["resolution_before_onset"]
        nausea_id, version = saved.event.id, saved.event.version
        query_id = next(q.id for q in saved.queries if q.check == "resolution_before_onset")
    with study.transaction() as s:
        queries.act_on_query(
            s, staff.coordinator, query_id, QueryAction.ANSWER, "typo: resolved on day 12"
        )
        with pytest.raises(AccessDeniedError):
            queries.act_on_query(s, staff.coordinator, query_id, QueryAction.CLOSE, "ok")
    with study.transaction() as s:
        fixed = bad.model_copy(
            update={"resolved": day10 + timedelta(days=2), "attribution": ATTRIBUTED}
        )
        adverse_events.update_adverse_event(
            s, staff.coordinator, plan(), nausea_id, fixed, day10, expected_version=version,
            reason="dates corrected from the source document",
        )  # fmt: skip
        open_now = queries.list_queries(s, staff.monitor, subject_id=sid, state="open")
        assert open_now == []  # the missing attributions were closed by the correction
        answered = queries.list_queries(s, staff.monitor, subject_id=sid, state="answered")
        assert [q.id for q in answered] == []  # the answered one was closed by the fix, too
        with pytest.raises(IllegalTransitionError):
            queries.act_on_query(s, staff.coordinator, query_id, QueryAction.ANSWER, "again")

    # A DLT: non-haematological grade 3 possibly related to the NK cells.
    with study.transaction() as s:
        saved = adverse_events.record_adverse_event(
            s, staff.coordinator, plan(), sid, alt_dlt(c1 + timedelta(days=8)), day10
        )
        assert saved.event.dlt["verdict"] == "dlt"
        assert [a.kind for a in saved.alerts] == ["dlt"]

    # Scans: INRC (the example's primary criteria) with progression, and the endpoints.
    def point(day: int, mm: str) -> dict[str, object]:
        return {
            "subject": "S", "baseline_date": (c1 - timedelta(days=3)).isoformat(),
            "date": (c1 + timedelta(days=day)).isoformat(),
            "primary": {"baseline_longest_diameter_mm": "50", "longest_diameter_mm": mm},
            "metastases": {"bone": {"method": "mibg_curie", "baseline_score": "10", "score": "2"}},
            "marrow": {"baseline_percent": "20", "percent": "0"},
        }  # fmt: skip

    with study.transaction() as s:
        _, summary = response.put_assessments(
            s,
            staff.coordinator,
            plan(),
            sid,
            "inrc",
            {"timepoints": [point(42, "20"), point(84, "70")]},
        )
        assert [p.overall for p in summary.timepoints] == ["PR", "PD"]
        result = response.endpoints(s, staff.monitor, plan(), sid)
        first = c1 + timedelta(days=1)  # the first administration
        assert result.pfs.event
        assert result.pfs.date == c1 + timedelta(days=84)
        assert result.pfs.days == (c1 + timedelta(days=84) - first).days + 1
        assert result.disease_control is True
        assert result.best_response == "PR"

    with study.transaction() as s:
        assert audit.verify(s).intact


def test_two_dlts_cross_the_example_rule_and_pause_enrollment(
    study: Database, staff: Staff
) -> None:
    """Example rule: 2 DLTs in 2 evaluable subjects gives P(rate > 0.3) = 0.9163 > 0.90."""
    first, enrolled = enrolled_subject(study, staff, TODAY)
    second, _ = enrolled_subject(study, staff, TODAY)
    nk_day = enrolled + timedelta(days=12)
    for sid in (first, second):
        dose(study, staff, sid, "nk_cells", nk_day, "50", "10*6/kg")
    as_of = nk_day + timedelta(days=3)
    with study.transaction() as s:
        saved = adverse_events.record_adverse_event(
            s, staff.coordinator, plan(), first, alt_dlt(nk_day + timedelta(days=1)), as_of
        )
        assert [a.kind for a in saved.alerts] == ["dlt"]  # 1 of 1: P = 0.784, continue
    with study.transaction() as s:
        saved = adverse_events.record_adverse_event(
            s, staff.coordinator, plan(), second, alt_dlt(nk_day + timedelta(days=2)), as_of
        )
        kinds = [a.kind for a in saved.alerts]
        assert kinds == ["dlt", "stopping_rule"]
        alert = saved.alerts[1]
        assert alert.detail["evaluable"] == 2
        assert alert.detail["dlts"] == 2
        assert alert.detail["probability"].startswith("0.9163")
        assert get_trial(s, "NCT06948994").paused
        alert_id = alert.id
    # A third candidate cannot be enrolled while the trial is paused.
    with study.transaction() as s:
        document_id = with_document(s, staff.data_manager, date(2026, 1, 2), version="2.0").id
    third = consented_subject(study, staff, document_id=document_id)
    with study.transaction() as s, pytest.raises(EnrollmentClosedError):
        enrollment.enroll(s, staff.coordinator, third, TODAY)
    with study.transaction() as s:
        with pytest.raises(AccessDeniedError):
            safety.decide_alert(s, staff.coordinator, alert_id, "continue", "reviewed")
        safety.decide_alert(s, staff.investigator, alert_id, "continue", "DSMB reviewed both DLTs")
        assert not get_trial(s, "NCT06948994").paused
    with study.transaction() as s:
        assert enrollment.enroll(s, staff.coordinator, third, TODAY).outcome == "enroll"


def test_sae_alert_reaches_the_webhook_with_its_deadline(study: Database, staff: Staff) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    aware = at(enrolled + timedelta(days=3), 14)
    with hook_server() as (url, received):
        with study.transaction() as s:
            with pytest.raises(AccessDeniedError):
                notify.set_hook(s, staff.investigator, "NCT06948994", url)
            notify.set_hook(s, staff.administrator, "NCT06948994", url)
        with study.transaction() as s:
            sae = AdverseEventEntry(
                term="Sepsis", grade=4, onset=enrolled + timedelta(days=3), serious=True,
                seriousness=["hospitalisation", "life_threatening"], attribution=ATTRIBUTED,
                aware_at=aware,
            )  # fmt: skip
            saved = adverse_events.record_adverse_event(
                s, staff.coordinator, plan(), sid, sae, aware.date()
            )
            alert = next(a for a in saved.alerts if a.kind == "sae")
            assert alert.deadline == aware + timedelta(hours=24)
            alert_id, event_id = alert.id, saved.event.id
        assert notify.deliver(study, [alert_id]) == {alert_id: "sent"}
        assert notify.deliver(study, [alert_id]) == {}  # delivered once only
    assert len(received) == 1
    body = received[0]
    assert body["event"] == "trialdesk.sae"
    assert body["term"] == "Sepsis"
    assert body["report_deadline"] == (aware + timedelta(hours=24)).isoformat()
    assert "birth" not in str(body).lower()
    with study.transaction() as s:
        row = adverse_events.get_adverse_event(s, staff.monitor, event_id)
        clock = adverse_events.sae_clock_of(row, plan(), aware + timedelta(hours=25))
        assert clock is not None
        assert clock.status == "overdue"
        adverse_events.mark_sae_reported(
            s, staff.investigator, event_id, aware + timedelta(hours=20)
        )
    with study.transaction() as s:
        row = adverse_events.get_adverse_event(s, staff.monitor, event_id)
        clock = adverse_events.sae_clock_of(row, plan(), aware + timedelta(hours=30))
        assert clock is not None
        assert clock.status == "reported_on_time"


def test_a_dead_hook_is_recorded_not_raised(study: Database, staff: Staff) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    with hook_server() as (url, _):
        dead = url  # the server stops when the block ends: nothing listens any more
    with study.transaction() as s:
        notify.set_hook(s, staff.administrator, "NCT06948994", dead, timeout_seconds=2)
        sae = AdverseEventEntry(
            term="Sepsis", grade=3, onset=enrolled, serious=True, seriousness=["hospitalisation"],
            attribution=ATTRIBUTED, aware_at=at(enrolled),
        )  # fmt: skip
        saved = adverse_events.record_adverse_event(
            s, staff.coordinator, plan(), sid, sae, enrolled
        )
        alert_id = next(a.id for a in saved.alerts if a.kind == "sae")
    outcome = notify.deliver(study, [alert_id])
    assert outcome[alert_id].startswith("delivery failed")


def test_an_early_exit_without_dlt_is_not_evaluable(study: Database, staff: Staff) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    nk_day = enrolled + timedelta(days=12)
    dose(study, staff, sid, "nk_cells", nk_day, "50", "10*6/kg")
    after_window = nk_day + timedelta(days=21)
    with study.transaction() as s:
        assert safety.dlt_counts(s, plan(), "NCT06948994", after_window)[:2] == (1, 0)
        safety.record_early_exit(s, staff.coordinator, sid, True, "withdrawn on day 10")
        assert safety.dlt_counts(s, plan(), "NCT06948994", after_window)[:2] == (0, 0)


def test_pre_treatment_labs_are_baselines_not_adverse_events(study: Database, staff: Staff) -> None:
    """CTCAE v5.0 ALT with an abnormal baseline grades on x baseline: 130 U/L against a
    baseline of 80 U/L (ULN 40) is 1.625 x B, grade 1; against the ULN alone it would be
    3.25 x ULN, grade 2."""
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    before = lab_record("p1", enrolled + timedelta(days=2), ("1742-6", "80", "U/L", "5", "40"))
    with study.transaction() as s:
        assert labs.ingest_labs(s, staff.coordinator, sid, before) == []  # nothing dosed yet
    dose(study, staff, sid, "anti_gd2", enrolled + timedelta(days=8), "17.5", "mg/m2")
    after = lab_record("p1", enrolled + timedelta(days=12), ("1742-6", "130", "U/L", "5", "40"))
    with study.transaction() as s:
        [suggestion] = labs.ingest_labs(s, staff.coordinator, sid, after)
        assert (suggestion.term, suggestion.grade) == ("Alanine aminotransferase increased", 1)
        assert "baseline" in suggestion.reason


def test_a_running_grade_4_neutropenia_becomes_a_dlt_with_time(
    study: Database, staff: Staff
) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    nk_day = enrolled + timedelta(days=12)
    dose(study, staff, sid, "nk_cells", nk_day, "50", "10*6/kg")
    onset = nk_day + timedelta(days=2)
    anc = AdverseEventEntry(
        term="Neutrophil count decreased", grade=4, onset=onset, attribution=ATTRIBUTED
    )
    with study.transaction() as s:
        saved = adverse_events.record_adverse_event(s, staff.coordinator, plan(), sid, anc, onset)
        assert saved.event.dlt["verdict"] == "review"
        assert (
            adverse_events.refresh_dlts(s, plan(), "NCT06948994", onset + timedelta(days=3)) == []
        )
    with study.transaction() as s:
        alerts = adverse_events.refresh_dlts(s, plan(), "NCT06948994", onset + timedelta(days=8))
        assert [a.kind for a in alerts] == ["dlt"]
        assert (
            adverse_events.refresh_dlts(s, plan(), "NCT06948994", onset + timedelta(days=9)) == []
        )


def test_roles_that_may_not_record(study: Database, staff: Staff) -> None:
    sid, enrolled = enrolled_subject(study, staff, TODAY)
    with study.transaction() as s:
        for actor in (staff.monitor, staff.data_manager, staff.administrator):
            with pytest.raises(AccessDeniedError):
                adverse_events.record_adverse_event(
                    s, actor, plan(), sid, alt_dlt(enrolled), enrolled
                )
