from __future__ import annotations

from datetime import date

from trialdesk.core.i18n import Message
from trialdesk.core.screening.result import CriterionResult, ScreeningResult, Status, Verdict
from trialdesk.core.study import screen_fail_reasons
from trialdesk.core.study.screen_fail import DECEASED, RECORD
from trialdesk.core.study.signoff import signoff_problems


def _criterion(cid: str, status: Status, reason: str = "") -> CriterionResult:
    kind = "inclusion" if cid.startswith("inc") else "exclusion"
    reasons = (Message.of("test.reason", text=reason),) if reason else ()
    return CriterionResult(id=cid, kind=kind, status=status, reasons=reasons, text=cid)


def test_screen_fail_reasons_are_the_failed_criteria_in_order() -> None:
    result = ScreeningResult(
        trial="NCT06948994",
        protocol_version="1.0",
        patient="p1",
        as_of=date(2026, 3, 1),
        verdict=Verdict.INELIGIBLE,
        criteria=(
            _criterion("inc-age", Status.PASS),
            _criterion("inc-hemoglobin", Status.FAIL, "Hb 70 g/L < 80 g/L"),
            _criterion("exc-hiv", Status.FAIL, "HIV infection"),
            _criterion("inc-lvef", Status.UNKNOWN),
        ),
    )
    reasons = screen_fail_reasons(result)
    assert [r.criterion_id for r in reasons] == ["inc-hemoglobin", "exc-hiv"]
    assert reasons[1].kind == "exclusion"
    assert reasons[0].to_dict()["reason"]  # the rendered reason is never blank


def test_sign_off_must_confirm_exactly_the_criteria_in_review() -> None:
    statuses = {"inc-age": "pass", "exc-other": "review", "inc-survival": "review"}
    assert signoff_problems("needs_review", statuses, ["exc-other", "inc-survival"]) == []
    assert signoff_problems("needs_review", statuses, ["exc-other"]) == [
        "criterion inc-survival needs review and is not confirmed"
    ]
    assert signoff_problems("needs_review", statuses, ["exc-other", "inc-survival", "inc-age"]) == [
        "criterion inc-age does not need review (status pass)"
    ]


def test_an_ineligible_or_incomplete_screening_cannot_be_signed() -> None:
    assert signoff_problems("ineligible", {}, []) == [
        "a 'ineligible' screening cannot be signed as eligible"
    ]
    assert signoff_problems("incomplete", {}, [])
    assert signoff_problems("eligible", {"inc-age": "pass"}, []) == []


def _screening(verdict: Verdict, *notes: Message, failed: bool = False) -> ScreeningResult:
    return ScreeningResult(
        trial="NCT06948994",
        protocol_version="1.0",
        patient="p1",
        as_of=date(2026, 3, 1),
        verdict=verdict,
        criteria=(
            _criterion("inc-age", Status.PASS),
            _criterion("exc-hiv", Status.FAIL if failed else Status.PASS, "HIV infection"),
        ),
        notes=notes,
    )


def test_a_recorded_death_is_the_first_screen_fail_reason() -> None:
    died = Message.of("record.deceased_on", date="2026-02-20")
    alone = screen_fail_reasons(_screening(Verdict.INELIGIBLE, died))
    assert [(r.criterion_id, r.kind) for r in alone] == [(DECEASED, RECORD)]
    assert "died on 2026-02-20" in alone[0].reason
    assert "2026-02-20" in screen_fail_reasons(_screening(Verdict.INELIGIBLE, died), "zh")[0].reason
    both = screen_fail_reasons(_screening(Verdict.INELIGIBLE, died, failed=True))
    assert [r.criterion_id for r in both] == [DECEASED, "exc-hiv"]
    undated = screen_fail_reasons(_screening(Verdict.INELIGIBLE, Message.of("record.deceased")))
    assert [r.criterion_id for r in undated] == [DECEASED]


def test_a_death_that_does_not_decide_the_verdict_is_no_screen_fail_reason() -> None:
    later = Message.of("record.deceased_after", date="2026-04-01", as_of="2026-03-01")
    uncertain = Message.of("record.deceased_uncertain", date="2026-03", as_of="2026-03-01")
    assert screen_fail_reasons(_screening(Verdict.ELIGIBLE, later)) == []
    assert screen_fail_reasons(_screening(Verdict.NEEDS_REVIEW, uncertain)) == []
    failed = screen_fail_reasons(_screening(Verdict.INELIGIBLE, later, failed=True))
    assert [r.criterion_id for r in failed] == ["exc-hiv"]
