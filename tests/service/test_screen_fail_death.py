"""A child whose record says they died before the screening day: the screening is ineligible
whatever the criteria say, and the screening log, the CONSORT flow and SDTM IE say why (the
death is the reason; IE, which lists criteria, leaves it out)."""

from __future__ import annotations

from dataclasses import replace

from service.study_helpers import TODAY, Staff, registered, screened
from trialdesk.core.i18n import Message
from trialdesk.core.reporting.consort import consort_flow
from trialdesk.core.reporting.snapshot import DECEASED_REASON
from trialdesk.core.screening.result import Status, Verdict
from trialdesk.exports.sdtm import build_domains
from trialdesk.reports.snapshot_from_db import snapshot_from_database
from trialdesk.service import screening, subjects
from trialdesk.service.storage.database import Database

ALL_PASS = {"inc-1": Status.PASS, "exc-1": Status.PASS}


def test_a_recorded_death_is_the_stored_screen_fail_reason(study: Database, staff: Staff) -> None:
    with study.transaction() as s:
        sid = registered(s, staff.coordinator)
    passing = screened(ALL_PASS, as_of=TODAY)
    died = Message.of("record.deceased_on", date="2026-03-01")
    result = replace(passing.result, verdict=Verdict.INELIGIBLE, notes=(died,))
    with study.transaction() as s:
        row = screening.store_screening(s, staff.coordinator, sid, replace(passing, result=result))
        assert [r["criterion_id"] for r in row.fail_reasons] == ["deceased"]
        assert "died on 2026-03-01" in row.fail_reasons[0]["reason"]
        assert subjects.get_subject(s, staff.coordinator, sid).status == "ineligible"
    snapshot = snapshot_from_database(study, TODAY)
    (subject,) = snapshot.subjects
    assert subject.screen_fail_reasons == [DECEASED_REASON]
    assert dict(consort_flow(snapshot).exclusion_reasons) == {DECEASED_REASON: 1}
    assert build_domains(snapshot)["IE"].empty
