"""What the observation family's SQL is planned from: each leaf's kind, codes and window, the
outcomes a row can give it, and where its pick lives in the per-person aggregate.

Every candidate row is evaluated to a small outcome index (:data:`OUTCOMES`) before the pick:
the screener's reading depends on the row alone (its day against the leaf's window, its value
against the leaf's wanted values, answer, result or numeric test), so the pick only has to
carry one integer, never the row's text. An index is turned into the leaf's packed outcome
code by the leaf view (:func:`trialdesk.population.families.base.outcome`).

The pick itself is one ``MAX`` of a packed BIGINT per (person, slot) (rows the packing cannot
hold are ranked exactly: :mod:`.observations_sql`): a slot is a leaf and one of its code
variants (the plain codes; a performance leaf on ``scale=auto`` has one slot per scale, since
the person's age picks the scale; a disease-status leaf has one more for the mCODE trend).
Slots are laid out in rows of :data:`CHUNK` columns (one aggregate row per person and chunk),
a leaf's slots always in the same chunk, so a protocol with many leaves costs a few more
columns per row, never one ``CASE`` per leaf per row beyond a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.core.criteria import ast as a
from trialdesk.core.screening.evaluators import findings
from trialdesk.population.families.base import Setting

__all__ = [
    "CHUNK",
    "OUTCOMES",
    "OUTCOME_SPAN",
    "UNPACKED",
    "Roles",
    "Slot",
    "codes_of",
    "kind_of",
    "rank_radix",
    "roles_of",
    "slots_of",
    "test_count",
    "window_start",
]

#: Slots per aggregate row (one ``MAX(CASE ...)`` per slot and row).
CHUNK = 16

#: Every outcome a row can give a leaf (truth letter, reason key, no data), by index.
OUTCOMES: tuple[tuple[str, str, bool], ...] = (
    ("U", "status.missing", True),
    ("T", "status.is", False),
    ("F", "status.is", False),
    ("R", "attestation.stale", False),
    ("R", "attestation.unreadable", False),
    ("T", "attestation.true", False),
    ("F", "attestation.false", False),
    ("U", "toxicity.no_history", True),
    ("F", "attestation.true", False),
    ("T", "attestation.false", False),
    ("U", "test.missing", True),
    ("R", "test.inconclusive", False),
    ("T", "test.result", False),
    ("F", "test.result", False),
    ("R", "life_expectancy.missing", False),
    ("R", "life_expectancy.unreadable", False),
    ("T", "life_expectancy.is", False),
    ("F", "life_expectancy.is", False),
    ("U", "performance.missing", True),
    ("U", "performance.unreadable", True),
    ("T", "performance.is", False),
    ("F", "performance.is", False),
)
#: The packed pick keeps the outcome index in its lowest five bits: indices are below this.
OUTCOME_SPAN = 32
#: The index a packed pick gives a slot where a row could not be packed (its id or day out of
#: the packed range): the person's picks there are then ranked exactly (``td_obs_exact``).
UNPACKED = OUTCOME_SPAN - 1
assert len(OUTCOMES) <= UNPACKED


def _o(truth: str, reason: str, no_data: bool) -> int:
    return OUTCOMES.index((truth, reason, no_data))


@dataclass(frozen=True, slots=True)
class Roles:
    """A leaf's outcome index for each way a row can read (see ``observations_sql``)."""

    stale: int  # before the leaf's window
    other: int  # nothing the leaf reads: no wanted value, answer, result or number
    yes: int  # a Yes answer concept (no string, no number)
    no: int  # a No answer concept
    unconvertible: int  # a number in a readable unit that does not convert
    holds: int  # a number that meets every test
    fails: int  # a number that fails a test (or no test could be read exactly)
    matched: int  # a string the leaf reads as its wanted value / positive answer
    unmatched: int  # a string read as the other answer / result


def roles_of(node: a.Rule) -> Roles:
    """The outcomes of one leaf, as the evaluators in ``findings`` decide them."""
    kind = kind_of(node)
    if kind in ("status", "finding"):
        negate = isinstance(node, a.FindingCheck) and node.negate
        met, other = (_o("F", "status.is", False), _o("T", "status.is", False))
        if not negate:
            met, other = other, met
        missing = _o("U", "status.missing", True)
        return Roles(missing, other, other, other, other, other, other, met, other)
    if kind == "attestation":
        yes, no = _o("T", "attestation.true", False), _o("F", "attestation.false", False)
        unreadable = _o("R", "attestation.unreadable", False)
        stale = _o("R", "attestation.stale", False)
        return Roles(stale, unreadable, yes, no, *(unreadable,) * 3, yes, no)
    if kind == "toxicity":
        # The attestation says there is no unresolved toxicity: Yes makes the leaf FALSE.
        yes, no = _o("F", "attestation.true", False), _o("T", "attestation.false", False)
        unknown = _o("U", "toxicity.no_history", True)
        return Roles(unknown, unknown, yes, no, *(unknown,) * 3, yes, no)
    if kind == "test":
        inconclusive = _o("R", "test.inconclusive", False)
        met, unmet = _o("T", "test.result", False), _o("F", "test.result", False)
        missing = _o("U", "test.missing", True)
        return Roles(missing, inconclusive, *(inconclusive,) * 5, met, unmet)
    if kind == "life":
        missing = _o("R", "life_expectancy.missing", False)
        unreadable = _o("R", "life_expectancy.unreadable", False)
        met, unmet = _o("T", "life_expectancy.is", False), _o("F", "life_expectancy.is", False)
        return Roles(missing, missing, missing, missing, unreadable, met, unmet, missing, missing)
    # performance: a score in any readable unit is read as recorded (every unit converts).
    missing = _o("U", "performance.missing", True)
    unreadable = _o("U", "performance.unreadable", True)
    met, unmet = _o("T", "performance.is", False), _o("F", "performance.is", False)
    return Roles(missing, unreadable, unreadable, unreadable, unmet, met, unmet, *(unreadable,) * 2)


