"""What an investigator's eligibility sign-off must cover."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from trialdesk.core.screening.result import Status

__all__ = ["SIGNABLE_VERDICTS", "signoff_problems"]

SIGNABLE_VERDICTS = frozenset({"eligible", "needs_review"})


def signoff_problems(
    verdict: str, statuses: Mapping[str, str], confirmed: Collection[str]
) -> list[str]:
    """Why this sign-off cannot be signed; empty when it can.

    Every criterion in ``review`` must be confirmed by name, and only those: confirming a
    criterion that passed or failed on data is a mistake worth catching.
    """
    if verdict not in SIGNABLE_VERDICTS:
        return [f"a '{verdict}' screening cannot be signed as eligible"]
    to_review = {cid for cid, status in statuses.items() if status == Status.REVIEW}
    problems = [
        f"criterion {cid} needs review and is not confirmed"
        for cid in sorted(to_review)
        if cid not in confirmed
    ]
    problems += [
        f"criterion {cid} does not need review (status "
        f"{statuses.get(cid, 'unknown to this screening')})"
        for cid in sorted(set(confirmed) - to_review)
    ]
    return problems
