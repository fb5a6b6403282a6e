"""Match one patient against many trials: an index prunes by age, sex, condition and status,
then every remaining trial is screened in full and the trials are ranked."""

from trialdesk.core.matching.index import PatientFacts, TrialFacts, TrialIndex, patient_facts
from trialdesk.core.matching.rank import MatchOptions, MatchReport, TrialMatch, match_patient

__all__ = [
    "MatchOptions",
    "MatchReport",
    "PatientFacts",
    "TrialFacts",
    "TrialIndex",
    "TrialMatch",
    "match_patient",
    "patient_facts",
]