def kind_of(node: a.Rule) -> str:
    return {
        a.CodedStatusCheck: "status",
        a.FindingCheck: "finding",
        a.AttestationCheck: "attestation",
        a.ToxicityCheck: "toxicity",
        a.TestResultCheck: "test",
        a.LifeExpectancyCheck: "life",
        a.PerformanceCheck: "performance",
    }[type(node)]


def codes_of(node: a.Rule) -> list[tuple[tuple[str, str], str]]:
    """The (system, code) keys the evaluator looks up, in its order, with a scale variant."""
    if isinstance(node, a.CodedStatusCheck):
        keys = [(key, "") for key in findings._STATUS_CODES[node.kind]]
        if node.kind == "disease_status":  # read only where no disease status is (the trend)
            keys.append((findings.MCODE_DISEASE_STATUS, "mcode"))
        return keys
    if isinstance(node, a.FindingCheck):
        return [((node.code.system, node.code.code), "")]
    if isinstance(node, a.AttestationCheck):
        return [((findings.ATTESTATION, node.code), "")]
    if isinstance(node, a.ToxicityCheck):
        # Without an attestation the leaf is unknown for everyone (no rows: ``missing``).
        return [((findings.ATTESTATION, node.attestation), "")] if node.attestation else []
    if isinstance(node, a.TestResultCheck):
        patterns = node.codes.patterns
        return [((p.system, p.code), "") for p in patterns if not p.prefix and p.upper is None]
    if isinstance(node, a.LifeExpectancyCheck):
        return [((findings.CLINICAL, "life-expectancy"), "")]
    if isinstance(node, a.PerformanceCheck):
        if node.scale == "auto":
            return [(findings._PERFORMANCE[s], s) for s in ("lansky", "karnofsky")]
        return [(findings._PERFORMANCE[node.scale], "")]
    raise TypeError(type(node).__name__)


def window_start(node: a.Rule, setting: Setting) -> object:
    """The first day of the leaf's window, or None for "any time" (as each evaluator picks it)."""
    windows = setting.windows
    if isinstance(node, a.CodedStatusCheck):
        if node.window is not None:
            return node.window.before(setting.as_of)
        if node.kind in ("disease_status", "treatment_phase"):
            return windows.window(node.kind).before(setting.as_of)
        return None
    own = getattr(node, "window", None)
    category = {
        a.FindingCheck: "echo",
        a.AttestationCheck: "attestation",
        a.ToxicityCheck: "attestation",
        a.TestResultCheck: "test",
        a.LifeExpectancyCheck: "life_expectancy",
        a.PerformanceCheck: "performance",
    }[type(node)]
    return (own or windows.window(category)).before(setting.as_of)


@dataclass(frozen=True, slots=True)
class Slot:
    """A leaf's code variant and its place (chunk row, column) in the per-person aggregate."""

    leaf: int
    variant: str  # '' plain codes, 'lansky' / 'karnofsky' (scale=auto), 'mcode' (trend)
    chunk: int
    column: int


def slots_of(leaves: list[tuple[int, a.Rule]]) -> list[Slot]:
    """Every leaf's variants, in leaf order, a leaf never split over two chunks."""
    out: list[Slot] = []
    chunk, column = 0, 0
    for number, node in leaves:
        variants = list(dict.fromkeys(variant for _key, variant in codes_of(node)))
        if not variants:
            continue  # no code to read: the family's ``missing`` for everyone
        if column + len(variants) > CHUNK:
            chunk, column = chunk + 1, 0
        for variant in variants:
            out.append(Slot(number, variant, chunk, column))
            column += 1
    return out


def rank_radix(leaves: list[tuple[int, a.Rule]]) -> int:
    """More than any code rank of any leaf: the rank's digit in the packed pick."""
    return max((len(codes_of(node)) for _n, node in leaves), default=0) + 1


def test_count(leaves: list[tuple[int, a.Rule]]) -> int:
    """The most numeric tests of one leaf (life expectancy, performance): one join each."""
    return max(
        (
            len(node.tests)
            for _n, node in leaves
            if isinstance(node, (a.LifeExpectancyCheck, a.PerformanceCheck))
        ),
        default=0,
    )
