"""On-study lab grading picks the default reference interval by the subject's recorded sex.

Haemoglobin 125 g/L with no range of its own, in a 14-year-old (reference_intervals.toml,
S12 Nathan & Oski / Harriet Lane, 12-18 y): female 12.0-16.0 g/dL, so within limits; male
13.0-16.0 g/dL, so below the LLN: CTCAE v5.0 Anemia grade 1 (<LLN - 10.0 g/dL). When the
subject's sex and the lab record's Patient.gender disagree, neither is used: only an interval
for either sex could apply, there is none at 14, so the result goes to review.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from treatment_service_helpers import plan

from service.study_helpers import Staff, consented_subject, with_document
from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.record import PatientRecord, Sex
from trialdesk.core.treatment.exposure import Exposure
from trialdesk.errors import InputError
from trialdesk.service import enrollment, subjects
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import ConsentDocumentRow
from trialdesk.service.subjects import parse_sex
from trialdesk.service.treatment import exposure, labs
from trialdesk.service.treatment.labs import _sex_for_grading
from trialdesk.testing.fhir import BundleBuilder

BORN = date(2012, 3, 1)
ENROLLED = date(2026, 3, 10)  # 14 years old


def _on_study(database: Database, staff: Staff, sex: str | None) -> str:
    """Enrolled, the sex recorded by staff, a first dose given (later labs are on-study)."""
    with database.transaction() as s:
        existing = s.execute(select(ConsentDocumentRow)).scalars().first()
        document_id = (existing or with_document(s, staff.data_manager, date(2026, 1, 1))).id
    sid = consented_subject(database, staff, document_id=document_id, birth_date=BORN, on=ENROLLED)
    with database.transaction() as s:
        enrollment.enroll(s, staff.coordinator, sid, ENROLLED)
        subject = subjects.get_subject(s, staff.coordinator, sid)
        subjects.update_subject(
            s, staff.coordinator, sid, expected_version=subject.version, reason="entered",
            sex=sex,
        )  # fmt: skip
        exposure.record_exposure(
            s, staff.coordinator, plan(), sid,
            Exposure(product="anti_gd2", dose=Decimal("17.5"), unit="mg/m2",
                     start=datetime.combine(ENROLLED + timedelta(days=1), time(9), tzinfo=UTC),
                     height=Decimal(160),
                     weight=Decimal(45), route="IV"),
        )  # fmt: skip
    return sid


def _hemoglobin(gender: str) -> PatientRecord:
    builder = BundleBuilder("p", BORN.isoformat(), gender)
    builder.lab("718-7", "125", "g/L", (ENROLLED + timedelta(days=5)).isoformat())  # no range
    return record_from_bundle(builder.bundle(), "labs.json")


def _graded(database: Database, staff: Staff, sid: str, gender: str) -> list[tuple[object, ...]]:
    with database.transaction() as s:
        made = labs.ingest_labs(s, staff.coordinator, sid, _hemoglobin(gender))
        return [(m.kind, m.term, m.grade) for m in made]


def test_the_recorded_sex_picks_the_default_interval(study: Database, staff: Staff) -> None:
    male = _on_study(study, staff, "male")
    female = _on_study(study, staff, "female")
    # The lab record says nothing about sex: the subject's recorded sex decides.
    assert _graded(study, staff, male, "unknown") == [("adverse_event", "Anemia", 1)]
    assert _graded(study, staff, female, "unknown") == []


def test_without_a_recorded_sex_the_lab_records_gender_is_used(
    study: Database, staff: Staff
) -> None:
    sid = _on_study(study, staff, None)
    assert _graded(study, staff, sid, "male") == [("adverse_event", "Anemia", 1)]


def test_a_sex_conflict_sends_a_sex_dependent_grade_to_review(
    study: Database, staff: Staff
) -> None:
    sid = _on_study(study, staff, "female")
    [(kind, term, grade)] = _graded(study, staff, sid, "male")
    assert (kind, term, grade) == ("review", None, None)
    with study.transaction() as s:
        [row] = labs.suggestions(s, staff.monitor, sid)
        assert "cannot grade" in row.reason


NAMED = (Sex.FEMALE, Sex.MALE)


@given(recorded=st.one_of(st.none(), st.sampled_from(Sex)), in_record=st.sampled_from(Sex))
def test_grading_never_uses_a_sex_that_a_source_contradicts(
    recorded: Sex | None, in_record: Sex
) -> None:
    chosen = _sex_for_grading(recorded, in_record)
    for source in (recorded, in_record):
        if chosen in NAMED and source in NAMED:
            assert chosen is source
    if recorded is None or recorded is Sex.UNKNOWN:
        assert chosen is in_record  # nothing recorded: the lab record's Patient.gender
    elif not (recorded in NAMED and in_record in NAMED and recorded is not in_record):
        assert chosen is recorded  # the subject's recorded sex first


@given(text=st.text(max_size=12))
def test_parse_sex_accepts_administrative_gender_only(text: str) -> None:
    cleaned = text.strip().casefold()
    if not cleaned:
        assert parse_sex(text) is None
    elif cleaned in {s.value for s in Sex}:
        assert parse_sex(text) is Sex(cleaned)
    else:
        with pytest.raises(InputError) as refused:
            parse_sex(text)
        assert refused.value.where == "sex"
        assert "female | male | other | unknown" in str(refused.value.expected)
