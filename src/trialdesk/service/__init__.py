"""The study service: storage, the study's workflows, users and roles, the audit trail.

The domain core (``trialdesk.core.study``) decides; this package loads facts, asks the core,
and stores the outcome in one transaction together with its audit entries.
"""
