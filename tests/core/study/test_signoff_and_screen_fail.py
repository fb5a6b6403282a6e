from __future__ import annotations

from datetime import date

from trialdesk.core.i18n import Message
from trialdesk.core.screening.result import CriterionResult, ScreeningResult, Status, Verdict
from trialdesk.core.study import screen_fail_reasons
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
