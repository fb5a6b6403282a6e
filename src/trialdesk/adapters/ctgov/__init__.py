"""ClinicalTrials.gov API v2 study records (JSON, no network) into TrialDesk protocol files."""

from trialdesk.adapters.ctgov.importer import ImportOutcome, import_paths, import_study
from trialdesk.adapters.ctgov.studies import StudyFile, read_studies

__all__ = ["ImportOutcome", "StudyFile", "import_paths", "import_study", "read_studies"]
